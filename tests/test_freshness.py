"""A generated module warns when it is imported after its class changed shape.

Each test generates a module, edits the source as a user would without running
``actorgen``, and imports both: a change the facades get wrong warns with a
`StaleModuleWarning` naming both files; an edit that changes nothing generated, and a
fresh module, import silently.
"""

from __future__ import annotations

import importlib
import itertools
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from actorgen.codegen.pipeline import plan
from actorgen.runtime import StaleModuleWarning
from helpers import GOLDEN, run_python

ORIGINAL = """\
from actorgen.runtime import async_class


@async_class
class Fetcher:
    def __init__(self, base: str) -> None:
        self.base = base

    def fetch(self, url: str, *, timeout: float = 1.0) -> bytes:
        return b""

    def forget(self, url: str) -> None:
        pass

    def _helper(self) -> None:
        pass
"""

_packages = itertools.count()
Generate = Callable[..., None]


@pytest.fixture
def generate(tmp_path: Path) -> Iterator[Generate]:
    """``generate(source, edited)``: generate for `source`, then replace it by `edited`
    and import the source and the generated module (a fresh package each time)."""
    loaded: list[str] = []
    sys.path.insert(0, str(tmp_path))

    def run(source: str, edited: str | None = None) -> None:
        package = f"freshness{next(_packages)}"
        folder = tmp_path / package
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "fetcher.py").write_text(source)
        result = plan([folder])
        assert result.diagnostics == []
        for output in result.outputs:
            output.target.write_text(output.text)
        if edited is not None:
            (folder / "fetcher.py").write_text(edited)
        loaded.extend([package, f"{package}.fetcher", f"{package}.fetcher_actors"])
        importlib.import_module(f"{package}.fetcher_actors")

    yield run
    sys.path.remove(str(tmp_path))
    for name in loaded:
        sys.modules.pop(name, None)


def edit(old: str, new: str) -> str:
    assert old in ORIGINAL
    return ORIGINAL.replace(old, new)


def test_a_fresh_module_imports_without_a_warning(generate: Generate) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleModuleWarning)
        generate(ORIGINAL)


STALE = {
    "a new required parameter": (
        edit("url: str, *", "url: str, retries: int, *"),
        "fetch(url, *, timeout= -> ask) is now fetch(url, retries, *, timeout= -> ask)",
    ),
    "a renamed message": (
        edit("def forget(", "def drop("),
        "new message(s) drop; no message(s) forget any more",
    ),
    "a new message": (
        edit("    def _helper", "    def clear(self) -> None:\n        pass\n\n    def _helper"),
        "new message(s) clear",
    ),
    "a message made private": (edit("def forget(", "def _forget("), "no message(s) forget"),
    "a renamed parameter": (
        edit("def forget(self, url: str)", "def forget(self, link: str)"),
        "forget(url -> tell) is now forget(link -> tell)",
    ),
    "a keyword made positional": (
        edit("url: str, *, timeout", "url: str, timeout"),
        "is now fetch(url, timeout= -> ask)",
    ),
    "a default removed": (
        edit("timeout: float = 1.0", "timeout: float"),
        "is now fetch(url, *, timeout -> ask)",
    ),
    "a tell that now replies": (
        edit("def forget(self, url: str) -> None:", "def forget(self, url: str) -> bool:"),
        "forget(url -> tell) is now forget(url -> ask)",
    ),
    "an ask that no longer replies": (
        edit("timeout: float = 1.0) -> bytes:", "timeout: float = 1.0):"),
        "is now fetch(url, *, timeout= -> tell)",
    ),
    "a new __init__ parameter": (
        edit("def __init__(self, base: str)", "def __init__(self, base: str, token: str)"),
        "__init__(base) is now __init__(base, token)",
    ),
}


@pytest.mark.parametrize("case", sorted(STALE))
def test_a_change_the_facades_get_wrong_warns_at_import(generate: Generate, case: str) -> None:
    edited, change = STALE[case]
    with pytest.warns(StaleModuleWarning) as caught:
        generate(ORIGINAL, edited)
    (warning,) = caught
    message = str(warning.message)
    assert change in message
    assert "fetcher_actors.py was generated from an older Fetcher than the one in " in message
    assert "fetcher.py (" in message
    assert message.endswith("Run `actorgen` to regenerate it.")


SILENT = {
    "a changed body": edit('return b""', 'return b"changed"'),
    "a new private method": edit(
        "    def _helper", "    def _other(self) -> None: ...\n\n    def _helper"
    ),
    "a docstring and a comment": edit(
        "    def forget(self, url: str) -> None:\n",
        '    def forget(self, url: str) -> None:  # noted\n        """Forget `url`."""\n',
    ),
    "a changed default value": edit("timeout: float = 1.0", "timeout: float = 2.5"),
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_an_edit_that_keeps_the_messages_imports_silently(generate: Generate, case: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleModuleWarning)
        generate(ORIGINAL, SILENT[case])


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()))
def test_every_golden_module_imports_without_a_warning(case: str) -> None:
    """Every parameter kind, overloads, decorators and generics give shapes that match
    the class's own."""
    if case == "generics_pep695" and sys.version_info < (3, 12):
        pytest.skip("PEP 695 syntax needs Python 3.12")
    modules = sorted(
        ".".join(p.relative_to(GOLDEN / case).with_suffix("").parts)
        for p in (GOLDEN / case).rglob("*_actors.py")
    )
    code = "\n".join(
        [
            "import warnings, actorgen.runtime",
            "warnings.simplefilter('error', actorgen.runtime.StaleModuleWarning)",
            *(f"import {module}" for module in modules),
        ]
    )
    run_python("-c", code, timeout=60, cwd=GOLDEN / case)


def test_the_warning_points_at_the_import(tmp_path: Path) -> None:
    (tmp_path / "fetcher.py").write_text(ORIGINAL)
    result = plan([tmp_path / "fetcher.py"])
    for output in result.outputs:
        output.target.write_text(output.text)
    (tmp_path / "fetcher.py").write_text(edit("def forget(", "def drop("))
    (tmp_path / "main.py").write_text("import fetcher_actors\n")
    done = run_python("main.py", timeout=60, cwd=tmp_path)
    assert "main.py:1: StaleModuleWarning: " in done.stderr
