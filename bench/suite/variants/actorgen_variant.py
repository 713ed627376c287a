"""actorgen: the workload's `Worker` (``suite/worker.py``) behind its generated facades.

Every run has its own explicit `Runtime` with the default pool size, entered while the
workers are spawned, and shut down (drained) by `stop`. Rows:

- `ActorgenCluster`: messages to a `WorkerCluster` of 4 processes, one row per
  distribution strategy in `STRATEGIES`. A tells run ends with ``cluster.join()``.
- `ActorgenDirect`: messages to the 4 `WorkerProcess`es directly, the sender going
  round-robin (no cluster), to show what the cluster adds or saves. A run ends with one
  ask per process: a process handles one sender's messages in order.

Adding a strategy (key affinity, broadcast, ...) is one entry in `STRATEGIES`: a key, a
label and a function that makes the cluster from its member processes. Its row then runs
every phase. The row of the runtime's default strategy (`DEFAULT_STRATEGY`, read from
`WorkerCluster`'s signature, so the bench follows the runtime) is what the targets compare,
and every other strategy row is compared with it in the report's strategy table.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import cycle
from typing import TYPE_CHECKING, Any

from actorgen.runtime import Future, Runtime

from ..worker_actors import WorkerCluster, WorkerProcess
from ..workload import Totals
from .base import RepeatableFailure, Variant

if TYPE_CHECKING:  # not at run time: bench/runtime_ab.py imports runtimes without it
    from actorgen.runtime import Strategy as RuntimeStrategy

__all__ = [
    "DEFAULT_CLUSTER",
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "ActorgenCluster",
    "ActorgenDirect",
    "MissedWakeup",
    "Strategy",
    "cluster_key",
    "cluster_variants",
]


@dataclass(frozen=True)
class Strategy:
    """One way of distributing cluster messages, as a row of the results."""

    key: str  # the row's key is ``actorgen-cluster-<key>``
    label: str
    make: Callable[[list[WorkerProcess]], WorkerCluster]


def _runtime_strategy(name: RuntimeStrategy, label: str) -> Strategy:
    """A row for the runtime's ``WorkerCluster(members, strategy=name)``."""

    def make(members: list[WorkerProcess]) -> WorkerCluster:
        return WorkerCluster(members, strategy=name)

    return Strategy(name.replace("_", "-"), label, make)


# A runtime from before strategies (bench/runtime_ab.py imports one) has one: balanced.
_PARAMETER = inspect.signature(WorkerCluster.__init__).parameters.get("strategy")
_RUNTIME_DEFAULT: RuntimeStrategy = "balanced" if _PARAMETER is None else _PARAMETER.default

STRATEGIES: tuple[Strategy, ...] = (
    _runtime_strategy("balanced", "balanced: members pull from one shared queue"),
    _runtime_strategy(
        "work_stealing", "work stealing: members in turn, idle ones take others' oldest"
    ),
    _runtime_strategy("round_robin", "round robin: members in turn, no balancing"),
)
DEFAULT_STRATEGY = _RUNTIME_DEFAULT.replace("_", "-")
"""The key of the strategy a `WorkerCluster` uses when given none (the runtime decides);
its row is the one the targets compare, and the one other strategies are compared with."""
if DEFAULT_STRATEGY not in {strategy.key for strategy in STRATEGIES}:  # a new default
    STRATEGIES = (_runtime_strategy(_RUNTIME_DEFAULT, _RUNTIME_DEFAULT), *STRATEGIES)


JOIN_TIMEOUT = 60.0
"""Seconds a cluster run may take to settle after its last send. A full run settles in under
a second (with latency histograms on, `stats_cost.py`'s million tells take about ten);
past this the cluster is stuck or its joiner was never woken, and the run fails on its
own instead of at the harness's `run_timeout`, which ends the whole suite."""


class MissedWakeup(RepeatableFailure):
    """`join()` returned only at its timeout, the cluster idle: nobody woke the joiner.

    A runtime bug, not a figure: the harness notes it and runs the same run again.
    """


def join(cluster: WorkerCluster, timeout: float = JOIN_TIMEOUT) -> None:
    """``cluster.join()``, failing the run if the cluster is stuck or the joiner is never woken.

    `join(timeout)` raises `TimeoutError` if messages are still queued or running at the
    timeout (the run fails); if they are all done by then, it returns as if woken, so a
    wake-up the runtime missed shows only as a join that lasted the whole timeout: that
    raises `MissedWakeup`, and the harness repeats the run.
    """
    started = time.monotonic()
    cluster.join(timeout)
    waited = time.monotonic() - started
    if waited >= timeout:
        raise MissedWakeup(
            f"join() returned only at its {timeout:.0f} s timeout although every message "
            "had been handled: the runtime missed waking the joiner"
        )


class _Actorgen(Variant):
    def __init__(self) -> None:
        self._stack = ExitStack()
        self._members: list[WorkerProcess] = []
        self.runtime: Runtime | None = None  # the runtime of the current run
        # Arguments of that runtime beyond its name (bench/stats_cost.py times messages).
        self.runtime_options: dict[str, Any] = {}

    def _start(self, workers: int) -> None:
        self._stack = ExitStack()
        self.runtime = self._stack.enter_context(Runtime(name="bench", **self.runtime_options))
        self._members = [WorkerProcess.spawn() for _ in range(workers)]

    def _sync(self) -> None:
        for future in [member.snapshot() for member in self._members]:
            future.result()

    def totals(self) -> list[Totals]:
        return [member.snapshot().result() for member in self._members]

    def stop(self) -> None:
        self._stack.close()  # leaves the runtime's block: drains, then shuts down
        self.runtime = None


class ActorgenCluster(_Actorgen):
    """Cluster messages; `strategy` says how the cluster distributes them."""

    def __init__(self, strategy: Strategy) -> None:
        super().__init__()
        self.strategy = strategy
        self.key = cluster_key(strategy.key)
        default = " (default)" if strategy.key == DEFAULT_STRATEGY else ""
        self.label = f"actorgen cluster: {strategy.label}{default}"
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
        join(cluster)

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
        join(cluster)

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
