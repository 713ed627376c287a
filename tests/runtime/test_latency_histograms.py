"""Latency histograms: off by default; with ``latency_histograms=True`` every backend
records, per async class and cluster, how long messages waited and handlers ran, and
names the message a process is handling."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from actorgen.runtime import (
    Failure,
    Histogram,
    Runtime,
    cluster_stats,
    process_stats,
    runtime_stats,
)
from actorgen.runtime._latency import BOUNDS_NS, BUCKETS, bucket_of
from actorgen.runtime.testing import DeterministicRuntime
from app.coroutines_actors import PagerCluster, PagerProcess
from app.workers import Boom
from app.workers_actors import WorkerCallMessage, WorkerCluster, WorkerProcess
from conftest import in_process, only_on


@pytest.fixture
def timed(
    backend: str, failures: list[Failure], request: pytest.FixtureRequest
) -> Iterator[Runtime]:
    """A runtime of `backend` with latency histograms, entered for the test."""
    if backend == "deterministic":
        runtime: object = DeterministicRuntime(
            0, name="timed", on_error=failures.append, latency_histograms=True
        )
    elif backend == "ray":
        from actorgen.runtime.ray import RayRuntime

        request.getfixturevalue("ray_session")
        runtime = RayRuntime(name="timed", on_error=failures.append, latency_histograms=True)
    else:
        runtime = Runtime(
            threads=4, name="timed", on_error=failures.append, latency_histograms=True
        )
    with runtime:  # type: ignore[attr-defined]
        yield runtime  # type: ignore[misc]


@in_process()
def test_without_the_option_there_are_no_histograms(runtime: Runtime) -> None:
    cluster = WorkerCluster.spawn(2, "w")
    cluster.bar(1).result()
    stats = cluster_stats(cluster)
    assert (stats.wait, stats.handler) == (None, None)
    assert runtime_stats(runtime).latency == ()
    member = cluster.members[0]
    assert member.call(lambda: process_stats(member).handling).result() is None


def test_each_handled_message_is_counted_once_in_its_class_and_cluster(timed: Runtime) -> None:
    cluster = WorkerCluster.spawn(3, "w")
    for a in range(40):
        cluster.foo(a)
    replies = [cluster.bar(b) for b in range(10)]
    for reply in replies:
        reply.result()
    direct = WorkerProcess.spawn("alone")
    direct.foo(1)
    direct.bar(2).result()
    cluster.join()
    stats = cluster_stats(cluster)
    assert stats.wait is not None and stats.handler is not None
    assert stats.handler.count == stats.wait.count == 50
    assert sum(stats.handler.counts) == 50 and stats.handler.sum > 0
    series = {(s.kind, s.cluster): s for s in runtime_stats(timed).latency}
    assert set(series) == {("Worker", stats.name), ("Worker", None)}
    assert series[("Worker", None)].handler.count == 2
    wait, handler = runtime_stats(timed).class_latency("Worker")
    assert (wait.count, handler.count) == (52, 52)
    assert runtime_stats(timed).class_latency("Nobody")[1].count == 0


def test_a_message_queued_behind_a_slow_one_waits_at_least_that_long(timed: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    slow = worker.sleep(0.03)
    after = worker.bar(1)
    slow.result()
    after.result()
    wait, handler = runtime_stats(timed).class_latency("Worker")
    assert handler.count == 2 and handler.quantile(1.0) >= 0.03
    assert wait.count == 2 and wait.quantile(1.0) >= 0.03  # `after` waited for `slow`
    assert handler.sum >= 0.03


def test_failed_handlers_are_timed_and_cancelled_asks_are_not(
    timed: Runtime, failures: list[Failure]
) -> None:
    worker = WorkerProcess.spawn("w")
    busy = worker.sleep(0.02)
    withdrawn = worker.bar(1)
    assert withdrawn.cancel()  # queued behind `busy`: withdrawn before it starts
    with pytest.raises(Boom):
        worker.explode("no").result()
    worker.fail("told")
    busy.result()
    worker.bar(2).result()
    _, handler = runtime_stats(timed).class_latency("Worker")
    assert handler.count == 4  # sleep, explode, fail, bar: not the cancelled bar
    assert process_stats(worker).handled == 4
    assert [str(f.error) for f in failures] == ["told"]  # the tell's failure, reported


@pytest.mark.parametrize("strategy", ["round_robin", "work_stealing"])
def test_every_strategy_stamps_its_messages(timed: Runtime, strategy: str) -> None:
    cluster = WorkerCluster([WorkerProcess.spawn(f"w{i}") for i in range(2)], strategy=strategy)
    for a in range(12):
        cluster.foo(a)
    cluster.join()
    stats = cluster_stats(cluster)
    assert stats.wait is not None and stats.wait.count == 12


def test_a_bounded_balanced_cluster_and_a_removed_members_work_are_counted(
    timed: Runtime,
) -> None:
    members = [WorkerProcess.spawn(f"w{i}") for i in range(2)]
    cluster = WorkerCluster(members, capacity=100)
    for a in range(20):
        cluster.foo(a)
    cluster.join()
    stats = cluster_stats(cluster)
    assert stats.wait is not None and stats.wait.count == 20


@in_process()
def test_a_process_names_the_message_it_is_handling(timed: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    seen = worker.call(lambda: process_stats(worker).handling).result()
    assert isinstance(seen, WorkerCallMessage)
    assert process_stats(worker).handling is None  # between messages


def test_buckets_are_powers_of_two_nanoseconds_with_an_overflow() -> None:
    assert BOUNDS_NS[0] == 1024 and BOUNDS_NS[-1] == 1 << 34 and len(BOUNDS_NS) == BUCKETS
    assert [bucket_of(ns) for ns in (0, 1, 1024, 1025, 2048, 2049)] == [0, 0, 0, 1, 1, 2]
    assert bucket_of(1 << 34) == BUCKETS - 1
    assert bucket_of((1 << 34) + 1) == BUCKETS == bucket_of(10**15)


def test_a_histogram_reads_quantiles_mean_and_cumulative_counts() -> None:
    bounds = tuple(b / 1e9 for b in BOUNDS_NS)
    counts = [0] * (BUCKETS + 1)
    counts[0], counts[3], counts[BUCKETS] = 2, 1, 1
    h = Histogram(bounds, tuple(counts), 4, 100.0)
    assert h.mean == 25.0
    assert h.quantile(0.5) == bounds[0]
    assert h.quantile(0.75) == bounds[3]
    assert h.quantile(1.0) == float("inf")
    cumulative = h.cumulative()
    assert cumulative[-1] == (float("inf"), 4) and cumulative[3] == (bounds[3], 3)
    with pytest.raises(ValueError):
        h.quantile(0)
    empty = Histogram(bounds, (0,) * (BUCKETS + 1), 0, 0.0)
    assert (empty.mean, empty.quantile(0.99)) == (0.0, 0.0)


@only_on("threads", why="async processes run on the thread-pool runtime only")
def test_async_processes_are_timed_and_name_what_they_handle(timed: Runtime) -> None:
    cluster = PagerCluster.spawn(2, "p")
    assert all(cluster.fetch(i, 0.002).result() for i in range(6))
    pager = PagerProcess.spawn("alone")
    for i in range(3):
        pager.visit(i)
    pager.fetch("last").result()
    stats = cluster_stats(cluster)
    assert stats.wait is not None and stats.handler is not None
    assert stats.handler.count == stats.wait.count == 6
    assert stats.handler.quantile(1.0) >= 0.002  # each awaited 2 ms inside its handler
    wait, handler = runtime_stats(timed).class_latency("Pager")
    assert (wait.count, handler.count) == (10, 10)

    async def handling() -> object:
        await asyncio.sleep(0)
        return process_stats(pager).handling

    assert type(pager.relay(handling).result()).__name__ == "PagerRelayMessage"
    assert process_stats(pager).handling is None  # between messages
