"""Shared test helpers: run the CLI in-process and capture what it prints."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from actorgen.codegen.cli import main

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


def errors(run: Run) -> list[str]:
    """The diagnostic lines of a run (``path:line:col: error: ...``)."""
    return [
        line
        for line in run.err.splitlines()
        if ": error: " in line and not line.startswith("actorgen:")
    ]
