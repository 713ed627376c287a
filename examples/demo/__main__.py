"""Watch a cluster balance uneven jobs, then the same jobs dealt out in turn.

Run with ``python -m examples.demo`` from the repository root (``--help`` for options).

The backup scrub of ``examples.job_batch``: a manifest of blobs of heavy-tailed sizes,
each fetched (a sleep as long as the download would take) and checksummed by one of four
workers. The batch runs twice, on the same blobs in the same order:

1. on a *balanced* cluster: every free worker pulls the next blob;
2. on a *round-robin* cluster: blob i goes to worker i mod 4, decided when it is sent.

While a batch runs, the terminal shows a progress bar, one row per worker (blobs handled,
busy %, the blob it is on) and the cluster's queued and in-flight messages; a summary
table then compares the two runs: makespan, the perfect split, and each worker's load.
The live view needs `rich` (``pip install 'actorgen[demo]'``); when standard output is not
a terminal (or with ``--plain``) the demo prints plain lines instead.

Ctrl-C stops it within a second. Exits 1 if a digest is wrong, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from actorgen.runtime import (
    ClusterStats,
    Future,
    Histogram,
    Runtime,
    Strategy,
    cluster_stats,
    spawn_options,
)

from ..job_batch.checksums import Checksum, fetch_seconds
from ..job_batch.checksums_actors import ChecksumWorkerCluster, ChecksumWorkerProcess
from ..job_batch.manifest import ManifestEntry, MiB, build_manifest, check, first_free_makespan

STRATEGIES: tuple[Strategy, ...] = ("balanced", "round_robin")
# How often the view is redrawn: the live one, and the plain lines.
LIVE_INTERVAL = 0.1
PLAIN_INTERVAL = 0.5


@dataclass(frozen=True)
class Member:
    """One worker at one moment: what the view shows of it."""

    name: str
    handled: int
    busy_seconds: float
    on: str  # the blob it is fetching now, or ""


@dataclass(frozen=True)
class Snapshot:
    """One cluster at one moment of its batch."""

    strategy: str
    elapsed: float
    done: int
    total: int
    queued: int
    in_flight: int
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Outcome:
    """A finished batch."""

    strategy: str
    makespan: float
    members: tuple[Member, ...]
    wait: Histogram | None
    errors: tuple[str, ...]


def snapshot(strategy: str, stats: ClusterStats, elapsed: float, done: int, total: int) -> Snapshot:
    members = []
    for member in stats.members:
        message: Any = member.handling  # a ChecksumWorkerChecksumMessage, or None
        blob = getattr(message, "blob", None)
        on = f"{blob.key.rsplit('/', 1)[-1]} ({blob.size / MiB:.2f} MiB)" if blob else ""
        members.append(Member(member.name, member.handled, member.busy_seconds, on))
    return Snapshot(strategy, elapsed, done, total, stats.queued, stats.in_flight, tuple(members))


def run_batch(
    strategy: Strategy,
    manifest: list[ManifestEntry],
    workers: int,
    show: Callable[[Snapshot], None],
    interval: float,
) -> Outcome:
    """Send every blob to a cluster of `strategy` at once; `show` a snapshot every
    `interval` seconds until the last reply is in."""
    # A handler that sleeps holds its pool thread: one thread per worker. The histograms
    # also make `handling` (the message each worker is on) visible to the view.
    with Runtime(threads=workers, name=strategy, latency_histograms=True):
        members = []
        for i in range(workers):
            with spawn_options(name=f"conn-{i}"):  # the process's name, in its stats
                members.append(ChecksumWorkerProcess.spawn(f"conn-{i}"))
        cluster = ChecksumWorkerCluster(members, strategy=strategy, name=strategy)
        # When each reply arrived: the callbacks run on the pool threads that reply, and
        # list.append is atomic.
        finished: list[float] = []
        all_done = threading.Event()

        def arrived(_: object) -> None:
            finished.append(time.perf_counter())
            if len(finished) == len(manifest):
                all_done.set()

        started = time.perf_counter()
        futures: list[Future[Checksum]] = []
        for entry in manifest:
            future = cluster.checksum(entry.blob)
            future.add_done_callback(arrived)
            futures.append(future)
        while True:
            done = len(finished)
            stats = cluster_stats(cluster)
            show(snapshot(strategy, stats, time.perf_counter() - started, done, len(futures)))
            if done == len(futures):
                break
            all_done.wait(interval)  # a Ctrl-C interrupts the wait at once
        makespan = max(finished) - started
        errors = []
        for entry, future in zip(manifest, futures, strict=True):
            problem = check(entry, future.result())
            if problem is not None:
                errors.append(problem)
        cluster.join()
        final = snapshot(strategy, cluster_stats(cluster), makespan, len(futures), len(futures))
        wait = cluster_stats(cluster).wait
    return Outcome(strategy, makespan, final.members, wait, tuple(errors))


# -- plain output ------------------------------------------------------------------------


class PlainView:
    """Line-based output, for pipes, logs and tests."""

    interval = PLAIN_INTERVAL

    def __init__(self) -> None:
        self._last = ""

    def begin(self, strategy: str, summary: str) -> None:
        print(f"\n{strategy}: {summary}", flush=True)

    def show(self, s: Snapshot) -> None:
        shares = "  ".join(f"{m.name} {m.handled} ({_busy(m, s.elapsed):.0%})" for m in s.members)
        line = (
            f"  {s.elapsed:5.2f} s  {s.done:>4}/{s.total} done  queued {s.queued:>4}  "
            f"in flight {s.in_flight}  | {shares}"
        )
        if line != self._last:
            print(line, flush=True)
            self._last = line

    def end(self) -> None:
        pass

    def summary(self, outcomes: list[Outcome], ideal: float, pulled: float, dealt: float) -> None:
        print("\nsummary")
        print(
            f"  {'strategy':<12} {'makespan s':>10} {'x perfect':>9} {'wait p50':>9} "
            f"{'wait p99':>9}  per worker: blobs / busy s"
        )
        for outcome in outcomes:
            shares = "  ".join(
                f"{m.name} {m.handled:>3} / {m.busy_seconds:.2f}" for m in outcome.members
            )
            p50, p99 = _quantiles(outcome.wait)
            print(
                f"  {outcome.strategy:<12} {outcome.makespan:>10.3f} "
                f"{outcome.makespan / ideal:>8.2f}x {p50:>9} {p99:>9}  {shares}"
            )
        print(_verdict(outcomes, ideal, pulled, dealt))


# -- the live view -----------------------------------------------------------------------


class LiveView:
    """A progress bar and a table of the workers, redrawn in place (rich)."""

    interval = LIVE_INTERVAL

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console()
        self._live: Any = None
        self._progress: Any = None
        self._task: Any = None

    def begin(self, strategy: str, summary: str) -> None:
        from rich.live import Live
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console.print(f"\n[bold]{strategy}[/bold]: {summary}", highlight=False)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("blobs"),
            TimeElapsedColumn(),
        )
        self._task = self._progress.add_task(strategy, total=None)
        self._live = Live(console=self.console, refresh_per_second=10, transient=False)
        self._live.start()

    def show(self, s: Snapshot) -> None:
        from rich.console import Group
        from rich.table import Table

        self._progress.update(self._task, total=s.total, completed=s.done)
        table = Table(box=None, pad_edge=False)
        table.add_column("worker")
        table.add_column("handled", justify="right")
        table.add_column("busy", justify="right")
        table.add_column("on")
        for m in s.members:
            table.add_row(m.name, str(m.handled), f"{_busy(m, s.elapsed):.0%}", m.on or "-")
        footer = f"cluster {s.strategy}: {s.queued} queued, {s.in_flight} in flight"
        self._live.update(Group(self._progress, table, footer))

    def end(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def summary(self, outcomes: list[Outcome], ideal: float, pulled: float, dealt: float) -> None:
        from rich.table import Table

        runs = Table(title="Same blobs, same order")
        for column in ("strategy", "makespan s", "x perfect split", "wait p50", "wait p99"):
            runs.add_column(column, justify="left" if column == "strategy" else "right")
        for outcome in outcomes:
            p50, p99 = _quantiles(outcome.wait)
            runs.add_row(
                outcome.strategy,
                f"{outcome.makespan:.3f}",
                f"{outcome.makespan / ideal:.2f}x",
                p50,
                p99,
            )
        load = Table(title="Load per worker: blobs / busy s")
        load.add_column("worker")
        for outcome in outcomes:
            load.add_column(outcome.strategy, justify="right")
        for i, member in enumerate(outcomes[0].members):
            load.add_row(
                member.name,
                *(f"{o.members[i].handled} / {o.members[i].busy_seconds:.2f}" for o in outcomes),
            )
        self.console.print()
        self.console.print(runs)
        self.console.print(load)
        self.console.print(_verdict(outcomes, ideal, pulled, dealt), highlight=False)


View = PlainView | LiveView


def _busy(member: Member, elapsed: float) -> float:
    return min(member.busy_seconds / elapsed, 1.0) if elapsed > 0 else 0.0


def _quantiles(wait: Histogram | None) -> tuple[str, str]:
    """The wait's p50 and p99 (upper bounds of their buckets, within a factor of 2)."""
    if wait is None or not wait.count:
        return "-", "-"
    return f"≤{_seconds(wait.quantile(0.5))}", f"≤{_seconds(wait.quantile(0.99))}"


