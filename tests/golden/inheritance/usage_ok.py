"""Type-checked, never run: inherited messages on both facades."""

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.counters_actors import CounterCluster, CounterProcess


def use() -> None:
    counter = CounterProcess.spawn(5)
    assert_type(counter.add(), Future[int])
    assert_type(counter.name(), Future[str])
    counter.reset()
    cluster = CounterCluster.spawn(2, start=1)
    assert_type(cluster.total_of(3), Future[int])
    cluster.reset()
