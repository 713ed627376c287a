"""Type-checked, never run: correct uses of the generated facades."""

from typing_extensions import assert_type

from actorgen.runtime import Future, Runtime

from app.workers_actors import WorkerBarMessage, WorkerCluster, WorkerMessage, WorkerProcess


def use() -> None:
    with Runtime(threads=2):
        p1 = WorkerProcess.spawn("a")
        p2 = WorkerProcess.spawn(name="b")
        cluster = WorkerCluster([p1, p2])
        assert_type(cluster.foo(42), None)
        reply = cluster.bar(50)
        assert_type(reply, Future[int])
        total: int = reply.result(timeout=1.0) + 1
        assert_type(p1.bar(1).done(), bool)
        assert_type(cluster.members, tuple[WorkerProcess, ...])
        assert_type(WorkerCluster.spawn(3, "c"), WorkerCluster)
        cluster.join(timeout=5)
        messages: list[WorkerMessage] = [WorkerBarMessage(b=total)]
        assert_type(messages[0], WorkerMessage)


async def use_async(cluster: WorkerCluster) -> int:
    value = await cluster.bar(1)
    assert_type(value, int)
    return value
