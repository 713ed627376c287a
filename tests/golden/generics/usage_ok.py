"""Type-checked, never run: the facades of generic classes are generic too."""

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.cache_actors import (
    CacheCluster,
    CacheGetMessage,
    CacheMessage,
    CacheProcess,
    CachePutMessage,
    PairCluster,
    PairProcess,
)


def use() -> None:
    process: CacheProcess[str, int] = CacheProcess.spawn(0)
    process.put("a", 1)
    assert_type(process.get("a"), Future[int])
    assert_type(process.values(), Future[list[int]])
    assert_type(process.size(), Future[int])
    assert_type(process.apply(str), Future[list[str]])
    other: CacheProcess[str, int] = CacheProcess.spawn(1)
    cluster = CacheCluster([process, other])
    assert_type(cluster, CacheCluster[str, int])
    assert_type(cluster.members, tuple[CacheProcess[str, int], ...])
    assert_type(cluster.get("b"), Future[int])
    spawned: CacheCluster[int, bytes] = CacheCluster.spawn(2, b"")
    assert_type(spawned.get(3), Future[bytes])
    messages: list[CacheMessage[str, int]] = [CacheGetMessage("a"), CachePutMessage("a", 1)]
    assert_type(messages[0], CacheMessage[str, int])
    pair = PairProcess.spawn("k", 1.5)  # both type arguments inferred from spawn's arguments
    assert_type(pair, PairProcess[str, float])
    assert_type(pair.swap(2.5), Future[float])
    assert_type(pair.look(), Future[float | None])
    assert_type(pair.look(1.0), Future[float])
    pairs = PairCluster.spawn(3, 1, "x")
    assert_type(pairs, PairCluster[int, str])
    assert_type(pairs.look("y"), Future[str])
