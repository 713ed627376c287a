"""Property test: any async class a user can write generates a module that works.

Hypothesis writes source modules with random async classes: random class, method and
parameter names (mixed with awkward ones such as ``type``, ``self``, ``cls``, ``n``,
``range`` or ``message``), every parameter kind, annotations (builtins, imported and
module-level types, forward references, a type variable) or none, defaults that name
module constants and mutable ones (``[]``, ``dict()``: the method's own), tells and asks,
generic and plain classes, messages with and without ``@route`` (every strategy, and keys
taken from random parameters). For each module:

- the generator reports no diagnostic, and its output compiles;
- every message, sent with sample arguments to a process and to a cluster, reaches the
  user's method with exactly those arguments (defaults filled in), and asks reply (a
  broadcast reaches, and replies from, every member of the cluster);
- afterwards, one ``mypy --strict`` run and one pyright (basedpyright, pyright's strict
  rules) run check all the generated modules together.

The examples are derandomized, so the suite is deterministic.
"""

from __future__ import annotations

import collections
import importlib
import inspect
import json
import keyword
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from actorgen.codegen.emit import emit
from actorgen.codegen.parse import analyze
from actorgen.codegen.render import render
from actorgen.runtime import Runtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 60
PEP695 = sys.version_info >= (3, 12)


@dataclass(frozen=True)
class Type:
    """An annotation, the default a parameter of this type may have, and a sample value
    (Python source, evaluated in the user's module)."""

    text: str | None  # None: unannotated
    default: str | None
    sample: str
    generic: bool = False  # uses the class's type variable T
    hashable: bool = True  # the sample can be a routing key


TYPES = [
    Type("int", "DEFAULT_INT", "5"),
    Type("str", "'d'", "'s'"),
    Type("float", "0.5", "1.5"),
    Type("bool", "False", "True"),
    Type("bytes", "b''", "b'x'"),
    Type("int | None", "None", "3"),
    Type("Optional[str]", "None", "'o'"),
    Type("list[int]", "[]", "[1, 2]", hashable=False),
    Type("dict[str, int]", "dict()", "{'a': 1}", hashable=False),
    Type("tuple[int, ...]", "()", "(1, 2)"),
    Type("Point", "ORIGIN", "Point(1, 2)"),
    Type("'Point'", "ORIGIN", "Point(3, 4)"),
    Type("list['Point']", None, "[Point(0, 1)]", hashable=False),
    Type("date", None, "date(2020, 1, 2)"),
    Type(None, "None", "'anything'"),
    Type("T", None, "7", generic=True),
    Type("list[T]", None, "[7, 8]", generic=True, hashable=False),
]
REPLIES = [t for t in TYPES if t.text is not None and not t.generic]
# Names that collide with what generated code uses or with builtins and types.
AWKWARD = ["type", "id", "message", "instance", "n", "cls", "make", "range", "list", "date",
           "object", "int", "str", "match", "case", "self", "value", "default", "_", "bytes"]  # fmt: skip
# Method names must not be types that later annotations use (in a class body the method
# would shadow the type, in the user's class as in the facades), nor reserved names.
NOT_METHODS = {"int", "str", "float", "bool", "bytes", "list", "dict", "tuple", "date", "type",
               "object", "spawn", "join", "members", "self", "cls"}  # fmt: skip
KINDS = ["positional-only", "positional", "*args", "keyword-only", "**kwargs"]


def _identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("zz")


