"""``[tool.actorgen]`` settings, include/exclude patterns, and the flags that override them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from actorgen.codegen.config import Config, ConfigError, load_config
from actorgen.codegen.patterns import PathFilter
from actorgen.codegen.pipeline import plan
from helpers import run_cli

GOOD = textwrap.dedent(
    """\
    from actorgen.runtime import async_class


    @async_class
    class Worker:
        def foo(self, a: int) -> None:
            pass
    """
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tree(root: Path, *names: str) -> None:
    for name in names:
        write(root / name, GOOD)


def generated(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*_actors.py"))


# -- finding the settings -------------------------------------------------------------------


def test_no_pyproject_means_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()


def test_the_nearest_pyproject_with_a_tool_actorgen_table_is_used(tmp_path: Path) -> None:
    top = write(tmp_path / "pyproject.toml", '[tool.actorgen]\nsuffix = "_top"\n')
    # A sub-project's pyproject.toml without [tool.actorgen] is passed over.
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "sub"\n')
    write(tmp_path / "sub" / "pkg" / "mod.py", GOOD)
    assert load_config(tmp_path / "sub" / "pkg" / "mod.py") == Config(suffix="_top", source=top)
    inner = write(tmp_path / "sub" / "pyproject.toml", '[tool.actorgen]\nsuffix = "_sub"\n')
    assert load_config(tmp_path / "sub" / "pkg").source == inner


def test_each_path_uses_its_own_settings(tmp_path: Path) -> None:
    write(tmp_path / "a" / "pyproject.toml", '[tool.actorgen]\nsuffix = "_a"\n')
    write(tmp_path / "b" / "pyproject.toml", '[tool.actorgen]\nsuffix = "_b"\n')
    tree(tmp_path, "a/mod.py", "b/mod.py")
    assert run_cli(tmp_path / "a", tmp_path / "b" / "mod.py").code == 0
    assert (tmp_path / "a" / "mod_a.py").exists()
    assert (tmp_path / "b" / "mod_b.py").exists()


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("suffix = 3", "suffix must be a string"),
        ('suffix = "a-b"', "suffix 'a-b' must be letters, digits and underscores"),
        ('include = "src"', "include must be a list of glob patterns"),
        ("exclude = [1]", "exclude must be a list of glob patterns"),
        ('exclude = [""]', "bad glob pattern: empty pattern ''"),
        ('excludes = ["x"]', "unknown setting(s): 'excludes' (did you mean 'exclude'?)"),
        ('colour = "always"', "unknown setting(s): 'colour'; known: exclude, include, suffix"),
    ],
)
def test_bad_settings_are_usage_errors_with_a_clear_message(
    tmp_path: Path, table: str, message: str
) -> None:
    pyproject = write(tmp_path / "pyproject.toml", f"[tool.actorgen]\n{table}\n")
    tree(tmp_path, "mod.py")
    run = run_cli(tmp_path)
    assert run.code == 2
    assert run.err.startswith(f"actorgen: error: {pyproject}: [tool.actorgen] ")
    assert message in run.err
    assert "Traceback" not in run.err
    assert generated(tmp_path) == []


def test_tool_actorgen_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool]\nactorgen = "yes"\n')
    with pytest.raises(ConfigError, match=r"\[tool.actorgen\] must be a table"):
        load_config(tmp_path)


@pytest.mark.parametrize("flag", ["--include", "--exclude"])
def test_a_bad_pattern_on_the_command_line_is_a_usage_error(tmp_path: Path, flag: str) -> None:
    run = run_cli(tmp_path, flag, "/")
    assert run.code == 2
    assert "bad glob pattern" in run.err


# -- include and exclude -------------------------------------------------------------------------

LAYOUT = (
    "src/app/workers.py",
    "src/app/vendor/lib.py",
    "src/app/legacy/old.py",
    "src/gen/api_pb2.py",
    "tests/fixtures/case.py",
    "scripts/tool.py",
)


def test_exclude_skips_files_and_folders(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.actorgen]\nexclude = ["vendor", "src/app/legacy", "*_pb2.py", "tests/**"]\n',
    )
    tree(tmp_path, *LAYOUT)
    assert run_cli(tmp_path).code == 0
    assert generated(tmp_path) == ["scripts/tool_actors.py", "src/app/workers_actors.py"]


def test_include_keeps_only_matching_files(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.actorgen]\ninclude = ["src/app"]\n')
    tree(tmp_path, *LAYOUT)
    assert run_cli(tmp_path).code == 0
    assert generated(tmp_path) == [
        "src/app/legacy/old_actors.py",
        "src/app/vendor/lib_actors.py",
        "src/app/workers_actors.py",
    ]


def test_patterns_are_relative_to_the_pyproject_folder_wherever_the_run_starts(
    tmp_path: Path,
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.actorgen]\nexclude = ["src/app/vendor"]\n')
    tree(tmp_path, *LAYOUT)
    assert run_cli(tmp_path / "src" / "app").code == 0
    assert generated(tmp_path) == [
        "src/app/legacy/old_actors.py",
        "src/app/workers_actors.py",
    ]


def test_exclude_applies_to_files_named_on_the_command_line(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.actorgen]\nexclude = ["vendor"]\n')
    tree(tmp_path, *LAYOUT)
    run = run_cli(tmp_path / "src" / "app" / "vendor" / "lib.py")
    assert run.code == 0
    assert "0 files scanned" in run.err
    assert generated(tmp_path) == []


def test_the_include_flag_replaces_the_configured_include(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.actorgen]\ninclude = ["src"]\n')
    tree(tmp_path, *LAYOUT)
    assert run_cli(tmp_path, "--include", "scripts", "--include", "tests").code == 0
    assert generated(tmp_path) == ["scripts/tool_actors.py", "tests/fixtures/case_actors.py"]


def test_the_exclude_flag_adds_to_the_configured_exclude(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.actorgen]\nexclude = ["src"]\n')
    tree(tmp_path, *LAYOUT)
    assert run_cli(tmp_path, "--exclude", "tests").code == 0
    assert generated(tmp_path) == ["scripts/tool_actors.py"]


def test_the_suffix_flag_overrides_the_configured_suffix(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.actorgen]\nsuffix = "_gen"\n')
    tree(tmp_path, "mod.py")
    assert [o.target.name for o in plan([tmp_path]).outputs] == ["mod_gen.py"]
    assert [o.target.name for o in plan([tmp_path], "_flag").outputs] == ["mod_flag.py"]


def test_hidden_folders_caches_and_virtual_environments_are_never_walked(tmp_path: Path) -> None:
    tree(
        tmp_path,
        ".hidden/a.py",
        "__pycache__/b.py",
        "node_modules/c.py",
        "lib/site-packages/d.py",
        "env/lib/e.py",
        "ok.py",
    )
    write(tmp_path / "env" / "pyvenv.cfg", "home = /usr\n")
    assert [p.name for p in (o.source for o in plan([tmp_path]).outputs)] == ["ok.py"]
    # ... unless named on the command line.
    assert len(plan([tmp_path / "env"]).outputs) == 1


# -- the matching rules, one by one ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "matches", "does_not_match"),
    [
        # No slash: a file or folder name at any depth.
        ("vendor", ["vendor", "vendor/x.py", "a/vendor/b/x.py"], ["vendors/x.py", "a/myvendor"]),
        ("*_pb2.py", ["x_pb2.py", "a/b/x_pb2.py"], ["x_pb2.pyc", "x_pb3.py"]),
        ("test_?.py", ["test_a.py", "d/test_b.py"], ["test_ab.py"]),
        ("[!_]*.py", ["a.py", "d/b.py"], ["_a.py", "d/_b.py"]),
        # A slash: anchored at the project folder.
        ("src/legacy", ["src/legacy", "src/legacy/x.py"], ["a/src/legacy/x.py", "src/legacy2"]),
        ("/top.py", ["top.py"], ["a/top.py"]),
        ("./top.py", ["top.py"], ["a/top.py"]),
        ("src/*.py", ["src/a.py"], ["src/a/b.py", "a.py"]),
        ("src/*/", ["src/a", "src/a/b.py"], ["src"]),
        # `**`: any number of folders, none included.
        ("src/**/fixtures", ["src/fixtures/x.py", "src/a/b/fixtures/x.py"], ["fixtures/x.py"]),
        ("**/gen", ["gen/x.py", "a/gen/x.py"], ["a/generated/x.py"]),
        ("src/**", ["src/a.py", "src/a/b.py"], ["lib/a.py"]),
        ("src/**/*.py", ["src/a.py", "src/a/b.py"], ["lib/a.py"]),
        # Literal characters.
        ("a+b.py", ["a+b.py"], ["aab.py"]),
        ("x[.py", ["x[.py"], ["x.py"]),
    ],
)
def test_glob_matching_rules(pattern: str, matches: list[str], does_not_match: list[str]) -> None:
    path_filter = PathFilter(exclude=(pattern,))
    for path in matches:
        assert path_filter.excludes(path), (pattern, path)
    for path in does_not_match:
        assert not path_filter.excludes(path), (pattern, path)


def test_patterns_are_case_sensitive() -> None:
    assert not PathFilter(exclude=("Vendor",)).excludes("vendor/x.py")
