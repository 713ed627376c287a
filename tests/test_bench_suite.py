"""The comparison benchmark suite (bench/run.py) runs, and refuses figures that don't add up.

Nothing here looks at a time or a rate: the suite reports them, it never asserts them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from helpers import REPO, run_python

BENCH = REPO / "bench"

# Rows the suite must always list (measured, or skipped with the reason).
CORE_ROWS = {
    "handwritten",
    "handwritten-bare",
    "executor",
    "pykka-proxy",
    "pykka-ref",
    "actorgen-cluster-balanced",
    "actorgen-cluster-work-stealing",
    "actorgen-cluster-round-robin",
    "actorgen-direct",
    "ray-pool",
}


@pytest.fixture
def bench_on_path() -> Iterator[None]:
    """Import the suite like `python bench/run.py` does: `bench/` first on sys.path."""
    sys.path.insert(0, str(BENCH))
    try:
        yield
    finally:
        sys.path.remove(str(BENCH))
        for name in [name for name in sys.modules if name == "suite" or name.startswith("suite.")]:
            del sys.modules[name]


def test_the_quick_suite_writes_the_table_and_plots_listing_every_variant(tmp_path: Path) -> None:
    run_python("bench/run.py", "--quick", "--out", str(tmp_path), timeout=120)

    results = json.loads((tmp_path / "results.json").read_text())
    table = (tmp_path / "results.md").read_text()
    keys = {variant["key"] for variant in results["variants"]}
    assert keys >= CORE_ROWS
    for variant in results["variants"]:
        assert variant["label"] in table, f"{variant['label']} missing from results.md"
    assert not results["failures"]
    for png in ("throughput.png", "latency.png", "makespan.png", "spawn.png"):
        assert (tmp_path / png).stat().st_size > 0
        assert f"]({png})" in table

    targets = table.split("## Targets", 1)[1].split("\n## ", 1)[0]
    verdicts = [
        line for line in targets.splitlines() if line.startswith("| ") and "---" not in line
    ]
    assert len(verdicts) == 1 + 7  # the header and one row per performance target
    assert all(("met" in row) or ("not measured" in row) for row in verdicts[1:])

    strategies = table.split("## Cluster strategies", 1)[1].split("\n## ", 1)[0]
    for key in ("balanced", "work-stealing", "round-robin"):
        label = next(
            v["label"] for v in results["variants"] if v["key"] == f"actorgen-cluster-{key}"
        )
        assert f"| {label} |" in strategies
    # The strategies are compared with the runtime's default one, and a verdict says which
    # stays the default and why.
    assert results["default_cluster"] in keys
    assert any(
        verdict in strategies for verdict in ("stays the default", "clearly beat", "**Mixed")
    )
    default = results["default_cluster"].removeprefix("actorgen-cluster-").replace("-", "_")
    assert f"÷ `{default}`: tells/s" in strategies

    stats = table.split("## Stats cost", 1)[1].split("\n## ", 1)[0]
    assert results["stats_cost"]["polled_over_plain"] > 0
    assert "polled every 1 ms ÷ not polled" in stats

    run_python("bench/run.py", "--out", str(tmp_path), "--rewrite-report", timeout=60)


def test_stats_cost_quick_runs_and_prints_its_ratio() -> None:
    done = run_python("bench/stats_cost.py", "--quick", timeout=120)
    ratio = r"polled every 1 ms ÷ not polled: \d+\.\d{3}×"  # noqa: RUF001
    assert re.search(ratio, done.stdout), done.stdout
    price = r"one runtime_stats\(\) with 8 clusters × 8 members: [\d,.]+ µs"  # noqa: RUF001
    assert re.search(price, done.stdout), done.stdout


def test_ray_backend_quick_measures_every_row_and_checks_its_replies() -> None:
    pytest.importorskip("ray")
    done = run_python("bench/ray_backend.py", "--quick", "--json", timeout=240)
    figures = json.loads(done.stdout[done.stdout.index("{") :])
    assert set(figures["cpu"]["raw"]) == {"ceiling", "threads", "ray", "ppe"}
    assert figures["small"]["tells_x"] > 0 and figures["small"]["trip_x"] > 0


def test_blocking_quick_shows_backup_threads_beating_a_fixed_pool() -> None:
    done = run_python("bench/blocking.py", "--quick", "--json", timeout=120)
    medians = json.loads(done.stdout)
    with_backups = medians["backup threads (default)"]
    without = medians["no backup threads"]
    assert with_backups["backups"] > 0 and without["backups"] == 0
    # A fixed pool of 4 works through 10 sleeps 4 at a time: the fast ask waits ~2 sleeps.
    assert without["during"] > 1
    assert with_backups["during"] < without["during"] / 4


def test_interp_ops_times_every_step_on_each_interpreter_it_is_given() -> None:
    here = sys.executable
    done = run_python(
        "bench/interp_ops.py",
        *("--python", f"a={here}", "--python", f"b={here}"),
        *("--loops", "200", "--repeats", "2"),
        timeout=120,
    )
    assert "| step | a (" in done.stdout and " | b (" in done.stdout, done.stdout
    for step in ("read a slot", "call a method", "`deque` append + popleft"):
        row = rf"^\| {re.escape(step)} \| -?\d+( \(-?[\d.]+×\))? \| -?\d+ \|$"  # noqa: RUF001
        assert re.search(row, done.stdout, re.M), done.stdout


def test_runtime_ab_quick_compares_the_working_tree_with_a_revision() -> None:
    inside = subprocess.run(
        ["git", "rev-parse", "--verify", "HEAD:runtime"], cwd=REPO, capture_output=True
    )
    if inside.returncode != 0:
        pytest.skip("not a git checkout with history: runtime_ab.py needs `git show`")
    done = run_python("bench/runtime_ab.py", "--rev", "HEAD", "--quick", timeout=120)
    for workload in (
        "cluster-tells",
        "cluster-asks",
        "direct-tells",
        "handwritten-tells",
        "spawn",
        "ask-each",
        "tell-each",
    ):
        line = rf"^{workload} +\d+\.\d{{3}}×"  # noqa: RUF001
        assert re.search(line, done.stdout, re.M), done.stdout


def test_a_variant_whose_totals_do_not_add_up_is_reported_as_failed_not_measured(
    bench_on_path: None, tmp_path: Path
) -> None:
    from suite.harness import QUICK, run_suite
    from suite.report import write_report
    from suite.variants.handwritten import Handwritten

    class DropsOneTell(Handwritten):
        key = "drops-one-tell"
        label = "drops one tell in a thousand"

        def tell_all(self, values: Sequence[int]) -> None:
            super().tell_all([value for value in values if value % 1000 != 7])

    class AnswersWithoutAsking(Handwritten):
        key = "answers-without-asking"
        label = "replies right but skips the worker"

        def ask_all(self, values: Sequence[int]) -> list[int]:
            return [value + 1 for value in values]

    logged: list[str] = []
    results = run_suite(
        [Handwritten(), DropsOneTell(), AnswersWithoutAsking()],
        QUICK,
        ("tells", "asks"),
        logged.append,
    )

    assert results.failures.keys() == {"drops-one-tell", "answers-without-asking"}
    assert results.failures["drops-one-tell"]["tells"].startswith(
        "VerificationError: told adds up to"
    )
    assert results.failures["answers-without-asking"]["asks"].startswith(
        "VerificationError: asked adds up to 0, expected"
    )
    assert results.values("drops-one-tell", "tells", "rate") == {}
    assert results.values("answers-without-asking", "asks", "rate") == {}
    assert len(results.values("handwritten", "tells", "rate")) == QUICK.repeats
    # A failed phase is not retried in later repeats; the variant's other phases still run.
    assert len(results.values("drops-one-tell", "asks", "rate")) == QUICK.repeats

    table = write_report(results, tmp_path, "test").read_text()
    tells = table.split("## Tells", 1)[1].split("\n## ", 1)[0]
    assert "| drops one tell in a thousand | **FAILED verification, not reported**" in tells


def test_a_benchmark_s_section_of_results_md_is_replaced_in_place_or_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    from results_section import write_section

    results = tmp_path / "results.md"
    results.write_text("# Results\n\n## Other\n\nkept\n")
    first = "<!-- x: begin -->\nold\n<!-- x: end -->\n"
    write_section(first, "<!-- x: begin -->", "<!-- x: end -->", results)
    assert results.read_text() == "# Results\n\n## Other\n\nkept\n\n" + first
    results.write_text(results.read_text() + "\n## After\n")
    second = "<!-- x: begin -->\nnew\n<!-- x: end -->\n"
    write_section(second, "<!-- x: begin -->", "<!-- x: end -->", results)
    assert results.read_text() == "# Results\n\n## Other\n\nkept\n\n" + second + "\n## After\n"
