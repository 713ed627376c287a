"""The Python examples of README.md and docs/*.md run, so they cannot rot.

Sybil reads them: it runs a document's examples in order in one namespace (so a later
example may use what an earlier one defined, as a reader would), runs setup written in
invisible HTML comments (``<!-- invisible-code-block: python ... -->``), and skips an
example only where the document says so and why (``<!-- skip: next "reason" -->``).
pytest-markdown-docs runs each fence on its own and collects docstrings too, which suits
these documents less. Each document runs inside a runtime of its own, so nothing here
starts the default runtime of the test process.
"""

from __future__ import annotations

import unittest
from pathlib import Path

import pytest
from actorgen.runtime import Runtime
from helpers import REPO
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SYBIL = Sybil([PythonCodeBlockParser(future_imports=["annotations"]), SkipParser()])


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_the_python_examples_of(path: Path) -> None:
    document = SYBIL.parse(path)
    ran = skipped = 0
    with Runtime(threads=2, name=f"docs-{path.stem}"):
        for example in document:
            try:
                example.evaluate()
            except unittest.SkipTest:
                skipped += 1
            except Exception as error:
                raise AssertionError(
                    f"{path.relative_to(REPO)}:{example.line}: the example raised {error!r}"
                ) from error
            else:
                ran += 1
    if ran == 0 and skipped == 0:
        pytest.skip(f"{path.name} has no Python examples")


def test_every_skip_gives_its_reason() -> None:
    for path in DOCUMENTS:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.startswith("<!-- skip:"):
                assert '"' in line, f"{path.name}:{number}: a skip without its reason"
