"""Type-checked, never run: correct uses of routed facades."""

from typing_extensions import assert_type

from actorgen.runtime import Future, Runtime

from app.odd_actors import OddCluster
from app.shards_actors import ShardCluster, ShardProcess, TableCluster


def use() -> None:
    with Runtime(threads=2):
        cluster = ShardCluster.spawn(3, "s")
        assert_type(cluster.visit("ann", "/"), None)
        assert_type(cluster.pages(user="ann"), Future[list[str]])
        assert_type(cluster.owner("ann"), Future[str])
        assert_type(cluster.reload(), None)
        assert_type(cluster.name_of(), tuple[Future[str], ...])
        names = [reply.result(timeout=1.0) for reply in cluster.name_of()]
        assert_type(names, list[str])
        assert_type(cluster.next_name(), Future[str])
        assert_type(cluster.any_name(), Future[str])
        assert_type(cluster.default_name(), Future[str])
        assert_type(cluster.count("ann"), tuple[Future[int], ...])
        assert_type(cluster.count(), tuple[Future[dict[str, int]], ...])
        process = cluster.members[0]
        assert_type(process, ShardProcess)
        assert_type(process.name_of(), Future[str])
        assert_type(process.count("ann"), Future[int])
        assert_type(process.reload(), None)

        table: TableCluster[str, int] = TableCluster.spawn(2, 0)
        table.put("k", 1)
        assert_type(table.get("k"), Future[int])
        assert_type(table.size(), tuple[Future[int], ...])

        odd = OddCluster.spawn(2)
        odd.tuple()
        assert_type(odd.calls_so_far(), tuple[Future[int], ...])


async def use_async(cluster: ShardCluster) -> list[str]:
    return [await reply for reply in cluster.name_of()]
