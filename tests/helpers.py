"""Shared test helpers: run the CLI in-process, or a Python script or module in a child
interpreter, and capture what they print."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> Run:
    # Imported here: the generator needs libcst, which a free-threaded interpreter may not
    # have; the tests that only run the examples' runtime do not need it (.ci/run).
    from actorgen.codegen.cli import main

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


def run_python(
    *args: str, timeout: float, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python <args>`` in a child interpreter (with `env` added to the environment);
    fail the test, showing its output, unless it exits 0."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


# A child that a test interrupts with SIGINT must handle it as a program started from a
# terminal does. A shell starts background jobs with SIGINT ignored, and a Python started
# so leaves it ignored: run in the background, the suite would see Ctrl-C do nothing.
INTERRUPTIBLE = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"


def interruptible_module(module: str, *args: str) -> list[str]:
    """The command that runs ``python -m <module> <args>`` with SIGINT's default handler
    (see `INTERRUPTIBLE`), under ``-X faulthandler`` (a SIGABRT prints every stack)."""
    run = f"import runpy; runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    return [sys.executable, "-X", "faulthandler", "-c", INTERRUPTIBLE + run, *args]
