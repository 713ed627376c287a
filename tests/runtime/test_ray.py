"""What only the Ray runtime has: instances in actors, batches, actor options, actors that
die, and the errors for what cannot cross to a worker process.

The behaviour suite's other files run on Ray too (their ``[ray]`` row); these tests are
about the actors themselves, so they run on Ray only. Killing an actor here uses Ray's
own `ray.kill` or a signal to the actor's worker process, as a crash would.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from actorgen.runtime import (
    Failure,
    ProcessStopped,
    Runtime,
    UsageError,
    cluster_stats,
    new_process,
    process_stats,
    spawn_options,
)
from app.journal import Journal
from app.ledger import LedgerError
from app.ledger_actors import LedgerCluster, LedgerProcess
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import PATIENCE, Waiter, only_on

pytestmark = only_on("ray", why="about Ray actors themselves")


def actor_of(process: Any) -> Any:
    """The Ray actor that holds a process's instance (white-box: nothing else shows it)."""
    return process._core._instance.actor


def pid_of(process: Any) -> int:
    return int(process._core._instance.pid)


def test_the_instance_lives_in_a_ray_actor_of_its_own(runtime: Runtime) -> None:
    first, second = WorkerProcess.spawn("a"), WorkerProcess.spawn("b")
    pids = {first.call(os.getpid).result(PATIENCE), second.call(os.getpid).result(PATIENCE)}
    assert os.getpid() not in pids and len(pids) == 2
    first.foo(5)
    assert first.bar(1).result(PATIENCE) == 6  # state stays in the actor between messages
    assert second.bar(1).result(PATIENCE) == 1


