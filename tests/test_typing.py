"""The generated golden modules pass ``mypy --strict``, and misuses are type errors.

In each golden case, ``usage_ok.py`` holds correct uses (with ``assert_type``) and
``usage_errors.py`` marks each wrong line with ``# E: <expected message>``; the test
fails on a missing expected error and on any error that was not expected.
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import GOLDEN

CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
_ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*?)(?:  \[[a-z-]+\])?$")
_EXPECTED = re.compile(r"#\s*E:\s*(?P<message>.+)$")


def _mypy(case: str, cache: Path) -> tuple[str, str]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(cache),
            ".",
        ],
        cwd=GOLDEN / case,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return case, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cache = tmp_path_factory.mktemp("mypy-cache")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(lambda case: _mypy(case, cache / case), CASES))


@pytest.mark.parametrize("case", CASES)
def test_generated_code_and_usage_type_check_as_expected(
    case: str, mypy_output: dict[str, str]
) -> None:
    reported: dict[tuple[str, int], list[str]] = {}
    for line in mypy_output[case].splitlines():
        match = _ERROR.match(line)
        if match:
            key = (Path(match["file"]).as_posix(), int(match["line"]))
            reported.setdefault(key, []).append(match["message"])
        elif ": error:" in line or "Traceback" in line:
            pytest.fail(f"unparsed mypy output: {line}")
    expected: dict[tuple[str, int], str] = {}
    for file in (GOLDEN / case).glob("usage_errors*.py"):
        for number, text in enumerate(file.read_text().splitlines(), start=1):
            mark = _EXPECTED.search(text)
            if mark:
                expected[(file.name, number)] = mark["message"].strip()
    for key, message in expected.items():
        assert any(message in got for got in reported.get(key, [])), (
            f"{key[0]}:{key[1]}: expected error {message!r}, mypy said {reported.get(key)}"
        )
    unexpected = {key: got for key, got in reported.items() if key not in expected}
    assert unexpected == {}, f"unexpected mypy errors:\n{mypy_output[case]}"
