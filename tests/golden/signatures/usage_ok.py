"""Type-checked, never run: parameter kinds survive generation."""

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.shapes import Unit
from app.shapes_actors import ShapesCluster, ShapesProcess


def use() -> None:
    process = ShapesProcess.spawn(2.0, Unit())
    cluster = ShapesCluster.spawn(2, 2.0, unit=Unit(), limit=3)
    assert_type(process.positional(1), Future[int])
    assert_type(cluster.positional(1, 2, c=3), Future[int])
    cluster.keywords(key="k")
    assert_type(cluster.variadic(1, 2, 3, mode="fast"), Future[list[int]])
    assert_type(cluster.builtin_names(type="t", id=1, bytes=b"", match=True), Future[dict[str, int]])
    assert_type(cluster.forward(Unit(), [Unit()]), Future["Unit | None"])
    assert_type(cluster.get_item(), Future[float])
    cluster.untyped(object())
    cluster.ping()


def use_bags() -> None:
    from app.bags_actors import BagCluster, BagProcess

    bag = BagProcess.spawn()
    BagCluster.spawn(2, [1], tags={"a"})
    assert_type(bag.add(1), Future[list[int]])
    assert_type(bag.add(1, [2]), Future[list[int]])
    assert_type(bag.count("a", {}, "b", "c"), Future[dict[str, int]])
    assert_type(bag.order(limit=3), Future[int])
    assert_type(bag.squares(scale=1), Future[int])
    bag.untyped()
