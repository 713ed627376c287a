"""`AsyncLedger`: the `Ledger` of the nothing-lost tests with `async def` messages.

The same traces in the same `Journal`, written by handlers that run on an event loop and
await in the middle of a message, so the state machine checks the books of async
processes too.
"""

from __future__ import annotations

import asyncio

from actorgen.runtime import async_class

from .journal import Journal
from .ledger import LedgerError, next_incarnation


@async_class
class AsyncLedger:
    """Writes each message it handles into a journal; fails the ones marked `fail`."""

    def __init__(self, name: str, journal: Journal) -> None:
        self.name = name
        self.journal = journal
        self.incarnation = next_incarnation()

    async def note(self, id: int, fail: bool) -> None:
        """A tell: record `id`; raise `LedgerError(id)` if `fail`."""
        self._record(id, fail)

    async def echo(self, id: int, fail: bool) -> int:
        """An ask: give the loop back once, record `id` and reply with it; raise
        `LedgerError(id)` if `fail`."""
        await asyncio.sleep(0)
        self._record(id, fail)
        return id

    async def rest(self, id: int, seconds: float) -> None:
        """A tell that records `id`, then awaits `seconds` (its process takes nothing else
        meanwhile)."""
        self._record(id, False)
        await asyncio.sleep(seconds)

    def _record(self, id: int, fail: bool) -> None:
        self.journal.record(self.name, ("raised" if fail else "handled", id, self.incarnation))
        if fail:
            raise LedgerError(id)
