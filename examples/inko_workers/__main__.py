"""Run with ``python -m examples.inko_workers`` from the repository root."""

from __future__ import annotations

from actorgen.runtime import Runtime, cluster_stats

from .workers_actors import WorkerCluster, WorkerProcess


def main() -> None:
    with Runtime(threads=2):
        p1 = WorkerProcess.spawn("a")  # arguments are Worker.__init__'s, type-checked
        p2 = WorkerProcess.spawn("b")
        cluster = WorkerCluster([p1, p2])  # a cluster of processes of one async class
        cluster.foo(42)  # exactly one member handles it: the next idle one
        total = cluster.bar(50).result()  # Future[int]
        print(f"cluster.bar(50) replied {total}")
        p1.foo(1)  # members stay directly addressable
        print(f"p2.bar(0) replied {p2.bar(0).result()}")
        cluster.join()  # all cluster work sent so far is done
        for member in cluster_stats(cluster).members:
            print(f"{member.name} handled {member.handled} message(s)")


if __name__ == "__main__":
    main()
