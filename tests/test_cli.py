"""The `actorgen` command: diagnostics, exit codes, safe writes, --check and --diff, and
what it prints."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import actorgen.codegen.cli
import actorgen.codegen.parse
import pytest
from actorgen.codegen.cli import main
from actorgen.codegen.pipeline import plan
from helpers import GOLDEN, errors, run_cli

HEADER = "from actorgen.runtime import async_class\n\n\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache of its own for each test, and colour decided by the streams alone."""
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


GOOD = HEADER + textwrap.dedent(
    """\
    @async_class
    class Worker:
        def __init__(self, name: str) -> None:
            self.name = name

        def foo(self, a: int) -> None:
            pass
    """
)


# -- diagnostics ------------------------------------------------------------------------

BAD_INPUTS = {
    "syntax error": (
        "def broken(:\n    async_class\n",
        "1:12: error: syntax error: invalid syntax",
    ),
    "async generator message": (
        HEADER + "@async_class\nclass W:\n    async def foo(self) -> None:\n        yield\n",
        "6:5: error: message W.foo is an async generator ('async def' with 'yield')",
    ),
    "asynccontextmanager message": (
        HEADER
        + "import contextlib\n@async_class\nclass W:\n"
        + "    @contextlib.asynccontextmanager\n    async def foo(self) -> None:\n        yield\n",
        "7:5: error: message W.foo is an @asynccontextmanager method",
    ),
    "async class with a dedicated thread": (
        HEADER
        + "@async_class(dedicated_thread=True)\nclass W:\n"
        + "    async def foo(self) -> None: ...\n",
        "4:14: error: async class 'W' has 'async def' messages (foo), which run on an event "
        "loop, so it cannot have dedicated_thread=True",
    ),
    "decorated function": (
        HEADER + "@async_class\ndef make() -> None: ...\n",
        "4:1: error: @async_class applies to classes, not to function 'make'",
    ),
    "async_class imported from actorgen": (
        "from actorgen import async_class\n\n\n@async_class\nclass W:\n"
        + "    def foo(self) -> None: ...\n",
        "4:1: error: the decorator is imported as 'actorgen.async_class', which does not "
        "exist: @async_class is 'actorgen.runtime.async_class' (from actorgen.runtime import "
        "async_class)",
    ),
    "async_class through import actorgen": (
        "import actorgen as ag\n\n\n@ag.async_class(capacity=3)\nclass W:\n"
        + "    def foo(self) -> None: ...\n",
        "4:1: error: the decorator is imported as 'actorgen.async_class', which does not exist",
    ),
    "message without self": (
        HEADER + "@async_class\nclass W:\n    def foo() -> None: ...\n",
        "6:9: error: W.foo has no 'self' parameter",
    ),
    "reserved name spawn": (
        HEADER + "@async_class\nclass W:\n    def spawn(self) -> None: ...\n",
        "6:9: error: message W.spawn has the name of a facade method",
    ),
    "reserved name join": (
        HEADER + "@async_class\nclass W:\n    def join(self) -> None: ...\n",
        "6:9: error: message W.join has the name of a facade method",
    ),
    "reserved name members": (
        HEADER + "@async_class\nclass W:\n    def members(self) -> int: ...\n",
        "6:9: error: message W.members has the name of a facade method",
    ),
    "names collide after conversion": (
        HEADER
        + "@async_class\nclass W:\n    def get_item(self) -> None: ...\n"
        + "    def getItem(self) -> None: ...\n",
        "7:9: error: messages W.get_item and W.getItem would both generate WGetItemMessage",
    ),
    "unresolvable annotation": (
        HEADER + "@async_class\nclass W:\n    def foo(self, a: Missing) -> None: ...\n",
        "6:22: error: cannot resolve 'Missing' in the signature of W.foo",
    ),
    "unresolvable forward reference": (
        HEADER + "@async_class\nclass W:\n    def foo(self) -> 'list[Nope]': ...\n",
        "6:22: error: cannot resolve 'Nope' in the signature of W.foo",
    ),
    "nested async class": (
        HEADER
        + "def outer() -> None:\n    @async_class\n    class W:\n        def foo(self) -> None: ...\n",
        "6:11: error: async class 'W' must be defined at module level",
    ),
    "decorator called with a positional argument": (
        HEADER + "@async_class(1)\nclass W:\n    def foo(self) -> None: ...\n",
        "4:14: error: @async_class takes keyword options only",
    ),
    "no messages": (
        HEADER + "@async_class\nclass W:\n    def _hidden(self) -> None: ...\n",
        "5:7: error: async class 'W' has no message methods",
    ),
    "decorated message": (
        HEADER
        + "import functools\n@async_class\nclass W:\n    @functools.cache\n    def foo(self) -> int: ...\n",
        "7:5: error: message W.foo is decorated",
    ),
    "type-checking-only name in a default": (
        "from typing import TYPE_CHECKING\n"
        + HEADER
        + "if TYPE_CHECKING:\n    from decimal import Decimal\n"
        + "@async_class\nclass W:\n    def foo(self, d: object = Decimal) -> None: ...\n",
        "9:31: error: 'Decimal' in a default of W.foo is only imported under TYPE_CHECKING",
    ),
    "parameter shadows a generated name": (
        HEADER + "@async_class\nclass W:\n    def foo(self, WFooMessage: int) -> None: ...\n",
        "6:19: error: parameter 'WFooMessage' of W.foo would shadow a name the generated code uses",
    ),
    "a base from another module": (
        HEADER + "from json import JSONEncoder\n"
        "@async_class\nclass W(JSONEncoder):\n    def foo(self) -> None: ...\n",
        "6:9: error: 'W' inherits from JSONEncoder, which is not a class defined at module "
        "level in this module: the generator cannot see which messages it would inherit; "
        "define the base here or the messages in the class",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gets_a_located_diagnostic_and_no_output(case: str, tmp_path: Path) -> None:
    source, expected = BAD_INPUTS[case]
    path = write(tmp_path / "mod.py", source)
    run = run_cli(tmp_path)
    assert run.code == 1
    assert "Traceback" not in run.err
    lines = errors(run)
    assert any(line.startswith(f"{path}:{expected}") for line in lines), lines
    assert not (tmp_path / "mod_actors.py").exists()


def test_another_librarys_async_class_decorator_is_left_alone(tmp_path: Path) -> None:
    write(
        tmp_path / "mod.py",
        "from elsewhere import async_class\n\n\n@async_class\nclass W:\n"
        "    def foo(self) -> None: ...\n",
    )
    run = run_cli(tmp_path)
    assert run.code == 0, run.err
    assert not errors(run)
    assert not (tmp_path / "mod_actors.py").exists()


def test_all_diagnostics_are_reported_and_good_files_are_still_generated(tmp_path: Path) -> None:
    write(tmp_path / "a.py", BAD_INPUTS["async generator message"][0])
    write(tmp_path / "b.py", BAD_INPUTS["reserved name join"][0])
    write(tmp_path / "good.py", GOOD)
    run = run_cli(tmp_path)
    assert run.code == 1
    assert [line.split(":")[0] for line in errors(run)] == [
        str(tmp_path / "a.py"),
        str(tmp_path / "b.py"),
    ]
    assert (tmp_path / "good_actors.py").exists()
    assert not (tmp_path / "a_actors.py").exists()


# -- @async_class options and @route ---------------------------------------------------------

ROUTED = "from actorgen.runtime import async_class, route\n\n\n@async_class\nclass W:\n"


def _routed(*lines: str) -> str:
    """A module whose class `W` starts on line 5 and has `lines` (indented) from line 6."""
    return ROUTED + "".join(f"    {line}\n" for line in lines)


# Each source and its exact diagnostics, as `line:col: error: message` (path prefixed).
DECORATOR_DIAGNOSTICS = {
    "async_class with a positional argument": (
        HEADER + '@async_class("restart")\nclass W:\n    def foo(self) -> None: ...\n',
        [
            '4:14: error: @async_class takes keyword options only (such as supervision="restart"); '
            "a positional argument is not an option"
        ],
    ),
    "async_class with unpacked options": (
        HEADER + "OPTIONS = {}\n@async_class(*(), **OPTIONS)\nclass W:\n"
        "    def foo(self) -> None: ...\n",
        [
            "5:14: error: @async_class options must be written out as keyword arguments, "
            "not unpacked with '*'",
            "5:19: error: @async_class options must be written out as keyword arguments, "
            "not unpacked with '**'",
        ],
    ),
    "unknown strategy": (
        _routed('@route("fastest")', "def foo(self) -> None: ..."),
        [
            "6:12: error: unknown @route strategy 'fastest' on W.foo; the strategies are "
            "'balanced', 'round_robin' and 'broadcast' (or key=\"<parameter>\" for key affinity)"
        ],
    ),
    "unknown strategy by keyword": (
        _routed('@route(strategy="key")', "def foo(self, a: int) -> None: ..."),
        [
            "6:21: error: unknown @route strategy 'key' on W.foo; the strategies are "
            "'balanced', 'round_robin' and 'broadcast' (or key=\"<parameter>\" for key affinity)"
        ],
    ),
    "strategy and key": (
        _routed('@route("balanced", key="a")', "def foo(self, a: int) -> None: ..."),
        ['6:5: error: @route on W.foo takes a strategy or key="<parameter>", not both'],
    ),
    "neither strategy nor key": (
        _routed("@route()", "def foo(self, a: int) -> None: ..."),
        [
            "6:5: error: @route on W.foo needs a strategy ('balanced', 'round_robin' or "
            "'broadcast') or key=\"<parameter>\""
        ],
    ),
    "route without arguments": (
        _routed("@route", "def foo(self, a: int) -> None: ..."),
        [
            "6:5: error: @route on W.foo needs a strategy ('balanced', 'round_robin' or "
            "'broadcast') or key=\"<parameter>\""
        ],
    ),
    "strategy that is not a literal": (
        "STRATEGY = 'balanced'\n" + _routed("@route(STRATEGY)", "def foo(self) -> None: ..."),
        [
            "7:12: error: the strategy of @route on W.foo must be a string literal, "
            "so that the generator can read it"
        ],
    ),
    "key that is not a literal": (
        _routed('@route(key=f"a")', "def foo(self, a: int) -> None: ..."),
        [
            "6:16: error: the key of @route on W.foo must be a string literal, "
            "so that the generator can read it"
        ],
    ),
    "unpacked route arguments": (
        _routed('@route(**{"key": "a"})', "def foo(self, a: int) -> None: ..."),
        [
            "6:12: error: the arguments of @route on W.foo must be string literals, "
            "not unpacked with '**', so that the generator can read them"
        ],
    ),
    "a second positional argument": (
        _routed('@route("balanced", "a")', "def foo(self, a: int) -> None: ..."),
        ["6:24: error: @route on W.foo takes one positional argument, the strategy"],
    ),
    "an unknown argument": (
        _routed('@route(keys="a")', "def foo(self, a: int) -> None: ..."),
        [
            "6:12: error: @route on W.foo has no argument 'keys'; it takes a strategy or "
            'key="<parameter>"'
        ],
    ),
    "key naming no parameter": (
        _routed('@route(key="usr")', "def foo(self, user: str, /, page: str, *, n: int) -> None: ..."),
        [
            "6:16: error: @route key 'usr' names no parameter of W.foo; its parameters are "
            "'user', 'page' and 'n'"
        ],
    ),
    "key on a method without parameters": (
        _routed('@route(key="a")', "def foo(self) -> None: ..."),
        ["6:16: error: @route key 'a' names no parameter of W.foo; it has no parameter to route by"],
    ),
    "key naming self": (
        _routed('@route(key="self")', "def foo(self, a: int) -> None: ..."),
        [
            "6:16: error: @route key 'self' names the receiver of W.foo, not a parameter; "
            "its parameters are 'a'"
        ],
    ),
    "key naming *args": (
        _routed('@route(key="args")', "def foo(self, *args: int) -> None: ..."),
        [
            "6:16: error: @route key 'args' names *args of W.foo; a key must be a single "
            "parameter, not *args or **kwargs"
        ],
    ),
    "key naming **kwargs": (
        _routed('@route(key="kwargs")', "def foo(self, **kwargs: int) -> None: ..."),
        [
            "6:16: error: @route key 'kwargs' names **kwargs of W.foo; a key must be a single "
            "parameter, not *args or **kwargs"
        ],
    ),
    "two routes": (
        _routed('@route("balanced")', '@route("broadcast")', "def foo(self) -> None: ..."),
        ["7:5: error: message W.foo has more than one @route; keep one"],
    ),
    "route on a private method": (
        _routed('@route("balanced")', "def _foo(self) -> None: ...", "def bar(self) -> None: ..."),
        [
            "6:5: error: @route applies to messages, and W._foo is private (its name starts "
            "with '_')"
        ],
    ),
    "route on a dunder method": (
        _routed('@route("balanced")', "def __call__(self) -> None: ...", "def bar(self) -> None: ..."),
        ["6:5: error: @route applies to messages, and W.__call__ is a special method"],
    ),
    "route on __init__": (
        _routed('@route("balanced")', "def __init__(self) -> None: ...", "def bar(self) -> None: ..."),
        ["6:5: error: @route applies to messages, and W.__init__ is a special method"],
    ),
    "route on a staticmethod": (
        _routed(
            '@route("balanced")', "@staticmethod", "def foo() -> None: ...", "def bar(self) -> None: ..."
        ),
        ["6:5: error: @route applies to messages, and W.foo is a staticmethod"],
    ),
    "route on a classmethod": (
        _routed(
            "@classmethod", '@route("balanced")', "def foo(cls) -> None: ...", "def bar(self) -> None: ..."
        ),
        ["7:5: error: @route applies to messages, and W.foo is a classmethod"],
    ),
    "route on a property": (
        _routed(
            '@route("balanced")', "@property", "def foo(self) -> int: ...", "def bar(self) -> None: ..."
        ),
        ["6:5: error: @route applies to messages, and W.foo is a property"],
    ),
    "route on an overload": (
        "from typing import overload\n"
        + _routed(
            "@overload",
            '@route("broadcast")',
            "def foo(self, a: int) -> int: ...",
            "@overload",
            "def foo(self, a: str) -> str: ...",
            "def foo(self, a: int | str) -> int | str: ...",
        ),
        [
            "8:5: error: @route on an @overload of W.foo; put it on the implementation "
            "(the definition without @overload), where it applies to every overload"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(DECORATOR_DIAGNOSTICS))
def test_decorator_arguments_get_exact_diagnostics(case: str, tmp_path: Path) -> None:
    source, expected = DECORATOR_DIAGNOSTICS[case]
    path = write(tmp_path / "mod.py", source)
    write(tmp_path / "good.py", GOOD)
    run = run_cli(tmp_path)
    assert run.code == 1
    assert "Traceback" not in run.err
    assert errors(run) == [f"{path}:{line}" for line in expected]
    assert not (tmp_path / "mod_actors.py").exists()
    assert (tmp_path / "good_actors.py").exists()


def test_async_class_options_do_not_change_the_generated_code(tmp_path: Path) -> None:
    options = '@async_class(supervision="restart", capacity=10, when_full="raise", full_timeout=1.5, dedicated_thread=True)'
    write(tmp_path / "plain" / "mod.py", GOOD)
    write(tmp_path / "options" / "mod.py", GOOD.replace("@async_class", options))
    write(tmp_path / "empty" / "mod.py", GOOD.replace("@async_class", "@async_class()"))
    assert run_cli(tmp_path).code == 0
    plain = (tmp_path / "plain" / "mod_actors.py").read_text()
    assert (tmp_path / "options" / "mod_actors.py").read_text() == plain
    assert (tmp_path / "empty" / "mod_actors.py").read_text() == plain


def test_route_is_matched_by_qualified_name(tmp_path: Path) -> None:
    write(
        tmp_path / "mod.py",
        """\
        import actorgen.runtime as ag
        from actorgen.runtime import async_class, route as by


        @ag.async_class(capacity=4)
        class W:
            @ag.route("round_robin")
            def foo(self) -> int: ...

            @by(key="a")
            def bar(self, a: str) -> None: ...
        """,
    )
    run = run_cli(tmp_path)
    assert run.code == 0, run.err
    text = (tmp_path / "mod_actors.py").read_text()
    assert "return self._core.ask_round_robin(WFooMessage())" in text
    assert "self._core.tell_keyed(WBarMessage(a), a)" in text
    assert 'WBarMessage: _actorgen.Route("key", "a"),' in text


def test_a_source_name_like_a_cluster_attribute_is_aliased(tmp_path: Path) -> None:
    # In the cluster facade's body, `_routes` and `_process_type` are its attributes.
    write(
        tmp_path / "mod.py",
        "class _routes: ...\n\n\n"
        + _routed('@route("broadcast")', "def foo(self, r: _routes) -> int: ..."),
    )
    run = run_cli(tmp_path)
    assert run.code == 0, run.err
    text = (tmp_path / "mod_actors.py").read_text()
    assert "from mod import W, _routes as __routes" in text
    assert "def foo(self, r: __routes) -> tuple[_actorgen.Future[int], ...]:" in text


def test_a_route_of_another_module_is_just_a_decorator(tmp_path: Path) -> None:
    write(
        tmp_path / "mod.py",
        HEADER + "def route(f: object) -> object: ...\n@async_class\nclass W:\n"
        '    @route\n    def foo(self) -> None: ...\n',
    )
    assert errors(run_cli(tmp_path)) == [
        f"{tmp_path / 'mod.py'}:7:5: error: message W.foo is decorated; a decorator can change "
        "what the method takes and returns, so messages may only be decorated with @route, "
        "@overload, @override, @final or @deprecated (call a decorated private method from a "
        "plain one)"
    ]


def test_several_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    write(
        tmp_path / "mod.py",
        HEADER
        + "@async_class\nclass W:\n    async def foo(self) -> None:\n        yield\n"
        + "    def spawn(self) -> None: ...\n    def bar(self, x: Nope) -> None: ...\n",
    )
    assert len(errors(run_cli(tmp_path))) == 3


def test_a_file_that_is_not_utf8_is_a_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"# async_class \xe9\n")
    run = run_cli(tmp_path)
    assert run.code == 1
    assert errors(run) == [
        f"{tmp_path / 'latin.py'}:1:15: error: not UTF-8 text: invalid continuation byte"
    ]


# -- exit codes and usage ------------------------------------------------------------------


def test_exit_code_is_0_when_everything_is_generated(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    run = run_cli(tmp_path)
    assert run.code == 0
    assert run.out == f"wrote {tmp_path / 'mod_actors.py'}\n"
    assert "1 generated (1 written, 0 unchanged), 0 errors" in run.err


def test_no_path_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit:
        run_cli()
    assert exit.value.code == 2


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    run = run_cli(tmp_path / "nope")
    assert run.code == 2
    assert "no such file or folder" in run.err


def test_a_bad_suffix_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    run = run_cli(tmp_path, "--suffix=-x.y")
    assert run.code == 2
    assert "suffix '-x.y' must be letters, digits and underscores" in run.err


def test_suffix_comes_from_pyproject_and_the_flag_overrides_it(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.actorgen]\nsuffix = "_gen"\n')
    write(tmp_path / "src" / "mod.py", GOOD)
    assert run_cli(tmp_path / "src").code == 0
    assert (tmp_path / "src" / "mod_gen.py").exists()
    assert run_cli(tmp_path / "src", "--suffix", "_flag").code == 0
    assert (tmp_path / "src" / "mod_flag.py").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[tool.actorgen\n", "cannot read"),
        (
            '[tool.actorgen]\nsufix = "_x"\n',
            "[tool.actorgen] has unknown setting(s): 'sufix' (did you mean 'suffix'?)",
        ),
        ("[tool.actorgen]\nsuffix = 3\n", "suffix must be a string"),
    ],
)
def test_a_bad_pyproject_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    write(tmp_path / "pyproject.toml", content)
    write(tmp_path / "mod.py", GOOD)
    run = run_cli(tmp_path)
    assert run.code == 2
    assert message in run.err
    assert "Traceback" not in run.err


# -- safe writes ----------------------------------------------------------------------------


def test_never_overwrites_a_file_actorgen_did_not_generate(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    mine = write(tmp_path / "mod_actors.py", "# my own code\n")
    run = run_cli(tmp_path)
    assert run.code == 1
    assert errors(run) == [
        f"{mine}:1:1: error: refusing to overwrite mod_actors.py: it was not generated by actorgen "
        "(generating for mod.py); move it away or set another suffix"
    ]
    assert mine.read_text() == "# my own code\n"


def test_rewrites_only_what_changed_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    assert run_cli(tmp_path).code == 0
    target = tmp_path / "mod_actors.py"
    before = target.stat().st_mtime_ns
    again = run_cli(tmp_path)
    assert again.code == 0
    assert again.out == ""
    assert target.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mod.py", "mod_actors.py"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_generated_files_are_not_read_as_sources(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    run_cli(tmp_path)
    result = plan([tmp_path])
    assert [o.target.name for o in result.outputs] == ["mod_actors.py"]
    assert result.scanned == 1


def test_files_that_cannot_hold_an_async_class_are_not_parsed(tmp_path: Path) -> None:
    write(tmp_path / "plain.py", "def f(:\n")  # a syntax error nobody needs to hear about
    write(tmp_path / "mod.py", GOOD)
    result = plan([tmp_path])
    assert (result.scanned, result.parsed, result.diagnostics) == (2, 1, [])


def test_an_output_whose_source_lost_its_async_classes_is_removed(tmp_path: Path) -> None:
    source = write(tmp_path / "mod.py", GOOD)
    run_cli(tmp_path)
    source.write_text("class Plain: ...\n")
    run = run_cli(tmp_path)
    assert run.code == 0
    assert "removed" in run.out
    assert not (tmp_path / "mod_actors.py").exists()


def test_an_output_is_kept_while_its_source_has_errors(tmp_path: Path) -> None:
    source = write(tmp_path / "mod.py", GOOD)
    run_cli(tmp_path)
    source.write_text(GOOD + "    async def bad(self) -> None:\n        yield\n")
    assert run_cli(tmp_path).code == 1
    assert (tmp_path / "mod_actors.py").exists()


# -- --check and --diff ------------------------------------------------------------------------


def test_check_lists_missing_stale_and_extra_files_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "fresh.py", GOOD)
    stale = write(tmp_path / "stale.py", GOOD)
    gone = write(tmp_path / "gone.py", GOOD)
    run_cli(tmp_path)
    (tmp_path / "fresh_actors.py").unlink()
    stale.write_text(GOOD + "\n    def bar(self) -> int: ...\n")
    gone.write_text("x = 1\n")
    snapshot = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    run = run_cli(tmp_path, "--check")
    assert run.code == 1
    assert sorted(run.out.splitlines()) == [
        f"extra: {tmp_path / 'gone_actors.py'} (its source has no async class now)",
        f"missing: {tmp_path / 'fresh_actors.py'}",
        f"stale: {tmp_path / 'stale_actors.py'}",
    ]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == snapshot


def test_check_passes_when_everything_is_up_to_date() -> None:
    run = run_cli(GOLDEN, "--check")
    assert (run.code, run.out) == (0, "")
    assert "up to date" in run.err


def test_diff_shows_what_would_change(tmp_path: Path) -> None:
    source = write(tmp_path / "mod.py", GOOD)
    run_cli(tmp_path)
    source.write_text(GOOD + "\n    def bar(self, b: int) -> int: ...\n")
    run = run_cli(tmp_path, "--diff")
    assert run.code == 1
    assert "+    def bar(self, b: int) -> _actorgen.Future[int]:" in run.out
    assert "bar" not in (tmp_path / "mod_actors.py").read_text()


# -- determinism ----------------------------------------------------------------------------------


def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        with_seed = tmp_path / seed
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import shutil,sys; shutil.copytree(sys.argv[1], sys.argv[2])",
                str(GOLDEN),
                str(with_seed),
            ],
            check=True,
        )
        for generated in with_seed.rglob("*_actors.py"):
            generated.unlink()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "actorgen.codegen", "--no-cache", str(with_seed)],
            env=env,
            check=True,
            capture_output=True,
        )
        outputs.append(
            {
                p.relative_to(with_seed): p.read_bytes()
                for p in sorted(with_seed.rglob("*_actors.py"))
            }
        )
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) >= 4


