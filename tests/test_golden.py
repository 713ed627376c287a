"""Snapshot tests: each folder under tests/golden/ is a source tree together with the
output actorgen must generate for it. Run ``pytest --update-golden`` after an intended
change of the generated code and review the diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from actorgen.codegen.pipeline import plan
from actorgen.codegen.write import is_generated
from helpers import GOLDEN

CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def _inputs(case: Path, into: Path) -> None:
    shutil.copytree(
        case, into, ignore=lambda folder, names: [n for n in names if n == "__pycache__"]
    )
    for file in into.rglob("*.py"):
        if is_generated(file):
            file.unlink()


@pytest.mark.parametrize("case", CASES)
def test_generated_code_matches_the_golden_files(
    case: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    expected_dir = GOLDEN / case
    work = tmp_path / case
    _inputs(expected_dir, work)
    result = plan([work])
    assert result.diagnostics == []
    generated = {o.target.relative_to(work): o.text for o in result.outputs}
    if request.config.getoption("--update-golden"):
        for stale in expected_dir.rglob("*.py"):
            if is_generated(stale) and stale.relative_to(expected_dir) not in generated:
                stale.unlink()
        for relative, text in generated.items():
            (expected_dir / relative).write_text(text, encoding="utf-8", newline="\n")
        return
    expected = {
        p.relative_to(expected_dir): p.read_text(encoding="utf-8")
        for p in expected_dir.rglob("*.py")
        if is_generated(p)
    }
    assert sorted(generated) == sorted(expected), "generated files differ from the golden ones"
    for relative, text in generated.items():
        assert text == expected[relative], (
            f"{case}/{relative} differs; run pytest --update-golden and review"
        )


def test_every_golden_case_generates_something() -> None:
    assert CASES
    for case in CASES:
        assert any(is_generated(p) for p in (GOLDEN / case).rglob("*.py")), case
