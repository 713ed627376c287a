"""The hand-written pattern actorgen replaces: one `SimpleQueue`, a message enum, N threads.

This is what the Inko proposal describes and the limit actorgen is measured against: frozen
dataclass messages, one shared `queue.SimpleQueue`, and worker threads that each loop
``match q.get()``. An idle worker takes the next message, so the work balances itself.

Three rows use it:

- `Handwritten`: asks carry a `concurrent.futures.Future` for the reply, as such code
  usually does. It is the baseline of every comparison.
- `HandwrittenBareReply`: asks carry the smallest reply that still lets the sender wait (a
  lock released once the value is set). Not a target; it shows what the queue itself costs
  and how much of an ask is the future.
- `HandwrittenDispatch`: the workload's own class behind its generated messages and
  dispatch function, with no runtime. Not a target either: it is what the calling
  convention alone costs.

A run ends with one `Sync` message per worker: each waits at a shared barrier, so once the
sender passes the barrier too, every worker has finished everything sent before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Protocol, cast

from ..worker import Worker
from ..worker_actors import WorkerBarMessage, WorkerFooMessage, WorkerMessage, dispatch_worker
from ..workload import Totals
from .base import Variant

__all__ = ["Handwritten", "HandwrittenBareReply", "HandwrittenDispatch"]


class Reply(Protocol):
    def set_result(self, value: int) -> None: ...


class BareReply:
    """The lightest reply a sender can wait for: one lock, held until the value is set."""

    __slots__ = ("_lock", "value")

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()
        self._lock.acquire()

    def set_result(self, value: int) -> None:
        self.value = value
        self._lock.release()

    def result(self) -> int:
        self._lock.acquire()
        return self.value


@dataclass(frozen=True, slots=True)
class Foo:
    a: int


@dataclass(frozen=True, slots=True)
class Bar:
    b: int
    reply: Reply


@dataclass(frozen=True, slots=True)
class Job:
    d: float


@dataclass(frozen=True, slots=True)
class Sync:
    barrier: threading.Barrier


@dataclass(frozen=True, slots=True)
class Stop:
    pass


Message = Foo | Bar | Job | Sync | Stop


class State:
    """One worker thread's counters."""

    __slots__ = ("asked", "asks", "jobs", "slept", "tells", "told")

    def __init__(self) -> None:
        self.told = 0
        self.tells = 0
        self.asked = 0
        self.asks = 0
        self.jobs = 0
        self.slept = 0.0


def work(queue: SimpleQueue[Message], state: State) -> None:
    """A worker thread: take the next message, whichever kind it is, until Stop."""
    while True:
        match queue.get():
            case Foo(a):
                state.told += a
                state.tells += 1
            case Bar(b, reply):
                state.asked += b
                state.asks += 1
                reply.set_result(b + 1)
            case Job(d):
                started = time.perf_counter()
                time.sleep(d)
                state.slept += time.perf_counter() - started
                state.jobs += 1
            case Sync(barrier):
                barrier.wait()
            case Stop():
                return


class Handwritten(Variant):
    key = "handwritten"
    label = "hand-written: SimpleQueue + match, cf.Future replies"

    def __init__(self) -> None:
        self._queue: SimpleQueue[Message] = SimpleQueue()
        self._states: list[State] = []
        self._threads: list[threading.Thread] = []

    def start(self, workers: int) -> None:
        self._queue = SimpleQueue()
        self._states = [State() for _ in range(workers)]
        self._threads = [
            threading.Thread(target=work, args=(self._queue, state), name=f"handwritten-{i}")
            for i, state in enumerate(self._states)
        ]
        for thread in self._threads:
            thread.start()

    def _sync(self) -> None:
        barrier = threading.Barrier(len(self._threads) + 1)
        for _ in self._threads:
            self._queue.put(Sync(barrier))
        barrier.wait()

    def tell_all(self, values: Sequence[int]) -> None:
        queue = self._queue
        for value in values:
            queue.put(Foo(value))
        self._sync()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        queue = self._queue
        futures: list[Future[int]] = []
        for value in values:
            future: Future[int] = Future()
            queue.put(Bar(value, future))
            futures.append(future)
        return [future.result() for future in futures]

    def ask_one(self, value: int) -> int:
        future: Future[int] = Future()
        self._queue.put(Bar(value, future))
        return future.result()

    def run_jobs(self, durations: Sequence[float]) -> None:
        queue = self._queue
        for d in durations:
            queue.put(Job(d))
        self._sync()

    def totals(self) -> list[Totals]:
        return [Totals(s.told, s.tells, s.asked, s.asks, s.jobs, s.slept) for s in self._states]

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(Stop())
        for thread in self._threads:
            thread.join()


