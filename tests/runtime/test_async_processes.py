"""Processes whose classes have `async def` messages run on an event loop (docs/asyncio.md).

The core behaviours of the suite, on async processes: asks and tells from an asyncio
program (on its own loop, no thread hop) and from plain threads (the runtime's loop thread),
one message at a time across awaits, many processes awaiting at once, clusters with every
route, membership, supervision, stats, cancellation, bounded queues, and shutdown with and
without a drain. The deterministic runtime refuses async classes at spawn.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import time
import warnings
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from actorgen.runtime import (
    Failure,
    HandlerCancelled,
    Runtime,
    RuntimeStopped,
    UsageError,
    add_member,
    cluster_stats,
    log_failure,
    process_stats,
    remove_member,
    runtime_stats,
)
from actorgen.runtime._loops import SPARE
from app.coroutines import Oops
from app.coroutines_actors import FragileProcess, PagerCluster, PagerProcess
from app.workers_actors import WorkerProcess
from conftest import PATIENCE, only_on

T = TypeVar("T")
THREADS = "threads"
WHY = "the thread-pool runtime runs async processes; the deterministic one refuses them"


def on_loop(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `main()` in a fresh `asyncio.run`, warning-free (a pending task destroyed at the
    end would warn, and so fail the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(asyncio.wait_for(main(), PATIENCE))


def runners() -> list[asyncio.Task[Any]]:
    """The runtime's tasks on this loop: a runner per process in a turn, and a few idle."""
    return [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "LoopQueue._runner"]


# -- where handlers run ----------------------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_an_asyncio_program_asks_on_its_own_loop_without_a_thread_hop(runtime: Runtime) -> None:
    async def main() -> None:
        pager = PagerProcess.spawn("p")
        cluster = PagerCluster.spawn(3, "c")
        assert await pager.thread() == threading.get_ident()
        assert await cluster.thread() == threading.get_ident()
        assert await pager.fetch("a", 0.001) == "p"
        assert await pager.seen() == ["a"]

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_plain_threads_use_result_and_the_runtime_s_loop_thread(runtime: Runtime) -> None:
    pager = PagerProcess.spawn("p")
    assert pager.fetch("a", 0.001).result(PATIENCE) == "p"
    ident = pager.thread().result(PATIENCE)
    assert ident != threading.get_ident()
    names = {t.ident: t.name for t in threading.enumerate()}
    assert names[ident] == "test-pool-loop"
    # Sent from another thread, too:
    replies: list[str] = []
    sender = threading.Thread(target=lambda: replies.append(pager.fetch("b").result(PATIENCE)))
    sender.start()
    sender.join(PATIENCE)
    assert replies == ["p"]
    assert pager.seen().result(PATIENCE) == ["a", "b"]


@only_on(THREADS, why=WHY)
def test_one_message_at_a_time_across_awaits_in_order(runtime: Runtime) -> None:
    async def main() -> None:
        pager = PagerProcess.spawn("p")
        for i in range(50):
            pager.visit(i, 0.001 * (i % 3))
        futures = [pager.fetch(i, 0.0) for i in range(50, 60)]
        assert await asyncio.gather(*futures) == ["p"] * 10
        assert await pager.seen() == list(range(60))
        assert await pager.plain() == 60

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_many_processes_await_at_once(runtime: Runtime) -> None:
    async def main() -> float:
        pagers = [PagerProcess.spawn(f"p{i}") for i in range(2000)]
        started = time.monotonic()
        replies = [p.fetch(i, 0.05) for i, p in enumerate(pagers)]
        for reply in replies:
            await reply
        return time.monotonic() - started

    elapsed = on_loop(main)
    assert elapsed < 2.0, f"2000 concurrent awaits of 50 ms took {elapsed:.2f} s"


