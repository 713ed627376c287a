"""actorgen: the workload's `Worker` (``suite/worker.py``) behind its generated facades.

Every run has its own explicit `Runtime` with the default pool size, entered while the
workers are spawned, and shut down (drained) by `stop`. Rows:

- `ActorgenCluster`: messages to a `WorkerCluster` of 4 processes, one row per
  distribution strategy in `STRATEGIES`. A tells run ends with ``cluster.join()``.
- `ActorgenDirect`: messages to the 4 `WorkerProcess`es directly, the sender going
  round-robin (no cluster), to show what the cluster adds or saves. A run ends with one
  ask per process: a process handles one sender's messages in order.

Adding a strategy (round-robin, key affinity, broadcast, work stealing) is one entry in
`STRATEGIES`: a label and a function that makes the cluster from its member processes.
Its row then runs every phase, and the `default` one is what the targets compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import cycle

from actorgen.runtime import Future, Runtime

from ..worker_actors import WorkerCluster, WorkerProcess
from ..workload import Totals
from .base import Variant

__all__ = [
    "DEFAULT_CLUSTER",
    "STRATEGIES",
    "ActorgenCluster",
    "ActorgenDirect",
    "Strategy",
    "cluster_key",
    "cluster_variants",
]


@dataclass(frozen=True)
class Strategy:
    """One way of distributing cluster messages, as a row of the results."""

    key: str
    label: str
    make: Callable[[list[WorkerProcess]], WorkerCluster]


STRATEGIES = (
    # The only strategy so far: members pull from the cluster's shared queue.
    Strategy("pull", "pull from the shared queue (default)", WorkerCluster),
)
DEFAULT_STRATEGY = "pull"


class _Actorgen(Variant):
    def __init__(self) -> None:
        self._stack = ExitStack()
        self._members: list[WorkerProcess] = []

    def _start(self, workers: int) -> None:
        self._stack = ExitStack()
        self._stack.enter_context(Runtime(name="bench"))
        self._members = [WorkerProcess.spawn() for _ in range(workers)]

    def _sync(self) -> None:
        for future in [member.snapshot() for member in self._members]:
            future.result()

    def totals(self) -> list[Totals]:
        return [member.snapshot().result() for member in self._members]

    def stop(self) -> None:
        self._stack.close()  # leaves the runtime's block: drains, then shuts down


class ActorgenCluster(_Actorgen):
    """Cluster messages; `strategy` says how the cluster distributes them."""

    def __init__(self, strategy: Strategy) -> None:
        super().__init__()
        self.strategy = strategy
        self.key = cluster_key(strategy.key)
        self.label = f"actorgen cluster: {strategy.label}"
        self._cluster: WorkerCluster | None = None

    @property
    def cluster(self) -> WorkerCluster:
        assert self._cluster is not None, "start() first"
        return self._cluster

    def start(self, workers: int) -> None:
        self._start(workers)
        self._cluster = self.strategy.make(self._members)

    def tell_all(self, values: Sequence[int]) -> None:
        cluster = self.cluster
        for value in values:
            cluster.foo(value)
        cluster.join()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        cluster = self.cluster
        futures = [cluster.bar(value) for value in values]
        return [future.result() for future in futures]

    def ask_one(self, value: int) -> int:
        return self.cluster.bar(value).result()

    def run_jobs(self, durations: Sequence[float]) -> None:
        cluster = self.cluster
        for d in durations:
            cluster.job(d)
        cluster.join()

    def stop(self) -> None:
        super().stop()
        self._cluster = None


def cluster_key(strategy: str) -> str:
    """The results key of the cluster row of `strategy`."""
    return f"actorgen-cluster-{strategy}"


DEFAULT_CLUSTER = cluster_key(DEFAULT_STRATEGY)
"""The row the targets compare: the cluster with the default strategy."""


def cluster_variants() -> list[ActorgenCluster]:
    """One `ActorgenCluster` per strategy, the default first."""
    ordered = sorted(STRATEGIES, key=lambda strategy: strategy.key != DEFAULT_STRATEGY)
    return [ActorgenCluster(strategy) for strategy in ordered]


class ActorgenDirect(_Actorgen):
    key = "actorgen-direct"
    label = "actorgen processes, addressed directly, round-robin"

    def __init__(self) -> None:
        super().__init__()
        self._next: cycle[WorkerProcess] = cycle(())

    def start(self, workers: int) -> None:
        self._start(workers)
        self._next = cycle(self._members)

    def tell_all(self, values: Sequence[int]) -> None:
        for member, value in zip(self._next, values, strict=False):
            member.foo(value)
        self._sync()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        futures: list[Future[int]] = [
            member.bar(value) for member, value in zip(self._next, values, strict=False)
        ]
        return [future.result() for future in futures]

    def ask_one(self, value: int) -> int:
        return next(self._next).bar(value).result()

    def run_jobs(self, durations: Sequence[float]) -> None:
        for member, d in zip(self._next, durations, strict=False):
            member.job(d)
        self._sync()
