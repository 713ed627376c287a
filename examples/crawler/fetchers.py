"""`Fetcher`: an HTTP client whose messages are `async def`.

Each fetcher handles one page at a time (its counters need no lock), while a cluster of
them fetches many pages at once on one event loop. Stdlib only: asyncio streams and a
hand-written HTTP/1.0 request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from actorgen.runtime import async_class


@dataclass(frozen=True)
class Page:
    """What a fetch found: the path, the status, the body's size and the links in it."""

    path: str
    status: int
    size: int
    links: tuple[str, ...]


@async_class
class Fetcher:
    """Fetches pages from one server; keeps per-fetcher counts."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.pages = 0
        self.bytes = 0
        self.errors = 0

    async def fetch(self, path: str) -> Page:
        """GET `path` and parse the links out of the body (lines that start with '/')."""
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            self.errors += 1
            raise
        try:
            writer.write(f"GET {path} HTTP/1.0\r\nHost: {self.host}\r\n\r\n".encode())
            await writer.drain()
            response = await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()
        head, _, body = response.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        links = tuple(line.decode() for line in body.splitlines() if line.startswith(b"/"))
        self.pages += 1
        self.bytes += len(body)
        if status != 200:
            self.errors += 1
        return Page(path, status, len(body), links)

    def counts(self) -> tuple[int, int, int]:
        """Pages fetched, bytes read, errors (a plain message: no await needed)."""
        return self.pages, self.bytes, self.errors
