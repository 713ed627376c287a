"""The free-threaded leg of the suite: the runtime's tests and the examples on CPython 3.13t.

`.ci/freethreaded` runs ``tests/runtime`` and ``tests/test_examples.py`` on a free-threaded
CPython 3.13 (the GIL off), where a test checks that the GIL really is off; this test runs
that script, so the whole suite (and CI, which runs it) covers both builds. The interpreter
comes from `.ci/freethreaded-python`: built once per machine from Debian's ``python3.13``
source package and cached outside the repository, so the first run on a machine includes
the build (about 5-7 minutes on 2 cores); later runs add the 3.13t run alone (1-2
minutes). ``ACTORGEN_FREETHREADED=0`` leaves the leg out, on a machine that cannot build
it (README, "Interpreters").
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "freethreaded"
# The first build (~7 minutes on 2 cores) and a run (~3 minutes), with room for a loaded
# machine; CI's own budget is 90 minutes.
BUDGET = 40 * 60


@pytest.mark.timeout(BUDGET + 60)
def test_the_runtime_tests_and_the_examples_pass_on_free_threaded_cpython() -> None:
    if os.environ.get("ACTORGEN_FREETHREADED") == "0":
        pytest.skip("ACTORGEN_FREETHREADED=0: the 3.13t leg is left out (README, 'Interpreters')")
    # Its own pytest must not inherit options meant for this one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUDGET,
        check=False,
    )
    # pytest reports on stdout; the interpreter's build and pip on stderr.
    report, progress = done.stdout.rstrip().splitlines(), done.stderr.rstrip().splitlines()
    failures = [i for i, line in enumerate(report) if line.startswith("=") and "FAILURES" in line]
    shown = report[failures[0] : failures[0] + 150] if failures else report[-60:]
    tail = "\n".join([*progress[-15:], *shown, *([report[-1]] if failures else [])])
    assert done.returncode == 0, f".ci/freethreaded exited {done.returncode}:\n{tail}"
    summary = report[-1] if report else ""
    counts = dict((kind, int(n)) for n, kind in re.findall(r"(\d+) (\w+)", summary))
    assert counts.get("passed", 0) > 0, f"no test passed on 3.13t:\n{tail}"
    assert not counts.get("failed") and not counts.get("error"), tail
