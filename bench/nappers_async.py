"""The async class of `asyncio_cluster.py`: the same work as its hand-written workers.

Its generated facades are in ``nappers_async_actors.py`` (``actorgen bench`` regenerates
them).
"""

from __future__ import annotations

import asyncio

from actorgen.runtime import async_class


class Tally:
    """Counts the tells handled by every worker; `done` is set at the expected count."""

    def __init__(self) -> None:
        self.count = 0
        self.expected = 0
        self.done = asyncio.Event()

    def reset(self, expected: int) -> None:
        self.count = 0
        self.expected = expected
        self.done = asyncio.Event()


@async_class
class Napper:
    """A worker of the benchmark: adds, doubles and naps."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.total = 0

    async def add(self, amount: int) -> None:
        """A tell: add `amount` and count it."""
        self.total += amount
        tally = self.tally
        tally.count += 1
        if tally.count == tally.expected:
            tally.done.set()

    async def double(self, value: int) -> int:
        """An ask that does not suspend."""
        return 2 * value

    async def nap(self, seconds: float) -> float:
        """An ask that awaits `seconds`."""
        await asyncio.sleep(seconds)
        return seconds
