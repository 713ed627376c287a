"""Waiting from asyncio code without blocking the loop (docs/asyncio.md, "Bounded queues"
and "Joining"): a send on a loop's thread to a full bounded queue waits in line (nothing
lost, order kept, the loop goes on), `await room(target)` paces a producer, and
`await joined(cluster)` is `join` for asyncio code.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from actorgen.runtime import (
    ProcessStopped,
    Runtime,
    RuntimeStopped,
    UsageError,
    cluster_stats,
    joined,
    process_stats,
    remove_member,
    room,
    spawn_options,
    stop_process,
)
from app.coroutines import Oops
from app.coroutines_actors import PagerCluster, PagerProcess
from app.workers_actors import WorkerProcess
from conftest import PATIENCE, only_on

T = TypeVar("T")
THREADS = "threads"
WHY = "the thread-pool runtime runs async processes; the deterministic one refuses them"


def on_loop(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(asyncio.wait_for(main(), PATIENCE))


async def ticker(ticks: list[int], stop: asyncio.Event) -> None:
    """Counts loop steps: proof that the loop was never blocked."""
    while not stop.is_set():
        ticks.append(1)
        await asyncio.sleep(0)


# -- a full queue: the message waits in line ------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_sends_to_a_full_cluster_wait_in_line_in_order_and_the_loop_goes_on(
    runtime: Runtime,
) -> None:
    async def main() -> None:
        cluster = PagerCluster([PagerProcess.spawn("p")], capacity=2)
        ticks: list[int] = []
        stop = asyncio.Event()
        tick = asyncio.ensure_future(ticker(ticks, stop))
        for i in range(20):
            cluster.visit(i, 0.001)  # never raises, never blocks
        replies = [cluster.fetch(f"ask{i}") for i in range(5)]
        assert cluster_stats(cluster).queued >= 20  # most of it waits in line
        assert await asyncio.gather(*replies) == ["p"] * 5  # admitted, then handled
        await joined(cluster)
        stop.set()
        await tick
        assert await cluster.seen() == [*range(20), *(f"ask{i}" for i in range(5))]
        assert len(ticks) > 20

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_sends_to_a_full_mailbox_wait_in_line_for_async_and_plain_processes(
    runtime: Runtime,
) -> None:
    async def main() -> None:
        with spawn_options(capacity=1):
            pager = PagerProcess.spawn("p")
            worker = WorkerProcess.spawn("w")  # a pool process: its sender cannot block either
        worker.sleep(0.05)
        for i in range(30):
            pager.visit(i)
            worker.foo(1)
        assert process_stats(pager).queued > 1
        assert process_stats(worker).queued > 1
        assert await pager.seen() == list(range(30))
        assert await worker.bar(0) == 30

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_waiting_keyed_messages_follow_their_key_when_the_member_leaves(
    runtime: Runtime,
) -> None:
    async def main() -> None:
        members = [PagerProcess.spawn(f"m{i}") for i in range(3)]
        cluster = PagerCluster(members, capacity=1)
        owners = await asyncio.gather(*(cluster.keyed(f"k{i}", 0) for i in range(6)))
        sent = [cluster.keyed(f"k{i % 6}", n) for n in range(1, 5) for i in range(6)]
        remove_member(cluster, members[0])  # its waiting keys go to the new owners
        replies = await asyncio.gather(*sent)
        assert len(replies) == 24
        logs: list[list[Any]] = [await m.seen() for m in members]
        for i in range(6):  # per key: every item once, in order
            key = f"k{i}"
            items = [item for log in logs for k, item in log if k == key]
            assert sorted(items) == [0, 1, 2, 3, 4]
            for log in logs:
                mine = [item for k, item in log if k == key]
                assert mine == sorted(mine)
        assert set(owners) <= {"m0", "m1", "m2"}

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_room_paces_a_producer_within_the_capacity(runtime: Runtime) -> None:
    async def main() -> None:
        cluster = PagerCluster([PagerProcess.spawn("p")], capacity=3)
        most = 0
        for i in range(40):
            await room(cluster)
            cluster.visit(i, 0.0005)
            most = max(most, cluster_stats(cluster).queued)
        await joined(cluster)
        assert most <= 3
        assert await cluster.seen() == list(range(40))

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_room_times_out(runtime: Runtime) -> None:
    async def main() -> None:
        gate = asyncio.Event()
        with spawn_options(capacity=1):
            pager = PagerProcess.spawn("p")
        pager.relay(gate.wait)  # busy until the gate opens
        pager.visit(1)
        with pytest.raises(TimeoutError, match="no room"):
            await room(pager, timeout=0.05)
        gate.set()
        await room(pager, timeout=PATIENCE)

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_a_stopped_process_fails_what_waits_in_line(runtime: Runtime) -> None:
    async def main() -> None:
        gate = asyncio.Event()
        with spawn_options(capacity=1):
            pager = PagerProcess.spawn("p")
        pager.relay(gate.wait)
        queued = pager.fetch("queued")
        waiting = [pager.fetch(f"w{i}") for i in range(3)]
        await asyncio.sleep(0.01)
        stop_process(pager)
        gate.set()
        for ask in (queued, *waiting):
            with pytest.raises(ProcessStopped):
                await ask

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_shutdown_drains_or_fails_what_waits_in_line() -> None:
    async def drained() -> list[object]:
        async with Runtime(threads=1, name="drained"):
            cluster = PagerCluster([PagerProcess.spawn("p")], capacity=1)
            for i in range(10):
                cluster.visit(i, 0.001)
            seen = cluster.seen()
        return await seen

    assert on_loop(drained) == list(range(10))

    async def stopped() -> None:
        gate = asyncio.Event()
        waiting = []
        with pytest.raises(Oops):
            async with Runtime(threads=1, name="stopped"):
                cluster = PagerCluster([PagerProcess.spawn("p")], capacity=1)
                cluster.relay(gate.wait)  # busy until the end
                cluster.fetch("queued")
                waiting = [cluster.fetch(f"w{i}") for i in range(3)]
                await asyncio.sleep(0.01)
                raise Oops("leave without a drain")
        for ask in waiting:
            with pytest.raises(RuntimeStopped):
                await ask

    on_loop(stopped)


# -- joined ---------------------------------------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_joined_waits_for_everything_sent_without_blocking_the_loop(runtime: Runtime) -> None:
    async def main() -> None:
        cluster = PagerCluster.spawn(3, "c")
        for i in range(30):
            cluster.visit(i, 0.002)
        await joined(cluster, timeout=PATIENCE)
        seen: list[list[Any]] = [await m.seen() for m in cluster.members]
        assert sorted(x for log in seen for x in log) == list(range(30))
        with pytest.raises(UsageError, match="await"):
            cluster.join()  # blocking on the loop its members run on: refused

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_joined_times_out_and_a_cancelled_join_leaves_nothing(runtime: Runtime) -> None:
    async def main() -> None:
        cluster = PagerCluster.spawn(1, "c")
        gate = asyncio.Event()
        cluster.relay(gate.wait)
        with pytest.raises(TimeoutError, match="still has"):
            await joined(cluster, timeout=0.05)
        with pytest.raises(asyncio.TimeoutError):  # TimeoutError from 3.11 on
            await asyncio.wait_for(joined(cluster), 0.05)
        before = threading.active_count()
        gate.set()
        await joined(cluster, timeout=PATIENCE)
        assert threading.active_count() <= before

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_joined_from_a_member_of_the_cluster_is_an_error(runtime: Runtime) -> None:
    async def main() -> None:
        cluster = PagerCluster.spawn(1, "c")

        async def join_own() -> object:
            await joined(cluster)
            return "joined"

        with pytest.raises(UsageError, match="its own cluster"):
            await cluster.relay(join_own)

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_joined_from_a_plain_threads_program_on_the_runtime_s_own_loop(runtime: Runtime) -> None:
    cluster = PagerCluster.spawn(2, "c")  # on the runtime's own loop thread
    for i in range(10):
        cluster.visit(i, 0.001)

    async def main() -> None:
        await joined(cluster, timeout=PATIENCE)

    asyncio.run(main())
    assert sum(len(m.seen().result(PATIENCE)) for m in cluster.members) == 10


# -- awaiting a reply -----------------------------------------------------------------------------


@only_on(THREADS, why=WHY)
def test_two_tasks_awaiting_one_ask_both_get_the_reply(runtime: Runtime) -> None:
    async def main() -> None:
        pager = PagerProcess.spawn("p")
        ask = pager.fetch("x", 0.01)
        first = asyncio.ensure_future(asyncio.shield(asyncio.ensure_future(ask)))
        second = asyncio.ensure_future(asyncio.ensure_future(ask))
        assert await asyncio.gather(first, second) == ["p", "p"]
        assert await ask == "p"  # done: no wait at all
        # A third awaiter that gives up leaves the others their wake-up.
        slow = pager.fetch("y", 0.05)
        waiting = asyncio.ensure_future(asyncio.ensure_future(slow))
        while not slow.running():
            await asyncio.sleep(0.001)
        with pytest.raises(asyncio.TimeoutError):  # TimeoutError from 3.11 on
            await asyncio.wait_for(asyncio.ensure_future(slow), 0.001)
        assert await waiting == "p"  # started before the timeout: it ran to completion

    on_loop(main)


@only_on(THREADS, why=WHY)
def test_a_burst_sent_while_a_member_lingers_is_spread_over_the_parked_members(
    runtime: Runtime,
) -> None:
    async def main() -> None:
        cluster = PagerCluster([PagerProcess.spawn(f"m{i}") for i in range(4)])
        for _ in range(3):
            await joined(cluster)
            await asyncio.sleep(0.01)  # every member parked
            await cluster.fetch("warm-up")  # its member lingers a step after the reply
            burst = [cluster.fetch(i, 0.05) for i in range(4)]  # sent while it lingers
            assert len(set(await asyncio.gather(*burst))) == 4  # four members at once

    on_loop(main)