class HandwrittenBareReply(Handwritten):
    key = "handwritten-bare"
    label = "hand-written, bare lock replies (no future)"
    phases = ("asks", "latency")

    def ask_all(self, values: Sequence[int]) -> list[int]:
        queue = self._queue
        replies: list[BareReply] = []
        for value in values:
            reply = BareReply()
            queue.put(Bar(value, reply))
            replies.append(reply)
        return [reply.result() for reply in replies]

    def ask_one(self, value: int) -> int:
        reply = BareReply()
        self._queue.put(Bar(value, reply))
        return reply.result()


class HandwrittenDispatch(Handwritten):
    """The hand-written pattern with actorgen's calling convention and no runtime: the
    workload's `Worker` class, its generated messages and `dispatch_worker`, one shared
    `SimpleQueue`, a `concurrent.futures.Future` beside each ask's message. Not a target:
    it shows what calling a method through the generated dispatch costs on each
    interpreter, which no runtime can take away (on a free-threaded build most of it is
    the reference counts of objects that every worker thread touches: the dispatch
    function, the handler, the message class)."""

    key = "handwritten-dispatch"
    label = "hand-written, handlers as methods behind the generated dispatch"
    phases = ("tells", "asks", "latency")

    def __init__(self) -> None:
        super().__init__()
        self._workers: list[Worker] = []
        self._mail: SimpleQueue[object] = SimpleQueue()

    def start(self, workers: int) -> None:
        self._mail = SimpleQueue()
        self._queue = self._mail  # type: ignore[assignment]  # _sync and stop put there too
        self._workers = [Worker() for _ in range(workers)]
        self._threads = [
            threading.Thread(target=serve, args=(self._mail, worker), name=f"dispatch-{i}")
            for i, worker in enumerate(self._workers)
        ]
        for thread in self._threads:
            thread.start()

    def tell_all(self, values: Sequence[int]) -> None:
        mail = self._mail
        for value in values:
            mail.put(WorkerFooMessage(value))
        self._sync()

    def ask_all(self, values: Sequence[int]) -> list[int]:
        mail = self._mail
        futures: list[Future[int]] = []
        for value in values:
            future: Future[int] = Future()
            mail.put((WorkerBarMessage(value), future))
            futures.append(future)
        return [future.result() for future in futures]

    def ask_one(self, value: int) -> int:
        future: Future[int] = Future()
        self._mail.put((WorkerBarMessage(value), future))
        return future.result()

    def totals(self) -> list[Totals]:
        return [worker.snapshot() for worker in self._workers]


def serve(mail: SimpleQueue[object], worker: Worker) -> None:
    """A worker thread of `HandwrittenDispatch`: tells are bare messages, asks a (message,
    future) pair; Sync and Stop as in `work`."""
    while True:
        item = mail.get()
        if item.__class__ is tuple:
            message, reply = cast("tuple[WorkerMessage, Future[object]]", item)
            reply.set_result(dispatch_worker(worker, message))
        elif item.__class__ is Sync:
            item.barrier.wait()
        elif item.__class__ is Stop:
            return
        else:
            dispatch_worker(worker, cast("WorkerMessage", item))
