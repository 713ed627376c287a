"""`AsyncRecorder`: the `Recorder` of the fault-safety tests with `async def` messages."""

from __future__ import annotations

import asyncio

from actorgen.runtime import async_class

from .journal import Journal


@async_class
class AsyncRecorder:
    """Records each message it handles into a `Journal`, on an event loop."""

    def __init__(self, name: str, journal: Journal) -> None:
        self.name = name
        self.journal = journal

    async def note(self, item: object) -> None:
        """Record `item` (a tell)."""
        self.journal.record(self.name, item)

    async def note_and_reply(self, item: object) -> int:
        """Await once, record `item` (an ask); reply with its position in this log."""
        await asyncio.sleep(0)
        return self.journal.record(self.name, item)

    async def hold(self, gate: asyncio.Event) -> str:
        """Keep this process busy until `gate` is set (on its loop)."""
        await asyncio.wait_for(gate.wait(), 10.0)
        return self.name
