"""The `actorgen` command: diagnostics, exit codes, safe writes, --check and --diff."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from actorgen.codegen.pipeline import plan
from helpers import GOLDEN, errors, run_cli

HEADER = "from actorgen.runtime import async_class\n\n\n"


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
    "async message": (
        HEADER + "@async_class\nclass W:\n    async def foo(self) -> None: ...\n",
        "6:5: error: message W.foo is 'async def'",
    ),
    "decorated function": (
        HEADER + "@async_class\ndef make() -> None: ...\n",
        "4:1: error: @async_class applies to classes, not to function 'make'",
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
    "decorator called": (
        HEADER + "@async_class()\nclass W:\n    def foo(self) -> None: ...\n",
        "4:1: error: write @async_class without parentheses",
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
    "class-body name in signature": (
        HEADER
        + "@async_class\nclass W:\n    class Config: ...\n    def foo(self, c: Config) -> None: ...\n",
        "7:22: error: 'Config' in the signature of W.foo is defined in the class body",
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
    "imported name collides with a generated name": (
        HEADER
        + "class WProcess: ...\n"
        + "@async_class\nclass W:\n    def foo(self, p: WProcess) -> None: ...\n",
        "7:22: error: 'WProcess' is also a name the generated module defines",
    ),
    "inherited __init__": (
        HEADER
        + "class Base:\n    def __init__(self, x: int) -> None: ...\n"
        + "@async_class\nclass W(Base):\n    def foo(self) -> None: ...\n",
        "7:7: error: async class 'W' inherits __init__",
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


def test_all_diagnostics_are_reported_and_good_files_are_still_generated(tmp_path: Path) -> None:
    write(tmp_path / "a.py", BAD_INPUTS["async message"][0])
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


def test_several_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    write(
        tmp_path / "mod.py",
        HEADER
        + "@async_class\nclass W:\n    async def foo(self) -> None: ...\n"
        + "    def spawn(self) -> None: ...\n    def bar(self, x: Nope) -> None: ...\n",
    )
    assert len(errors(run_cli(tmp_path))) == 3


def test_a_file_that_is_not_utf8_is_a_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"# async_class \xe9\n")
    run = run_cli(tmp_path)
    assert run.code == 1
    assert errors(run) == [
        f"{tmp_path / 'latin.py'}:1:1: error: not UTF-8 text: invalid continuation byte"
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
        ('[tool.actorgen]\nsufix = "_x"\n', "unknown setting(s) in [tool.actorgen]: sufix"),
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
    source.write_text(GOOD + "    async def bad(self) -> None: ...\n")
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
            [sys.executable, "-m", "actorgen.codegen", str(with_seed)],
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
