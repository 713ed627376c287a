"""`cluster.join()` works like `queue.Queue.join()`: it returns once every message sent
to the cluster so far has been handled."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from actorgen.runtime import Runtime, UsageError, add_member, cluster_stats
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import in_process, only_on

PATIENCE = 10.0  # seconds to wait for what should happen at once, before failing


def test_join_returns_once_all_cluster_work_sent_so_far_is_done(
    runtime: Runtime, journal: Journal
) -> None:
    cluster = RecorderCluster([RecorderProcess.spawn(f"m{i}", journal, 0.001) for i in range(3)])
    for job in range(150):
        cluster.note(job)
    cluster.join()
    assert Counter(journal.items()) == Counter(range(150))  # each job exactly once
    stats = cluster_stats(cluster)
    assert (stats.queued, stats.in_flight) == (0, 0)
    assert sum(member.handled for member in stats.members) == 150


def test_join_of_a_cluster_without_work_returns_at_once(runtime: Runtime) -> None:
    WorkerCluster.spawn(2, "w").join(timeout=5)


@in_process()
def test_join_also_waits_for_work_that_handlers_add_while_it_waits(runtime: Runtime) -> None:
    cluster = WorkerCluster.spawn(2, "w")
    added = []

    def add_more_work(depth: int) -> None:
        # A handler sends the next message before it returns: the cluster never looks done.
        added.append(depth)
        if depth < 20:
            cluster.call(lambda: add_more_work(depth + 1))

    cluster.call(lambda: add_more_work(0))
    cluster.join()
    assert added == list(range(21))


@only_on("threads", "ray", why="the work is stuck on a gate while the main thread joins")
def test_join_with_a_timeout_raises_TimeoutError_while_work_is_stuck(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    cluster = RecorderCluster([RecorderProcess.spawn(f"m{i}", journal) for i in range(2)])
    held = cluster.hold(gate)
    cluster.note("after")
    with pytest.raises(TimeoutError):
        cluster.join(timeout=0.05)
    gate.set()
    cluster.join()
    assert held.result() in {"m0", "m1"}
    assert "after" in journal.items()


@only_on("deterministic", why="only work that nothing can run is stuck there")
def test_join_with_a_timeout_raises_TimeoutError_while_work_is_stuck_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    """A join that runs out of work to run times out; the work left stays queued."""
    cluster = RecorderCluster()  # no members: its work is stuck until one joins
    asked = cluster.note_and_reply("asked")
    cluster.note("after")
    with pytest.raises(TimeoutError):
        cluster.join(timeout=0.05)
    assert cluster_stats(cluster).queued == 2
    add_member(cluster, RecorderProcess.spawn("m", journal))
    cluster.join()
    assert asked.result() == 0
    assert journal.log("m") == ["asked", "after"]


@in_process()
def test_joining_a_cluster_from_one_of_its_members_raises_UsageError(runtime: Runtime) -> None:
    cluster = WorkerCluster.spawn(2, "w")

    def join_from_handler() -> None:
        cluster.join(timeout=PATIENCE)  # would wait for itself: without UsageError, a deadlock

    with pytest.raises(UsageError, match="cannot join its own cluster"):
        cluster.call(join_from_handler).result()
    member = cluster.members[0]
    with pytest.raises(UsageError):
        member.call(join_from_handler).result()  # also from a direct message
    cluster.join()


@in_process()
def test_a_process_outside_the_cluster_can_join_it(runtime: Runtime) -> None:
    cluster = WorkerCluster.spawn(2, "w")
    outsider = WorkerProcess.spawn("o")
    for _ in range(10):
        cluster.sleep(0.001)
    assert outsider.call(lambda: cluster.join(timeout=PATIENCE)).result() is None
    assert cluster_stats(cluster).queued == 0


def test_a_handler_can_wait_for_other_processes_even_on_a_one_thread_runtime() -> None:
    """The handler holds the only pool thread while it waits; a backup thread runs the
    processes it waits for (without one, this was a deadlock)."""
    with Runtime(threads=1, name="single"):
        cluster = WorkerCluster.spawn(2, "w")
        outsider = WorkerProcess.spawn("o")
        helper = WorkerProcess.spawn("h")
        for _ in range(10):
            cluster.foo(1)
        assert outsider.call(lambda: cluster.join(timeout=PATIENCE)).result(PATIENCE) is None
        assert outsider.call(lambda: helper.bar(2).result(PATIENCE)).result(PATIENCE) == 2
