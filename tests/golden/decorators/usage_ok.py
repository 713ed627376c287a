"""Type-checked, never run: overloads reach the facades."""

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.parser_actors import ParserCluster, ParserProcess


def use() -> None:
    process = ParserProcess.spawn()
    assert_type(process.parse("a b"), Future[int])
    assert_type(process.parse(b"a b", encoding="ascii"), Future[int])
    assert_type(process.parse(None), Future[None])
    cluster = ParserCluster([process])
    assert_type(cluster.parse("a"), Future[int])
    assert_type(cluster.feed(1), None)
    cluster.feed("x", strict=True)
    cluster.reset()
    assert_type(cluster.total(), Future[int])
