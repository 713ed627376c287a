"""`Future`: the reply of an ask, with the familiar `concurrent.futures`-like API."""

from __future__ import annotations

import logging
import threading

import pytest
from actorgen.runtime import Future, Runtime, add_member
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers import Boom
from app.workers_actors import WorkerProcess
from conftest import only_on

# A reply is late on the thread runtime while its handler blocks on a gate. On the
# deterministic runtime a wait runs the handlers until the reply is there, so it is never
# late: a wait with a timeout times out only when nothing left to run could reply.
LATE = "the reply is late while its handler blocks on a gate"
NOTHING_TO_RUN = "a wait times out only once nothing left to run could reply"


@only_on("threads", "ray", why=LATE)
def test_result_with_a_timeout_raises_TimeoutError_if_the_reply_is_late(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    future = RecorderProcess.spawn("r", journal).hold(gate)
    with pytest.raises(TimeoutError):
        future.result(timeout=0.01)
    assert not future.done()
    gate.set()
    assert future.result(timeout=10) == "r"  # a timed-out wait does not spoil the future
    assert future.done()


@only_on("deterministic", why=NOTHING_TO_RUN)
def test_result_with_a_timeout_raises_TimeoutError_if_nothing_can_reply(
    runtime: Runtime, journal: Journal
) -> None:
    cluster = RecorderCluster()  # no members: nothing can handle its asks yet
    future = cluster.whoami()
    with pytest.raises(TimeoutError):
        future.result(timeout=0.01)
    assert not future.done()
    add_member(cluster, RecorderProcess.spawn("r", journal))
    assert future.result(timeout=10) == "r"  # a timed-out wait does not spoil the future
    assert future.done()


@only_on("threads", "ray", why=LATE)
def test_exception_with_a_timeout_raises_TimeoutError_if_the_reply_is_late(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    future = RecorderProcess.spawn("r", journal).hold(gate)
    with pytest.raises(TimeoutError):
        future.exception(timeout=0)
    gate.set()
    assert future.exception() is None


@only_on("deterministic", why=NOTHING_TO_RUN)
def test_exception_with_a_timeout_raises_TimeoutError_if_nothing_can_reply(
    runtime: Runtime, journal: Journal
) -> None:
    cluster = RecorderCluster()
    future = cluster.whoami()
    with pytest.raises(TimeoutError):
        future.exception(timeout=0)
    add_member(cluster, RecorderProcess.spawn("r", journal))
    assert future.exception() is None


def test_exception_returns_the_handler_exception_or_None(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    error = worker.explode("broken").exception()
    assert type(error) is Boom and str(error) == "broken"
    assert worker.bar(1).exception() is None


@only_on("threads", "ray", why="a handler blocks on a gate while the test adds callbacks")
def test_done_callbacks_are_called_once_when_the_reply_arrives(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    future = RecorderProcess.spawn("r", journal).hold(gate)
    calls: list[tuple[str, Future[str]]] = []
    called = threading.Event()

    def second(f: Future[str]) -> None:
        calls.append(("second", f))
        called.set()

    future.add_done_callback(lambda f: calls.append(("first", f)))
    future.add_done_callback(second)
    assert calls == []
    gate.set()
    assert called.wait(10)
    assert future.result() == "r"
    assert calls == [("first", future), ("second", future)]


@only_on("deterministic", why="the ask stays queued until the test waits")
def test_done_callbacks_are_called_once_when_the_reply_arrives_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    future = RecorderProcess.spawn("r", journal).whoami()
    calls: list[tuple[str, Future[str]]] = []
    future.add_done_callback(lambda f: calls.append(("first", f)))
    future.add_done_callback(lambda f: calls.append(("second", f)))
    assert calls == []
    assert future.result() == "r"
    assert calls == [("first", future), ("second", future)]
    assert future.result() == "r"
    assert calls == [("first", future), ("second", future)]  # once


def test_a_done_callback_added_after_the_reply_is_called_at_once(runtime: Runtime) -> None:
    future = WorkerProcess.spawn("w").bar(3)
    future.result()
    threads: list[str] = []
    future.add_done_callback(lambda f: threads.append(threading.current_thread().name))
    assert threads == [threading.current_thread().name]  # before add_done_callback returned


def test_a_done_callback_that_raises_is_logged_and_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    future: Future[int] = Future()
    seen: list[int] = []

    def broken(_: Future[int]) -> None:
        raise RuntimeError("callback broke")

    future.add_done_callback(broken)
    future.add_done_callback(lambda f: seen.append(f.result()))
    with caplog.at_level(logging.ERROR, logger="actorgen"):
        future.set_result(5)
    assert seen == [5]
    assert any("callback" in r.getMessage() for r in caplog.records)


def test_a_future_completes_only_once() -> None:
    future: Future[int] = Future()
    future.set_result(1)
    with pytest.raises(RuntimeError):
        future.set_result(2)
    with pytest.raises(RuntimeError):
        future.set_exception(ValueError())
    assert future.result() == 1


@only_on("threads", "ray", why="several threads wait at once")
def test_many_threads_can_wait_for_one_future(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    future = RecorderProcess.spawn("r", journal).hold(gate)
    results: list[str] = []
    waiters = [threading.Thread(target=lambda: results.append(future.result())) for _ in range(5)]
    for waiter in waiters:
        waiter.start()
    gate.set()
    for waiter in waiters:
        waiter.join()
    assert results == ["r"] * 5


@pytest.mark.parametrize("error", [SystemExit, KeyboardInterrupt])
def test_a_done_callback_that_raises_a_BaseException_does_not_break_the_worker(
    runtime: Runtime,
    journal: Journal,
    gate: threading.Event,
    caplog: pytest.LogCaptureFixture,
    error: type[BaseException],
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    future = recorder.hold(gate)

    def broken(_: Future[str]) -> None:
        raise error("callback broke")

    future.add_done_callback(broken)
    with caplog.at_level(logging.ERROR, logger="actorgen"):
        gate.set()  # the callback runs on the worker thread that completes the future
        assert future.result(timeout=10) == "r"
        assert recorder.whoami().result(timeout=10) == "r"  # the process still runs
    assert any("callback" in r.getMessage() for r in caplog.records)


def test_a_done_callback_that_raises_on_cancel_is_logged_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    future: Future[int] = Future()

    def broken(_: Future[int]) -> None:
        raise SystemExit("callback broke")

    future.add_done_callback(broken)
    with caplog.at_level(logging.ERROR, logger="actorgen"):
        assert future.cancel() is True
    assert future.cancelled()
    assert any("callback" in r.getMessage() for r in caplog.records)