names = st.one_of(
    st.from_regex(r"[a-z][a-z0-9]{0,5}(_[a-z0-9]{1,3})?", fullmatch=True),
    st.sampled_from(AWKWARD),
).filter(_identifier)
method_names = st.one_of(
    st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z]{1,4})?", fullmatch=True),
    st.sampled_from(["process", "message", "get", "set", "items", "run", "match", "id"]),
).filter(lambda n: _identifier(n) and n not in NOT_METHODS and n != "this")
class_names = st.from_regex(r"[A-Z][a-z]{2,7}", fullmatch=True).filter(
    lambda n: n not in {"Point", "Optional", "Generic", "TypeVar"}
)


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str
    type: Type
    has_default: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: tuple[ParamSpec, ...]
    reply: Type | None  # None: a tell
    omit_defaults: bool  # calls leave out the parameters that have defaults
    extra_args: int  # how many values a call passes to *args / **kwargs
    route: str | None = None  # the arguments of its ``@route(...)``: ``"broadcast"``...
    is_async: bool = False  # ``async def``: the runtime awaits it on an event loop

    @property
    def broadcast(self) -> bool:
        return self.route == '"broadcast"'


@dataclass(frozen=True)
class ClassSpec:
    name: str
    generic: str  # "", "typevar" or "pep695"
    init: MethodSpec
    messages: tuple[MethodSpec, ...]


@st.composite
def params(draw: st.DrawFn, generic: bool, min_size: int) -> tuple[ParamSpec, ...]:
    types = [t for t in TYPES if generic or not t.generic]
    drawn = draw(
        st.lists(
            st.tuples(names, st.sampled_from(KINDS), st.sampled_from(types), st.booleans()),
            min_size=min_size,
            max_size=6,
            unique_by=lambda p: p[0],
        )
    )
    result: list[ParamSpec] = []
    for kind in KINDS:  # parameters in the order Python requires
        of_kind = [p for p in drawn if p[1] == kind]
        if kind in ("*args", "**kwargs"):
            of_kind = of_kind[:1]
        for name, _, type_, default in of_kind:
            default = default and type_.default is not None and "*" not in kind
            result.append(ParamSpec(name, kind, type_, default))
    # A positional parameter without a default cannot follow one with a default.
    positional = [p for p in result if p.kind in ("positional-only", "positional")]
    required = [i for i, p in enumerate(positional) if not p.has_default]
    if required:
        for p in positional[: required[-1]]:
            result[result.index(p)] = ParamSpec(p.name, p.kind, p.type, False)
    return tuple(result)


@st.composite
def methods(draw: st.DrawFn, name: str, generic: bool) -> MethodSpec:
    reply = None if name == "__init__" else draw(st.none() | st.sampled_from(REPLIES))
    min_size = 0 if name == "__init__" else 1
    drawn = draw(params(generic, min_size))
    keys = [p.name for p in drawn if "*" not in p.kind and p.type.hashable]
    routes = ['"balanced"', '"round_robin"', '"broadcast"', *(f"key={k!r}" for k in keys)]
    route = None if name == "__init__" else draw(st.none() | st.sampled_from(routes))
    is_async = name != "__init__" and draw(st.booleans())
    return MethodSpec(
        name, drawn, reply, draw(st.booleans()), draw(st.integers(0, 2)), route, is_async
    )


@st.composite
def classes(draw: st.DrawFn, name: str) -> ClassSpec:
    generic = draw(st.sampled_from(["", "typevar", *(["pep695"] if PEP695 else [])]))
    init = draw(methods("__init__", bool(generic)))
    message_names = draw(
        st.lists(method_names, min_size=2, max_size=5, unique_by=lambda n: n.replace("_", ""))
    )
    messages = tuple(draw(methods(m, bool(generic))) for m in message_names)
    return ClassSpec(name, generic, init, messages)


@st.composite
def modules(draw: st.DrawFn) -> tuple[ClassSpec, ...]:
    names_ = draw(st.lists(class_names, min_size=1, max_size=2, unique=True))
    return tuple(draw(classes(n)) for n in names_)


# -- the user's source, and calls with sample arguments -----------------------------------


def _annotation(param: ParamSpec) -> str:
    return f": {param.type.text}" if param.type.text is not None else ""


