"""What happens to a process when a handler raises: resume, restart or stop.

The policy comes from the class (``@async_class(supervision=...)``) or from
``spawn_options`` around a spawn. Whatever the policy, the failure is reported (the ask's
future gets the handler's exception, a tell goes to `on_error`) and never retried.
"""

from __future__ import annotations

import sys
import threading

import pytest
from actorgen.runtime import (
    Failure,
    Future,
    ProcessStopped,
    Runtime,
    process_stats,
    runtime_stats,
    spawn_options,
    stop_process,
)
from app.journal import Journal
from app.ledger_actors import LedgerCluster, LedgerProcess
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers import Boom
from app.workers_actors import WorkerCluster, WorkerFailMessage, WorkerProcess
from conftest import PATIENCE, Waiter, WhileBusy, in_process, only_on


def test_resume_is_the_default_and_keeps_the_instance(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    worker.bar(5)
    with pytest.raises(Boom):
        worker.explode("x").result(PATIENCE)
    assert worker.bar(1).result(PATIENCE) == 6  # same instance: the total survived
    assert process_stats(worker).restarts == 0


def test_restart_replaces_the_instance_with_a_fresh_one_from_the_spawn_arguments(
    runtime: Runtime, failures: list[Failure]
) -> None:
    with spawn_options(supervision="restart"):
        worker = WorkerProcess.spawn("w")
    worker.bar(5)
    with pytest.raises(Boom, match="x"):  # the failed ask is reported, not retried
        worker.explode("x").result(PATIENCE)
    assert worker.bar(1).result(PATIENCE) == 1  # a fresh total
    worker.fail("tell")
    assert worker.bar(2).result(PATIENCE) == 2
    assert [failure.message for failure in failures] == [WorkerFailMessage("tell")]
    stats = process_stats(worker)
    assert (stats.restarts, stats.failed, stats.stopped) == (2, 2, False)


def test_a_restart_that_raises_stops_the_process_and_is_reported(
    runtime: Runtime, failures: list[Failure]
) -> None:
    def fragile() -> object:
        raise RuntimeError("cannot restart")

    with spawn_options(supervision="restart"):
        worker = WorkerProcess.spawn("w")
    # Swap the factory the restart uses (the spawn arguments stay the user's business).
    worker._core._make = fragile
    worker.fail("first")
    pending = worker.bar(1)
    with pytest.raises(ProcessStopped, match="its restart raised RuntimeError: cannot restart"):
        pending.result(PATIENCE)
    assert process_stats(worker).stopped
    assert [type(f.error) for f in failures] == [ValueError, RuntimeError]


def test_stop_fails_every_message_the_process_will_never_handle(
    runtime: Runtime, gate: threading.Event, wait_until: Waiter, failures: list[Failure]
) -> None:
    with spawn_options(supervision="stop"):
        worker = WorkerProcess.spawn("w")
    worker.call(lambda: gate.wait(PATIENCE))  # hold it while we queue behind the failure
    failing = worker.explode("bang")
    queued = [worker.bar(1) for _ in range(3)]
    worker.foo(1)
    gate.set()
    with pytest.raises(Boom):
        failing.result(PATIENCE)
    for future in queued:
        with pytest.raises(
            ProcessStopped, match=r"process Worker-\d+ stopped \(a handler raised Boom"
        ):
            future.result(PATIENCE)
    wait_until(lambda: len(failures) == 1, "the queued tell is reported")
    assert isinstance(failures[0].error, ProcessStopped)
    with pytest.raises(ProcessStopped):
        worker.bar(1)  # sends to a stopped process raise at once


def test_a_stopped_member_leaves_its_cluster_and_the_others_handle_the_cluster_work(
    runtime: Runtime, journal: Journal
) -> None:
    with spawn_options(supervision="stop"):
        doomed = WorkerProcess.spawn("doomed")
    survivor = WorkerProcess.spawn("survivor")
    cluster = WorkerCluster([doomed, survivor], strategy="round_robin")
    with pytest.raises(Boom):
        doomed.explode("bang").result(PATIENCE)
    assert cluster.members == (survivor,)
    replies = [cluster.bar(1) for _ in range(10)]
    assert [future.result(PATIENCE) for future in replies] == list(range(1, 11))


@only_on(
    "threads", "ray", why="a handler blocks on a gate while the test acts from the main thread"
)
def test_stop_process_lets_the_current_message_finish(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    other = RecorderProcess.spawn("other", journal)
    cluster = RecorderCluster([recorder, other])
    held = recorder.hold(gate)
    wait_until(lambda: journal.log("r") == ["hold"], "the recorder is handling")
    behind = recorder.note_and_reply("behind")
    stop_process(recorder)
    stop_process(recorder)  # safe to repeat
    assert cluster.members == (other,)
    gate.set()
    assert held.result(PATIENCE) == "r"
    with pytest.raises(ProcessStopped, match=r"stop_process\(\) was called"):
        behind.result(PATIENCE)
    assert cluster.note_and_reply("on").result(PATIENCE) == 0  # the cluster goes on


@only_on("deterministic", why="the test stops the process from inside its own handler")
def test_stop_process_lets_the_current_message_finish_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    other = RecorderProcess.spawn("other", journal)
    cluster = RecorderCluster([recorder, other])
    behind: list[Future[int]] = []

    def while_handling() -> None:
        behind.append(recorder.note_and_reply("behind"))
        stop_process(recorder)
        stop_process(recorder)  # safe to repeat
        assert cluster.members == (other,)

    held = recorder.hold(WhileBusy(while_handling))
    assert held.result(PATIENCE) == "r"
    with pytest.raises(ProcessStopped, match=r"stop_process\(\) was called"):
        behind[0].result(PATIENCE)
    assert cluster.note_and_reply("on").result(PATIENCE) == 0  # the cluster goes on
    assert journal.log("r") == ["hold"]


def test_class_level_supervision_comes_from_the_decorator() -> None:
    from actorgen.runtime import ProcessOptions, async_class

    # Applied by hand: a decorated class here would be an async class for the generator.
    sturdy = async_class(supervision="restart", capacity=3)(type("Sturdy", (), {}))
    assert sturdy.__actorgen_options__ == ProcessOptions(  # type: ignore[attr-defined]
        supervision="restart", capacity=3
    )
    with pytest.raises(ValueError, match="supervision must be"):
        async_class(supervision="retry")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="capacity must be a positive int"):
        async_class(capacity=0)
    with pytest.raises(TypeError, match="unknown spawn options"), spawn_options(retries=3):
        pass


CLUSTERS = 300


@in_process("the test keeps its own journal and event, which a Ray actor would get copies of")
@pytest.mark.parametrize("how", ["stop_process", "supervision"])
def test_a_stopped_member_of_many_clusters_takes_nothing_more_from_any_of_them(
    runtime: Runtime, wait_until: Waiter, how: str
) -> None:
    """Stopping begins with one mark, which the member looks at before every message it
    takes: however many clusters it is still leaving, it handles none of their work."""
    journal = Journal()
    with spawn_options(supervision="stop"):
        member = LedgerProcess.spawn("m", journal)
    clusters = [LedgerCluster([member]) for _ in range(CLUSTERS)]
    gate = threading.Event()
    member.hold(0, gate)
    if how == "supervision":
        member.note(-1, True)  # raises once the hold is over: the process stops
    for i, cluster in enumerate(clusters, start=1):
        cluster.note(i, False)
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the member runs on while the stop leaves cluster by cluster
    try:
        if how == "stop_process":
            stopper = threading.Thread(target=stop_process, args=(member,))
            stopper.start()
            wait_until(lambda: process_stats(member).stopped, "the stop has begun")
            gate.set()
            stopper.join(PATIENCE)
        else:
            gate.set()
        wait_until(lambda: process_stats(member).stopped, "the member stopped")
    finally:
        sys.setswitchinterval(before)
    wait_until(lambda: process_stats(member).stopped, "the member stopped")
    wait_until(lambda: runtime_stats().scheduled == 0, "the member is idle")
    ids = [entry[1] for entry in journal.log("m")]  # type: ignore[index]
    after = ids[ids.index(-1) + 1 :] if how == "supervision" else ids[1:]
    assert after == [], f"handled after the stop began: {after}"
