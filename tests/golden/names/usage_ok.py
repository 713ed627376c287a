"""Type-checked, never run: colliding names keep working."""

import datetime

from typing_extensions import assert_type

from actorgen.runtime import Future

from app import router
from app.router_actors import RouterCluster, RouterProcess, ShardProcess, ShardProcessProcess


def use() -> None:
    cluster = RouterCluster.spawn(2, "r", 1, 0, range=4)
    process: RouterProcess = RouterProcess.spawn(cls="r", n=1)
    process.route(message="m", instance=1, type="t", id=2)
    assert_type(cluster.process(router.RouterProcess()), Future[str])
    cluster.configure(router.Router.Config())
    today = datetime.date.today()
    cluster.book(today, today, "t", int, ["a"])
    assert_type(process.message(self=1), Future[int])
    assert_type(ShardProcess.spawn(), ShardProcess)
    ShardProcessProcess.spawn(router.ShardProcess())
