"""A `Future` can be awaited from asyncio code without blocking the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from actorgen.runtime import Runtime
from app.journal import Journal
from app.recorders_actors import RecorderProcess
from app.workers import Boom
from app.workers_actors import WorkerProcess
from conftest import only_on


@only_on("threads", why="handlers block on a gate that a coroutine opens while they wait")
def test_awaiting_asks_leaves_the_event_loop_free_to_run_other_coroutines(
    runtime: Runtime, journal: Journal
) -> None:
    # The handlers can only finish once a coroutine on the loop opens the gate: if
    # awaiting blocked the loop, they would never finish (and `hold` fails after 10 s).
    gate = threading.Event()
    recorders = [RecorderProcess.spawn(f"r{i}", journal) for i in range(3)]
    ticks = []

    async def open_gate_after_ticks() -> None:
        for tick in range(5):
            ticks.append(tick)
            await asyncio.sleep(0)
        gate.set()

    async def main() -> list[str]:
        asks = [recorder.hold(gate) for recorder in recorders]
        replies, _ = await asyncio.gather(asyncio.gather(*asks), open_gate_after_ticks())
        return replies

    assert asyncio.run(main()) == ["r0", "r1", "r2"]
    assert ticks == [0, 1, 2, 3, 4]


@only_on("deterministic", why="its handlers run on the loop's thread, when awaited")
def test_awaiting_an_ask_runs_the_handlers_before_other_coroutines_get_a_turn(
    runtime: Runtime, journal: Journal
) -> None:
    """The deterministic counterpart of the test above: there `await` cannot leave the
    loop free, since only the awaiting thread can run the handlers; it runs them at once."""
    recorders = [RecorderProcess.spawn(f"r{i}", journal) for i in range(3)]
    ticks = []

    async def tick() -> None:
        for tick in range(5):
            ticks.append(tick)
            await asyncio.sleep(0)

    async def main() -> list[int]:
        ticking = asyncio.ensure_future(tick())
        await asyncio.sleep(0)  # the ticker has its first turn
        replies = [await recorder.note_and_reply(recorder) for recorder in recorders]
        assert ticks == [0]  # every reply came before the ticker's next turn
        await ticking
        return replies

    assert asyncio.run(main()) == [0, 0, 0]
    assert ticks == [0, 1, 2, 3, 4]
    assert journal.items() == recorders


def test_asyncio_gather_of_asks_returns_each_reply_in_order(runtime: Runtime) -> None:
    workers = [WorkerProcess.spawn(f"w{i}") for i in range(4)]

    async def main() -> list[str]:
        return list(await asyncio.gather(*(w.sleep(0.01 * (4 - i)) for i, w in enumerate(workers))))

    assert asyncio.run(main()) == ["w0", "w1", "w2", "w3"]


def test_awaiting_an_ask_that_failed_raises_the_handler_exception(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")

    async def main() -> int:
        return await worker.explode("no luck")

    with pytest.raises(Boom, match="no luck"):
        asyncio.run(main())


def test_awaiting_a_future_that_is_already_done_returns_its_value(runtime: Runtime) -> None:
    worker = WorkerProcess.spawn("w")
    future = worker.bar(7)
    assert future.result() == 7

    async def main() -> int:
        return await future

    assert asyncio.run(main()) == 7
