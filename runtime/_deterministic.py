"""`DeterministicRuntime`: every handler on the calling thread, in an order drawn from a seed.

A backend for tests (see docs/testing.md). Processes that have work wait in a ready
queue; each *step* draws one of them with the runtime's own `random.Random(seed)` and
lets it handle one message (more only while nothing else is ready). Nothing runs by
itself: the program drives the scheduler whenever it waits, and only then —

- `future.result()` and ``await future`` run steps until the reply is there;
- `cluster.join()` runs steps until the cluster's work is done;
- a send to a full queue with ``when_full="block"`` runs steps until there is room;
- `run_until_idle()` runs steps until no process has work; leaving ``with runtime:``
  drains the same way.

When nothing runnable can complete what the caller waits for, the wait raises
`UsageError` naming who waits on whom (with a `timeout`, the wait ends as it would on
the thread runtime: `TimeoutError`, `QueueFull`). So a deadlock is reported, never hung.

The same seed gives the same order of handled messages on every run of the same
program: the draws are the only choice the scheduler makes, and key-affinity routing
hashes str, bytes, numbers, enums and tuples of them without `hash()`'s per-run salt.

A handler that waits (on a reply, a join, room in a queue) runs the scheduler inside
itself: the other processes' handlers run further down the same thread's stack. So a
wait can only be completed by handlers that are not themselves in the middle of a
handler further up the stack; waits that need one of those are reported as deadlocks,
though threads might have got through them. Blocking calls in handlers (`time.sleep`, a
socket) block the one thread everything runs on: that is the test's business.
"""

from __future__ import annotations

import enum
import hashlib
import random
import time
from collections.abc import Callable
from functools import partial
from queue import Empty
from threading import Condition
from typing import TYPE_CHECKING, Any

from ._core import DRAIN_TIMEOUT, RuntimeCore
from ._current import running
from ._errors import UsageError
from ._failures import ErrorHandler, log_internal
from ._waits import describe_wait, waits
from ._worker import Worker

if TYPE_CHECKING:
    from ._process import ProcessCore

__all__ = ["DeterministicRuntime"]


class ReadyQueue(list[Any]):
    """The processes that have work (and steps left by interrupted sends), in no order
    that matters: the scheduler draws from it. `put` is `list.append`, a C call."""

    put = list.append

    def empty(self) -> bool:
        return not self

    def qsize(self) -> int:
        return len(self)

    def get_nowait(self) -> Any:
        if not self:
            raise Empty
        return self.pop(0)

    def draw(self, rng: random.Random) -> Any:
        index = rng.randrange(len(self))
        self[index], self[-1] = self[-1], self[index]
        return self.pop()


