"""Shutting a runtime down drains or fails its work, and never drops it: every ask
resolves, and every tell is either handled or reported to `on_error`."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import cast

import pytest
from actorgen.runtime import (
    Failure,
    Future,
    ProcessStopped,
    Runtime,
    RuntimeStopped,
    UsageError,
    process_stats,
)
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderNoteMessage, RecorderProcess
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import in_process

PATIENCE = 10.0  # seconds to wait for what should happen at once, before failing


def test_shutdown_with_drain_handles_everything_queued(journal: Journal) -> None:
    with Runtime(threads=2) as runtime:
        processes = [RecorderProcess.spawn(f"p{i}", journal, 0.0005) for i in range(3)]
        members = [RecorderProcess.spawn(f"m{i}", journal, 0.0005) for i in range(2)]
        cluster = RecorderCluster(members)
        replies = []
        for job in range(60):
            processes[job % 3].note(job)
            cluster.note(100 + job)
            replies.append(cluster.note_and_reply(200 + job))
        assert runtime.shutdown(drain=True) is True
    assert Counter(journal.items()) == Counter([*range(60), *range(100, 160), *range(200, 260)])
    assert all(reply.done() and reply.exception() is None for reply in replies)


def test_leaving_the_with_block_drains(journal: Journal) -> None:
    with Runtime(threads=2):
        cluster = RecorderCluster(
            [RecorderProcess.spawn(f"m{i}", journal, 0.001) for i in range(2)]
        )
        for job in range(50):
            cluster.note(job)
    assert Counter(journal.items()) == Counter(range(50))


def test_draining_waits_for_messages_that_handlers_send_meanwhile() -> None:
    relayed: list[int] = []
    with Runtime(threads=2):
        first, second = WorkerProcess.spawn("a"), WorkerProcess.spawn("b")

        def relay(hops: int) -> None:
            relayed.append(hops)
            if hops < 30:
                (second if hops % 2 else first).call(lambda: relay(hops + 1))

        first.call(lambda: relay(0))
    assert relayed == list(range(31))


def shut_down_while_held(
    runtime: Runtime, gate: threading.Event, journal: Journal, holders: int
) -> bool:
    """Call `shutdown(drain=False)` while `holders` handlers hold on `gate`: they are let
    go only once the runtime is stopping, so everything queued behind them stays queued."""
    deadline = time.monotonic() + PATIENCE
    while journal.items().count("hold") < holders:  # wait until each holder runs
        assert time.monotonic() < deadline, "the holding handlers never started"
        time.sleep(0.001)

    def open_gate_once_stopping() -> None:
        while not runtime.stopping:
            gate.wait(0.001)
        gate.set()

    opener = threading.Thread(target=open_gate_once_stopping)
    opener.start()
    try:
        return runtime.shutdown(drain=False)
    finally:
        opener.join()


def test_shutdown_without_drain_fails_pending_asks_with_RuntimeStopped(
    journal: Journal, failures: list[Failure]
) -> None:
    gate = threading.Event()
    with Runtime(threads=2, on_error=failures.append) as runtime:
        process = RecorderProcess.spawn("p", journal)
        cluster = RecorderCluster([RecorderProcess.spawn("m", journal)])
        held = process.hold(gate)
        cluster_held = cluster.hold(gate)
        direct = [process.note_and_reply(i) for i in range(10)]
        clustered = [cluster.note_and_reply(i) for i in range(10)]
        # Both pool threads are held: this process waits for a thread with its messages.
        waiting = RecorderProcess.spawn("w", journal)
        not_started = [waiting.note_and_reply(i) for i in range(10)]
        everything_handled = shut_down_while_held(runtime, gate, journal, 2)
    assert everything_handled is False
    assert held.result(timeout=0) == "p"  # a message being handled is finished, not interrupted
    assert cluster_held.result(timeout=0) == "m"
    for future in [*direct, *clustered, *not_started]:
        assert future.done()  # every ask resolves, at the latest at shutdown
        error = future.exception(timeout=0)
        assert isinstance(error, RuntimeStopped)
        assert "was not handled" in str(error)
    assert journal.log("p") == journal.log("m") == ["hold"]
    assert journal.log("w") == []
    assert failures == []


def test_shutdown_without_drain_reports_pending_tells_to_on_error(
    journal: Journal, failures: list[Failure]
) -> None:
    gate = threading.Event()
    with Runtime(threads=2, on_error=failures.append) as runtime:
        process = RecorderProcess.spawn("p", journal)
        cluster = RecorderCluster([RecorderProcess.spawn("m", journal)])
        process.hold(gate)
        cluster.hold(gate)
        for i in range(5):
            process.note(("direct", i))
            cluster.note(("cluster", i))
        shut_down_while_held(runtime, gate, journal, 2)
    assert journal.items() == ["hold", "hold"]
    reported = sorted((f.message for f in failures), key=repr)
    assert reported == sorted(
        [
            RecorderNoteMessage(item=(source, i))
            for source in ("direct", "cluster")
            for i in range(5)
        ],
        key=repr,
    )
    assert all(isinstance(f.error, RuntimeStopped) for f in failures)
    direct_names = {f.process for f in failures if "direct" in repr(f.message)}
    assert direct_names == {process_stats(process).name}


def test_nothing_is_lost_when_shutting_down_without_drain_under_load(
    journal: Journal, failures: list[Failure]
) -> None:
    with Runtime(threads=2, on_error=failures.append) as runtime:
        processes = [RecorderProcess.spawn(f"p{i}", journal, 0.0002) for i in range(4)]
        cluster = RecorderCluster(processes[:2])
        asks: list[Future[int]] = []
        for job in range(400):
            processes[job % 4].note(("tell", job))
            asks.append(cluster.note_and_reply(("ask", job)))
        runtime.shutdown(drain=False)
    assert all(future.done() for future in asks)
    handled = cast("list[tuple[str, int]]", journal.items())
    reported = [
        cast("tuple[str, int]", cast(RecorderNoteMessage, f.message).item) for f in failures
    ]
    failed = [("ask", job) for job, f in enumerate(asks) if f.exception(timeout=0) is not None]
    # Every message was either handled or failed, exactly once.
    assert sorted([*handled, *reported, *failed]) == sorted(
        [(kind, job) for kind in ("tell", "ask") for job in range(400)]
    )
    assert all(isinstance(f.error, RuntimeStopped) for f in failures)
    assert all(isinstance(asks[job].exception(timeout=0), RuntimeStopped) for _, job in failed)


def test_shutdown_tells_whether_everything_queued_was_handled(journal: Journal) -> None:
    with Runtime(threads=2) as runtime:
        RecorderProcess.spawn("p", journal).note("handled")
        assert runtime.shutdown(drain=True) is True
    gate = threading.Event()
    with Runtime(threads=2) as runtime:
        process = RecorderProcess.spawn("p", journal)
        process.hold(gate)
        process.note("never handled")  # waits in the mailbox of a running process
        other = RecorderProcess.spawn("q", journal)
        other.hold(gate)
        assert shut_down_while_held(runtime, gate, journal, 2) is False
    assert "never handled" not in journal.items()


class ShutdownDuringSend(Runtime):
    """A runtime that stages the race between a send and a shutdown: once armed, the
    next send from the test's thread finds it running, and then the whole shutdown
    happens before that send goes on."""

    armed = False

    @property
    def closing(self) -> bool:  # what a send looks at first
        if self.armed and threading.current_thread() is threading.main_thread():
            self.armed = False
            stopper = threading.Thread(target=self.shutdown, kwargs={"drain": False})
            stopper.start()
            stopper.join()
            return False
        return self._closing

    @closing.setter
    def closing(self, value: bool) -> None:
        self._closing = value


@pytest.mark.parametrize("target", ["process", "cluster"])
@pytest.mark.parametrize("kind", ["tell", "ask"])
def test_a_send_that_races_a_shutdown_is_failed_not_lost(
    target: str, kind: str, failures: list[Failure]
) -> None:
    runtime = ShutdownDuringSend(threads=2, on_error=failures.append)
    with runtime:
        to = WorkerProcess.spawn("p") if target == "process" else WorkerCluster.spawn(2, "c")
        runtime.armed = True
        try:
            if kind == "tell":
                to.foo(1)
            else:
                reply = to.bar(1)
        except RuntimeStopped:
            return  # refusing the send is fine too
        finally:
            assert not runtime.armed, "the staged shutdown did not run"
        # Checked before leaving the block, whose own shutdown() would sweep again.
        if kind == "tell":
            assert [type(f.error) for f in failures] == [RuntimeStopped]
        else:
            assert isinstance(reply.exception(timeout=PATIENCE), RuntimeStopped)


def test_sends_after_shutdown_raise_RuntimeStopped() -> None:
    with Runtime(threads=1):
        worker = WorkerProcess.spawn("w")
        cluster = WorkerCluster.spawn(2, "c")
    with pytest.raises(RuntimeStopped):
        worker.foo(1)
    with pytest.raises(RuntimeStopped):
        worker.bar(1)
    with pytest.raises(RuntimeStopped):
        cluster.foo(1)
    with pytest.raises(RuntimeStopped):
        cluster.bar(1)


def test_RuntimeStopped_is_a_ProcessStopped() -> None:
    assert issubclass(RuntimeStopped, ProcessStopped)


def test_shutdown_can_be_called_more_than_once() -> None:
    runtime = Runtime(threads=1)
    assert runtime.shutdown() is True
    assert runtime.shutdown() is True
    assert runtime.shutdown(drain=False) is True


@in_process()
def test_shutdown_with_drain_from_a_handler_raises_UsageError(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    with pytest.raises(UsageError, match="would wait for itself"):
        # (With a timeout, so that a regression shows up as a failure, not a deadlock.)
        worker.call(lambda: runtime.shutdown(drain=True, timeout=PATIENCE)).result()
    assert worker.bar(2).result() == 2  # the runtime still runs


def test_shutdown_without_drain_from_a_handler_stops_the_runtime(
    journal: Journal, failures: list[Failure]
) -> None:
    with Runtime(threads=2, on_error=failures.append) as runtime:
        worker = WorkerProcess.spawn("w")
        recorder = RecorderProcess.spawn("r", journal)
        gate = threading.Event()
        worker.call(gate.wait)  # so that `later` is queued before the shutdown runs
        stop = worker.call(lambda: runtime.shutdown(drain=False))
        later = worker.bar(1)
        gate.set()
        assert stop.result(timeout=PATIENCE) is False  # `later` was still queued
        assert isinstance(later.exception(timeout=PATIENCE), RuntimeStopped)
        with pytest.raises(RuntimeStopped):
            recorder.note("too late")


def test_shutdown_with_a_timeout_returns_even_if_a_handler_is_stuck(journal: Journal) -> None:
    gate = threading.Event()
    runtime = Runtime(threads=2)
    with runtime:
        stuck = RecorderProcess.spawn("stuck", journal, 0.0)
        held = stuck.hold(gate)
        queued = stuck.note_and_reply(1)
        assert runtime.shutdown(drain=True, timeout=0.2) is False
    # The queued message will never be handled: shutdown has failed it already.
    assert not held.done()
    with pytest.raises(RuntimeStopped):
        queued.result(timeout=0)
    gate.set()  # the handler returns: its message completes
    assert held.result(timeout=PATIENCE) is not None


def test_spawning_on_a_runtime_that_was_shut_down_raises_RuntimeStopped(journal: Journal) -> None:
    with Runtime(threads=1) as runtime:
        runtime.shutdown()
        with pytest.raises(RuntimeStopped):
            RecorderProcess.spawn("late", journal, 0.0)


def test_while_draining_only_the_runtimes_own_handlers_may_send(journal: Journal) -> None:
    """A drain always ends: sends from other threads are refused while it runs, sends from
    handlers are part of the work it drains."""
    gate = threading.Event()
    with Runtime(threads=2) as runtime:
        worker = WorkerProcess.spawn("w")
        recorder = RecorderProcess.spawn("r", journal)
        worker.call(gate.wait)
        relay = worker.call(lambda: recorder.note("sent by a handler while draining"))
        drainer = threading.Thread(target=runtime.shutdown, kwargs={"timeout": PATIENCE})
        drainer.start()
        for _ in range(int(PATIENCE / 0.001)):
            if runtime.closing:
                break
            time.sleep(0.001)
        with pytest.raises(RuntimeStopped, match="is draining: only its own handlers may send"):
            recorder.note("sent from outside while draining")
        gate.set()
        drainer.join(PATIENCE)
        assert relay.result(timeout=0) is None
    assert journal.items() == ["sent by a handler while draining"]


def test_handlers_that_send_to_each_other_forever_cannot_hold_up_a_bounded_drain() -> None:
    with Runtime(threads=2) as runtime:
        ping = WorkerProcess.spawn("ping")
        pong = WorkerProcess.spawn("pong")

        def volley(here: WorkerProcess, there: WorkerProcess) -> None:
            there.do(lambda: volley(there, here))

        ping.do(lambda: volley(ping, pong))
        began = time.monotonic()
        assert runtime.shutdown(drain=True, timeout=0.2) is False
        took = time.monotonic() - began
    assert took < PATIENCE, f"a 0.2 s drain took {took:.1f} s"


def test_shutdown_reports_to_a_slow_error_handler_only_until_its_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reporting what shutdown failed is part of the time it is given: with a slow
    on_error and many queued tells, it reports what fits and counts the rest."""
    reported: list[Failure] = []
    queued = 2000

    def slow(failure: Failure) -> None:
        time.sleep(0.001)  # 2 s for all of them, against a 0.2 s timeout
        reported.append(failure)

    gate = threading.Event()
    with Runtime(threads=2, on_error=slow) as runtime:
        worker = WorkerProcess.spawn("w")
        worker.call(gate.wait)
        for i in range(queued):
            worker.foo(i)
        began = time.monotonic()
        assert runtime.shutdown(drain=False, timeout=0.2) is False
        took = time.monotonic() - began
        gate.set()
    assert took < 0.5 * queued * 0.001, f"shutdown took {took:.2f} s, as if it reported all"
    assert len(reported) < queued  # (the stuck handler's join may have used the whole time)
    assert any(
        f"{queued - len(reported)} more tell(s) were not handled" in r.getMessage()
        for r in caplog.records
    )


def test_the_default_error_handler_logs_one_line_for_the_tells_a_shutdown_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started, gate = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        gate.wait()

    with Runtime(threads=1) as runtime:
        worker = WorkerProcess.spawn("w")
        worker.call(hold)
        for i in range(500):
            worker.foo(i)
        # Running, so that shutdown cannot finish: on a loaded machine the thread may not
        # have taken the call yet, and shutdown would then fail it and end in time.
        assert started.wait(PATIENCE)
        assert runtime.shutdown(drain=False, timeout=0.1) is False
        gate.set()
    # (A handler already running when shutdown came, as on a free-threaded build, adds a
    # line of its own that it still ran: not one about the tells.)
    lines = [r.getMessage() for r in caplog.records if r.name == "actorgen"]
    lines = [line for line in lines if "still ran" not in line]
    assert len(lines) == 1 and "500 tell(s) were not handled" in lines[0], lines
    assert "WorkerFooMessage(a=0) to Worker-1" in lines[0]
