"""Async processes against the hand-written asyncio pattern they replace, on one event loop.

Run from the repository root::

    .venv/bin/python bench/asyncio_cluster.py              # every figure, 5 repeats
    .venv/bin/python bench/asyncio_cluster.py --quick      # small counts, 1 repeat
    .venv/bin/python bench/asyncio_cluster.py --json       # the figures as one JSON object

The hand-written pattern: one `asyncio.Queue`, frozen dataclass messages, N worker tasks
looping ``match await queue.get()``, asks carrying an `asyncio.Future`. The actorgen side:
a cluster of N members of `nappers_async.Napper` (``async def`` messages), spawned inside
``asyncio.run`` so that it runs on the same loop. Both do the same work per message.

Each repeat runs both sides of a figure in one process, three times each, alternating
(which side goes first alternates between repeats); a side's time in a repeat is its
fastest of the three, and the figure is the median of the per-repeat ratios (load on a
shared machine moves both sides of one repeat alike, and a run slowed by it is dropped).
Figures:

- tells: M tells sent without awaiting, until the last is handled (the handlers count to M
  and set an event), as messages per second; the ratio is actorgen ÷ hand-written (≥ 0.9x);
- asks, many outstanding: M asks sent, then each reply awaited (≥ 1x);
- ask round trip: one ask at a time, awaited before the next; the ratio is actorgen's
  time ÷ the hand-written one's (≤ 1.2x);
- makespan: 10,000 jobs that each ``await asyncio.sleep(0.05)`` on 1,000 async processes,
  against the ideal 10 x 50 ms (≤ 1.2x);
- heap: 100,000 idle async processes (tracemalloc), per process beyond the user's object
  (< 1 KB).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from actorgen.runtime import Runtime
from nappers_async import Napper, Tally
from nappers_async_actors import NapperCluster, NapperProcess

# -- the hand-written pattern ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Add:
    amount: int


@dataclass(frozen=True, slots=True)
class Double:
    value: int
    reply: asyncio.Future[int]


@dataclass(frozen=True, slots=True)
class Nap:
    seconds: float
    reply: asyncio.Future[float]


Message = Add | Double | Nap


class Handwritten:
    """N worker tasks over one queue; each worker owns a `Napper`-like state."""

    def __init__(self, workers: int, tally: Tally) -> None:
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self.states = [Napper(tally) for _ in range(workers)]
        self.tasks = [asyncio.ensure_future(self._work(state)) for state in self.states]

    async def _work(self, state: Napper) -> None:
        queue = self.queue
        while True:
            match await queue.get():
                case Add(amount):
                    await state.add(amount)
                case Double(value, reply):
                    reply.set_result(await state.double(value))
                case Nap(seconds, reply):
                    reply.set_result(await state.nap(seconds))
                case None:
                    return

    def add(self, amount: int) -> None:
        self.queue.put_nowait(Add(amount))

    def double(self, value: int) -> asyncio.Future[int]:
        reply: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(Double(value, reply))
        return reply

    def nap(self, seconds: float) -> asyncio.Future[float]:
        reply: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(Nap(seconds, reply))
        return reply

    async def close(self) -> None:
        for _ in self.tasks:
            self.queue.put_nowait(None)
        await asyncio.gather(*self.tasks)


# -- the workloads (the same calls on both sides) ------------------------------------------------


async def tells(side: Any, tally: Tally, count: int) -> float:
    tally.reset(count)
    started = time.perf_counter()
    for i in range(count):
        side.add(i)
    await tally.done.wait()
    return time.perf_counter() - started


async def asks(side: Any, tally: Tally, count: int) -> float:
    started = time.perf_counter()
    replies = [side.double(i) for i in range(count)]
    for i, reply in enumerate(replies):
        assert await reply == 2 * i
    return time.perf_counter() - started


async def round_trips(side: Any, tally: Tally, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        assert await side.double(i) == 2 * i
    return time.perf_counter() - started


async def makespan(side: Any, tally: Tally, count: int) -> float:
    started = time.perf_counter()
    replies = [side.nap(0.05) for _ in range(count)]
    for reply in replies:
        await reply
    return time.perf_counter() - started


Workload = Callable[[Any, Tally, int], Awaitable[float]]


async def handwritten(workload: Workload, workers: int, count: int) -> float:
    tally = Tally()
    side = Handwritten(workers, tally)
    try:
        return await workload(side, tally, count)
    finally:
        await side.close()


async def actorgen(workload: Workload, workers: int, count: int) -> float:
    tally = Tally()
    async with Runtime(threads=1, name="bench-async"):
        cluster = NapperCluster.spawn(workers, tally)
        return await workload(cluster, tally, count)


def pair(
    workload: Workload, workers: int, count: int, repeats: int, inner: int = 3
) -> dict[str, Any]:
    """Both sides `repeats` times: per-repeat times. Within a repeat each side runs `inner`
    times, the two sides alternating (which goes first alternates between repeats), and
    each side's time is its fastest: a run slowed by the other work on a shared machine
    then moves a repeat's ratio less."""
    hand: list[float] = []
    ours: list[float] = []
    for repeat in range(repeats):
        order = [(hand, handwritten), (ours, actorgen)]
        if repeat % 2:
            order.reverse()
        times: dict[int, list[float]] = {id(hand): [], id(ours): []}
        for _ in range(inner):
            for into, side in order:
                gc.collect()
                times[id(into)].append(asyncio.run(side(workload, workers, count)))
        for into, _ in order:
            into.append(min(times[id(into)]))
    ratios = [h / o for h, o in zip(hand, ours, strict=True)]  # >1: actorgen is faster
    return {
        "count": count,
        "workers": workers,
        "handwritten_s": statistics.median(hand),
        "actorgen_s": statistics.median(ours),
        "speed_ratio": statistics.median(ratios),
        "speed_ratio_range": [min(ratios), max(ratios)],
    }