class DeterministicRuntime(RuntimeCore):
    """Run every process on the calling thread, in an order drawn from `seed`.

    ::

        with DeterministicRuntime(seed=3) as runtime:
            counter = CounterProcess.spawn()
            counter.add(1)
            assert counter.total().result() == 1   # runs the scheduler until the reply
            runtime.run_until_idle()                # everything still queued

    `on_error`, `drain_timeout` and `latency_histograms` are as for `Runtime` (the
    histograms hold wall-clock times, which no seed makes repeatable). See the module
    docstring for when handlers run and what is reported instead of a deadlock.
    """

    drives_waits = True

    def __init__(
        self,
        seed: int = 0,
        *,
        name: str = "deterministic",
        on_error: ErrorHandler | None = None,
        drain_timeout: float | None = DRAIN_TIMEOUT,
        latency_histograms: bool = False,
    ) -> None:
        if not isinstance(seed, int):
            raise TypeError(f"seed must be an int, not {type(seed).__name__}")
        self.runq: ReadyQueue = ReadyQueue()
        super().__init__(
            name=name,
            on_error=on_error,
            drain_timeout=drain_timeout,
            latency_histograms=latency_histograms,
        )
        self.seed = seed
        self.steps = 0  # steps run so far: a test can check that work happened
        self._random = random.Random(seed)
        # What the calling thread has run, for `runtime_stats`. One message per step: the
        # next draw decides who goes on.
        self._worker = Worker(self.runq, batch=1)
        self._stack: list[ProcessCore] = []  # handlers running on this thread, outermost first

    def reseed(self, seed: int) -> None:
        """Draw the order from `seed` from now on (as if the runtime had been made with
        it), for tests whose seed is chosen after the runtime exists."""
        self.seed = seed
        self._random.seed(seed)

    def _describe(self) -> str:
        return f"seed={self.seed} "

    @property
    def threads(self) -> int:
        return 1

    def __enter__(self) -> DeterministicRuntime:
        super().__enter__()
        return self

    # -- driving ---------------------------------------------------------------------------

    def run_until_idle(self, max_steps: int | None = None) -> int:
        """Run until no process has work; returns the number of steps run. With
        `max_steps`, raise `UsageError` if the work has not ended after that many (handlers
        that keep sending to each other never go idle)."""
        ran = 0
        while self.runq:
            if max_steps is not None and ran >= max_steps:
                raise UsageError(
                    f"runtime {self.name} still had work after {max_steps} steps: "
                    "its handlers keep sending"
                )
            self._step()
            ran += 1
        return ran

    def _step(self) -> bool:
        """Draw one ready process and let it run; False if none is ready."""
        ready = self.runq
        if not ready:
            return False
        item = ready.draw(self._random)
        self.steps += 1
        if item is None:
            return True
        if item.__class__ is partial:  # a step an interrupted sender could not finish
            self.finish(item)
            return True
        if self.stopping:
            item.abandon()
            return True
        if not item.begin():
            return True
        outer = running.runtime, running.process
        running.runtime, running.process = self, item
        self._stack.append(item)
        try:
            self._handle_one(item)
        except BaseException as error:  # pragma: no cover - settle() delivers errors
            log_internal(f"while running {item!r}", error)
        finally:
            self._stack.pop()
            running.runtime, running.process = outer
            item.end()
        return True

    def _handle_one(self, process: ProcessCore) -> None:
        """One message of `process`, through the steps every non-inline backend uses."""
        outcome = process.handle_next()
        if outcome is not None:
            ns, failed = outcome
            self._worker.add(1, failed, ns)

    def run_until(self, done: Callable[[], bool], timeout: float | None, target: object) -> bool:
        """Run steps until `done()`. When nothing is ready and it is not done: False with
        a `timeout` (the caller's wait times out), else `UsageError` (it never would be).

        The clock plays no part: how long handlers take must not change what happens, or
        a seed would not replay. So a wait whose handlers keep sending for ever does not
        end; `run_until_idle(max_steps=...)` bounds such programs."""
        while not done():
            if not self._step():
                if timeout is not None:
                    return False
                raise UsageError(self._stuck(target))
        return True

    def _stuck(self, target: object) -> str:
        waiter = running.process
        who = waiter.name if waiter is not None else "the caller"
        what = getattr(target, "name", None)
        kind = "cluster" if hasattr(target, "seats") else "process"
        goal = f"{kind} {what}" if what is not None else "room in a full queue"
        text = f"deadlock: {who} waits on {goal}, and no process that could complete it can run"
        handlers = [describe_wait(*wait) for wait in waits() if wait[0].runtime is self]
        if handlers:
            text += f" ({'; '.join(handlers)})"
        upstack = [p.name for p in self._stack if p is not waiter]
        if upstack:
            text += (
                f"; {', '.join(upstack)} {'is' if len(upstack) == 1 else 'are'} in the middle "
                "of a handler further up this thread's stack, which the deterministic runtime "
                "cannot leave before this wait ends"
            )
        return text

    # -- the backend's part of the seam (see `_core`) -------------------------------------

    def wait_for(
        self, condition: Condition, predicate: Callable[[], bool], timeout: float | None
    ) -> bool:
        # One thread: the condition's lock stays held, and re-entrant, while steps run.
        return self.run_until(predicate, timeout, getattr(predicate, "__self__", None))

    def wait_for_room(
        self, room: Condition, roomy: Callable[[], bool], timeout: float | None
    ) -> bool:
        return self.run_until(lambda: self.stopping or roomy(), timeout, None) and not self.stopping

    def key_hash(self, key: object) -> int:
        return stable_hash(key)

    def _wait_quiet(self, timeout: float | None) -> bool:
        # A drain's timeout is real time: it bounds how long leaving the block can take,
        # and whatever it leaves is failed and reported, not run in another order.
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.active and self._step():
            if deadline is not None and time.monotonic() > deadline:
                break
        return not self.active

    def _workers(self) -> list[Worker]:
        return [self._worker]


def stable_hash(key: object) -> int:
    """`hash(key)` where that is the same in every run; str and bytes (whose `hash()`
    changes between runs) by their digest, and enums, tuples and frozensets of them by
    their parts. Equal keys hash equal, as `hash()` requires."""
    if isinstance(key, (int, float, complex)):  # IntEnum too: it equals its int
        return hash(key)
    if isinstance(key, str):  # StrEnum too
        return _digest(key.encode("utf-8", "surrogatepass"))
    if isinstance(key, bytes):
        return _digest(key)
    if isinstance(key, enum.Enum):
        return stable_hash((type(key).__qualname__, key.name))
    if isinstance(key, tuple):
        return hash(tuple(stable_hash(part) for part in key))
    if isinstance(key, frozenset):
        return hash(frozenset(stable_hash(part) for part in key))
    return hash(key)


def _digest(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)
