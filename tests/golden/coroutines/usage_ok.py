"""Type-checked, never run: `async def` messages have the facades of plain ones."""

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.fetchers_actors import BoxProcess, FetcherCluster, FetcherProcess


async def use() -> None:
    fetcher = FetcherProcess.spawn(0.1)
    assert_type(fetcher.fetch("example.org"), Future[bytes])
    assert_type(fetcher.forget(), None)
    assert_type(fetcher.size(), Future[int])
    assert_type(fetcher.size("example.org"), Future[int | None])
    assert_type(fetcher.count(), Future[int])
    page: bytes = await fetcher.fetch("example.org", "/a")
    assert_type(page, bytes)
    assert_type(fetcher.fetch("example.org").result(), bytes)
    cluster = FetcherCluster.spawn(2)
    assert_type(cluster.fetch("example.org"), Future[bytes])
    assert_type(await cluster.size(), int)
    box = BoxProcess.spawn(1)
    assert_type(box, BoxProcess[int])
    assert_type(await box.swap(2), int)
