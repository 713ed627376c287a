"""asyncio manners: a cancelled `await future` cancels the ask (withdrawn if no worker has
started it), an ask that completes after its loop closed logs nothing, and each asyncio
API of docs/asyncio.md is used the way that page says."""

from __future__ import annotations

import asyncio
import logging
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from actorgen.runtime import Future, Runtime, process_stats
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers import Boom
from app.workers_actors import WorkerProcess
from conftest import PATIENCE, Waiter, only_on
from helpers import run_python

# The tests on a runtime let a task await an ask that is not answered yet (queued behind
# a held handler, or held itself), then cancel the task, time it out or close its loop.
# On the deterministic runtime `await future` runs the handlers until the reply is there
# before the task ever suspends: no task awaits an unanswered ask.
AWAITS_UNANSWERED = "a task awaits an ask that a handler held on a gate keeps unanswered"

T = TypeVar("T")


def _held(journal: Journal, gate: threading.Event, wait_until: Waiter) -> RecorderProcess:
    """A recorder busy with `hold(gate)` until the gate opens: its next asks stay queued."""
    recorder = RecorderProcess.spawn("r", journal)
    hold = recorder.hold(gate)
    wait_until(hold.running, "the recorder is held")
    return recorder


def assert_none_ran(recorder: RecorderProcess, journal: Journal, gate: threading.Event) -> None:
    """Open the gate, let the recorder finish, and check that it handled only the hold:
    the asks queued behind it were withdrawn."""
    gate.set()
    recorder.whoami().result(PATIENCE)
    assert journal.log("r") == ["hold"]