def _method_source(method: MethodSpec) -> str:
    receiver = "this" if any(p.name == "self" for p in method.params) else "self"
    parts = [receiver]
    for index, p in enumerate(method.params):
        previous = method.params[index - 1].kind if index else None
        if previous == "positional-only" and p.kind != previous:
            parts.append("/")
        if p.kind == "keyword-only" and previous not in ("keyword-only", "*args"):
            parts.append("*")
        star = {"*args": "*", "**kwargs": "**"}.get(p.kind, "")
        default = f" = {p.type.default}" if p.has_default else ""
        parts.append(f"{star}{p.name}{_annotation(p)}{default}")
    if method.params and method.params[-1].kind == "positional-only":
        parts.append("/")
    # `route` under a private alias: a message named `route` would hide the decorator.
    decorator = f"@_route({method.route})\n" if method.route is not None else ""
    if method.reply is None:
        returns, body = " -> None", ""
    else:
        # The reply comes from a module constant, which no parameter can shadow.
        returns = f" -> {method.reply.text}"
        body = f"\n    return SAMPLES[{REPLIES.index(method.reply)}]  # type: ignore[no-any-return]"
    arguments = ", ".join(f"{p.name!r}: {p.name}" for p in method.params)
    define = "async def" if method.is_async else "def"
    return (
        f"{decorator}{define} {method.name}({', '.join(parts)}){returns}:\n"
        f"    RECORDED.append(({method.name!r}, {{{arguments}}})){body}\n"
    )


def source(specs: tuple[ClassSpec, ...]) -> str:
    lines = [
        "from dataclasses import dataclass",
        "from datetime import date",
        "from typing import Generic, Optional, TypeVar",
        "",
        "from actorgen.runtime import async_class",
        "from actorgen.runtime import route as _route",
        "",
        "RECORDED: list[tuple[str, dict[str, object]]] = []",
        "DEFAULT_INT = 7",
        'T = TypeVar("T")',
        "",
        "",
        "@dataclass(frozen=True)",
        "class Point:",
        "    x: int",
        "    y: int",
        "",
        "",
        "ORIGIN = Point(0, 0)",
        f"SAMPLES: list[object] = [{', '.join(t.sample for t in REPLIES)}]",
    ]
    for spec in specs:
        header = {"": "", "typevar": "(Generic[T])", "pep695": "[T]"}[spec.generic]
        lines += ["", "", "@async_class", f"class {spec.name}{header}:"]
        for method in (spec.init, *spec.messages):
            lines.append(textwrap.indent(_method_source(method), "    "))
    return "\n".join(lines) + "\n"


def sample_call(method: MethodSpec, module: object) -> tuple[list[object], dict[str, object]]:
    args: list[object] = []
    kwargs: dict[str, object] = {}
    namespace = vars(module)

    def value(p: ParamSpec) -> object:
        return eval(p.type.sample, namespace)

    has_star = any(p.kind == "*args" for p in method.params)
    for p in method.params:
        skip = p.has_default and method.omit_defaults
        if p.kind in ("positional-only", "positional"):
            if not (skip and not (has_star and method.extra_args)):
                args.append(value(p))
        elif p.kind == "*args":
            args.extend(value(p) for _ in range(method.extra_args))
        elif p.kind == "keyword-only":
            if not skip:
                kwargs[p.name] = value(p)
        else:
            kwargs.update({f"zz{i}": value(p) for i in range(method.extra_args)})
    return args, kwargs