def heap_per_idle_process(count: int) -> dict[str, float]:
    """Python heap of `count` idle async processes, beyond their user objects."""
    tally = Tally()

    async def spawn() -> tuple[int, int, int]:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        bare = [Napper(tally) for _ in range(count)]
        bare_bytes = tracemalloc.get_traced_memory()[0] - before
        del bare
        gc.collect()
        async with Runtime(threads=1, name="bench-heap"):
            # The first spawn makes the loop's queue: not a per-process cost.
            NapperProcess.spawn(tally)
            before = tracemalloc.get_traced_memory()[0]
            processes = [NapperProcess.spawn(tally) for _ in range(count)]
            spawned = tracemalloc.get_traced_memory()[0] - before
            for reply in [p.double(1) for p in processes[:: max(1, count // 1000)]]:
                await reply
            await asyncio.sleep(0.01)
            after = tracemalloc.get_traced_memory()[0] - before
            del processes
        tracemalloc.stop()
        return bare_bytes, spawned, after

    bare_bytes, spawned, after = asyncio.run(spawn())
    return {
        "count": count,
        "bare_object_bytes": bare_bytes / count,
        "idle_process_bytes": spawned / count,
        "runtime_share_bytes": (spawned - bare_bytes) / count,
        "after_messages_bytes": after / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, one repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--inner", type=int, default=3, help="runs per side in a repeat")
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    inner = 1 if args.quick else args.inner
    scale = 20 if args.quick else 1
    figures: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "repeats": repeats,
        "inner": inner,
        "tells": pair(tells, 8, 200_000 // scale, repeats, inner),
        "asks": pair(asks, 8, 50_000 // scale, repeats, inner),
        "round_trip": pair(round_trips, 8, 5_000 // scale, repeats, inner),
    }
    jobs, processes = (10_000, 1_000) if not args.quick else (500, 50)
    spans = []
    for _ in range(repeats):
        gc.collect()
        spans.append(asyncio.run(actorgen(makespan, processes, jobs)))
    ideal = jobs / processes * 0.05
    figures["makespan"] = {
        "jobs": jobs,
        "processes": processes,
        "seconds": statistics.median(spans),
        "ideal_seconds": ideal,
        "over_ideal": statistics.median(spans) / ideal,
    }
    figures["heap"] = heap_per_idle_process(100_000 // scale)
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"Python {figures['python']}, {figures['cpus']} CPUs, median of {repeats} "
        f"(each the best of {inner} runs per side)"
    )
    for name, target in (("tells", "≥ 0.9x"), ("asks", "≥ 1x")):
        f = figures[name]
        print(
            f"{name:<11} {f['count']:>7,} on {f['workers']} workers: actorgen "
            f"{f['count'] / f['actorgen_s']:>9,.0f}/s, hand-written "
            f"{f['count'] / f['handwritten_s']:>9,.0f}/s, ratio {f['speed_ratio']:.2f}x "
            f"({f['speed_ratio_range'][0]:.2f}-{f['speed_ratio_range'][1]:.2f}; target {target})"
        )
    f = figures["round_trip"]
    print(
        f"round trip {f['count']:>7,} one at a time: actorgen "
        f"{f['actorgen_s'] / f['count'] * 1e6:.1f} µs, hand-written "
        f"{f['handwritten_s'] / f['count'] * 1e6:.1f} µs, time ratio "
        f"{1 / f['speed_ratio']:.2f}x (target ≤ 1.2x)"
    )
    f = figures["makespan"]
    print(
        f"makespan   {f['jobs']:,} jobs of 50 ms on {f['processes']:,} processes: "
        f"{f['seconds']:.3f} s, {f['over_ideal']:.3f}x the ideal {f['ideal_seconds']:.2f} s "
        "(target ≤ 1.2x)"
    )
    f = figures["heap"]
    print(
        f"heap       {f['count']:,} idle async processes: {f['idle_process_bytes']:.0f} B each, "
        f"{f['runtime_share_bytes']:.0f} B beyond the user's object "
        f"({f['bare_object_bytes']:.0f} B; target < 1024 B); after messages "
        f"{f['after_messages_bytes']:.0f} B"
    )


if __name__ == "__main__":
    main()
