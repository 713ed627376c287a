"""Type-checked, never run: each marked line must be reported by the type checker."""

from actorgen.runtime import Future

from app.shards_actors import ShardCluster, ShardProcess


def misuse(cluster: ShardCluster, process: ShardProcess) -> None:
    reply: Future[str] = cluster.name_of()  # E: Incompatible types in assignment (expression has type "tuple[Future[str], ...]", variable has type "Future[str]")
    cluster.name_of().result()  # E: "tuple[Future[str], ...]" has no attribute "result"
    replies: tuple[Future[str], ...] = process.name_of()  # E: Incompatible types in assignment (expression has type "Future[str]", variable has type "tuple[Future[str], ...]")
    cluster.visit(1, "/")  # E: Argument 1 to "visit" of "ShardCluster" has incompatible type "int"; expected "str"
    cluster.pages("ann")  # E: Too many positional arguments for "pages" of "ShardCluster"
    count: Future[int] = cluster.count("ann")  # E: Incompatible types in assignment (expression has type "tuple[Future[int], ...]", variable has type "Future[int]")
