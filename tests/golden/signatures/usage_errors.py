"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.shapes import Unit
from app.bags_actors import BagProcess
from app.shapes_actors import ShapesCluster, ShapesProcess


def misuse(cluster: ShapesCluster) -> None:
    cluster.positional(a=1)  # E: Unexpected keyword argument "a" for "positional" of "ShapesCluster"
    cluster.keywords("k")  # E: Too many positional arguments for "keywords" of "ShapesCluster"
    cluster.variadic(1, "x")  # E: Argument 2 to "variadic" of "ShapesCluster" has incompatible type "str"; expected "int"
    ShapesProcess.spawn(scale=1.0, unit=Unit())  # E: Unexpected keyword argument "scale" for "spawn" of "ShapesProcess"
    ShapesProcess.spawn(1.0, Unit(), 3)  # E: Too many positional arguments for "spawn" of "ShapesProcess"


def misuse_bags(bag: BagProcess) -> None:
    bag.add(1, ["x"])  # E: List item 0 has incompatible type "str"; expected "int"
    bag.add(1, into=[2])  # E: Unexpected keyword argument "into" for "add" of "BagProcess"
    bag.order(table={})  # E: Argument "table" to "order" of "BagProcess" has incompatible type "dict[Never, Never]"; expected "OrderedDict[str, int]"
