"""bench/cores.py runs and reports every row (tiny sizes: the figures mean nothing here)."""

from __future__ import annotations

import json

from helpers import run_python


def test_the_core_scaling_benchmark_runs_on_tiny_sizes() -> None:
    done = run_python("bench/cores.py", "--quick", "--json", timeout=120)
    figures = json.loads(done.stdout)
    assert set(figures["rows"]) == {
        "ceiling",
        "threads",
        "cluster-balanced",
        "cluster-work-stealing",
    }
    assert all(row["speedup"] > 0 for row in figures["rows"].values())
