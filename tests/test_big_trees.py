"""Whole real trees: this machine's standard library and site-packages. actorgen must not
crash on them, must write nothing (they hold no async class), and must not report their
plain files (encodings other than UTF-8, syntax that only some Pythons accept).

These run in a few seconds: files that cannot define an async class are only read. The
figures against parsing every file are in bench/README.md (bench/generator_speed.py).
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from actorgen.codegen.cache import Cache
from actorgen.codegen.pipeline import plan
from helpers import run_cli

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SITE_PACKAGES = sorted(
    {
        Path(p)
        for p in (
            sysconfig.get_paths()["purelib"],  # this environment's
            sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})[
                "purelib"
            ],  # the interpreter's own
            "/usr/lib/python3/dist-packages",  # Debian's system Python
        )
        if Path(p).is_dir()
    }
)
WORKER = textwrap.dedent(
    """\
    from actorgen.runtime import async_class


    @async_class
    class Worker{i}:
        def put(self, key: str, value: int) -> None:
            pass

        def get(self, key: str) -> int | None:
            return None
    """
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every file below `root` with its size and modification time."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            stat = os.lstat(path)
            found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def stdlib_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("stdlib") / "python3"
    ignore = shutil.ignore_patterns("site-packages", "dist-packages", "__pycache__")
    shutil.copytree(STDLIB, copy, ignore=ignore, symlinks=True)
    return copy


def test_the_standard_library_generates_nothing_and_writes_nothing(stdlib_copy: Path) -> None:
    before = listing(stdlib_copy)
    assert len([p for p in before if p.endswith(".py")]) > 1000
    run = run_cli(stdlib_copy)
    assert (run.code, run.out) == (0, ""), run.err
    assert "0 generated" in run.err
    assert listing(stdlib_copy) == before


@pytest.mark.parametrize("site", SITE_PACKAGES, ids=str)
def test_site_packages_are_up_to_date_and_untouched(site: Path) -> None:
    before = listing(site)
    run = run_cli(site, "--check")
    assert (run.code, run.out) == (0, ""), run.err
    assert "0 generated (up to date), 0 errors" in run.err
    assert listing(site) == before


def test_a_few_async_classes_in_the_standard_library(stdlib_copy: Path, tmp_path: Path) -> None:
    tree = tmp_path / "python3"
    shutil.copytree(stdlib_copy, tree, symlinks=True)
    packages = sorted(p.parent for p in tree.glob("*/__init__.py"))[:5]
    for i, package in enumerate(packages):
        (package / f"worker_{i}.py").write_text(WORKER.format(i=i))
    cache = Cache.for_project(tree)
    cold = plan([tree], cache=cache)
    assert (len(cold.outputs), cold.parsed, cold.diagnostics) == (5, 5, [])
    warm = plan([tree], cache=Cache.for_project(tree))
    assert (warm.outputs, warm.parsed, warm.cached) == (cold.outputs, 0, 5)
    assert all(o.target.parent in packages for o in warm.outputs)
