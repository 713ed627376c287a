"""actorgen's side of the workload: the worker as a plain class marked `@async_class`.

The statements are the ones every variant runs (see `workload`). Its generated facades,
`WorkerProcess` and `WorkerCluster`, are in ``worker_actors.py``; regenerate them with
``.venv/bin/actorgen bench`` after changing this file.
"""

from __future__ import annotations

import time

from actorgen.runtime import async_class

from .workload import Totals


@async_class
class Worker:
    """Keeps the workload's counters."""

    def __init__(self) -> None:
        self.told = 0
        self.tells = 0
        self.asked = 0
        self.asks = 0
        self.jobs = 0
        self.slept = 0.0

    def foo(self, a: int) -> None:
        """Add `a` to this worker's counter (a tell)."""
        self.told += a
        self.tells += 1

    def bar(self, b: int) -> int:
        """Add `b` to this worker's counter and reply ``b + 1`` (an ask)."""
        self.asked += b
        self.asks += 1
        return b + 1

    def job(self, d: float) -> None:
        """Sleep `d` seconds: one job of the skewed workload (a tell)."""
        started = time.perf_counter()
        time.sleep(d)
        self.slept += time.perf_counter() - started
        self.jobs += 1

    def snapshot(self) -> Totals:
        """This worker's counters (an ask; also tells the sender its earlier mail is done)."""
        return Totals(self.told, self.tells, self.asked, self.asks, self.jobs, self.slept)
