# ruff: noqa: RUF001 - the report prints typographic signs on purpose
"""What the stats cost: cluster tells while a thread polls them, one call's price, and
what latency histograms (``Runtime(latency_histograms=True)``) cost the same tells.

Run from the repository root::

    .venv/bin/python bench/stats_cost.py            # 9 repeats, ~40 s
    .venv/bin/python bench/stats_cost.py --quick    # 2 small repeats, a few seconds
    .venv/bin/python bench/stats_cost.py --json     # the figures as one JSON object

The per-message counters cannot be turned off, so what can be measured side by side is what
*reading* them costs a busy cluster. Each repeat does, back to back:

1. **Polling**: the suite's tells phase (``bench/suite``: a `WorkerCluster` of 4 processes
   with the runtime's default strategy, `--tells` (1,000,000) ``foo(a)`` sent as fast as
   possible and timed until ``join()`` returns, totals checked), once plain and once while
   another thread calls ``runtime_stats()`` and ``cluster_stats()`` every `--interval`
   (1 ms). The two runs alternate which goes first. Reported: the median over the repeats
   of the paired ratios *polled ÷ not polled* of tells/s and of CPU time per tell (every
   thread's, the poller's included), the polls per second the thread really made (it needs
   the GIL to wake up, and the sender and the pool hold it), and the time the workload lost
   per poll.
2. **Price of one call**: a fresh idle runtime with `--clusters` (8) clusters of `--members`
   (8) processes; ``runtime_stats()`` called `--calls` times in a row, then
   ``cluster_stats()`` of one of its clusters. Reported in µs and as a ratio to one cluster
   tell of step 1's plain run in the same repeat (sent and handled): one call costs as much
   as that many tells.
3. **Latency histograms**: the same tells phase once more, not polled, on a runtime made
   with ``latency_histograms=True`` (every message stamped when sent and timed when
   handled, `runtime/_latency.py`). Reported: the median of the paired ratios *with
   histograms ÷ without* (step 1's plain run of the same repeat) of tells/s and of CPU
   time per tell; the histograms' counts are checked against the tells sent. The three
   runs of a repeat go in an order that rotates from repeat to repeat.

Nothing here asserts on time; the exit status is 1 only if a run's totals do not add up.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from actorgen.runtime import Runtime, cluster_stats, runtime_stats
from suite.variants.actorgen_variant import DEFAULT_STRATEGY, STRATEGIES, ActorgenCluster
from suite.worker_actors import WorkerCluster, WorkerProcess
from suite.workload import WORKERS, Expected, VerificationError, verify


@dataclass(frozen=True)
class Sizes:
    repeats: int
    tells: int  # per polling run
    warmup: int
    calls: int  # runtime_stats() calls per price measurement
    clusters: int
    members: int
    interval: float  # seconds between two polls


FULL = Sizes(
    repeats=9, tells=1_000_000, warmup=2_000, calls=2_000, clusters=8, members=8, interval=0.001
)
QUICK = Sizes(repeats=2, tells=5_000, warmup=200, calls=100, clusters=8, members=8, interval=0.001)


class Poller:
    """A thread that reads the stats of `cluster` and its runtime every `interval`."""

    def __init__(self, runtime: Runtime, cluster: WorkerCluster, interval: float) -> None:
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(runtime, cluster, interval), name="stats-poller"
        )

    def _run(self, runtime: Runtime, cluster: WorkerCluster, interval: float) -> None:
        while not self._stop.wait(interval):
            runtime_stats(runtime)
            cluster_stats(cluster)
            self.polls += 1

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def tells_run(sizes: Sizes, polled: bool, timed: bool = False) -> dict[str, float]:
    """One run of the suite's cluster tells phase, with or without a poller, on a runtime
    with or without latency histograms (`timed`)."""
    variant = ActorgenCluster(next(s for s in STRATEGIES if s.key == DEFAULT_STRATEGY))
    if timed:
        variant.runtime_options = {"latency_histograms": True}
    gc.collect()
    variant.start(WORKERS)
    try:
        warm = list(range(1, sizes.warmup + 1))
        values = list(range(1, sizes.tells + 1))
        expected = Expected()
        variant.tell_all(warm)
        expected.sent_tells(warm)
        assert variant.runtime is not None
        poller = Poller(variant.runtime, variant.cluster, sizes.interval) if polled else None
        if poller is not None:
            poller.__enter__()
        try:
            polls_before = poller.polls if poller is not None else 0
            begin, cpu_begin = time.perf_counter(), time.process_time()
            variant.tell_all(values)
            elapsed = time.perf_counter() - begin
            cpu = time.process_time() - cpu_begin
            polls = (poller.polls if poller is not None else 0) - polls_before
        finally:
            if poller is not None:
                poller.__exit__()
        expected.sent_tells(values)
        verify(expected, variant.totals())
        if timed:
            assert variant.runtime is not None
            _, handler = runtime_stats(variant.runtime).class_latency("Worker")
            # The totals' asks (one per member) are timed too.
            if handler.count < len(warm) + len(values):
                raise VerificationError(
                    f"the latency histograms counted {handler.count:,} messages, not at "
                    f"least the {len(warm) + len(values):,} tells sent"
                )
    finally:
        variant.stop()
    return {
        "rate": len(values) / elapsed,
        "seconds": elapsed,
        "cpu_ns": cpu / len(values) * 1e9,  # every thread's CPU time, per tell
        "polls": polls,
    }


def price(sizes: Sizes) -> dict[str, float]:
    """Seconds per ``runtime_stats()`` and ``cluster_stats()`` call on an idle runtime."""
    gc.collect()
    with Runtime(name="stats-price") as runtime:
        clusters = [
            WorkerCluster([WorkerProcess.spawn() for _ in range(sizes.members)])
            for _ in range(sizes.clusters)
        ]
        for cluster in clusters:
            cluster.join()  # every member has started and parked: the runtime is idle
        stats = runtime_stats(runtime)
        if (
            len(stats.clusters) != sizes.clusters
            or stats.processes != len(clusters) * sizes.members
        ):
            raise SystemExit(
                f"FAILED: runtime_stats() saw {stats.processes} processes in "
                f"{len(stats.clusters)} clusters"
            )

        def per_call(call: Callable[[], object], calls: int) -> float:
            call()  # warm
            begin = time.perf_counter()
            for _ in range(calls):
                call()
            return (time.perf_counter() - begin) / calls

        one = clusters[0]
        return {
            "runtime_stats_s": per_call(lambda: runtime_stats(runtime), sizes.calls),
            "cluster_stats_s": per_call(lambda: cluster_stats(one), sizes.calls * 4),
        }


def median(values: list[float]) -> float:
    return statistics.median(values)


def measure(sizes: Sizes, log: Callable[[str], None]) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for repeat in range(sizes.repeats):
        kinds = ["plain", "polled", "timed"]
        order = kinds[repeat % 3 :] + kinds[: repeat % 3]
        run: dict[str, Any] = {}
        for kind in order:
            run[kind] = tells_run(sizes, polled=kind == "polled", timed=kind == "timed")
        run["price"] = price(sizes)
        plain, polled_run = run["plain"], run["polled"]
        run["timed_ratio"] = run["timed"]["rate"] / plain["rate"]
        run["timed_cpu_ratio"] = run["timed"]["cpu_ns"] / plain["cpu_ns"]
        run["ratio"] = polled_run["rate"] / plain["rate"]
        run["cpu_ratio"] = polled_run["cpu_ns"] / plain["cpu_ns"]
        run["polls_per_second"] = polled_run["polls"] / polled_run["seconds"]
        lost = polled_run["seconds"] - plain["seconds"]
        run["lost_per_poll_s"] = lost / polled_run["polls"] if polled_run["polls"] else None
        tell_s = 1 / plain["rate"]
        run["runtime_stats_in_tells"] = run["price"]["runtime_stats_s"] / tell_s
        run["cluster_stats_in_tells"] = run["price"]["cluster_stats_s"] / tell_s
        runs.append(run)
        log(
            f"  [{repeat + 1}/{sizes.repeats}] polled ÷ plain {run['ratio']:.3f} "
            f"(CPU per tell {run['cpu_ratio']:.3f}) "
            f"({run['polls_per_second']:,.0f} polls/s); runtime_stats() "
            f"{run['price']['runtime_stats_s'] * 1e6:,.1f} µs = "
            f"{run['runtime_stats_in_tells']:,.1f} tells; histograms ÷ plain "
            f"{run['timed_ratio']:.3f}"
        )
    ratios = [run["ratio"] for run in runs]
    cpu_ratios = [run["cpu_ratio"] for run in runs]
    lost = [run["lost_per_poll_s"] for run in runs if run["lost_per_poll_s"] is not None]
    return {
        "repeats": sizes.repeats,
        "tells": sizes.tells,
        "interval_s": sizes.interval,
        "clusters": sizes.clusters,
        "members": sizes.members,
        "strategy": DEFAULT_STRATEGY,
        "polled_over_plain": median(ratios),
        "polled_over_plain_min": min(ratios),
        "polled_over_plain_max": max(ratios),
        "cpu_polled_over_plain": median(cpu_ratios),
        "cpu_polled_over_plain_min": min(cpu_ratios),
        "cpu_polled_over_plain_max": max(cpu_ratios),
        "timed_over_plain": median([run["timed_ratio"] for run in runs]),
        "timed_over_plain_min": min(run["timed_ratio"] for run in runs),
        "timed_over_plain_max": max(run["timed_ratio"] for run in runs),
        "cpu_timed_over_plain": median([run["timed_cpu_ratio"] for run in runs]),
        "timed_rate": median([run["timed"]["rate"] for run in runs]),
        "plain_rate": median([run["plain"]["rate"] for run in runs]),
        "polled_rate": median([run["polled"]["rate"] for run in runs]),
        "polls_per_second": median([run["polls_per_second"] for run in runs]),
        "lost_per_poll_us": median(lost) * 1e6 if lost else None,
        "runtime_stats_us": median([run["price"]["runtime_stats_s"] for run in runs]) * 1e6,
        "cluster_stats_us": median([run["price"]["cluster_stats_s"] for run in runs]) * 1e6,
        "runtime_stats_in_tells": median([run["runtime_stats_in_tells"] for run in runs]),
        "cluster_stats_in_tells": median([run["cluster_stats_in_tells"] for run in runs]),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "runs": runs,
    }


def report(figures: dict[str, Any]) -> str:
    f = figures
    lost = f["lost_per_poll_us"]
    per_second = f["runtime_stats_us"] + f["cluster_stats_us"]
    return "\n".join(
        [
            f"Stats cost: median of {f['repeats']} interleaved repeats; Python {f['python']}, "
            f"{f['cpus']} CPUs",
            "",
            f"cluster tells ({f['strategy']}, {WORKERS} members, {f['tells']:,} per run), "
            f"polled every {f['interval_s'] * 1e3:g} ms ÷ not polled: "
            f"{f['polled_over_plain']:.3f}× "
            f"(min {f['polled_over_plain_min']:.3f}×, max {f['polled_over_plain_max']:.3f}×)",
            f"  CPU time per tell (all threads), polled ÷ not polled: "
            f"{f['cpu_polled_over_plain']:.3f}× (min {f['cpu_polled_over_plain_min']:.3f}×, "
            f"max {f['cpu_polled_over_plain_max']:.3f}×)",
            f"  tells/s: {f['polled_rate']:,.0f} polled, {f['plain_rate']:,.0f} not polled; "
            f"{f['polls_per_second']:,.0f} polls/s made"
            + (
                ""
                if lost is None
                else f", {lost:,.1f} µs of the workload lost per poll"
                if lost > 0
                else ", no time lost per poll (the polled runs were not slower)"
            ),
            f"one runtime_stats() with {f['clusters']} clusters × {f['members']} members: "
            f"{f['runtime_stats_us']:,.1f} µs = {f['runtime_stats_in_tells']:,.1f} cluster tells",
            f"one cluster_stats() of {f['members']} members: {f['cluster_stats_us']:,.1f} µs = "
            f"{f['cluster_stats_in_tells']:,.1f} cluster tells",
            f"both every millisecond, on that runtime: {per_second / 1e3:.1%} of the time",
            f"cluster tells with latency histograms ÷ without: {f['timed_over_plain']:.3f}× "
            f"(min {f['timed_over_plain_min']:.3f}×, max {f['timed_over_plain_max']:.3f}×; "
            f"{f['timed_rate']:,.0f} tells/s); CPU time per tell "
            f"{f['cpu_timed_over_plain']:.3f}×",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 small repeats (seconds)")
    parser.add_argument("--repeats", type=int, help="repeats (9; 2 with --quick)")
    parser.add_argument("--tells", type=int, help="tells per run (1,000,000; 5,000 with --quick)")
    parser.add_argument("--interval", type=float, help="seconds between polls (0.001)")
    parser.add_argument("--clusters", type=int, help="clusters for the price of a call (8)")
    parser.add_argument("--members", type=int, help="members per cluster (8)")
    parser.add_argument("--calls", type=int, help="runtime_stats() calls per price (2,000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object, no text")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    changes = {
        name: getattr(args, name)
        for name in ("repeats", "tells", "interval", "clusters", "members", "calls")
        if getattr(args, name) is not None
    }
    if any(value <= 0 for value in changes.values()):
        parser.error("every size must be positive")
    sizes = Sizes(**{**sizes.__dict__, **changes})

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    log(f"stats_cost.py: {sizes.repeats} repeats, plain, polled and timed runs rotating")
    try:
        figures = measure(sizes, log)
    except VerificationError as error:
        log(f"FAILED: {error}")
        return 1
    print(json.dumps(figures) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
