"""Runs every variant on every phase, interleaved and repeated, and checks each run.

Order: for each repeat, for each phase, every variant once, the order of the variants
rotating by one each repeat (A B C, B C A, C A B, ...). Variants measured side by side
share whatever the machine is doing at that moment, and none is always first or last.

One *run* is one variant on one phase: fresh workers, a short untimed warm-up, the timed
part, then the totals are checked against what was sent (`workload.verify`) and the
workers are stopped. A run whose totals or replies are wrong, or that raises, marks the
variant as failed for that phase: the failure is reported instead of its figures, and the
suite exits non-zero. The one exception is a `RepeatableFailure` (the runtime missed waking
a cluster's joiner, which only shows as a join that lasts its whole timeout): the run is
counted in `Results.repeated`, listed in the report's notes and run again, up to `RETRIES`
times, so one such bug does not cost a strategy its figures.

Other figures come from scripts run as subprocesses: `spawn_many.py --json` (processes
spawned per second, heap per idle process), `stats_cost.py --json` (what reading the stats
costs a busy cluster) and, when it exists, `generator_speed.py --json`.
"""

from __future__ import annotations

import faulthandler
import gc
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .variants import DEFAULT_CLUSTER, RETRIES, RepeatableFailure, Variant
from .workload import (
    WORKERS,
    Expected,
    VerificationError,
    check_replies,
    lower_bound,
    skewed_durations,
    verify,
)

__all__ = [
    "FULL",
    "QUICK",
    "Measurement",
    "Results",
    "Sizes",
    "run_generator",
    "run_spawn",
    "run_stats_cost",
    "run_suite",
]

BENCH = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sizes:
    """How much work each run does, and how often everything is repeated."""

    repeats: int
    tells: int  # foo messages per tells run
    asks: int  # bar messages per asks run, all outstanding at once
    latency: int  # asks, one at a time, per latency run
    warmup: int  # untimed messages before the timed part of every run
    jobs: int  # skewed jobs per run
    job_scale: float  # shortest job in seconds; the mean is 3x this
    spawn_counts: tuple[int, ...]  # process counts for spawn_many.py
    spawn_repeats: int  # runs of spawn_many.py per count below 1,000,000 (one above)
    run_timeout: float  # seconds before a hanging run is aborted with every stack dumped


FULL = Sizes(
    repeats=9,
    tells=200_000,
    asks=50_000,
    latency=3_000,
    warmup=2_000,
    jobs=400,
    job_scale=0.001,
    spawn_counts=(10_000, 100_000, 1_000_000),
    spawn_repeats=3,
    run_timeout=300.0,
)
QUICK = Sizes(
    repeats=2,
    tells=2_000,
    asks=1_000,
    latency=100,
    warmup=100,
    jobs=40,
    job_scale=0.0002,
    spawn_counts=(1_000,),
    spawn_repeats=1,
    run_timeout=60.0,
)


@dataclass
class Measurement:
    """The figures of one run."""

    variant: str
    phase: str
    repeat: int
    messages: int
    metrics: dict[str, float]


@dataclass
class Results:
    """Everything one invocation measured; `report` turns it into tables and plots."""

    sizes: Sizes
    variants: list[dict[str, Any]]  # key, label, phases, skipped (reason or None)
    measurements: list[Measurement] = field(default_factory=list)
    failures: dict[str, dict[str, str]] = field(default_factory=dict)  # variant -> phase -> why
    # Runs repeated after a `RepeatableFailure`: variant -> phase -> [why, ...], one per run.
    repeated: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    durations: list[float] = field(default_factory=list)
    spawn: list[dict[str, Any]] = field(default_factory=list)
    spawn_error: str | None = None
    generator: Any = None
    generator_note: str | None = None
    stats_cost: dict[str, Any] | None = None
    stats_cost_note: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The cluster row of the runtime's default strategy when this was measured: the row the
    # targets compare and other strategies are compared with ("" in older results.json).
    default_cluster: str = ""

    def values(self, variant: str, phase: str, metric: str) -> dict[int, float]:
        """`metric` of `variant` on `phase`, by repeat; empty if it failed that phase."""
        if phase in self.failures.get(variant, {}):
            return {}
        return {
            m.repeat: m.metrics[metric]
            for m in self.measurements
            if m.variant == variant and m.phase == phase
        }

    def messages(self, variant: str, phase: str) -> int:
        return max(
            (m.messages for m in self.measurements if m.variant == variant and m.phase == phase),
            default=0,
        )


Log = Callable[[str], None]