def expected_record(cls: type, method: MethodSpec, args: list[object], kwargs: dict[str, object]) -> tuple[str, dict[str, object]]:  # fmt: skip
    bound = inspect.signature(getattr(cls, method.name)).bind(None, *args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    del arguments[next(iter(arguments))]  # the receiver
    return method.name, arguments


# -- the test ------------------------------------------------------------------------------


def test_random_async_classes_generate_working_well_typed_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    generated: list[Path] = []
    texts: dict[Path, str] = {}
    runs = iter(range(10**6))  # a fresh package per run, shrinking runs included

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(modules())
    def generate_and_round_trip(specs: tuple[ClassSpec, ...]) -> None:
        package = f"fuzz{next(runs)}"
        folder = tmp_path / package
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        text = source(specs)
        (folder / "mod.py").write_text(text)
        spec, diagnostics = analyze(f"{package}/mod.py", text, ".mod")
        assert diagnostics == [], f"{diagnostics}\n{text}"
        assert spec is not None
        output = render(spec)
        # The emitter records the helper modules the code it writes names; the text, and
        # so its imports, must agree.
        helpers = emit(spec).helpers
        for helper in ("_builtins", "_dataclasses", "_typing"):
            assert (helper in helpers) == (f"{helper}." in output), (helper, output)
        compile(output, f"{package}/mod_actors.py", "exec")
        target = folder / "mod_actors.py"
        target.write_text(output)
        generated.append(target)
        texts[target] = text
        _round_trip(package, specs)

    generate_and_round_trip()
    assert len(generated) == EXAMPLES
    _mypy_accepts(generated, texts, tmp_path)
    _pyright_accepts(generated, texts, tmp_path)


def _round_trip(package: str, specs: tuple[ClassSpec, ...]) -> None:
    user = importlib.import_module(f"{package}.mod")
    facades = importlib.import_module(f"{package}.mod_actors")
    expected: list[tuple[str, dict[str, object]]] = []
    try:
        with Runtime(threads=2):
            for spec in specs:
                cls = getattr(user, spec.name)
                init_args, init_kwargs = sample_call(spec.init, user)
                process = getattr(facades, f"{spec.name}Process").spawn(*init_args, **init_kwargs)
                cluster = getattr(facades, f"{spec.name}Cluster").spawn(
                    2, *init_args, **init_kwargs
                )
                expected += [expected_record(cls, spec.init, init_args, init_kwargs)] * 3
                for message in spec.messages:
                    args, kwargs = sample_call(message, user)
                    for facade in (process, cluster):
                        reply = getattr(facade, message.name)(*args, **kwargs)
                        handlers = 2 if facade is cluster and message.broadcast else 1
                        if message.reply is None:
                            assert reply is None
                        else:
                            wanted = user.SAMPLES[REPLIES.index(message.reply)]
                            replies = reply if handlers == 2 else (reply,)
                            assert [r.result(timeout=10) for r in replies] == [wanted] * handlers
                        expected += [expected_record(cls, message, args, kwargs)] * handlers
    finally:
        for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
            del sys.modules[name]
    got = collections.Counter(repr(r) for r in user.RECORDED)
    assert got == collections.Counter(repr(r) for r in expected)


def _mypy_accepts(generated: list[Path], texts: dict[Path, str], root: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--follow-imports=silent",  # the users' sources are not ours to check
            "--cache-dir",
            str(root / ".mypy_cache"),
            *(str(p.relative_to(root)) for p in generated),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if completed.returncode != 0:
        failing = {line.split(":", 1)[0] for line in completed.stdout.splitlines() if ":" in line}
        _fail("mypy --strict", completed.stdout, {root / f for f in failing}, texts)


def _pyright_accepts(generated: list[Path], texts: dict[Path, str], root: Path) -> None:
    config = root / "pyrightconfig.json"
    config.write_text(
        json.dumps({"typeCheckingMode": "strict", "include": [str(p) for p in generated]})
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "basedpyright",
            "--project",
            str(config),
            "--pythonpath",
            sys.executable,
            "--outputjson",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(completed.stdout)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    if errors:
        lines = [
            f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']} ({d.get('rule')})"
            for d in errors
        ]
        _fail("pyright strict", "\n".join(lines), {Path(d["file"]) for d in errors}, texts)


def _fail(checker: str, output: str, failing: set[Path], texts: dict[Path, str]) -> None:
    shown = "\n\n".join(
        f"--- {path}\n{texts[path]}\n{path.read_text()}"
        for path in sorted(failing)
        if path in texts
    )
    pytest.fail(f"{checker} rejects generated code:\n{output}\n{shown}")
