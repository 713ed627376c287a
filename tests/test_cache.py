"""The analysis cache: a re-run over unchanged sources parses nothing, and a cached result
is exactly what a fresh run gives."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from actorgen.codegen.cache import (
    Cache,
    cache_dir,
    fingerprint,
    generator_files,
    generator_fingerprint,
)
from actorgen.codegen.pipeline import Plan, plan
from helpers import run_cli

GOOD = textwrap.dedent(
    """\
    from actorgen.runtime import async_class


    @async_class
    class Worker:
        def foo(self, a: int) -> None:
            pass

        def bar(self, b: int) -> int:
            return b
    """
)
BAD = GOOD + "\n    def join(self) -> None: ...\n"


@pytest.fixture(autouse=True)
def cache_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name in ("a", "b", "c"):
        (root / "pkg").mkdir(parents=True, exist_ok=True)
        (root / "pkg" / f"{name}.py").write_text(GOOD)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "bad.py").write_text(BAD)
    (root / "plain.py").write_text("x = 1\n")
    return root


def cached_plan(root: Path, *paths: Path) -> Plan:
    return plan(list(paths) or [root], cache=Cache.for_project(root))


def same(a: Plan, b: Plan) -> bool:
    return (a.outputs, a.extra, a.diagnostics, a.scanned) == (
        b.outputs,
        b.extra,
        b.diagnostics,
        b.scanned,
    )


def test_a_run_over_unchanged_sources_parses_nothing(project: Path) -> None:
    cold = cached_plan(project)
    assert (cold.parsed, cold.cached) == (4, 0)
    warm = cached_plan(project)
    assert (warm.parsed, warm.cached) == (0, 4)


def test_a_cached_result_is_the_fresh_result_outputs_and_diagnostics(project: Path) -> None:
    fresh = plan([project])
    assert fresh.diagnostics and fresh.outputs
    cached_plan(project)
    warm = cached_plan(project)
    assert warm.cached == 4
    assert same(warm, fresh)


def test_the_command_prints_the_same_from_the_cache(project: Path) -> None:
    cold = run_cli(project, "--check")
    warm = run_cli(project, "--check")
    assert (warm.code, warm.out) == (cold.code, cold.out)
    assert warm.err.splitlines()[:-1] == cold.err.splitlines()[:-1]  # all but the time


def test_a_changed_file_is_analysed_again(project: Path) -> None:
    cached_plan(project)
    (project / "pkg" / "a.py").write_text(GOOD.replace("bar", "baz"))
    warm = cached_plan(project)
    assert (warm.parsed, warm.cached) == (1, 3)
    assert "def baz" in next(o.text for o in warm.outputs if o.source.name == "a.py")


def test_a_file_that_becomes_a_package_module_is_analysed_again(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(GOOD)
    before = cached_plan(tmp_path).outputs[0].text
    (tmp_path / "__init__.py").write_text("")
    after = cached_plan(tmp_path)
    assert after.parsed == 1
    assert after.outputs[0].text != before  # imports `.mod` now, not `mod`


def test_diagnostics_keep_the_path_as_given(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    relative = plan([Path("pkg")], cache=Cache.for_project(project))
    absolute = plan([project / "pkg"], cache=Cache.for_project(project))
    assert [d.path for d in relative.diagnostics] == [os.path.join("pkg", "bad.py")]
    assert [d.path for d in absolute.diagnostics] == [str(project / "pkg" / "bad.py")]


def test_a_cache_of_another_generator_is_not_used(project: Path, cache_folder: Path) -> None:
    cached_plan(project)
    (file,) = cache_folder.iterdir()
    data = json.loads(file.read_text())
    data["generator"] = "another version"
    file.write_text(json.dumps(data))
    assert cached_plan(project).parsed == 4


def test_the_generator_fingerprint_covers_its_code_and_templates(tmp_path: Path) -> None:
    names = {p.name for p in generator_files()}
    assert {"parse.py", "model.py", "render.py", "module.py.jinja", "_contract.py"} <= names
    assert all(p.is_file() for p in generator_files())
    template = tmp_path / "module.py.jinja"
    template.write_text("one")
    before = fingerprint([template])
    template.write_text("two")
    assert fingerprint([template]) != before
    assert generator_fingerprint() == fingerprint(generator_files())


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        '{"format": 1}',
        "[]",
        "GENERATOR",  # replaced by a well-formed file whose entries make no sense
    ],
)
def test_a_corrupt_cache_is_ignored(project: Path, cache_folder: Path, content: str) -> None:
    fresh = plan([project])
    cached_plan(project)
    (file,) = cache_folder.iterdir()
    if content == "GENERATOR":
        entries = {
            key: {"digest": 3, "text": ["x"]} for key in json.loads(file.read_text())["entries"]
        }
        first = next(iter(entries))
        entries[first] = {**json.loads(file.read_text())["entries"][first], "diagnostics": [[1]]}
        content = json.dumps(
            {"format": 1, "generator": generator_fingerprint(), "entries": entries}
        )
    file.write_text(content)
    run = cached_plan(project)
    assert run.parsed == 4
    assert same(run, fresh)
    assert cached_plan(project).parsed == 0  # and it was replaced by a good one


def test_a_cache_that_cannot_be_written_is_no_error(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(blocker / "cache"))
    run = run_cli(project)
    assert run.code == 1  # pkg/bad.py
    assert "Traceback" not in run.err
    assert "actorgen: error" not in run.err


def test_the_cache_is_written_atomically_and_outside_the_tree(
    project: Path, cache_folder: Path
) -> None:
    before = sorted(project.rglob("*"))
    run_cli(project, "--check")
    assert sorted(project.rglob("*")) == before
    assert [p.suffix for p in cache_folder.iterdir()] == [".json"]  # no temporary files


def test_no_cache_neither_reads_nor_writes_it(project: Path, cache_folder: Path) -> None:
    run_cli(project, "--no-cache")
    assert list(cache_folder.iterdir()) == []


def test_entries_of_deleted_files_are_dropped(project: Path, cache_folder: Path) -> None:
    cached_plan(project)
    (project / "pkg" / "a.py").unlink()
    (project / "pkg" / "b.py").write_text(GOOD + "\n")  # something to save
    cached_plan(project)
    (file,) = cache_folder.iterdir()
    names = sorted(Path(key).name for key in json.loads(file.read_text())["entries"])
    assert names == ["b.py", "bad.py", "c.py"]


def test_the_cache_folder_follows_the_conventions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACTORGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "actorgen"
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