def _seconds(value: float) -> str:
    return f"{value * 1e3:.0f} ms" if value >= 0.01 else f"{value * 1e3:.2f} ms"


def _verdict(outcomes: list[Outcome], ideal: float, pulled: float, dealt: float) -> str:
    by = {outcome.strategy: outcome for outcome in outcomes}
    lines = [
        f"perfect split {ideal:.3f} s; with zero overhead, first free worker takes the next "
        f"blob {pulled:.3f} s, blobs dealt out in turn {dealt:.3f} s"
    ]
    if "balanced" in by and "round_robin" in by:
        gain = by["round_robin"].makespan / by["balanced"].makespan
        lines.append(f"round robin took {gain:.2f}x as long as the balanced cluster")
    return "\n".join(lines)


def choose_view(plain: bool, live: bool) -> View:
    if plain or (not live and not sys.stdout.isatty()):
        return PlainView()
    try:
        import rich  # noqa: F401
    except ImportError:
        print("(no live view: pip install 'actorgen[demo]' to get one)", flush=True)
        return PlainView()
    return LiveView()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m examples.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--blobs", type=int, default=400, help="blobs in the batch (400)")
    parser.add_argument("--workers", type=int, default=4, help="cluster members (4)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of sizes and contents")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--plain", action="store_true", help="plain lines, even on a terminal")
    output.add_argument("--live", action="store_true", help="the live view, even if piped")
    args = parser.parse_args(argv)
    if args.blobs < 1 or args.workers < 1:
        parser.error("--blobs and --workers must be at least 1")
    view = choose_view(args.plain, args.live)
    manifest = build_manifest(args.blobs, args.seed)
    costs = [fetch_seconds(entry.blob.size) for entry in manifest]
    ideal = sum(costs) / args.workers
    pulled = first_free_makespan(costs, args.workers)
    dealt = max(sum(costs[i :: args.workers]) for i in range(args.workers))
    print(
        f"{len(manifest)} blobs, {sum(e.blob.size for e in manifest) / MiB:.1f} MiB, fetch "
        f"times {min(costs) * 1e3:.0f}-{max(costs) * 1e3:.0f} ms (total {sum(costs):.2f} s), "
        f"on {args.workers} workers",
        flush=True,
    )
    outcomes: list[Outcome] = []
    try:
        for strategy in STRATEGIES:
            view.begin(strategy, _describe(strategy))
            try:
                outcomes.append(
                    run_batch(strategy, manifest, args.workers, view.show, view.interval)
                )
            finally:
                view.end()
        view.summary(outcomes, ideal, pulled, dealt)
    except KeyboardInterrupt:
        # Leaving the runtime's block by the interrupt stopped it: running handlers had
        # half a second to finish their blob, and the queued ones were failed.
        print("\ninterrupted: the batch was stopped", file=sys.stderr, flush=True)
        return 130
    errors = [error for outcome in outcomes for error in outcome.errors]
    if errors:
        print(f"{len(errors)} problem(s):", *errors, sep="\n  ", file=sys.stderr)
        return 1
    print(f"all {len(manifest)} digests matched the manifest, on both clusters", flush=True)
    return 0


def _describe(strategy: str) -> str:
    if strategy == "balanced":
        return "every free worker pulls the next blob"
    return "blob i goes to worker i mod n when it is sent"


if __name__ == "__main__":
    sys.exit(main())