# -- reading sources ------------------------------------------------------------------------


def test_a_source_is_read_in_the_encoding_its_coding_line_names(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + GOOD.replace("pass", '"""Caf\xe9."""')
    (tmp_path / "mod.py").write_bytes(source.encode("latin-1"))
    run = run_cli(tmp_path)
    assert run.code == 0, run.err
    assert "Caf\xe9" in (tmp_path / "mod_actors.py").read_text(encoding="utf-8")


def test_files_that_merely_contain_the_word_are_not_parsed(tmp_path: Path) -> None:
    write(tmp_path / "plain.py", "def f(:\n    my_async_class_method = async_classes\n")
    result = plan([tmp_path])
    assert (result.scanned, result.parsed, result.diagnostics) == (1, 0, [])


def test_a_plain_file_that_is_not_utf8_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    assert run_cli(tmp_path).code == 0


def test_only_py_files_are_sources_even_when_named(tmp_path: Path) -> None:
    stub = write(tmp_path / "mod.pyi", GOOD)
    script = write(tmp_path / "script", GOOD)
    run = run_cli(stub, script)
    assert run.code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mod.pyi", "script"]


def test_a_crash_of_the_generator_is_a_diagnostic_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise AssertionError("a bug")

    monkeypatch.setattr(actorgen.codegen.parse, "analyze", broken)
    write(tmp_path / "mod.py", GOOD)
    run = run_cli(tmp_path, "--no-cache")
    assert run.code == 1
    assert errors(run) == [
        f"{tmp_path / 'mod.py'}:1:1: error: internal error (AssertionError: a bug); please report it"
    ]
    assert "Traceback" not in run.err


def test_a_file_that_cannot_be_written_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path, text: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(actorgen.codegen.cli, "write_atomic", refuse)
    write(tmp_path / "mod.py", GOOD)
    run = run_cli(tmp_path)
    assert run.code == 1
    assert (
        f"actorgen: error: cannot write {tmp_path / 'mod_actors.py'}: Permission denied" in run.err
    )
    assert "1 errors" in run.err


# -- pre-commit: the files of a commit, named one by one ------------------------------------


def test_a_generated_file_named_alone_is_checked_against_its_source(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    run_cli(tmp_path)
    generated = tmp_path / "mod_actors.py"
    generated.write_text(generated.read_text() + "# edited by hand\n")
    run = run_cli(generated, "--check")
    assert (run.code, run.out) == (1, f"stale: {generated}\n")


def test_a_source_named_alone_is_checked_alone(tmp_path: Path) -> None:
    source = write(tmp_path / "mod.py", GOOD)
    write(tmp_path / "other.py", GOOD)
    run = run_cli(source, "--check")
    assert (run.code, run.out) == (1, f"missing: {tmp_path / 'mod_actors.py'}\n")


def test_the_pre_commit_hook_runs_actorgen_check_on_python_files() -> None:
    import yaml  # in the test extras
    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "actorgen-check"
    assert hook["entry"] == "actorgen --check"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]


# -- output: summary, quiet, colour -------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_on(out: io.StringIO, err: io.StringIO, *args: str | Path) -> int:
    return main([str(a) for a in args], out=out, err=err)


def test_the_summary_line_counts_files_outputs_errors_and_time(tmp_path: Path) -> None:
    write(tmp_path / "a.py", GOOD)
    write(tmp_path / "b.py", GOOD)
    write(tmp_path / "plain.py", "x = 1\n")
    run_cli(tmp_path / "a.py")
    write(tmp_path / "bad.py", BAD_INPUTS["reserved name join"][0])
    run = run_cli(tmp_path)
    summary = run.err.splitlines()[-1]
    assert summary.startswith(
        "actorgen: 4 files scanned, 2 generated (1 written, 1 unchanged), 1 errors in "
    )
    assert summary.endswith("s")


def test_quiet_prints_only_diagnostics(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "bad.py", BAD_INPUTS["reserved name join"][0])
    run = run_cli(tmp_path, "--quiet")
    assert run.code == 1
    assert run.out == ""
    assert run.err.splitlines() == errors(run)
    assert (tmp_path / "good_actors.py").exists()


def test_quiet_check_still_lists_what_is_out_of_date(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    run = run_cli(tmp_path, "--check", "-q")
    assert (run.code, run.out, run.err) == (1, f"missing: {tmp_path / 'mod_actors.py'}\n", "")


def test_colour_on_a_terminal(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    write(tmp_path / "bad.py", BAD_INPUTS["reserved name join"][0])
    out, err = Terminal(), Terminal()
    assert run_on(out, err, tmp_path) == 1
    assert out.getvalue() == f"\033[32mwrote\033[0m {tmp_path / 'mod_actors.py'}\n"
    assert "\033[1m\033[31merror:\033[0m" in err.getvalue()
    assert "\033[1m\033[31m1 errors\033[0m" in err.getvalue()


def test_plain_output_when_not_a_terminal(tmp_path: Path) -> None:
    write(tmp_path / "mod.py", GOOD)
    write(tmp_path / "bad.py", BAD_INPUTS["reserved name join"][0])
    run = run_cli(tmp_path)
    assert run.out and run.err
    assert "\033" not in run.out + run.err


def test_no_color_turns_colour_off_and_force_color_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "mod.py", GOOD)
    monkeypatch.setenv("NO_COLOR", "1")
    out, err = Terminal(), Terminal()
    run_on(out, err, tmp_path, "--check")
    assert "\033" not in out.getvalue() + err.getvalue()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    run = run_cli(tmp_path, "--check")
    assert "\033[1m\033[33mmissing:\033[0m" in run.out


def test_diff_is_coloured_on_a_terminal(tmp_path: Path) -> None:
    source = write(tmp_path / "mod.py", GOOD)
    run_cli(tmp_path)
    source.write_text(GOOD + "\n    def bar(self, b: int) -> int: ...\n")
    out, err = Terminal(), Terminal()
    assert run_on(out, err, tmp_path, "--diff") == 1
    assert "\033[32m+    def bar(self, b: int) -> _actorgen.Future[int]:" in out.getvalue()


# -- more usage errors ---------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(tmp_path: Path, jobs: str) -> None:
    with pytest.raises(SystemExit) as exit:
        run_cli(tmp_path, "--jobs", jobs)
    assert exit.value.code == 2


def test_watch_cannot_be_combined_with_check(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "--watch", "--check")
    assert run.code == 2
    assert "cannot be combined with --check or --diff" in run.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        run_cli("--version")
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith("actorgen ")
