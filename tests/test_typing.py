"""The generated golden modules pass ``mypy --strict`` and pyright's strict mode, and
misuses are type errors.

In each golden case, ``usage_ok.py`` holds correct uses (with ``assert_type``) and
``usage_errors.py`` marks each wrong line with ``# E: <expected message>``. mypy must
report exactly the marked lines, with the expected messages. Pyright (basedpyright, run
with pyright's ``strict`` rule set, not basedpyright's stricter defaults) must find
nothing in the generated modules and in ``usage_ok.py``, and an error on each marked
line of ``usage_errors.py`` and nowhere else (its messages differ from mypy's).

Both checkers see only the generated modules and the usage files: the user's sources
are the user's business (pyright, for one, rejects unannotated parameters there).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from actorgen.codegen.write import is_generated
from helpers import GOLDEN

CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
# Cases whose sources use newer syntax (PEP 695) than the oldest supported Python; both
# checkers read them as that version, whatever Python runs the tests.
PYTHON_VERSION = {"generics_pep695": "3.12"}
_ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*?)(?:  \[[a-z-]+\])?$")
_EXPECTED = re.compile(r"#\s*E:\s*(?P<message>.+)$")


def _expected_errors(case: str) -> dict[tuple[str, int], str]:
    expected: dict[tuple[str, int], str] = {}
    for file in (GOLDEN / case).glob("usage_errors*.py"):
        for number, text in enumerate(file.read_text().splitlines(), start=1):
            mark = _EXPECTED.search(text)
            if mark:
                expected[(file.name, number)] = mark["message"].strip()
    return expected


# -- mypy --------------------------------------------------------------------------------


def _mypy(case: str, cache: Path) -> tuple[str, str]:
    version = ["--python-version", PYTHON_VERSION[case]] if case in PYTHON_VERSION else []
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(cache),
            *version,
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
def test_generated_code_and_usage_pass_mypy_strict_as_expected(
    case: str, mypy_output: dict[str, str]
) -> None:
    if case in PYTHON_VERSION and sys.version_info < (3, 12) and "[syntax]" in mypy_output[case]:
        pytest.skip(f"this mypy cannot read Python {PYTHON_VERSION[case]} syntax on this Python")
    reported: dict[tuple[str, int], list[str]] = {}
    for line in mypy_output[case].splitlines():
        match = _ERROR.match(line)
        if match:
            key = (Path(match["file"]).as_posix(), int(match["line"]))
            reported.setdefault(key, []).append(match["message"])
        elif ": error:" in line or "Traceback" in line:
            pytest.fail(f"unparsed mypy output: {line}")
    expected = _expected_errors(case)
    for key, message in expected.items():
        assert any(message in got for got in reported.get(key, [])), (
            f"{key[0]}:{key[1]}: expected error {message!r}, mypy said {reported.get(key)}"
        )
    unexpected = {key: got for key, got in reported.items() if key not in expected}
    assert unexpected == {}, f"unexpected mypy errors:\n{mypy_output[case]}"


# -- pyright -------------------------------------------------------------------------------


def _checked_files(case: str) -> list[Path]:
    folder = GOLDEN / case
    generated = [p for p in folder.rglob("*.py") if is_generated(p)]
    return sorted([*generated, *folder.glob("usage_*.py")])


@pytest.fixture(scope="module")
def pyright_errors(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, list[tuple[str, int, str]]]:
    """Every error basedpyright reports, by case: (file in the case, line, message).

    One run checks all cases: each case folder is its own execution environment, so
    that ``import app...`` resolves inside it.
    """
    config = tmp_path_factory.mktemp("pyright") / "pyrightconfig.json"
    config.write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",  # pyright's strict rules, not basedpyright's own
                "pythonVersion": f"{sys.version_info.major}.{sys.version_info.minor}",
                "include": [str(f) for case in CASES for f in _checked_files(case)],
                "executionEnvironments": [
                    {"root": str(GOLDEN / case)}
                    | ({"pythonVersion": PYTHON_VERSION[case]} if case in PYTHON_VERSION else {})
                    for case in CASES
                ],
            }
        )
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "basedpyright",
            "--project",
            str(config),
            "--pythonpath",
            sys.executable,
            "--outputjson",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"basedpyright did not run:\n{completed.stdout}\n{completed.stderr}")
    errors: dict[str, list[tuple[str, int, str]]] = {case: [] for case in CASES}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] != "error":
            continue
        path = Path(diagnostic["file"]).relative_to(GOLDEN)
        line = diagnostic["range"]["start"]["line"] + 1
        message = f"{diagnostic['message']} ({diagnostic.get('rule', '-')})"
        errors[path.parts[0]].append((Path(*path.parts[1:]).as_posix(), line, message))
    return errors


@pytest.mark.parametrize("case", CASES)
def test_generated_code_and_usage_pass_pyright_strict_as_expected(
    case: str, pyright_errors: dict[str, list[tuple[str, int, str]]]
) -> None:
    expected = set(_expected_errors(case))
    reported = {(file, line) for file, line, _ in pyright_errors[case]}
    missing = expected - reported
    assert not missing, f"pyright reports no error on these marked lines: {sorted(missing)}"
    unexpected = [
        f"{file}:{line}: {message}"
        for file, line, message in pyright_errors[case]
        if (file, line) not in expected
    ]
    assert not unexpected, "unexpected pyright errors:\n" + "\n".join(unexpected)
