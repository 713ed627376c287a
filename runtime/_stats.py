"""Observing balance and load: what each process, cluster and runtime has done.

These are functions rather than facade methods so that `stats` stays free as a message
name. Counters are plain integers kept by the thread running each process: reading them takes
no lock on the message path. Asks and cluster messages are counted before their reply or
before `join()` can see them done; direct tells are counted in a local and saved to the
process at least every `BATCH` messages, so a count may be a few direct tells behind.
They are always on; see ``bench/stats_cost.py`` for what they cost.

Latency histograms (time messages waited before a handler took them, time handlers ran)
are kept only by a runtime made with ``latency_histograms=True`` (see `_latency`): they
are read from `ClusterStats.wait` and `.handler`, `RuntimeStats.latency` (per async class
and cluster) and `RuntimeStats.class_latency`. Every backend records them the same way,
in `ProcessCore.settle`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._cluster import ClusterCore
from ._core import RuntimeCore
from ._default import current_runtime
from ._handles import ClusterHandle, ProcessHandle
from ._latency import Histogram, LatencySeries, merge
from ._process import ProcessCore, TimedProcessCore

__all__ = [
    "ClusterStats",
    "Histogram",
    "LatencySeries",
    "ProcessStats",
    "RuntimeStats",
    "cluster_stats",
    "process_stats",
    "runtime_stats",
]


@dataclass(frozen=True)
class ProcessStats:
    """One process.

    `handled` counts every message it handled (direct and from any cluster, failed ones
    included), `failed` those whose handler raised; `busy_seconds` is the time it spent
    running; `queued` the messages in its direct mailbox; `restarts` how often supervision
    replaced its instance; `stopped` whether it has stopped for good. `handling` is the
    message whose handler is running now (an instance of a generated message class), or
    None between messages; it is known only on a runtime with latency histograms, and
    None on the others.
    """

    name: str
    handled: int
    failed: int
    busy_seconds: float
    queued: int
    restarts: int
    stopped: bool
    handling: object = None


@dataclass(frozen=True)
class ClusterStats:
    """One cluster: messages waiting in its queues, being handled, and each member's stats.

    `in_flight` counts the members handling one of its messages; like every figure here
    it is a snapshot, and for a moment it can count a member that is about to take a
    message and finds none (a member marks itself before it takes, so that `join` never
    misses a message being taken). A member's `handled` counts all its messages, direct
    and from any cluster. On a runtime with latency histograms, `wait` is how long the
    cluster's messages waited before a member took them and `handler` how long their
    handlers ran (its count is the number of the cluster's messages handled); both None on
    other runtimes.
    """

    name: str
    strategy: str
    queued: int
    in_flight: int
    members: tuple[ProcessStats, ...]
    wait: Histogram | None = None
    handler: Histogram | None = None


@dataclass(frozen=True)
class RuntimeStats:
    """A whole runtime.

    - `threads`: the pool size asked for; `pool_threads`: pool threads now, backup threads
      included; `backup_threads_started`: how often blocked handlers made the pool grow;
      `dedicated_threads`: threads of processes that have their own;
    - `processes`: processes alive (spawned and not stopped); `stopped`; `scheduled`:
      processes with work (running or waiting for a thread); `run_queue`: those waiting;
    - `handled`, `failed`, `busy_seconds`: totals over every process of the runtime;
    - `clusters`: every cluster that is still referenced;
    - `latency`: with latency histograms on, one `LatencySeries` per async class and
      cluster (`cluster` None: the class's direct messages), in the order first seen;
      empty otherwise. `class_latency(name)` adds up the series of one class.
    """

    name: str
    threads: int
    pool_threads: int
    backup_threads_started: int
    dedicated_threads: int
    processes: int
    stopped: int
    scheduled: int
    run_queue: int
    handled: int
    failed: int
    busy_seconds: float
    clusters: tuple[ClusterStats, ...]
    latency: tuple[LatencySeries, ...] = ()

    def class_latency(self, kind: str) -> tuple[Histogram, Histogram]:
        """(wait, handler) of every message of the async class named `kind`, direct or
        from any cluster (empty histograms if it has none, or histograms are off)."""
        series = [s for s in self.latency if s.kind == kind]
        return merge([s.wait for s in series]), merge([s.handler for s in series])


def process_stats(process: ProcessHandle) -> ProcessStats:
    """Counters of one process."""
    return _process(process._core)


def cluster_stats(cluster: ClusterHandle[Any]) -> ClusterStats:
    """Counters of a cluster and of each of its members."""
    return _cluster(cluster._core)


def runtime_stats(runtime: RuntimeCore | None = None) -> RuntimeStats:
    """A snapshot of `runtime` (default: the current one) and of all its clusters."""
    runtime = runtime or current_runtime()
    counts = runtime.counts()
    latency = runtime.latency
    series = () if latency is None else tuple(latency.series())
    return RuntimeStats(
        name=runtime.name,
        threads=runtime.threads,
        pool_threads=counts["pool_threads"],
        backup_threads_started=counts["backup_threads_started"],
        dedicated_threads=counts["dedicated_threads"],
        processes=counts["processes"],
        stopped=counts["stopped"],
        scheduled=counts["scheduled"],
        run_queue=counts["run_queue"],
        handled=counts["handled"],
        failed=counts["failed"],
        busy_seconds=counts["busy_ns"] / 1e9,
        clusters=tuple(_cluster(core) for core in runtime.clusters()),
        latency=series,
    )


def _process(core: ProcessCore) -> ProcessStats:
    return ProcessStats(
        name=core.name,
        handled=core.handled,
        failed=core.failed,
        busy_seconds=core.busy_ns / 1e9,
        queued=core.queued(),
        restarts=core.restarts,
        stopped=core.stopped,
        handling=core.current if isinstance(core, TimedProcessCore) else None,
    )


def _cluster(core: ClusterCore) -> ClusterStats:
    latency = core.runtime.latency
    wait = handler = None
    if latency is not None:
        mine = [s for s in latency.series() if s.cluster == core.name]
        wait, handler = merge([s.wait for s in mine]), merge([s.handler for s in mine])
    return ClusterStats(
        name=core.name,
        strategy=core.strategy,
        queued=core.queued(),
        in_flight=core.in_flight(),
        members=tuple(_process(member) for member in core.members),
        wait=wait,
        handler=handler,
    )
