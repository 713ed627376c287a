"""Pykka: 4 `ThreadingActor`s, the sender going round-robin over them.

Pykka has no shared queue: each actor has its own inbox and thread, so the sender picks an
actor for every message (round-robin here) and work does not rebalance. Two rows, for the
two ways Pykka code sends messages:

- `PykkaProxy`: typed-looking method calls on proxies, ``proxy.foo.defer(a)`` for a tell
  and ``proxy.bar(b)`` (a Pykka future) for an ask — the style closest to actorgen's facades;
- `PykkaRef`: plain messages, ``ref.tell(Foo(a))`` and ``ref.ask(Bar(b), block=False)``,
  handled by ``on_receive`` with a ``match``.

A run ends with one ask per actor: an actor handles its inbox in order, so its reply means
everything sent to it before is done. Ratios to Pykka use the faster row of the two.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle
from typing import Any

import pykka

from ..workload import Totals
from .base import Variant

__all__ = ["PykkaProxy", "PykkaRef"]


@dataclass(frozen=True, slots=True)
class Foo:
    a: int


@dataclass(frozen=True, slots=True)
class Bar:
    b: int


@dataclass(frozen=True, slots=True)
class Job:
    d: float


class PykkaWorker(pykka.ThreadingActor):
    """The workload's worker as a Pykka actor: methods for proxies, `on_receive` for refs."""

    def __init__(self) -> None:
        super().__init__()
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

    def snapshot(self) -> Totals:
        return Totals(self.told, self.tells, self.asked, self.asks, self.jobs, self.slept)

    def on_receive(self, message: Any) -> Any:
        match message:
            case Foo(a):
                self.told += a
                self.tells += 1
                return None
            case Bar(b):
                self.asked += b
                self.asks += 1
                return b + 1
            case Job(d):
                self.job(d)
                return None
            case _:
                return super().on_receive(message)


class PykkaProxy(Variant):
    key = "pykka-proxy"
    label = "Pykka: proxy defer/call, round-robin"

    def __init__(self) -> None:
        self._refs: list[pykka.ActorRef[PykkaWorker]] = []
        self._proxies: list[pykka.ActorProxy[PykkaWorker]] = []
        self._next: cycle[pykka.ActorProxy[PykkaWorker]] = cycle(())

    def start(self, workers: int) -> None:
        self._refs = [PykkaWorker.start() for _ in range(workers)]
        self._proxies = [ref.proxy() for ref in self._refs]
        self._next = cycle(self._proxies)

    def _sync(self) -> None:
        for future in [proxy.snapshot() for proxy in self._proxies]:
            future.get()

    def tell_all(self, values: Sequence[int]) -> None:
        for proxy, value in zip(self._next, values, strict=False):
            proxy.foo.defer(value)
        self._sync()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        futures = [proxy.bar(value) for proxy, value in zip(self._next, values, strict=False)]
        return [future.get() for future in futures]

    def ask_one(self, value: int) -> int:
        result: int = next(self._next).bar(value).get()
        return result

    def run_jobs(self, durations: Sequence[float]) -> None:
        for proxy, d in zip(self._next, durations, strict=False):
            proxy.job.defer(d)
        self._sync()

    def totals(self) -> list[Totals]:
        return [proxy.snapshot().get() for proxy in self._proxies]

    def stop(self) -> None:
        for ref in self._refs:
            ref.stop()


class PykkaRef(PykkaProxy):
    key = "pykka-ref"
    label = "Pykka: ActorRef tell/ask + on_receive, round-robin"

    def __init__(self) -> None:
        super().__init__()
        self._next_ref: cycle[pykka.ActorRef[PykkaWorker]] = cycle(())

    def start(self, workers: int) -> None:
        super().start(workers)
        self._next_ref = cycle(self._refs)

    def tell_all(self, values: Sequence[int]) -> None:
        for ref, value in zip(self._next_ref, values, strict=False):
            ref.tell(Foo(value))
        self._sync()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        futures = [
            ref.ask(Bar(value), block=False)
            for ref, value in zip(self._next_ref, values, strict=False)
        ]
        return [future.get() for future in futures]

    def ask_one(self, value: int) -> int:
        result: int = next(self._next_ref).ask(Bar(value), block=False).get()
        return result

    def run_jobs(self, durations: Sequence[float]) -> None:
        for ref, d in zip(self._next_ref, durations, strict=False):
            ref.tell(Job(d))
        self._sync()
