"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.workers_actors import WorkerCluster, WorkerFooMessage, WorkerProcess


def misuse(cluster: WorkerCluster, process: WorkerProcess) -> None:
    cluster.foo("42")  # E: Argument 1 to "foo" of "WorkerCluster" has incompatible type "str"; expected "int"
    text: str = cluster.bar(50).result()  # E: Incompatible types in assignment (expression has type "int", variable has type "str")
    cluster.bar(1) + 1  # E: Unsupported operand types for + ("Future[int]" and "int")
    process.bar()  # E: Missing positional argument "b" in call to "bar" of "WorkerProcess"
    WorkerProcess.spawn(1)  # E: Argument 1 to "spawn" of "WorkerProcess" has incompatible type "int"; expected "str"
    WorkerCluster.spawn("two", "a")  # E: Argument 1 to "spawn" of "WorkerCluster" has incompatible type "str"; expected "int"
    WorkerCluster([cluster])  # E: List item 0 has incompatible type "WorkerCluster"; expected "WorkerProcess"
    process.baz(1)  # E: "WorkerProcess" has no attribute "baz"
    message = WorkerFooMessage(a=1)
    message.a = 2  # E: Property "a" defined in "WorkerFooMessage" is read-only
