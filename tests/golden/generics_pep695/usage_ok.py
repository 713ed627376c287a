"""Type-checked, never run: PEP 695 facades infer their type arguments like the class."""

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.store_actors import EchoProcess, StoreCluster, StoreMessage, StoreProcess, StorePutMessage


def use() -> None:
    process: StoreProcess[str, int] = StoreProcess.spawn(0)
    process.put("a", 1)
    assert_type(process.get("a"), Future[int])
    assert_type(process.keys(), Future[list[str]])
    assert_type(process.apply(str), Future[list[str]])
    cluster = StoreCluster([process])
    assert_type(cluster, StoreCluster[str, int])
    spawned: StoreCluster[int, bytes] = StoreCluster.spawn(2, b"")
    assert_type(spawned.get(1), Future[bytes])
    messages: list[StoreMessage[str, int]] = [StorePutMessage("a", 1)]
    assert_type(messages[0], StoreMessage[str, int])
    echo = EchoProcess.spawn()
    assert_type(echo.echo(1), Future[int])
    assert_type(echo.echo("x"), Future[str])