@only_on(THREADS, why=WHY)
def test_an_idle_async_process_holds_no_task(runtime: Runtime) -> None:
    async def main() -> None:
        pagers = [PagerProcess.spawn(f"p{i}") for i in range(20)]
        for p in pagers:
            await p.fetch("x", 0.001)
        await asyncio.sleep(0.01)
        queue = pagers[0]._core.queue
        assert queue.turns == {}  # no process is in a turn
        assert len(runners()) <= SPARE  # the loop keeps a few idle runners, no more
        assert all(pager._core.queue is queue for pager in pagers)

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_handlers_await_asks_of_other_processes(runtime: Runtime) -> None:
    async def main() -> None:
        first, second = PagerProcess.spawn("a"), PagerProcess.spawn("b")
        worker = WorkerProcess.spawn("w")  # a thread-pool process in the same runtime
        assert await first.relay(lambda: second.fetch("x", 0.001)) == "b"
        assert await first.relay(lambda: worker.bar(5)) == 5
        # ... and a pool thread asks the async process, blocking its own thread only.
        assert await worker.call(lambda: first.fetch("y").result(PATIENCE)) == "a"

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_an_await_that_only_the_awaiting_handler_could_end_is_a_usage_error(
    runtime: Runtime,
) -> None:
    async def main() -> None:
        first, second = PagerProcess.spawn("a"), PagerProcess.spawn("b")
        alone = PagerCluster([PagerProcess.spawn("c")])
        member = alone.members[0]
        with pytest.raises(UsageError, match="itself"):  # its own ask
            await first.relay(lambda: first.fetch("x"))
        with pytest.raises(UsageError, match="itself"):  # its own one-member cluster
            await member.relay(lambda: alone.fetch("y"))
        # A cycle: a awaits b, which awaits a; the await that closes it raises.
        with pytest.raises(UsageError, match="wait"):
            await first.relay(lambda: second.relay(lambda: first.fetch("z")))
        assert await first.fetch("after") == "a"  # and both go on
        assert await second.fetch("after") == "b"

    on_loop(main)


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="only Task.cancelling (3.11) tells who raised it"
)
@only_on(THREADS, why=WHY)
def test_a_CancelledError_the_handler_raises_itself_is_its_error_not_a_cancellation(
    runtime: Runtime,
) -> None:
    async def give_up() -> object:
        raise asyncio.CancelledError("given up")

    pager = PagerProcess.spawn("p")
    error = pager.relay(give_up).exception(PATIENCE)
    assert type(error) is asyncio.CancelledError and str(error) == "given up"
    assert pager.fetch("after").result(PATIENCE) == "p"  # the process went on, on its loop
    assert process_stats(pager).failed == 1


