"""A handler that would wait for ever gets `UsageError` at once, instead of a hang."""

from __future__ import annotations

import threading

import pytest
from actorgen.runtime import Runtime, UsageError
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import PATIENCE, in_process, only_on


@in_process()
def test_a_handler_that_waits_on_its_own_process_gets_UsageError(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    reply = worker.call(lambda: worker.bar(1).result())
    with pytest.raises(UsageError, match="only Worker-1 itself could handle"):
        reply.result(timeout=PATIENCE)
    # The message it waited on was still handled, after the handler gave up.
    assert worker.bar(0).result(timeout=PATIENCE) == 1


@in_process()
def test_a_handler_that_asks_a_cluster_it_alone_serves_gets_UsageError(runtime: Runtime) -> None:
    cluster = WorkerCluster.spawn(1, "only")
    [member] = cluster.members
    reply = member.call(lambda: cluster.bar(1).result())
    with pytest.raises(UsageError, match="wait on cluster WorkerCluster-1"):
        reply.result(timeout=PATIENCE)


@in_process()
def test_asking_a_cluster_with_another_free_member_is_fine(runtime: Runtime) -> None:
    cluster = WorkerCluster.spawn(2, "two")
    first, _ = cluster.members
    assert first.call(lambda: cluster.bar(5).result()).result(timeout=PATIENCE) == 5


@only_on("threads", why="the main thread waits on an event a pool thread sets")
def test_two_processes_asking_each_other_raise_in_the_one_that_closes_the_cycle(
    runtime: Runtime,
) -> None:
    a = WorkerProcess.spawn("a")
    b = WorkerProcess.spawn("b")
    a_waits = threading.Event()

    def a_handler() -> object:
        a_waits.set()
        return b.call(lambda: a.bar(1).result()).result()

    a_reply = a.call(a_handler)
    assert a_waits.wait(PATIENCE)
    # b's handler now asks a, which waits on b: whichever of the two begins its wait last
    # closes the cycle and raises (b, under the GIL; either one on a free-threaded build).
    cycle = r"deadlock \((Worker-2 -> Worker-1 -> Worker-2|Worker-1 -> Worker-2 -> Worker-1)"
    with pytest.raises(UsageError, match=cycle):
        a_reply.result(timeout=PATIENCE)


@only_on("deterministic", why="the handlers run when the test waits on the reply")
def test_two_processes_asking_each_other_raise_in_the_one_that_closes_the_cycle_deterministically(
    runtime: Runtime,
) -> None:
    a = WorkerProcess.spawn("a")
    b = WorkerProcess.spawn("b")
    a_reply = a.call(lambda: b.call(lambda: a.bar(1).result()).result())
    # a's handler waits on b; b's handler then asks a: b closes the cycle and raises.
    with pytest.raises(UsageError, match=r"deadlock \(Worker-2 -> Worker-1 -> Worker-2"):
        a_reply.result(timeout=PATIENCE)


@only_on("threads", why="a handler blocks on a gate while the test acts from the main thread")
def test_members_joining_each_others_clusters_are_reported(runtime: Runtime) -> None:
    x = WorkerCluster.spawn(1, "x")
    y = WorkerCluster.spawn(1, "y")
    gate = threading.Event()
    y_busy = threading.Event()

    def y_work() -> None:
        y_busy.set()
        gate.wait(PATIENCE)
        x.join(timeout=PATIENCE)

    y_reply = y.call(y_work)
    assert y_busy.wait(PATIENCE)
    x_reply = x.call(lambda: y.join(timeout=PATIENCE))  # waits while y's member is busy
    gate.set()  # ...and y's member now joins x: whichever waits second closes the cycle
    errors = [reply.exception(timeout=PATIENCE) for reply in (x_reply, y_reply)]
    assert sorted(type(e).__name__ for e in errors) == ["NoneType", "UsageError"], errors
    assert "deadlock" in str(next(e for e in errors if e is not None))


@only_on("deterministic", why="the handlers run when the test waits on the replies")
def test_members_joining_each_others_clusters_are_reported_deterministically(
    runtime: Runtime,
) -> None:
    x = WorkerCluster.spawn(1, "x")
    y = WorkerCluster.spawn(1, "y")
    y_reply = y.call(lambda: x.join(timeout=PATIENCE))
    x_reply = x.call(lambda: y.join(timeout=PATIENCE))
    # Whichever member runs first joins the other cluster, whose member then joins back.
    errors = [reply.exception(timeout=PATIENCE) for reply in (x_reply, y_reply)]
    assert sorted(type(e).__name__ for e in errors) == ["NoneType", "UsageError"], errors
    assert "deadlock" in str(next(e for e in errors if e is not None))
