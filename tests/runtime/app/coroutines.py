"""`Pager` and `Mixed`: processes whose messages are `async def` (run on an event loop)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from actorgen.runtime import async_class, route


class Oops(Exception):
    """An application exception raised by an `async def` handler."""


@async_class
class Pager:
    """Awaits in its handlers; records what it handled, and checks that its handlers
    never overlap (one message at a time across awaits)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.log: list[object] = []
        self.inside = 0
        self.overlaps = 0

    async def visit(self, item: object, delay: float = 0.0) -> None:
        """Await `delay` seconds, then note `item` (a tell)."""
        self.inside += 1
        self.overlaps += self.inside > 1
        await asyncio.sleep(delay)
        self.log.append(item)
        self.inside -= 1

    async def fetch(self, item: object, delay: float = 0.0) -> str:
        """Await `delay` seconds, note `item` and reply with the member's name."""
        await self.visit(item, delay)
        return self.name

    @route(key="key")
    async def keyed(self, key: str, item: object) -> str:
        await asyncio.sleep(0)
        self.log.append((key, item))
        return self.name

    @route("broadcast")
    async def everyone(self) -> str:
        await asyncio.sleep(0)
        return self.name

    async def seen(self) -> list[object]:
        await asyncio.sleep(0)
        return list(self.log)

    async def thread(self) -> int:
        """The ident of the thread the handler runs on."""
        return threading.get_ident()

    async def fail(self, text: str) -> None:
        await asyncio.sleep(0)
        raise Oops(text)

    async def explode(self, text: str) -> int:
        await asyncio.sleep(0)
        raise Oops(text)

    async def relay(self, to: Callable[[], Awaitable[object]]) -> object:
        """Await `to()` (an ask of another process, say) and reply with its reply."""
        return await to()

    def plain(self) -> int:
        """A plain message of an async class: it runs on the loop too."""
        return len(self.log)


@async_class(supervision="restart")
class Fragile:
    """Restarted after a failure: its state starts again."""

    def __init__(self) -> None:
        self.count = 0

    async def bump(self) -> int:
        await asyncio.sleep(0)
        self.count += 1
        return self.count

    async def crash(self) -> None:
        await asyncio.sleep(0)
        raise Oops("crash")
