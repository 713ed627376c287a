"""Run with ``python -m examples.crawler`` from the repository root.

Starts an HTTP server on 127.0.0.1 (a random free port) that serves 200 pages with
uneven delays, each linking to a few others, and crawls it from page /0 with a cluster of
8 async fetchers. The crawl collects every page with asks (`await cluster.fetch(path)`),
follows the links it finds, and prints what each fetcher did. Everything runs on the one
event loop of `asyncio.run`: the fetchers' handlers, the server and the crawl itself.
"""

from __future__ import annotations

import asyncio
import random
import time

from actorgen.runtime import Runtime, process_stats, spawn_options

from .fetchers import Page
from .fetchers_actors import FetcherCluster

PAGES = 200
FETCHERS = 8


def site(seed: int = 7) -> dict[str, tuple[float, list[str]]]:
    """Each page's delay (1 to 40 ms, a few slow ones) and links."""
    rng = random.Random(seed)
    pages: dict[str, tuple[float, list[str]]] = {}
    for n in range(PAGES):
        delay = rng.choice([0.001, 0.005, 0.01, 0.02, 0.04]) * (5 if n % 37 == 0 else 1)
        links = [f"/{(n + 1) % PAGES}"] + [f"/{rng.randrange(PAGES)}" for _ in range(3)]
        pages[f"/{n}"] = (delay, links)
    return pages


async def serve(pages: dict[str, tuple[float, list[str]]]) -> asyncio.Server:
    """An HTTP/1.0 server of `pages`, on 127.0.0.1."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ", 2)[1].decode()
        if path in pages:
            delay, links = pages[path]
            await asyncio.sleep(delay)
            status, body = "200 OK", "\n".join([f"page {path}", *links]).encode()
        else:
            status, body = "404 Not Found", b"no such page"
        writer.write(f"HTTP/1.0 {status}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


async def crawl(cluster: FetcherCluster, start: str) -> dict[str, Page]:
    """Every page reachable from `start`, wave by wave: each fetch is an ask that the
    next free fetcher handles, and a wave's asks are all outstanding at once."""
    found: dict[str, Page] = {}
    wave = [start]
    while wave:
        pages = await asyncio.gather(*(cluster.fetch(path) for path in wave))
        found.update((page.path, page) for page in pages)
        links = {link for page in pages for link in page.links}
        wave = sorted(link for link in links if link not in found)
    return found


async def main() -> None:
    pages = site()
    server = await serve(pages)
    port = server.sockets[0].getsockname()[1]
    async with Runtime(threads=2, name="crawler"):
        with spawn_options(name="fetcher-{}"):
            cluster = FetcherCluster.spawn(FETCHERS, "127.0.0.1", port)
        started = time.monotonic()
        found = await crawl(cluster, "/0")
        elapsed = time.monotonic() - started
        ok = sum(1 for page in found.values() if page.status == 200)
        print(f"crawled {len(found)} pages ({ok} ok) in {elapsed:.2f} s with {FETCHERS} fetchers")
        total = 0
        for member in cluster.members:
            fetched, size, errors = await member.counts()
            total += fetched
            stats = process_stats(member)
            print(
                f"  {stats.name}: {fetched} pages, {size} bytes, {errors} errors, "
                f"busy {stats.busy_seconds:.2f} s"
            )
        print(f"the fetchers fetched {total} pages in all")
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
