"""Type-checked, never run: a module outside a package."""

from typing_extensions import assert_type

from actorgen.runtime import Future
from counter_actors import CounterCluster, CounterProcess


def use() -> None:
    cluster = CounterCluster([CounterProcess.spawn(), CounterProcess.spawn(5)])
    assert_type(cluster.increment(), Future[int])
    assert_type(cluster.reset(), None)
