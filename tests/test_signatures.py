"""Every signature a user writes either works or gets a located diagnostic.

What works is shown by the golden cases (tests/golden/) as generated text, type-checked
by tests/test_typing.py; here those modules also run, and each case that is rejected
is pinned to its diagnostic. docs/signatures.md lists the same decisions.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pickle
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from actorgen.codegen.parse import analyze
from actorgen.codegen.pipeline import plan
from actorgen.runtime import Runtime
from helpers import GOLDEN

HEADER = "from actorgen.runtime import async_class\n"


def diagnostics(source: str) -> list[str]:
    spec, found = analyze("mod.py", textwrap.dedent(source), "mod")
    assert (spec is None) == bool(found)
    return [str(d) for d in found]


def generated(source: str) -> str:
    from actorgen.codegen.render import render

    spec, found = analyze("mod.py", textwrap.dedent(source), "mod")
    assert found == [], found
    assert spec is not None
    return render(spec)


# -- what is rejected, and where --------------------------------------------------------------

REJECTED = {
    "defined inside an if": (
        """\
        import sys
        from actorgen.runtime import async_class
        if sys.version_info >= (3, 11):
            @async_class
            class W:
                def foo(self) -> None: ...
        """,
        "mod.py:5:11: error: async class 'W' is defined inside an 'if' block; the generated "
        "module imports it unconditionally, so define it at module level, outside any block",
    ),
    "defined inside a try": (
        HEADER + "try:\n    @async_class\n    class W:\n        def foo(self) -> None: ...\n"
        "except ImportError:\n    pass\n",
        "mod.py:4:11: error: async class 'W' is defined inside a 'try' block",
    ),
    "defined inside a function": (
        HEADER + "def make() -> None:\n    @async_class\n    class W:\n"
        "        def foo(self) -> None: ...\n",
        "mod.py:4:11: error: async class 'W' must be defined at module level",
    ),
    "nested in a class": (
        HEADER
        + "class Outer:\n    @async_class\n    class W:\n        def foo(self) -> None: ...\n",
        "mod.py:4:11: error: async class 'W' must be defined at module level",
    ),
    "defined twice": (
        HEADER + "@async_class\nclass W:\n    def foo(self) -> None: ...\n"
        "@async_class\nclass W:\n    def bar(self) -> None: ...\n",
        "mod.py:6:7: error: async class 'W' is defined twice (first on line 3)",
    ),
    "overloads without an implementation": (
        HEADER + "from typing import overload\n@async_class\nclass W:\n"
        "    @overload\n    def foo(self, a: int) -> int: ...\n"
        "    @overload\n    def foo(self, a: str) -> str: ...\n",
        "mod.py:8:9: error: overloaded message W.foo has no implementation",
    ),
    "a message defined twice": (
        HEADER + "@async_class\nclass W:\n    def foo(self) -> None: ...\n"
        "    def foo(self, a: int) -> None: ...\n",
        "mod.py:5:9: error: message W.foo is defined more than once",
    ),
    "a decorator that can change the signature": (
        HEADER + "import functools\n@async_class\nclass W:\n    @functools.lru_cache\n"
        "    def foo(self) -> int: ...\n",
        "mod.py:5:5: error: message W.foo is decorated; a decorator can change what the method "
        "takes and returns",
    ),
    "a ParamSpec class parameter": (
        HEADER + "from typing import Generic, ParamSpec\nP = ParamSpec('P')\n"
        "@async_class\nclass W(Generic[P]):\n    def foo(self) -> None: ...\n",
        "mod.py:5:17: error: 'P' of W is a ParamSpec; async classes and messages can only be "
        "generic in plain type variables",
    ),
    "a PEP 695 TypeVarTuple": (
        HEADER + "@async_class\nclass W[*Ts]:\n    def foo(self) -> None: ...\n",
        "mod.py:3:10: error: 'Ts' of W is a TypeVarTuple",
    ),
    "a PEP 695 ParamSpec on a message": (
        HEADER + "@async_class\nclass W:\n    def foo[**P](self) -> None: ...\n",
        "mod.py:4:15: error: 'P' of W.foo is a ParamSpec",
    ),
    "PEP 695 methods in a TypeVar class": (
        HEADER + "from typing import Generic, TypeVar\nT = TypeVar('T')\n"
        "@async_class\nclass W(Generic[T]):\n    def foo[U](self, a: U) -> None: ...\n",
        "mod.py:6:9: error: W.foo declares type parameters the PEP 695 way but class W uses "
        "TypeVars",
    ),
    "Self in a message": (
        HEADER + "from typing import Self\n@async_class\nclass W:\n"
        "    def merge(self, other: Self) -> None: ...\n",
        "mod.py:5:28: error: 'Self' in the signature of W.merge would mean the generated "
        "facade there; write 'W' instead",
    ),
    "typing.Self in a reply": (
        HEADER + "import typing\n@async_class\nclass W:\n"
        "    def clone(self) -> 'typing.Self': ...\n",
        "mod.py:5:24: error: 'Self' in the signature of W.clone",
    ),
    "two classes generate one name": (
        HEADER + "@async_class\nclass Job:\n    def run_fast(self) -> None: ...\n"
        "@async_class\nclass JobRun:\n    def fast(self) -> None: ...\n",
        "mod.py:7:9: error: async classes Job and JobRun would both generate JobRunFastMessage",
    ),
    "a type parameter named like a generated name": (
        HEADER + "@async_class\nclass W[WMessage]:\n    def foo(self) -> None: ...\n",
        "mod.py:3:9: error: type parameter 'WMessage' of W would shadow a name the generated "
        "code uses",
    ),
    "a parameter named like a helper module": (
        HEADER + "@async_class\nclass W:\n    def foo(self, _typing: int) -> None: ...\n",
        "mod.py:4:19: error: parameter '_typing' of W.foo would shadow a name the generated "
        "code uses",
    ),
    "an __init__ parameter named like the dispatch function": (
        HEADER + "@async_class\nclass W:\n    def __init__(self, dispatch_w: int) -> None: ...\n"
        "    def foo(self) -> None: ...\n",
        "mod.py:4:24: error: parameter 'dispatch_w' of W.__init__ would shadow",
    ),
    "a type variable only imported for type checkers": (
        HEADER + "from typing import TYPE_CHECKING, Generic\n"
        "if TYPE_CHECKING:\n    from typing import TypeVar\n    T = TypeVar('T')\n"
        "@async_class\nclass W(Generic[T]):\n    def foo(self, a: T) -> None: ...\n",
        "mod.py:7:17: error: type variable 'T' of W is only imported under TYPE_CHECKING",
    ),
    "an unresolvable bound": (
        HEADER + "@async_class\nclass W[K: Missing]:\n    def foo(self, a: K) -> None: ...\n",
        "mod.py:3:12: error: cannot resolve 'Missing' in the signature of W",
    ),
    "an unreadable string annotation": (
        HEADER + "@async_class\nclass W:\n    def foo(self, a: 'list[') -> None: ...\n",
        "mod.py:4:22: error: cannot read the string annotation 'list[' in W.foo",
    ),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_a_signature_that_cannot_be_generated_gets_a_located_diagnostic(case: str) -> None:
    source, expected = REJECTED[case]
    found = diagnostics(source)
    assert any(line.startswith(expected) for line in found), found


def test_all_problems_of_a_class_are_reported_at_once() -> None:
    found = diagnostics(
        HEADER + "@async_class\nclass W:\n    async def foo(self) -> None:  yield\n"
        "    def spawn(self) -> None: ...\n    def bar(self, x: Nope) -> None: ...\n"
    )
    assert [line.split(": error: ")[0] for line in found] == [
        "mod.py:4:5",
        "mod.py:5:9",
        "mod.py:6:22",
    ]


# -- what the generator works around ------------------------------------------------------------


def test_an_imported_type_named_like_a_generated_class_is_aliased() -> None:
    text = generated(
        HEADER + "class WProcess: ...\n@async_class\nclass W:\n"
        "    def foo(self, p: WProcess) -> None: ...\n"
    )
    assert "from mod import W, WProcess as _WProcess" in text
    assert "    def foo(self, p: _WProcess) -> None:" in text
    assert "class WProcess(_actorgen.ProcessHandle):" in text


def test_names_defined_in_the_class_body_are_reached_through_the_class() -> None:
    text = generated(
        HEADER + "@async_class\nclass W:\n    class Config: ...\n    LIMIT = 3\n"
        "    def foo(self, c: Config, n: int = LIMIT) -> None: ...\n"
    )
    assert "def foo(self, c: W.Config, n: int = W.LIMIT) -> None:" in text


def test_receivers_and_locals_step_aside_for_parameters() -> None:
    text = generated(
        HEADER + "@async_class\nclass W:\n"
        "    def __init__(self, cls: str, n: int, range: int) -> None: ...\n"
        "    def foo(this, self: int) -> None: ...\n"
    )
    assert "def spawn(_cls, cls: str, n: int, range: int) -> WProcess:" in text
    assert "def spawn(_cls, n_: int, /, cls: str, n: int, range: int) -> WCluster:" in text
    assert "_actorgen.spawn_members(n_, lambda: WProcess.spawn(cls, n, range))" in text
    assert "def foo(_self, self: int) -> None:" in text


def test_a_field_named_like_a_type_does_not_hide_it_from_later_fields() -> None:
    text = generated(
        HEADER + "from datetime import date\n@async_class\nclass W:\n"
        "    def book(self, date: date, until: date, type: str, *kinds: type[int], "
        "str: str, **extra: str) -> None: ...\n"
    )
    assert "    date: date\n    until: _date\n" in text
    assert "    kinds: tuple[_builtins.type[int], ...]\n" in text
    assert "    str: str\n    extra: dict[_builtins.str, _builtins.str]\n" in text
    assert "from datetime import date, date as _date" in text
    # The facade's own signature is what the user wrote.
    assert (
        "def book(self, date: date, until: date, type: str, *kinds: type[int], str: str, "
        "**extra: str)" in text
    )


def test_an_overloaded_init_gives_spawn_the_implementations_parameters() -> None:
    text = generated(
        HEADER + "from typing import overload\n@async_class\nclass W:\n"
        "    @overload\n    def __init__(self, a: int) -> None: ...\n"
        "    @overload\n    def __init__(self, a: str) -> None: ...\n"
        "    def __init__(self, a: int | str) -> None: ...\n"
        "    def foo(self) -> None: ...\n"
    )
    assert "def spawn(cls, a: int | str) -> WProcess:" in text


def test_the_model_pickles_for_worker_processes_and_caches() -> None:
    for case in ("generics", "names", "decorators", "signatures"):
        for source in (GOLDEN / case / "app").glob("*.py"):
            if source.name.endswith("_actors.py") or source.name == "__init__.py":
                continue
            spec, found = analyze(str(source), source.read_text(), f".{source.stem}")
            assert found == [] and spec is not None
            assert pickle.loads(pickle.dumps(spec)) == spec


# -- the golden modules run ---------------------------------------------------------------------


Loader = Callable[[str, str], ModuleType]


@pytest.fixture
def golden() -> Iterator[Loader]:
    """Imports a golden case's ``app`` package under a name of its own (the runtime tests
    import another ``app``) and forgets it afterwards."""
    loaded: list[str] = []

    def load(case: str, module: str) -> ModuleType:
        package = f"golden_{case}"
        if package not in sys.modules:
            folder = GOLDEN / case / "app"
            spec = importlib.util.spec_from_file_location(
                package, folder / "__init__.py", submodule_search_locations=[str(folder)]
            )
            assert spec is not None and spec.loader is not None
            sys.modules[package] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(sys.modules[package])
            loaded.append(package)
        return importlib.import_module(f"{package}.{module}")

    yield load
    for name in [n for n in sys.modules if any(n.split(".")[0] == p for p in loaded)]:
        del sys.modules[name]


def test_docstrings_of_the_class_and_its_messages_reach_the_facades(golden: Loader) -> None:
    facades = golden("signatures", "shapes_actors")
    for facade in (facades.ShapesProcess, facades.ShapesCluster):
        assert inspect.getdoc(facade.positional) == (
            "Positional-only parameters stay positional-only.\n\n"
            'A second paragraph, with ``code`` and a "quoted" word.'
        )
        assert 'Shapes with "quotes" and a backslash \\ in the docstring.' in str(facade.__doc__)
    assert inspect.getdoc(facades.ShapesProcess.ping) == (
        "Send `ping` to this process; it handles it in its turn."
    )


def test_every_parameter_kind_reaches_the_method(golden: Loader) -> None:
    user = golden("signatures", "shapes")
    facades = golden("signatures", "shapes_actors")
    with Runtime(threads=2):
        process = facades.ShapesProcess.spawn(2.0, user.Unit(), limit=4)
        assert process.positional(1).result() == 6
        assert process.positional(1, 5, c=10).result() == 16
        assert process.variadic(1, 2, 3, mode="x").result() == [1, 2, 3]
        assert process.builtin_names(type="t", id=3, bytes=b"", match=True).result() == {"t": 3}
        assert process.get_item().result() == 2.0 * user.LIMIT
        unit = user.Unit()
        assert facades.ShapesCluster.spawn(2, 1.0, unit).forward(unit, []).result() is unit


def test_generic_facades_run(golden: Loader) -> None:
    facades = golden("generics", "cache_actors")
    with Runtime(threads=2):
        cache = facades.CacheCluster.spawn(2, 0)
        cache.put("a", 1)
        cache.join()
        assert sorted(m.get("a").result() for m in cache.members) == [0, 1]
        assert sorted(len(m.apply(str).result()) for m in cache.members) == [0, 1]
        pair = facades.PairProcess.spawn("k", 1.5)
        assert pair.swap(2.5).result() == 1.5
        assert (pair.look().result(), pair.look(0.0).result()) == (2.5, 2.5)
    # A generic message class can be made through its alias on every Python version.
    assert facades.CacheGetMessage[str](key="a") == facades.CacheGetMessage(key="a")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 syntax needs Python 3.12")
def test_pep695_generic_facades_run(golden: Loader) -> None:
    facades = golden("generics_pep695", "store_actors")
    with Runtime(threads=2):
        store = facades.StoreProcess.spawn(0)
        store.put("a", 1)
        assert (store.get("a").result(), store.get("b").result()) == (1, 0)
        assert store.apply(lambda v: v * 2).result() == [2]
        assert facades.EchoCluster.spawn(2).echo("x").result() == "x"


# The user's deprecated method warns again when the dispatch function calls it, in a
# handler thread; Python's default filters only show the first warning, at the caller.
@pytest.mark.filterwarnings("ignore:use parse:DeprecationWarning")
def test_overloaded_and_deprecated_messages_run(golden: Loader) -> None:
    facades = golden("decorators", "parser_actors")
    with Runtime(threads=2):
        parser = facades.ParserProcess.spawn()
        assert parser.parse("a b").result() == 2
        assert parser.parse(b"c", encoding="ascii").result() == 3
        assert parser.parse(None).result() is None
        with pytest.warns(DeprecationWarning, match=r"use parse\(\)"):
            old = parser.old_parse("d")
        assert old.result() == 4
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert parser.total().result() == 4  # @final and @override are dropped


def test_colliding_names_run(golden: Loader) -> None:
    import datetime

    user = golden("names", "router")
    facades = golden("names", "router_actors")
    with Runtime(threads=2):
        cluster = facades.RouterCluster.spawn(2, "r", 1, 0, range=4)
        process = facades.RouterProcess.spawn(cls="r", n=1)
        process.route(message="m", instance=1, type="t", id=2)
        assert cluster.process(user.RouterProcess()).result() == "done"
        today = datetime.date.today()
        cluster.book(today, today, "t", int, ["a"])
        assert process.message(self=5).result() == 5
        facades.ShardProcessProcess.spawn(user.ShardProcess()).ping()
        cluster.join()


def test_inherited_messages_run_on_the_class_that_inherits_them(golden: Loader) -> None:
    facades = golden("inheritance", "counters_actors")
    with Runtime(threads=2):
        counter = facades.CounterProcess.spawn(5)
        assert counter.add().result() == 6
        assert counter.add(4).result() == 10
        assert counter.name().result() == "Counter"
        assert counter.total_of(2).result() == 20
        counter.reset()  # the nearest definition: Named.reset
        assert counter.total_of(1).result() == -1
        cluster = facades.CounterCluster.spawn(2, start=1)
        cluster.reset()  # routed to every member, as Named.reset says
        cluster.join()
        assert [m.total_of(1).result() for m in cluster.members] == [-1, -1]


def test_messages_take_and_return_handles_of_their_own_module(golden: Loader) -> None:
    facades = golden("handles", "inbox_actors")
    with Runtime(threads=2):
        inbox = facades.InboxProcess.spawn()
        child = inbox.child().result()
        assert isinstance(child, facades.InboxProcess)
        inbox.forward(child, "hello")
        cluster = facades.InboxCluster.spawn(1, parent=inbox)
        inbox.spread(cluster, "all")
        routed = facades.RouterProcess.spawn().route(child, "again").result()
        assert routed is child
        cluster.join()
        # Two senders (the inbox, the router): no order between them is promised.
        assert sorted(child.texts().result()) == ["again", "hello"]
        assert [m.texts().result() for m in cluster.members] == [["all"]]


INHERITANCE_REJECTED = {
    "an imported base": (
        HEADER + "from json import JSONEncoder\n@async_class\nclass W(JSONEncoder):\n"
        "    def foo(self) -> None: ...\n",
        "mod.py:4:9: error: 'W' inherits from JSONEncoder, which is not a class defined at "
        "module level",
    ),
    "a base defined in a block": (
        HEADER + "import sys\nif sys:\n    class Base:\n        def bar(self) -> None: ...\n"
        "@async_class\nclass W(Base):\n    def foo(self) -> None: ...\n",
        "mod.py:7:9: error: 'W' inherits from Base, which is not a class defined at module level",
    ),
    "a generic base": (
        HEADER + "from typing import Generic, TypeVar\nT = TypeVar('T')\n"
        "class Base(Generic[T]):\n    def get(self) -> T: ...\n"
        "@async_class\nclass W(Base[int]):\n    def foo(self) -> None: ...\n",
        "mod.py:7:9: error: 'W' inherits from a generic class (Base[...])",
    ),
    "a decorated inherited method": (
        HEADER + "import functools\nclass Base:\n    @functools.cache\n"
        "    def bar(self) -> int: ...\n@async_class\nclass W(Base):\n"
        "    def foo(self) -> None: ...\n",
        "mod.py:4:5: error: message Base.bar is decorated",
    ),
}


@pytest.mark.parametrize("case", sorted(INHERITANCE_REJECTED))
def test_a_base_whose_messages_cannot_be_generated_gets_a_diagnostic(case: str) -> None:
    source, expected = INHERITANCE_REJECTED[case]
    assert any(d.startswith(expected) for d in diagnostics(source)), diagnostics(source)


def test_plain_bases_bring_no_messages() -> None:
    text = generated(
        HEADER + "from abc import ABC\nfrom typing import Protocol\n"
        "@async_class\nclass W(ABC, object):\n    def foo(self) -> None: ...\n"
    )
    assert "WFooMessage" in text


# -- defaults and shared objects ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("default", "copied"),
    [
        ("None", True),
        ("LIMIT", True),
        ("Color.RED", True),
        ("-1", True),
        ("60 * 60", True),
        ("'a' 'b'", True),
        ("b''", True),
        ("...", True),
        ("()", True),
        ("(1, 'x', LIMIT)", True),
        ("f'{LIMIT}s'", True),
        ("[]", False),
        ("{}", False),
        ("{1}", False),
        ("[i for i in range(3)]", False),
        ("set()", False),
        ("dict(a=1)", False),
        ("lambda: 0", False),
        ("TABLE['a']", False),
        ("BASE + EXTRA", False),
        ("(1, [])", False),
        ("f'{make()}'", False),
    ],
)
def test_only_defaults_that_evaluate_to_the_same_object_are_copied(
    default: str, copied: bool
) -> None:
    text = generated(
        f"""
        from actorgen.runtime import async_class
        from .defs import BASE, EXTRA, LIMIT, TABLE, Color, make

        @async_class
        class W:
            def put(self, a: object = {default}) -> None: ...
        """
    )
    facade_line = next(line for line in text.splitlines() if "def put(" in line)
    assert ("_actorgen.OWN_DEFAULT" not in facade_line) is copied, facade_line
    if copied:
        assert f"= {default}" in facade_line


def test_the_handler_gets_the_methods_own_default_object_never_the_facades(
    golden: Loader,
) -> None:
    from actorgen.runtime import OWN_DEFAULT

    user = golden("signatures", "bags")
    facades = golden("signatures", "bags_actors")
    for facade in (facades.BagProcess, facades.BagCluster):
        # The facades hold no list, dict or set of their own to put into messages.
        into = inspect.signature(facade.add).parameters["into"]
        assert into.default is OWN_DEFAULT
    own_into = user.Bag.add.__defaults__[0]
    own_counts = user.Bag.count.__defaults__[0]
    own_table = user.Bag.order.__kwdefaults__["table"]
    own_seed, own_tags = user.Bag.__init__.__defaults__[0], user.Bag.__init__.__kwdefaults__["tags"]
    with Runtime(threads=2):
        bag = facades.BagProcess.spawn()
        assert bag.add(1).result() is own_into
        assert bag.add(2).result() is own_into
        assert own_into == [1, 2]  # what two direct calls leave in the method's default
        assert bag.count("a", {}, "b").result() == {"a": 1, "b": 1}
        assert bag.count("c").result() is own_counts
        assert bag.order().result() == 1
        assert own_table == {"0": user.LIMIT}
        assert bag.squares().result() == 3 * 6
        bag.untyped()
        seed, tags = bag.contents().result()
        assert seed is own_seed and tags is own_tags
        cluster = facades.BagCluster.spawn(2)
        assert {id(s) for m in cluster.members for s in m.contents().result()} == {
            id(own_seed),
            id(own_tags),
        }
    assert user.Bag.untyped.__defaults__[0] == [1]


def test_an_argument_passed_explicitly_reaches_the_handler_instead_of_the_default(
    golden: Loader,
) -> None:
    user = golden("signatures", "bags")
    facades = golden("signatures", "bags_actors")
    with Runtime(threads=2):
        bag = facades.BagProcess.spawn([7], tags={"t"})
        mine = [5]
        assert bag.add(1, mine).result() is mine
        assert bag.add(2).result() == [2]  # the default, untouched by the call before
        assert mine == [5, 1]
        counts = {"x": 1}
        assert facades.BagCluster.spawn(1).count("x", counts).result() is counts
        assert counts == {"x": 2}
        assert bag.contents().result() == ([7], {"t"})
    assert user.Bag.add.__defaults__[0] == [2]


def test_a_message_carries_the_senders_objects_by_reference(tmp_path: Path) -> None:
    """Nothing is copied on the way (as with queue.Queue): a sender that mutates an object
    after sending it changes what the handler sees."""
    import threading

    (tmp_path / "holder.py").write_text(
        textwrap.dedent(
            """
            import threading
            from actorgen.runtime import async_class

            @async_class
            class Holder:
                def wait(self, gate: threading.Event) -> None:
                    gate.wait(10)

                def snapshot(self, items: list[int]) -> list[int]:
                    return list(items)
            """
        )
    )
    result = plan([tmp_path / "holder.py"])
    assert result.diagnostics == []
    (output,) = result.outputs
    output.target.write_text(output.text)
    sys.path.insert(0, str(tmp_path))
    try:
        facades = importlib.import_module("holder_actors")
        with Runtime(threads=2):
            holder = facades.HolderProcess.spawn()
            gate = threading.Event()
            holder.wait(gate)  # the process is busy until the gate opens
            items = [1]
            seen = holder.snapshot(items)
            items.append(2)  # after sending, before the handler runs
            gate.set()
            assert seen.result() == [1, 2]
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("holder", "holder_actors"):
            sys.modules.pop(name, None)


def test_every_golden_case_is_generated_without_diagnostics(tmp_path: Path) -> None:
    assert plan([GOLDEN]).diagnostics == []


def test_the_typing_module_is_imported_only_when_the_generated_code_uses_it() -> None:
    pep695 = generated(
        """
        from actorgen.runtime import async_class

        @async_class
        class Box[T]:
            def __init__(self, item: T) -> None:
                self.item = item

            def put(self, item: T) -> None:
                self.item = item
        """
    )
    assert "_typing" not in pep695  # strict pyright rejects an unused import
    untyped = generated(
        """
        from actorgen.runtime import async_class

        @async_class
        class Box:
            def put(self, item) -> None:  # unannotated: typed as _typing.Any
                self.item = item
        """
    )
    assert "import typing as _typing" in untyped
