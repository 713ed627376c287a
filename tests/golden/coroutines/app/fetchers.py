"""Golden case: `async def` messages, with docstrings, overloads and generics, next to
plain ones in the same class."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar, overload

from actorgen.runtime import async_class, route

T = TypeVar("T")


@async_class
class Fetcher:
    """Fetches pages, one at a time, and counts them."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.fetched: list[str] = []

    @route(key="host")
    async def fetch(self, host: str, path: str = "/") -> bytes:
        """Fetch `path` from `host`."""
        await asyncio.sleep(self.delay)
        self.fetched.append(host + path)
        return (host + path).encode()

    async def forget(self) -> None:
        """Forget what was fetched (a tell)."""
        await asyncio.sleep(0)
        self.fetched.clear()

    @overload
    async def size(self) -> int: ...
    @overload
    async def size(self, host: str) -> int | None: ...
    async def size(self, host: str | None = None) -> int | None:
        """How many pages were fetched (from `host`)."""
        if host is None:
            return len(self.fetched)
        count = sum(1 for page in self.fetched if page.startswith(host))
        return count or None

    def count(self) -> int:
        """A plain message of the same class."""
        return len(self.fetched)


@async_class
class Box(Generic[T]):
    """A generic class with an `async def` message."""

    def __init__(self, value: T) -> None:
        self.value = value

    async def swap(self, value: T) -> T:
        old, self.value = self.value, value
        await asyncio.sleep(0)
        return old