def run_suite(
    variants: Sequence[Variant],
    sizes: Sizes,
    phases: Sequence[str],
    log: Log,
) -> Results:
    """Measure `variants` on `phases`, interleaved, `sizes.repeats` times."""
    skipped = {variant.key: variant.unavailable() for variant in variants}
    results = Results(
        sizes=sizes,
        variants=[
            {
                "key": variant.key,
                "label": variant.label,
                "phases": [phase for phase in variant.phases if phase in phases],
                "skipped": skipped[variant.key],
            }
            for variant in variants
        ],
        durations=skewed_durations(sizes.jobs, sizes.job_scale),
        default_cluster=DEFAULT_CLUSTER,
    )
    active = [variant for variant in variants if skipped[variant.key] is None]
    for variant in variants:
        if skipped[variant.key] is not None:
            log(f"skipped {variant.label}: {skipped[variant.key]}")
    opened: list[Variant] = []
    try:
        for variant in active:
            variant.open()
            opened.append(variant)
        for repeat in range(sizes.repeats):
            shift = repeat % len(active) if active else 0
            order = [*active[shift:], *active[:shift]]
            for phase in phases:
                for variant in order:
                    if phase not in variant.phases or phase in results.failures.get(
                        variant.key, {}
                    ):
                        continue
                    measurement = _run(variant, phase, repeat, sizes, results, log)
                    if measurement is not None:
                        results.measurements.append(measurement)
    finally:
        for variant in opened:
            variant.close()
    return results


def _run(
    variant: Variant, phase: str, repeat: int, sizes: Sizes, results: Results, log: Log
) -> Measurement | None:
    threads_before = threading.active_count()
    for attempt in range(RETRIES + 1):
        gc.collect()  # garbage of the previous run is not this one's to collect
        faulthandler.dump_traceback_later(sizes.run_timeout, exit=True)
        try:
            variant.start(WORKERS)
            try:
                measurement = _measure(variant, phase, repeat, sizes, results.durations)
            finally:
                variant.stop()
        except RepeatableFailure as error:
            reason = f"{type(error).__name__}: {error}"
            results.repeated.setdefault(variant.key, {}).setdefault(phase, []).append(reason)
            if attempt < RETRIES:
                log(f"  REPEATED {variant.label} on {phase}: {reason}")
                continue
            _failed(variant, phase, f"{reason} ({RETRIES + 1} runs in a row)", results, log)
            return None
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            if not isinstance(error, VerificationError):
                reason = f"raised {reason}"
            _failed(variant, phase, reason, results, log)
            return None
        finally:
            faulthandler.cancel_dump_traceback_later()
        break
    _check_threads(variant, threads_before, results)
    log(f"  [{repeat + 1}/{sizes.repeats}] {phase:<7} {variant.label:<58} {_brief(measurement)}")
    return measurement


def _failed(variant: Variant, phase: str, reason: str, results: Results, log: Log) -> None:
    results.failures.setdefault(variant.key, {})[phase] = reason
    log(f"  FAILED {variant.label} on {phase}: {reason}")


