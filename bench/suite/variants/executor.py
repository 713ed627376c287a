"""`concurrent.futures.ThreadPoolExecutor.submit` with 4 threads and stateless functions.

The functions keep no state of their own: each pool thread gets its counters from a
`threading.local` filled in by the executor's `initializer`, which is how per-worker state
is usually kept with an executor. Every `submit` makes a `concurrent.futures.Future`, so a
tell costs what an ask costs; tells simply drop their futures. Work is taken from the
executor's one shared queue, like the hand-written pattern. A run ends with one task per
thread waiting at a barrier (`start` makes sure all four threads exist).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from ..workload import Totals
from .base import Variant
from .handwritten import State

__all__ = ["Executor"]

_local = threading.local()


def _init(states: list[State], lock: threading.Lock) -> None:
    _local.state = state = State()
    with lock:
        states.append(state)


def foo(a: int) -> None:
    state: State = _local.state
    state.told += a
    state.tells += 1


def bar(b: int) -> int:
    state: State = _local.state
    state.asked += b
    state.asks += 1
    return b + 1


def job(d: float) -> None:
    state: State = _local.state
    started = time.perf_counter()
    time.sleep(d)
    state.slept += time.perf_counter() - started
    state.jobs += 1


class Executor(Variant):
    key = "executor"
    label = "ThreadPoolExecutor.submit, stateless functions"

    def __init__(self) -> None:
        self._states: list[State] = []
        self._workers = 0
        self._pool: ThreadPoolExecutor | None = None

    @property
    def pool(self) -> ThreadPoolExecutor:
        assert self._pool is not None, "start() first"
        return self._pool

    def start(self, workers: int) -> None:
        self._states = []
        self._workers = workers
        self._pool = ThreadPoolExecutor(
            workers, initializer=_init, initargs=(self._states, threading.Lock())
        )
        self._sync()  # the executor starts threads lazily: this starts all of them

    def _sync(self) -> None:
        pool = self.pool
        barrier = threading.Barrier(self._workers + 1)
        for _ in range(self._workers):
            pool.submit(barrier.wait)
        barrier.wait()

    def tell_all(self, values: Sequence[int]) -> None:
        pool = self.pool
        for value in values:
            pool.submit(foo, value)
        self._sync()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        pool = self.pool
        futures = [pool.submit(bar, value) for value in values]
        return [future.result() for future in futures]

    def ask_one(self, value: int) -> int:
        return self.pool.submit(bar, value).result()

    def run_jobs(self, durations: Sequence[float]) -> None:
        pool = self.pool
        for d in durations:
            pool.submit(job, d)
        self._sync()

    def totals(self) -> list[Totals]:
        return [Totals(s.told, s.tells, s.asked, s.asks, s.jobs, s.slept) for s in self._states]

    def stop(self) -> None:
        self.pool.shutdown(wait=True)
        self._pool = None