def test_waiting_messages_travel_in_batches_in_their_order(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    from app.recorders_actors import RecorderProcess

    recorder = RecorderProcess.spawn("r", journal)
    held = recorder.hold(gate)
    wait_until(held.running, "the recorder holds")
    before = runtime.calls  # type: ignore[attr-defined]
    for item in range(2000):
        recorder.note(item)
    gate.set()
    assert recorder.note_and_reply("last").result(PATIENCE) == 2001
    calls = runtime.calls - before  # type: ignore[attr-defined]
    assert calls < 200, f"{calls} actor calls for 2000 waiting messages"
    assert journal.log("r") == ["hold", *range(2000), "last"]


def test_a_batch_of_asks_brings_back_every_reply_and_error_in_order(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    futures = [worker.bar(1) if i % 7 else worker.explode(f"no {i}") for i in range(700)]
    totals = []
    for i, future in enumerate(futures):
        if i % 7:
            totals.append(future.result(PATIENCE))
        else:
            with pytest.raises(Exception, match=f"^no {i}$"):
                future.result(PATIENCE)
    assert totals == list(range(1, 601))
    assert process_stats(worker).handled == 700 and process_stats(worker).failed == 100


def test_batches_settle_by_the_watcher_and_by_ray_callbacks_alike(runtime: Runtime) -> None:
    # One batch at a time is settled by the watcher thread, the others that are in flight
    # meanwhile by Ray's callbacks: four processes at once use both.
    workers = [WorkerProcess.spawn(f"w{i}") for i in range(4)]
    futures = [(w, w.bar(1)) for _ in range(200) for w in workers]
    for worker in workers:
        mine = [f.result(PATIENCE) for w, f in futures if w is worker]
        assert mine == list(range(1, 201))
    assert runtime.threads == 2  # the dispatcher and the watcher


def test_a_failure_of_ray_while_the_watcher_waits_fails_the_batch_not_the_program(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray

    worker = WorkerProcess.spawn("w")
    assert worker.bar(1).result(PATIENCE) == 1

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the Ray connection broke")

    monkeypatch.setattr(ray, "wait", broken)
    with pytest.raises(ConnectionError, match="the Ray connection broke"):
        worker.bar(1).result(PATIENCE)
    monkeypatch.undo()
    assert worker.bar(1).result(PATIENCE) == 3  # the handler ran; only its reply was lost


def test_ray_options_reach_the_actor(runtime: Runtime) -> None:
    import ray

    def resources() -> dict[str, float]:
        return dict(ray.get_runtime_context().get_assigned_resources())

    with spawn_options(ray_options={"num_cpus": 1}):
        heavy = WorkerProcess.spawn("heavy")
    light = WorkerProcess.spawn("light")
    assert heavy.call(resources).result(PATIENCE) == {"CPU": 1.0}
    assert light.call(resources).result(PATIENCE) == {}


def test_ray_options_that_actorgen_owns_are_refused(runtime: Runtime) -> None:
    with (
        spawn_options(ray_options={"max_restarts": 3}),
        pytest.raises(ValueError, match="cannot set max_restarts"),
    ):
        WorkerProcess.spawn("w")


def test_an_argument_that_cannot_be_pickled_names_the_message_parameter_and_type(
    runtime: Runtime,
) -> None:
    worker = WorkerProcess.spawn("w")
    lock = threading.Lock()
    with pytest.raises(TypeError, match=r"WorkerCallMessage.*'fn' is a lock.*cannot be pickled"):
        worker.call(lock).result(PATIENCE)
    assert worker.bar(2).result(PATIENCE) == 2  # the process goes on


def test_a_reply_that_cannot_be_pickled_names_the_message_and_type(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    with pytest.raises(TypeError, match=r"reply of WorkerCallMessage is a lock.*cannot be pickled"):
        worker.call(threading.Lock).result(PATIENCE)
    assert worker.bar(2).result(PATIENCE) == 2


def test_a_spawn_argument_that_cannot_be_pickled_is_named(runtime: Runtime) -> None:
    with pytest.raises(TypeError, match=r"cannot spawn Ledger.*'journal' is a Journal"):
        LedgerProcess.spawn("m", Journal())  # an in-process journal, with a lock


def test_a_class_the_workers_cannot_import_says_so_and_points_to_runtime_env(
    runtime: Runtime, tmp_path: Path
) -> None:
    (tmp_path / "only_on_the_driver.py").write_text("class Lonely:\n    pass\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import only_on_the_driver

        with pytest.raises(UsageError, match=r"cannot import Lonely.*runtime_env"):
            new_process("Lonely", lambda: only_on_the_driver.Lonely(), lambda i, m: None)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("only_on_the_driver", None)


def test_a_handler_error_keeps_the_actors_traceback_as_its_cause(runtime: Runtime) -> None:
    from actorgen.runtime.ray import RemoteTraceback

    worker = WorkerProcess.spawn("w")
    error = worker.explode("deep").exception(PATIENCE)
    assert isinstance(error.__cause__, RemoteTraceback)
    assert "in explode" in str(error.__cause__) and "Ray actor" in str(error.__cause__)


# -- actors that die ------------------------------------------------------------------------


def _killed(how: str, process: Any) -> None:
    import ray

    if how == "ray.kill":
        ray.kill(actor_of(process), no_restart=True)
    else:
        os.kill(pid_of(process), signal.SIGKILL)


@pytest.mark.parametrize("how", ["ray.kill", "signal"])
def test_asks_to_an_actor_that_died_fail_with_ProcessStopped_naming_the_ray_error(
    runtime: Runtime, how: str
) -> None:
    import ray

    worker = WorkerProcess.spawn("w")
    held = worker.sleep(PATIENCE)  # in the actor when it dies
    queued = [worker.bar(1) for _ in range(5)]  # waiting on the driver for it
    Waiter()(held.running, "the actor runs the sleep")
    _killed(how, worker)
    for future in [held, *queued]:
        error = future.exception(PATIENCE)
        assert isinstance(error, ProcessStopped), error
        assert "Ray actor died" in str(error)
    assert isinstance(held.exception().__cause__, ray.exceptions.RayActorError)
    assert process_stats(worker).stopped
    with pytest.raises(ProcessStopped):
        worker.bar(1)


def test_tells_to_an_actor_that_died_go_to_the_error_handler(
    runtime: Runtime, failures: list[Failure]
) -> None:
    worker = WorkerProcess.spawn("w")
    held = worker.sleep(PATIENCE)
    Waiter()(held.running, "the actor runs the sleep")
    worker.foo(1)  # in its mailbox, behind the sleep, when the actor dies
    worker.foo(2)
    _killed("ray.kill", worker)
    assert isinstance(held.exception(PATIENCE), ProcessStopped)
    Waiter()(lambda: len(failures) == 2, "both tells are reported")
    assert all(isinstance(f.error, ProcessStopped) for f in failures)
    assert [f.message.a for f in failures] == [1, 2]  # type: ignore[attr-defined]


def test_a_cluster_whose_member_died_gives_its_work_to_the_others(runtime: Runtime) -> None:
    members = [WorkerProcess.spawn(f"w{i}") for i in range(2)]
    cluster = WorkerCluster(members, strategy="round_robin")
    held = members[0].sleep(PATIENCE)
    Waiter()(held.running, "the first member is busy")
    replies = [cluster.bar(1) for _ in range(20)]  # half of them wait in w0's seat
    _killed("signal", members[0])
    assert isinstance(held.exception(PATIENCE), ProcessStopped)
    handled = [r.result(PATIENCE) for r in replies]  # none lost, none failed: they waited
    assert sorted(handled) == list(range(1, 21))  # all by w1, one after another
    cluster.join(PATIENCE)
    assert cluster.members == (members[1],)
    assert cluster_stats(cluster).queued == 0


def test_restart_brings_a_fresh_actor_from_the_spawn_arguments(
    runtime: Runtime, failures: list[Failure]
) -> None:
    with spawn_options(supervision="restart"):
        worker = WorkerProcess.spawn("w")
    worker.foo(10)
    first = pid_of(worker)
    assert worker.bar(0).result(PATIENCE) == 10
    held = worker.sleep(PATIENCE)
    Waiter()(held.running, "the actor runs the sleep")
    _killed("signal", worker)
    assert isinstance(held.exception(PATIENCE), ProcessStopped)
    assert worker.bar(1).result(PATIENCE) == 1  # a fresh instance: the total starts over
    assert worker.call(os.getpid).result(PATIENCE) != first
    stats = process_stats(worker)
    assert (stats.restarts, stats.stopped) == (1, False)


def test_restart_inside_a_batch_runs_the_rest_on_the_fresh_instance(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    runtime.batch_seconds = 60.0  # type: ignore[attr-defined]  # what waits goes in one batch
    with spawn_options(supervision="restart"):
        ledger = LedgerProcess.spawn("l", journal)
    ledger.hold(0, gate)
    wait_until(lambda: len(journal.log("l")) == 1, "the ledger holds")
    for i in range(1, 40):
        ledger.note(i, i == 20)
    before = runtime.calls  # type: ignore[attr-defined]
    gate.set()
    assert ledger.echo(99, False).result(PATIENCE) == 99
    entries = [e for e in journal.log("l") if isinstance(e, tuple)]
    incarnations = {i: inc for _, i, inc in entries}  # type: ignore[misc]
    assert incarnations[19] == incarnations[20] != incarnations[21] == incarnations[99]
    assert process_stats(ledger).restarts == 1
    # Batches of 2, 4, 8, 16 after the hold: number 20 ran with 21-30 in its batch.
    assert runtime.calls - before < 10  # type: ignore[attr-defined]


def test_stop_inside_a_batch_hands_the_rest_of_the_cluster_work_to_the_others(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    runtime.batch_seconds = 60.0  # type: ignore[attr-defined]  # what waits goes in one batch
    with spawn_options(supervision="stop"):
        members = [LedgerProcess.spawn(f"l{i}", journal) for i in range(2)]
    cluster = LedgerCluster(members, strategy="round_robin")
    for member in members:
        member.hold(0, gate)
    wait_until(lambda: len(journal.items()) == 2, "both hold")
    for i in range(1, 41):  # l0 gets the odd ones; number 21 fails and stops it
        cluster.note(i, i == 21)
    before = runtime.calls  # type: ignore[attr-defined]
    gate.set()
    cluster.join(PATIENCE)
    # l0's batches grow 2, 4, 8: number 21 ran with later ones of its batch, given back.
    assert runtime.calls - before < 20  # type: ignore[attr-defined]
    handled = sorted(i for kind, i, _ in journal.items()[2:] if kind == "handled")  # type: ignore[misc]
    assert handled == [i for i in range(1, 41) if i != 21]  # l0's rest went to l1
    assert process_stats(members[0]).stopped and not process_stats(members[1]).stopped
    assert not any(isinstance(i, LedgerError) for i in journal.items())


# -- shutting down -------------------------------------------------------------------------


def _own_runtime(failures: list[Failure]) -> Any:
    from actorgen.runtime.ray import RayRuntime

    return RayRuntime(name="own", on_error=failures.append)


def test_shutdown_with_drain_handles_what_waits_and_what_is_in_flight(
    runtime: Runtime, failures: list[Failure]
) -> None:
    with _own_runtime(failures) as own:
        cluster = WorkerCluster.spawn(2, "w")
        replies = [cluster.sleep(0.001) for _ in range(200)]
        assert own.shutdown(drain=True, timeout=PATIENCE)
    assert all(reply.result(0) == "w" for reply in replies)
    assert failures == []


def test_shutdown_without_drain_fails_what_waits_and_a_stuck_batch(
    runtime: Runtime, failures: list[Failure]
) -> None:
    from actorgen.runtime import RuntimeStopped

    own = _own_runtime(failures)
    with own:
        worker = WorkerProcess.spawn("w")
        stuck = worker.sleep(60)  # in the actor: never back within the timeout
        Waiter()(stuck.running, "the sleep is in its actor")
        queued = [worker.bar(1) for _ in range(10)]
        assert not own.shutdown(drain=False, timeout=0.5)
    for future in [stuck, *queued]:  # none left waiting: the stuck one too
        assert isinstance(future.exception(0), RuntimeStopped)


def test_async_def_messages_run_in_the_actor_one_at_a_time_in_order(runtime: Runtime) -> None:
    from app.coroutines import Oops
    from app.coroutines_actors import PagerCluster, PagerProcess

    pager = PagerProcess.spawn("p")
    for item in range(20):
        pager.visit(item, 0.001)
    assert pager.fetch("x").result(PATIENCE) == "p"
    assert pager.seen().result(PATIENCE) == [*range(20), "x"]
    with pytest.raises(Oops, match=r"^no$"):
        pager.explode("no").result(PATIENCE)
    cluster = PagerCluster.spawn(2, "c")
    replies = [cluster.fetch(i) for i in range(10)]
    assert {reply.result(PATIENCE) for reply in replies} <= {"c"}
    seen = [member.seen().result(PATIENCE) for member in cluster.members]
    assert sorted(item for items in seen for item in items) == list(range(10))


def test_an_argument_whose_class_the_workers_cannot_import_says_so(
    runtime: Runtime, tmp_path: Path
) -> None:
    (tmp_path / "also_only_here.py").write_text(
        "class Call:\n    def __call__(self):\n        return 1\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import also_only_here

        worker = WorkerProcess.spawn("w")
        with pytest.raises(UsageError, match=r"cannot read its messages.*runtime_env"):
            worker.call(also_only_here.Call()).result(PATIENCE)
        assert worker.bar(3).result(PATIENCE) == 3  # the process goes on
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("also_only_here", None)
