"""Ray: 4 actors behind a `ray.util.ActorPool`, measured only when Ray is installed.

`ActorPool.submit` hands a task to an idle actor and keeps the rest in the driver until
``get_next()`` collects a result, so at most one task per actor is in flight: the pool
balances like a shared queue, but every message is a round trip through Ray's object store
and the actors live in other OS processes. Ray has no fire-and-forget through a pool, so
tells are submitted and their (None) results collected.

Ray is far slower per message than threads, so its tells/asks/latency runs are capped at
`max_messages` (rates are per message, so they stay comparable); the skewed jobs run in
full. Not installed here: the row is then reported as skipped, with the reason.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from ..workload import WORKERS, Totals
from .base import Variant

__all__ = ["RayPool"]


class RayWorker:
    """The workload's worker; wrapped with ``ray.remote`` by `RayPool.open`."""

    def __init__(self) -> None:
        self.told = 0
        self.tells = 0
        self.asked = 0
        self.asks = 0
        self.jobs = 0
        self.slept = 0.0

    def foo(self, a: int) -> None:
        self.told += a
        self.tells += 1

    def bar(self, b: int) -> int:
        self.asked += b
        self.asks += 1
        return b + 1

    def job(self, d: float) -> None:
        started = time.perf_counter()
        time.sleep(d)
        self.slept += time.perf_counter() - started
        self.jobs += 1

    def snapshot(self) -> tuple[int, int, int, int, int, float]:
        return (self.told, self.tells, self.asked, self.asks, self.jobs, self.slept)


def _foo(actor: Any, a: int) -> Any:
    return actor.foo.remote(a)


def _bar(actor: Any, b: int) -> Any:
    return actor.bar.remote(b)


def _job(actor: Any, d: float) -> Any:
    return actor.job.remote(d)


class RayPool(Variant):
    key = "ray-pool"
    label = "Ray: ActorPool of 4 actors"
    max_messages = 2_000

    def __init__(self) -> None:
        self._ray: Any = None
        self._remote_worker: Any = None
        self._actors: list[Any] = []
        self._pool: Any = None
        self._home: str | None = None
        self._saved_home: str | None = None

    def unavailable(self) -> str | None:
        if importlib.util.find_spec("ray") is None:
            return "Ray is not installed (`pip install ray` to add this row)"
        return None

    def open(self) -> None:
        # Ray writes an auth token to ~/.ray and its session files under /tmp/ray: both go
        # to a directory of the run's own, not the user's home, removed at `close`.
        self._home = tempfile.mkdtemp(prefix="agbench-ray")
        self._saved_home = os.environ.get("HOME")
        os.environ["HOME"] = self._home
        ray = self._ray = importlib.import_module("ray")
        ray.init(
            num_cpus=WORKERS,
            include_dashboard=False,
            log_to_driver=False,
            _node_ip_address="127.0.0.1",
            _temp_dir=os.path.join(self._home, "r"),  # short: Ray's socket paths have a limit
        )
        self._remote_worker = ray.remote(RayWorker)

    def close(self) -> None:
        if self._ray is not None:
            self._ray.shutdown()
        if self._home is not None:
            if self._saved_home is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = self._saved_home
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def start(self, workers: int) -> None:
        ray = self._ray
        self._actors = [self._remote_worker.remote() for _ in range(workers)]
        ray.get([actor.snapshot.remote() for actor in self._actors])  # wait until all are up
        self._pool = importlib.import_module("ray.util").ActorPool(self._actors)

    def _drain(self) -> None:
        pool = self._pool
        while pool.has_next():
            pool.get_next_unordered()

    def tell_all(self, values: Sequence[int]) -> None:
        pool = self._pool
        for value in values:
            pool.submit(_foo, value)
        self._drain()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        pool = self._pool
        for value in values:
            pool.submit(_bar, value)
        return [pool.get_next() for _ in values]

    def ask_one(self, value: int) -> int:
        self._pool.submit(_bar, value)
        result: int = self._pool.get_next()
        return result

    def run_jobs(self, durations: Sequence[float]) -> None:
        pool = self._pool
        for d in durations:
            pool.submit(_job, d)
        self._drain()

    def totals(self) -> list[Totals]:
        snapshots = self._ray.get([actor.snapshot.remote() for actor in self._actors])
        return [Totals(*snapshot) for snapshot in snapshots]

    def stop(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        self._pool = None
