"""Nothing is silently lost: an exception in a handler reaches the caller's future (asks)
or the runtime's error handler (tells), and the process goes on with its next message."""

from __future__ import annotations

import logging
import threading

import pytest
from actorgen.runtime import Failure, Runtime, log_failure, process_stats
from app.workers import Boom
from app.workers_actors import (
    WorkerCluster,
    WorkerFailMessage,
    WorkerProcess,
)


def test_an_ask_that_raises_fails_its_future_with_the_original_exception(
    runtime: Runtime,
) -> None:
    worker = WorkerProcess.spawn("w")
    with pytest.raises(Boom, match=r"^out of cheese$") as caught:
        worker.explode("out of cheese").result()
    assert type(caught.value) is Boom  # not wrapped in an actorgen exception
    assert worker.bar(1).result() == 1  # and the process goes on


def test_an_ask_to_a_cluster_that_raises_fails_its_future_with_the_original_exception(
    runtime: Runtime,
) -> None:
    cluster = WorkerCluster.spawn(2, "w")
    futures = [cluster.explode(f"error {i}") for i in range(4)]
    for i, future in enumerate(futures):
        error = future.exception()
        assert type(error) is Boom
        assert str(error) == f"error {i}"


def test_a_tell_that_raises_goes_to_on_error_and_the_process_goes_on(
    runtime: Runtime, failures: list[Failure]
) -> None:
    worker = WorkerProcess.spawn("w")
    worker.foo(1)
    worker.fail("bad input")
    worker.foo(2)
    assert worker.bar(3).result() == 6  # the messages after the failing one were handled
    assert len(failures) == 1
    failure = failures[0]
    assert failure.process == process_stats(worker).name
    assert failure.message == WorkerFailMessage(text="bad input")
    assert type(failure.error) is ValueError
    assert str(failure.error) == "bad input"


def test_a_failing_cluster_tell_is_reported_with_the_member_that_handled_it(
    runtime: Runtime, failures: list[Failure]
) -> None:
    cluster = WorkerCluster.spawn(3, "w")
    for i in range(6):
        cluster.fail(f"bad {i}")
    cluster.join()
    messages = sorted((f.message for f in failures), key=repr)
    assert messages == [WorkerFailMessage(text=f"bad {i}") for i in range(6)]
    member_names = {process_stats(member).name for member in cluster.members}
    assert {f.process for f in failures} <= member_names


def test_the_default_error_handler_logs_the_process_and_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="actorgen"), Runtime(threads=2):
        worker = WorkerProcess.spawn("w")
        worker.fail("bad input")
        worker.bar(0).result()
        name = process_stats(worker).name
    [record] = [r for r in caplog.records if r.name == "actorgen"]
    assert record.levelno == logging.ERROR
    assert name in record.getMessage()
    assert "WorkerFailMessage(text='bad input')" in record.getMessage()
    assert record.exc_info is not None and type(record.exc_info[1]) is ValueError


def test_log_failure_is_the_default_error_handler() -> None:
    with Runtime(threads=1) as runtime:
        assert runtime.on_error is log_failure


def test_an_error_handler_that_raises_is_logged_and_the_process_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_handler(failure: Failure) -> None:
        raise RuntimeError("the error handler broke")

    with (
        caplog.at_level(logging.ERROR, logger="actorgen"),
        Runtime(threads=2, on_error=broken_handler),
    ):
        worker = WorkerProcess.spawn("w")
        worker.fail("bad input")
        assert worker.bar(5).result() == 5
    assert any("error handler" in r.getMessage() for r in caplog.records)


def test_a_spawn_whose_init_raises_raises_at_the_call(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="worker w refused to start"):
        WorkerProcess.spawn("w", fail=True)
    with pytest.raises(ValueError, match="worker c refused to start"):
        WorkerCluster.spawn(3, "c", fail=True)


def test_handlers_run_on_the_threads_of_their_runtime() -> None:
    with Runtime(threads=2, name="mine"):
        worker = WorkerProcess.spawn("w")
        assert worker.thread_name().result().startswith("mine-")
        assert worker.thread_name().result() != threading.current_thread().name