def _cancel_when_awaited(
    make: Callable[[], Awaitable[T]], asks: list[Future[object]]
) -> Callable[[], Awaitable[None]]:
    """A coroutine function: await `make()` in a task, cancel the task once it waits."""

    async def main() -> None:
        task = asyncio.ensure_future(make())
        while not asks or asks[-1]._aio is None:  # white-box: it is being awaited
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    return main


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_cancelling_the_awaiting_task_withdraws_a_queued_ask(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    asks: list[Future[object]] = []

    async def ask() -> object:
        asks.append(recorder.note_and_reply("withdrawn"))
        return await asks[-1]

    asyncio.run(_cancel_when_awaited(ask, asks)())
    assert asks[0].cancelled()
    assert asks[0]._aio is None and not asks[0]._callbacks  # white-box: the waiter is gone
    gate.set()
    assert recorder.note_and_reply("next").result(PATIENCE) == 1
    assert journal.log("r") == ["hold", "next"]  # the withdrawn ask never ran


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_cancelling_the_awaiting_task_lets_a_started_ask_finish_quietly(
    runtime: Runtime, journal: Journal, gate: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    asks: list[Future[object]] = []

    async def ask() -> object:
        asks.append(recorder.hold(gate))
        while not asks[-1].running():
            await asyncio.sleep(0.001)
        return await asks[-1]

    with caplog.at_level(logging.DEBUG, logger="actorgen"):
        asyncio.run(_cancel_when_awaited(ask, asks)())  # the loop is closed after this
        assert not asks[0].cancelled()
        gate.set()
        assert asks[0].result(PATIENCE) == "r"  # it ran to completion, for nobody
    assert caplog.records == []


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_an_ask_that_completes_after_its_loop_closed_logs_nothing(
    runtime: Runtime, journal: Journal, gate: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    """A loop closed under a task that still awaits (no cancellation): the reply's wake-up
    finds the loop closed and is dropped without a word."""
    recorder = RecorderProcess.spawn("r", journal)
    future = recorder.hold(gate)
    loop = asyncio.new_event_loop()

    async def wait() -> str:
        return await future

    task = loop.create_task(wait())
    loop.run_until_complete(asyncio.sleep(0.01))
    assert not task.done()
    loop.close()
    with caplog.at_level(logging.DEBUG, logger="actorgen"):
        gate.set()
        assert future.result(PATIENCE) == "r"
    assert caplog.records == []
    task._log_destroy_pending = False  # type: ignore[attr-defined]  # closed on purpose


def test_awaiting_a_cancelled_future_raises_asyncio_CancelledError() -> None:
    future: Future[int] = Future()
    future.cancel()

    async def main() -> int:
        return await future

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())


def test_a_future_cancelled_by_another_thread_while_awaited_raises_asyncio_CancelledError() -> None:
    future: Future[int] = Future()

    async def main() -> int:
        await asyncio.sleep(0)
        threading.Thread(target=future.cancel).start()
        return await future

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_wait_for_that_times_out_withdraws_the_queued_ask(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    future = recorder.note_and_reply("late")

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(future, 0.01)

    asyncio.run(main())
    assert future.cancelled()
    assert_none_ran(recorder, journal, gate)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout() is new in 3.11")
@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_asyncio_timeout_that_expires_withdraws_the_queued_ask(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    future = recorder.note_and_reply("late")

    async def main() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):  # type: ignore[attr-defined,unused-ignore]
                await future

    asyncio.run(main())
    assert future.cancelled()
    assert_none_ran(recorder, journal, gate)


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_gather_raises_the_first_error_and_leaves_the_other_asks_running(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    """As for any awaitable: gather does not cancel the others when one fails."""
    recorder = _held(journal, gate, wait_until)
    worker = WorkerProcess.spawn("w")
    others = [recorder.note_and_reply(i) for i in range(3)]

    async def main() -> None:
        with pytest.raises(Boom):
            await asyncio.gather(worker.explode("first"), *others)
        assert not any(ask.cancelled() for ask in others)  # still queued
        gate.set()
        assert await asyncio.gather(*others) == [1, 2, 3]

    asyncio.run(main())


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_a_cancelled_gather_withdraws_its_queued_asks(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    asks = [recorder.note_and_reply(i) for i in range(3)]

    async def main() -> None:
        gathering = asyncio.gather(*asks)
        await asyncio.sleep(0.01)  # the gather's tasks are awaiting
        gathering.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gathering

    asyncio.run(main())
    assert all(ask.cancelled() for ask in asks)
    assert_none_ran(recorder, journal, gate)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is new in 3.11")
@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_a_task_group_cancels_the_other_asks_when_one_fails(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    worker = WorkerProcess.spawn("w")
    asks = [recorder.note_and_reply(i) for i in range(3)]

    async def reply(future: Future[T]) -> T:  # create_task wants a coroutine
        return await future

    async def main() -> None:
        async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined,unused-ignore]
            for ask in asks:
                group.create_task(reply(ask))
            group.create_task(reply(worker.explode("first")))

    with pytest.raises(BaseException) as raised:  # an ExceptionGroup of the Boom
        asyncio.run(main())
    assert [type(e) for e in raised.value.exceptions] == [Boom]  # type: ignore[attr-defined]
    assert all(ask.cancelled() for ask in asks)


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_as_completed_takes_asks_and_yields_replies_in_completion_order(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    slow = recorder.note_and_reply("after the gate")
    fast = WorkerProcess.spawn("w").bar(5)

    async def main() -> list[object]:
        replies: list[object] = []
        for next_reply in asyncio.as_completed([slow, fast]):
            replies.append(await next_reply)
            gate.set()
        return replies

    assert asyncio.run(main()) == [5, 1]


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_asyncio_wait_takes_tasks_made_with_ensure_future(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    slow = recorder.note_and_reply("never")
    fast = WorkerProcess.spawn("w").bar(5)

    async def main() -> None:
        tasks = {asyncio.ensure_future(slow): slow, asyncio.ensure_future(fast): fast}
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        assert [tasks[task] for task in done] == [fast]
        assert [task.result() for task in done] == [5]
        for task in pending:
            task.cancel()  # withdraws its ask
        await asyncio.wait(pending)

    asyncio.run(main())
    assert slow.cancelled()


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_create_task_wants_a_coroutine_and_ensure_future_makes_the_task(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held(journal, gate, wait_until)
    queued = recorder.note_and_reply("withdrawn")
    answered = WorkerProcess.spawn("w").bar(2)

    async def main() -> None:
        with pytest.raises(TypeError, match="a coroutine was expected"):
            asyncio.create_task(answered)  # type: ignore[arg-type]  # noqa: RUF006 - no task made
        assert await asyncio.ensure_future(answered) == 2
        task = asyncio.ensure_future(queued)
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert queued.cancelled()


@only_on("threads", "ray", why=AWAITS_UNANSWERED)
def test_asyncio_run_cancels_leftover_asks_when_main_returns(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(2)]
    holds = [member.hold(gate) for member in members]
    wait_until(lambda: all(hold.running() for hold in holds), "every member is held")
    cluster = RecorderCluster(members)
    asks = [cluster.note_and_reply(i) for i in range(50)]

    async def main() -> None:
        tasks = [asyncio.ensure_future(ask) for ask in asks]
        await asyncio.sleep(0.01)
        assert not any(task.done() for task in tasks)  # left running when main returns

    asyncio.run(main())
    assert all(ask.cancelled() for ask in asks)
    gate.set()
    cluster.join(PATIENCE)
    assert [hold.result(PATIENCE) for hold in holds] == ["m0", "m1"]
    assert sum(process_stats(m).handled for m in members) == 2


def test_an_asyncio_program_whose_gather_fails_exits_at_once_and_quietly() -> None:
    """Hundreds of queued asks, one of which fails: asyncio.run cancels the gather's other
    tasks on its way out, which withdraws their asks. Without that, the interpreter's exit
    would wait for every one (the default runtime drains), and each reply would log that
    the loop is closed."""
    script = textwrap.dedent(
        """
        import asyncio, atexit, sys
        sys.path.insert(0, "tests/runtime")
        from actorgen.runtime import default_runtime, runtime_stats
        from app.workers import Boom
        from app.workers_actors import WorkerCluster

        # Registered before the default runtime's drain, so it runs after it.
        atexit.register(lambda: print("handled", runtime_stats(runtime).handled))
        cluster = WorkerCluster.spawn(4, "w")
        runtime = default_runtime()

        async def main() -> None:
            asks = [cluster.explode("first"), *(cluster.sleep(0.05) for _ in range(400))]
            try:
                await asyncio.gather(*asks)
            except Boom:
                print("the gather failed")

        asyncio.run(main())
        """
    )
    done = run_python("-c", script, timeout=60)
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == "the gather failed"
    handled = int(lines[1].removeprefix("handled "))
    assert handled < 100, f"{handled} of 401 asks ran: the gather's asks were not withdrawn"