def _measure(
    variant: Variant, phase: str, repeat: int, sizes: Sizes, durations: list[float]
) -> Measurement:
    cap = variant.max_messages or sys.maxsize
    expected = Expected()
    warm = list(range(1, min(sizes.warmup, cap) + 1))
    metrics: dict[str, float]
    if phase == "tells":
        values = list(range(1, min(sizes.tells, cap) + 1))
        variant.tell_all(warm)
        expected.sent_tells(warm)
        begin = time.perf_counter()
        variant.tell_all(values)
        elapsed = time.perf_counter() - begin
        expected.sent_tells(values)
        metrics = {"rate": len(values) / elapsed, "seconds": elapsed}
    elif phase == "asks":
        values = list(range(1, min(sizes.asks, cap) + 1))
        check_replies(warm, variant.ask_all(warm))
        expected.sent_asks(warm)
        begin = time.perf_counter()
        replies = variant.ask_all(values)
        elapsed = time.perf_counter() - begin
        expected.sent_asks(values)
        check_replies(values, replies)
        metrics = {"rate": len(values) / elapsed, "seconds": elapsed}
    elif phase == "latency":
        values = list(range(1, min(sizes.latency, cap) + 1))
        warm = warm[: max(1, len(values) // 10)]
        check_replies(warm, [variant.ask_one(value) for value in warm])
        expected.sent_asks(warm)
        times: list[int] = []
        replies = []
        for value in values:
            begin_ns = time.perf_counter_ns()
            reply = variant.ask_one(value)
            times.append(time.perf_counter_ns() - begin_ns)
            replies.append(reply)
        expected.sent_asks(values)
        check_replies(values, replies)
        metrics = {
            "p50_us": percentile(times, 50) / 1e3,
            "p99_us": percentile(times, 99) / 1e3,
        }
    elif phase == "skew":
        values = []
        warm_jobs = [0.0] * WORKERS * 2
        variant.run_jobs(warm_jobs)
        expected.sent_jobs(warm_jobs)
        begin = time.perf_counter()
        variant.run_jobs(durations)
        elapsed = time.perf_counter() - begin
        expected.sent_jobs(durations)
        bound = lower_bound(durations)
        metrics = {"makespan": elapsed, "bound": bound, "over_bound": elapsed / bound}
    else:  # pragma: no cover - the CLI only passes known phases
        raise ValueError(f"unknown phase {phase!r}")
    total = verify(expected, variant.totals())
    if phase == "skew":
        # Mean time a job slept beyond its duration: time.sleep's own overshoot.
        metrics["sleep_overshoot_us"] = (total.slept - expected.slept) / expected.jobs * 1e6
    messages = len(durations) if phase == "skew" else len(values)
    return Measurement(variant.key, phase, repeat, messages, metrics)


def _check_threads(variant: Variant, before: int, results: Results) -> None:
    """A variant that leaves threads running would slow every later run down."""
    deadline = time.monotonic() + 2.0
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    if threading.active_count() > before:
        warning = (
            f"{variant.label} left {threading.active_count() - before} thread(s) running "
            "after stop()"
        )
        if warning not in results.warnings:
            results.warnings.append(warning)


def _brief(measurement: Measurement) -> str:
    m = measurement.metrics
    if "rate" in m:
        return f"{m['rate']:>12,.0f} msg/s"
    if "p50_us" in m:
        return f"p50 {m['p50_us']:7.1f} us  p99 {m['p99_us']:7.1f} us"
    return f"makespan {m['makespan'] * 1e3:8.1f} ms = {m['over_bound']:.3f} x bound"


def percentile(samples: Sequence[float], q: float) -> float:
    """The `q`-th percentile, nearest-rank (no interpolation): a value that was observed."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


# -- the figures measured by other scripts ---------------------------------------------------


def run_spawn(sizes: Sizes, results: Results, log: Log) -> None:
    """`spawn_many.py --json` for every count: spawn rate and heap per idle process."""
    for count in sizes.spawn_counts:
        runs = 1 if count >= 1_000_000 else sizes.spawn_repeats
        for repeat in range(runs):
            log(f"  spawn_many.py --count {count:,} ({repeat + 1}/{runs})")
            try:
                data = _json_script(BENCH / "spawn_many.py", ["--count", str(count)], 1800)
            except ScriptError as error:
                results.spawn_error = str(error)
                log(f"  FAILED spawn_many.py: {error}")
                return
            results.spawn.append(data)


def run_stats_cost(quick: bool, results: Results, log: Log) -> None:
    """`stats_cost.py --json`: cluster tells polled vs not, the price of runtime_stats()."""
    log("  stats_cost.py --json" + (" --quick" if quick else ""))
    try:
        results.stats_cost = _json_script(
            BENCH / "stats_cost.py", ["--quick"] if quick else [], 1800
        )
    except ScriptError as error:
        results.stats_cost_note = f"stats_cost.py --json failed: {error}"
        log(f"  FAILED {results.stats_cost_note}")


def run_generator(results: Results, log: Log) -> None:
    """`generator_speed.py --json`, if that script is present."""
    script = BENCH / "generator_speed.py"
    if not script.exists():
        results.generator_note = "bench/generator_speed.py does not exist yet: not measured"
        log(f"  {results.generator_note}")
        return
    log("  generator_speed.py --json")
    try:
        results.generator = _json_script(script, [], 1800)
    except ScriptError as error:
        results.generator_note = f"generator_speed.py --json failed: {error}"
        log(f"  FAILED {results.generator_note}")


class ScriptError(Exception):
    """A benchmark script exited non-zero or printed no JSON."""


def _json_script(script: Path, args: list[str], timeout: float) -> Any:
    try:
        done = subprocess.run(
            [sys.executable, str(script), *args, "--json"],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=BENCH.parent,
        )
    except subprocess.TimeoutExpired as error:
        raise ScriptError(f"{script.name} took more than {timeout:.0f} s") from error
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ScriptError(f"{script.name} exited {done.returncode}: {' | '.join(tail)}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        # Tolerate text before the JSON: take the last line that parses.
        for line in reversed(done.stdout.strip().splitlines()):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
        raise ScriptError(f"{script.name} --json printed no JSON") from None