def test_the_default_handler_logs_a_cancelled_tell_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Many async tells cut short when a program's loop ends: one line each, no chain of
    tracebacks (they are no fault of the handlers)."""
    cancelled = HandlerCancelled("Pager-1", "PagerVisitMessage(item=1)")
    cancelled.__cause__ = asyncio.CancelledError()
    with caplog.at_level(logging.WARNING, logger="actorgen"):
        log_failure(Failure("Pager-1", object(), cancelled))
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "was cancelled: its event loop ended" in record.getMessage()


@only_on(THREADS, why=WHY)
def test_spawning_inside_an_async_handler_stays_on_the_runtime_and_loop(runtime: Runtime) -> None:
    async def spawn_one() -> object:
        child = PagerProcess.spawn("child")
        return await child.thread()

    async def main() -> None:
        parent = PagerProcess.spawn("parent")
        assert await parent.relay(spawn_one) == threading.get_ident()
        assert runtime_stats(runtime).processes == 2

    on_loop(main)


# -- failures and supervision -------------------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_handler_errors_reach_futures_and_on_error(
    runtime: Runtime, failures: list[Failure]
) -> None:
    async def main() -> None:
        pager = PagerProcess.spawn("p")
        with pytest.raises(Oops, match="bad ask"):
            await pager.explode("bad ask")
        pager.fail("bad tell")
        assert await pager.plain() == 0  # the process goes on (supervision "resume")

    on_loop(main)
    assert [str(f.error) for f in failures] == ["bad tell"]
    assert isinstance(failures[0].error, Oops)


@only_on(THREADS, why=WHY)
def test_restart_supervision_gives_a_fresh_instance(runtime: Runtime) -> None:
    async def main() -> None:
        fragile = FragileProcess.spawn()
        assert await fragile.bump() == 1
        assert await fragile.bump() == 2
        fragile.crash()
        assert await fragile.bump() == 1
        assert process_stats(fragile).restarts == 1

    on_loop(main)


# -- clusters -----------------------------------------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_a_balanced_cluster_spreads_awaiting_work(runtime: Runtime) -> None:
    async def main() -> None:
        cluster = PagerCluster.spawn(4, "c")
        started = time.monotonic()
        names = await asyncio.gather(*(cluster.fetch(i, 0.05) for i in range(8)))
        assert time.monotonic() - started < 0.5  # 8 x 50 ms over 4 members: 2 rounds
        assert sorted(set(names)) == ["c"]  # every member is called "c"
        stats = [process_stats(m).handled for m in cluster.members]
        assert stats == [2, 2, 2, 2]

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_key_routing_and_broadcast(runtime: Runtime) -> None:
    async def main() -> None:
        cluster = PagerCluster([PagerProcess.spawn(f"m{i}") for i in range(4)])
        owners = {await cluster.keyed(f"k{i % 10}", i) for i in range(10)}
        again = {await cluster.keyed(f"k{i % 10}", i) for i in range(10)}
        assert owners == again and len(owners) > 1
        per_key = [await cluster.keyed("same", i) for i in range(5)]
        assert len(set(per_key)) == 1
        replies = cluster.everyone()
        assert sorted([await r for r in replies]) == ["m0", "m1", "m2", "m3"]

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_membership_changes_while_work_flows(runtime: Runtime) -> None:
    async def main() -> None:
        first = PagerProcess.spawn("first")
        cluster = PagerCluster([first])
        pending = [cluster.fetch(i, 0.001) for i in range(20)]
        add_member(cluster, PagerProcess.spawn("second"))
        remove_member(cluster, first)
        names = await asyncio.gather(*pending)
        assert set(names) <= {"first", "second"} and len(names) == 20
        assert await cluster.fetch("after") == "second"

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_stats_count_async_handlers(runtime: Runtime) -> None:
    async def main() -> None:
        cluster = PagerCluster.spawn(2, "c")
        await asyncio.gather(*(cluster.fetch(i, 0.01) for i in range(10)))
        stats = runtime_stats(runtime)
        assert stats.handled == 10
        assert sum(process_stats(m).handled for m in cluster.members) == 10
        assert stats.busy_seconds >= 0.01 * 10 * 0.5
        # A handler in the middle of an await is busy, as one running on a pool thread is.
        pager = PagerProcess.spawn("p")
        slow = pager.fetch("slow", 1.0)
        while not slow.running():
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.05)
        assert process_stats(pager).busy_seconds >= 0.05
        assert slow.cancel() is False  # started: it runs on; the runtime's end cancels it

    on_loop(main)


# -- sync and async in one runtime, and the deterministic runtime -------------------------------------


def test_the_deterministic_runtime_refuses_async_classes_at_spawn() -> None:
    from actorgen.runtime.testing import DeterministicRuntime

    with DeterministicRuntime(seed=1), pytest.raises(UsageError, match="'async def' messages"):
        PagerProcess.spawn("p")


# -- cancellation and timeouts --------------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_a_timed_out_ask_that_is_queued_is_withdrawn(runtime: Runtime) -> None:
    async def main() -> None:
        pager = PagerProcess.spawn("p")
        slow = pager.fetch("slow", 0.2)
        with pytest.raises(asyncio.TimeoutError):  # TimeoutError from 3.11 on
            await asyncio.wait_for(pager.fetch("queued", 0.0), 0.05)
        assert await slow == "p"  # the running one was not touched
        assert await pager.seen() == ["slow"]  # the withdrawn one never ran

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_a_cancelled_caller_leaves_a_started_handler_running(runtime: Runtime) -> None:
    async def main() -> None:
        pager = PagerProcess.spawn("p")
        task = asyncio.ensure_future(pager.fetch("started", 0.05))
        await asyncio.sleep(0.01)  # it has started
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await pager.seen() == ["started"]  # it ran to completion

    on_loop(main)


# -- bounded queues ---------------------------------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_a_full_queue_parks_a_loop_thread_send_in_line_and_blocks_a_plain_thread(
    runtime: Runtime,
) -> None:
    async def main() -> None:
        cluster = PagerCluster([PagerProcess.spawn("p")], capacity=2)
        cluster.visit(0, 0.05)  # taken at once: the queue is empty again
        await asyncio.sleep(0.01)
        cluster.visit(1)
        cluster.visit(2)
        cluster.visit(3)  # full: it waits in line, and the loop goes on
        assert cluster_stats(cluster).queued == 3
        # A plain thread waits for room, behind the message that waits in line.
        await asyncio.to_thread(cluster.visit, 4)
        assert await cluster.seen() == [0, 1, 2, 3, 4]

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_blocking_on_the_loop_that_runs_the_handler_is_an_error(runtime: Runtime) -> None:
    async def main() -> None:
        pager = PagerProcess.spawn("p")
        cluster = PagerCluster([PagerProcess.spawn("q")])
        with pytest.raises(UsageError, match="await"):
            pager.fetch("x").result()
        with pytest.raises(UsageError, match="join"):
            cluster.join()
        assert await asyncio.to_thread(pager.fetch("y").result, PATIENCE) == "p"
        await asyncio.to_thread(cluster.join, PATIENCE)

    on_loop(main)


# -- ending -------------------------------------------------------------------------------------------


def test_a_drain_of_async_with_handles_everything() -> None:
    done: list[int] = []

    async def main() -> None:
        runtime = Runtime(threads=2, name="drain-all")
        async with runtime:
            pagers = [PagerProcess.spawn(f"p{i}") for i in range(10)]
            for p in pagers:
                for i in range(3):
                    p.visit(i, 0.02)
        done.append(runtime_stats(runtime).handled)

    on_loop(main)
    assert done == [30]


def test_shutdown_without_drain_cancels_running_handlers_and_fails_the_queue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures: list[Failure] = []

    async def main() -> None:
        runtime = Runtime(threads=2, name="no-drain", on_error=failures.append)
        with runtime:
            pager = PagerProcess.spawn("p")
            running = pager.fetch("long", 30.0)
            queued = pager.fetch("queued")
            pager.visit("told")
            await asyncio.sleep(0.01)
            started = time.monotonic()
            assert not await runtime.shutdown_async(drain=False, timeout=PATIENCE)
            assert time.monotonic() - started < 2.0
            for future in (running, queued):
                with pytest.raises(RuntimeStopped):
                    await future
        assert runners() == []

    gc.collect()
    on_loop(main)
    gc.collect()
    assert "Task was destroyed" not in caplog.text
    assert [type(f.error) for f in failures] == [RuntimeStopped]


def test_the_owned_loop_stops_without_pending_tasks(caplog: pytest.LogCaptureFixture) -> None:
    runtime = Runtime(threads=2, name="own-loop")
    with runtime:
        pager = PagerProcess.spawn("p")
        running = pager.fetch("long", 30.0)
        time.sleep(0.02)
        started = time.monotonic()
        runtime.shutdown(drain=False, timeout=PATIENCE)
        assert time.monotonic() - started < 2.0
        with pytest.raises(RuntimeStopped):
            running.result(PATIENCE)
    gc.collect()
    assert "Task was destroyed" not in caplog.text
    assert not any(t.name == "own-loop-loop" for t in threading.enumerate())


def test_a_drain_on_the_loop_thread_is_refused_while_its_processes_work() -> None:
    async def main() -> None:
        runtime = Runtime(threads=2, name="refused")
        runtime.__enter__()
        pager = PagerProcess.spawn("p")
        pager.visit("x", 0.05)
        with pytest.raises(UsageError, match="async with"):
            runtime.shutdown(drain=True)
        assert await runtime.shutdown_async(drain=True, timeout=PATIENCE)

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_processes_outlive_the_asyncio_run_they_were_spawned_in(runtime: Runtime) -> None:
    holder: list[PagerProcess] = []
    futures: list[Any] = []

    async def main() -> None:
        pager = PagerProcess.spawn("p")
        holder.append(pager)
        await pager.fetch("first")
        futures.append(pager.fetch("cut short", 30.0))
        futures.append(pager.fetch("queued"))
        await asyncio.sleep(0.01)
        # main returns: asyncio.run cancels the running handler

    asyncio.run(main())
    with pytest.raises(HandlerCancelled, match="event loop ended"):
        futures[0].result(PATIENCE)
    assert futures[1].result(PATIENCE) == "p"  # moved on to the runtime's own loop
    pager = holder[0]
    assert pager.seen().result(PATIENCE) == ["first", "queued"]
    names = {t.ident: t.name for t in threading.enumerate()}
    assert names[pager.thread().result(PATIENCE)] == "test-pool-loop"


def test_the_runtime_context_reaches_async_handlers_of_an_entered_runtime() -> None:
    async def main() -> None:
        async with Runtime(threads=1, name="entered") as runtime:
            pager = PagerProcess.spawn("p")
            assert pager._core.runtime is runtime
            assert await pager.fetch("x") == "p"

    on_loop(main)
