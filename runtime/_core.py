"""`RuntimeCore`: what every runtime does, whichever backend runs its handlers.

A runtime owns processes and clusters, names them, reports failures, and ends: with or
without draining, within a timeout, failing (never dropping) what it leaves. All of that
is here, once. What a *backend* adds is only where and when a process's handlers run: the
thread pool (`_threads.Runtime`), the calling thread in an order drawn from a seed
(`_deterministic.DeterministicRuntime`). See docs/architecture.md for the seam.

What a backend implements
-------------------------
- `runq`: where processes that have work are put (`put(process)`, a C-level call: a send
  interrupted half-way finishes its step with C calls only) and where a send that could
  not finish leaves the rest of its step as a `functools.partial`. `empty()` says whether
  processes wait for a turn; `get_nowait()` and `qsize()` as for `queue.SimpleQueue`.
- `dedicated_queue(process)`: the run queue of a process that wants a thread of its own;
  `loop_queue(process, cls)`: the run queue of an async process (one with `async def`
  messages), or `UsageError` from a backend that runs no event loop.
- `wait_for(condition, predicate, timeout)`: block the caller, who holds `condition`'s
  lock, until `predicate()`; `wait_for_room(...)`: the same for a sender to a full queue.
- `_wait_quiet(timeout)` (a drain: until no process has work) and
  `_stop_handlers(deadline)` (end the backend's threads, if any).
- `_workers()` and `_pool_counts()`, for `runtime_stats`; `threads`.
- to offer latency histograms, the `latency_histograms` argument, passed on to
  `RuntimeCore.__init__`; the processes then time their messages themselves.
- optionally `instantiate(kind, make, dispatch)`: where a new process's instance is made
  (by default `make()`, here); a backend whose instances live elsewhere (Ray actors)
  returns what stands for it on this side, its options, and the `make` a restart calls.

How a runtime ends (for every backend)
--------------------------------------
- ``shutdown(drain=True, timeout=t)`` waits (up to `t`) until no process has work, then
  stops; ``shutdown(drain=False, timeout=t)`` gives running handlers up to `t` to finish
  their message. Either way whatever is still queued is failed: asks with
  `RuntimeStopped`, tells reported to `on_error`. The call returns within `t` (plus the
  time to fail what is left), and returns True only if nothing was left.
- While a drain runs, only the runtime's own handlers may send (their messages are part
  of the work being drained); sends from other threads raise `RuntimeStopped`. So a
  drain always ends, and `timeout` bounds it even when handlers send to each other
  forever.
- Leaving ``with runtime:`` normally drains for up to `drain_timeout` seconds (default
  `DRAIN_TIMEOUT`); leaving it by an exception (a `KeyboardInterrupt` too) does not run
  queued work: running handlers get `GRACE` seconds, the rest is failed and reported.
- At interpreter exit, every runtime still running ends the same way (see `_exit`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextvars import Token
from functools import partial
from queue import Empty
from types import TracebackType
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from . import _exit
from ._current import entered, handler_runtime, running_process
from ._errors import RuntimeStopped, UsageError
from ._failures import ErrorHandler, Failure, describe, log, log_failure, log_internal
from ._latency import Latency
from ._locks import locked, new_lock, release_held
from ._names import Names
from ._options import ProcessOptions, options_for

if TYPE_CHECKING:
    from ._cluster import ClusterCore
    from ._process import ProcessCore
    from ._worker import Worker

__all__ = ["DRAIN_TIMEOUT", "GRACE", "RuntimeCore"]

# How long running handlers may finish their message when a runtime stops without
# draining: after an exception left `with runtime:`, or a Ctrl-C ended the program.
GRACE = 0.5

# How long leaving `with runtime:`, or the interpreter's exit, waits for queued work by
# default. The environment variable ACTORGEN_DRAIN_TIMEOUT (seconds) sets it for the
# default runtime; `Runtime(drain_timeout=...)` for the others.
DRAIN_TIMEOUT = 60.0

# Tells failed at shutdown are reported to a custom `on_error` one by one until the
# shutdown's deadline, then counted in one log line; the default handler gets one
# summary line for all of them instead of a line each.


class RuntimeCore:
    """The semantics every runtime shares; a backend subclasses it (module docstring)."""

    # A backend that runs handlers on the thread that waits (the deterministic one) says
    # so: futures and joins then run it until what they wait for is done (`run_until`).
    drives_waits = False
    # Set once the backend runs async processes: blocking waits then ask `blocking_wait`.
    loops_in_use = False
    runq: Any  # set by the backend before `RuntimeCore.__init__`

    def __init__(
        self,
        *,
        name: str,
        on_error: ErrorHandler | None,
        drain_timeout: float | None,
        latency_histograms: bool = False,
    ) -> None:
        if drain_timeout is not None and drain_timeout < 0:
            raise ValueError(f"drain_timeout must be >= 0 or None, not {drain_timeout!r}")
        self.name = name
        self.on_error: ErrorHandler = on_error or log_failure
        # Set once, before the first process: its processes stamp and time every message
        # (`_latency`); None keeps the untimed path, which pays nothing for it.
        self.latency: Latency | None = Latency() if latency_histograms else None
        self.drain_timeout = drain_timeout
        # Read without a lock on every send; each is set once and never cleared:
        # `closing` once shutdown begins (senders then ask `refuse`), `stopping` once
        # queued work is being failed, `closed` once the backend has stopped.
        self.closing = False
        self.stopping = False
        self.closed = False
        self.forked = False  # inherited by a child of os.fork(): refuses everything
        self._draining = False
        self._lock = new_lock()  # re-entrant only so that an interrupted send can finish
        self._quiet = threading.Condition(self._lock)
        # Where senders block for room in a full queue, and how many on each (a backend
        # whose senders block their thread: `_wait_on_room`, `_wake_rooms`).
        self._blocked: dict[threading.Condition, int] = {}
        # The processes that are not idle (on a run queue, or running). A set rather than
        # a count: adding and discarding are single, idempotent operations, so a send
        # interrupted half-way can repeat its step, and shutdown can find every process
        # that still has work, however it got there.
        self.active: set[ProcessCore] = set()
        self.names = Names(name)
        self._unhandled = 0  # messages failed with RuntimeStopped, wherever they waited
        self._outcome = False  # what shutdown() returned, for later calls
        self._collecting = False  # shutdown is gathering failed tells to report them
        self._unreported: list[Failure] = []
        # Insertion-ordered (a dict underneath): stats list clusters in the order made.
        self._clusters: WeakKeyDictionary[ClusterCore, None] = WeakKeyDictionary()
        self._token: Token[RuntimeCore | None] | None = None
        self._stopped = 0  # processes stopped for good
        _exit.track(self)

    def __repr__(self) -> str:
        state = (
            "closed"
            if self.closed
            else "stopping"
            if self.stopping
            else "draining"
            if self.closing
            else "running"
        )
        return f"<{type(self).__name__} {self.name} {self._describe()}{state}>"

    def _describe(self) -> str:
        return ""

    @property
    def threads(self) -> int:
        raise NotImplementedError

    def __enter__(self) -> RuntimeCore:
        self._token = entered.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            entered.reset(self._token)
            self._token = None
        self._end(failing=exc_type is not None)

    def _end(self, failing: bool) -> bool:
        """End as the module docstring says: drain for up to `drain_timeout` unless
        `failing`; stop within `GRACE` if failing, or if a Ctrl-C interrupts the drain
        (the `KeyboardInterrupt` is then re-raised). A Ctrl-C during the grace cuts it
        short: what is left is failed and reported at once, and nothing more is raised."""
        if failing:
            return self._stop_soon()
        try:
            return self.shutdown(drain=True, timeout=self.drain_timeout)
        except KeyboardInterrupt:
            self._stop_soon()
            raise

    def _stop_soon(self) -> bool:
        try:
            return self.shutdown(drain=False, timeout=GRACE)
        except KeyboardInterrupt:  # Ctrl-C again: no more grace
            return self._stop_now()

    def _stop_now(self) -> bool:
        """Fail and report what is left without waiting for anyone: a last resort that a
        further Ctrl-C cannot turn into a traceback."""
        try:
            return self.shutdown(drain=False, timeout=0)
        except KeyboardInterrupt:
            return False

    # -- what the backend provides (see the module docstring) -----------------------------

    def instantiate(
        self, kind: str, make: Callable[[], object], dispatch: Callable[[Any, Any], object]
    ) -> tuple[object, ProcessOptions, Callable[[], object]]:
        """Make a new process's instance: (the instance, its options, how to make a fresh
        one when supervision restarts it)."""
        instance = make()
        return instance, options_for(instance), make

    def dedicated_queue(self, process: ProcessCore) -> Any:
        """The run queue of a process that wants a thread of its own."""
        return self.runq

    def loop_queue(self, process: ProcessCore, cls: type) -> Any:
        """The run queue of a process whose class `cls` has `async def` messages: a
        backend without event loops refuses it (at spawn)."""
        raise UsageError(
            f"cannot spawn {process.name}: {cls.__name__} has 'async def' messages, and "
            f"{type(self).__name__} runs no event loop; spawn it on a Runtime (the thread "
            "pool runs async processes on event loops, see docs/asyncio.md)"
        )

    def sender_cannot_block(self) -> bool:
        """Whether a sender on this thread must not block on a full queue (the thread of
        an event loop that runs async processes): its message then waits in line."""
        return False

    def blocking_wait(self, target: Any) -> None:
        """A thread is about to block until `target` (a process or cluster) replies:
        raise `UsageError` if that would block the event loop its handlers need."""

    def wait_for(
        self, condition: threading.Condition, predicate: Callable[[], bool], timeout: float | None
    ) -> bool:
        """Block the caller (who holds `condition`'s lock) until `predicate()`."""
        return condition.wait_for(predicate, timeout)

    def wait_for_room(
        self, room: threading.Condition, roomy: Callable[[], bool], timeout: float | None
    ) -> bool:
        """A sender waits on a full queue (holding `room`'s lock) until `roomy()`, the
        timeout, or shutdown."""
        raise NotImplementedError

    def _wait_on_room(
        self, room: threading.Condition, roomy: Callable[[], bool], timeout: float | None
    ) -> bool:
        """`wait_for_room` for a backend whose senders block their own thread: registered
        in `_blocked`, so that shutdown can wake them (`_wake_rooms`)."""
        with self._lock:
            self._blocked[room] = self._blocked.get(room, 0) + 1
        try:
            return room.wait_for(lambda: self.stopping or roomy(), timeout) and not self.stopping
        finally:
            with self._lock:
                self._blocked[room] -= 1
                if not self._blocked[room]:
                    del self._blocked[room]

    def _wake_rooms(self) -> None:
        """Shutdown: wake every blocked sender at once (they raise `RuntimeStopped`)."""
        with self._lock:
            blocked = list(self._blocked)
        for room in blocked:
            with room:
                room.notify_all()

    def run_until(self, done: Callable[[], bool], timeout: float | None, target: object) -> bool:
        """Backends that `drives_waits`: run handlers until `done()` (False: timed out)."""
        raise NotImplementedError

    def key_hash(self, key: object) -> int:
        """The hash key-affinity routing scores a key by."""
        return hash(key)

    def _wait_quiet(self, timeout: float | None) -> bool:
        """A drain: wait until no process has work (`went_idle` notifies)."""
        with self._quiet:
            return self._quiet.wait_for(lambda: not self.active, timeout)

    def _stop_handlers(self, deadline: float | None) -> bool:
        """Stop running handlers: True if none is still running by `deadline`."""
        return True

    def _workers(self) -> list[Worker]:
        """The workers whose counts `counts` adds up, the retired ones' included."""
        return []

    def _pool_counts(self) -> dict[str, int]:
        return {"pool_threads": 0, "dedicated_threads": 0, "backup_threads_started": 0}

    # -- used by processes and clusters ---------------------------------------------------

    def refuse(self, kind: str, name: str) -> None:
        """A send or spawn while shutdown has begun (`closing`): raise, unless the runtime
        is draining and the caller is one of its handlers, whose sends are part of the
        drain (see the module docstring)."""
        if self.forked:
            if kind == "spawn":
                raise UsageError(
                    f"cannot spawn {name}: the runtime in use was inherited from the parent "
                    "process through os.fork() and has no threads here; spawn outside the "
                    "parent's `with Runtime()` block, or enter a new Runtime in the child"
                )
            raise UsageError(
                f"{kind} {name} belongs to a runtime of the parent process: processes do not "
                "survive os.fork(); spawn new ones in the child"
            )
        spawn = kind == "spawn"
        what = "process" if spawn else kind
        if self.stopping or not self._draining:
            if spawn:
                raise RuntimeStopped(name, what, "was shut down: no process can start")
            raise RuntimeStopped(name, what)
        if handler_runtime() is not self:
            act = "spawn" if spawn else "send"
            raise RuntimeStopped(name, what, f"is draining: only its own handlers may {act}")

    def process_stopped(self, process: ProcessCore, idle: bool) -> None:
        """`process` stopped for good; `idle`: it was not scheduled, so no run follows."""
        try:
            with self._lock:
                self._stopped += 1
        except BaseException:  # interrupted: counted or not, the lock is not left held
            release_held(self._lock)
            raise
        self.names.release(process.name, process)

    def went_idle(self) -> None:
        """A process went idle (it has left `active`): wake a drain once none has work.

        Only while a drain waits: a pool thread does this after every reply it sends
        before it lets go of the interpreter, so it is paid in every ask's round trip. (A
        drain sets `_draining` before it looks at `active`, and a process leaves `active`
        before this reads `_draining`: one of the two sees the other.)"""
        if self._draining and not self.active:
            with self._quiet:
                self._quiet.notify_all()

    def register_cluster(self, cluster: ClusterCore) -> None:
        try:
            with self._lock:
                self._clusters[cluster] = None
        except BaseException:
            release_held(self._lock)
            raise

    def report(self, process: str, message: object, error: BaseException) -> None:
        """Hand a failed or unhandled tell to the error handler, which must not break us.

        While shutdown fails queued work, tells are gathered and reported by shutdown
        itself, within its deadline (see `_report_unhandled`).
        """
        failure = Failure(process, message, error)
        if self._collecting:
            with self._lock:
                if self._collecting:
                    self._unreported.append(failure)
                    return
        self._call_on_error(failure)

    def _call_on_error(self, failure: Failure) -> None:
        try:
            self.on_error(failure)
        except BaseException as broken:  # an error handler must never stop a pool thread
            log.error(
                "the error handler of %r raised %s",
                self,
                describe(broken),
                exc_info=(type(broken), broken, broken.__traceback__),
            )

    def stopped_error(self, name: str, kind: str = "process") -> RuntimeStopped:
        return RuntimeStopped(name, kind)

    def abandoned(self, count: int) -> None:
        """`count` queued messages were failed because the runtime stopped."""
        with self._lock:
            self._unhandled += count

    def finish(self, step: partial[object]) -> None:
        """Run a step that an interrupted send left on the run queue."""
        try:
            step()
        except BaseException as error:  # pragma: no cover - the steps deliver their errors
            log_internal("while finishing an interrupted send", error)

    # -- observing -----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Raw counters for `runtime_stats`, read under the lock (which keeps the list of
        workers still); each worker's counts are one consistent read (`Worker.tally`)."""
        return locked(self._lock, self._counts)

    def _counts(self) -> dict[str, int]:
        handled = failed = busy_ns = 0
        now = time.perf_counter_ns()
        for worker in self._workers():
            worker_handled, worker_failed, worker_busy_ns = worker.counted(now)
            handled += worker_handled
            failed += worker_failed
            busy_ns += worker_busy_ns
        return {
            **self._pool_counts(),
            "processes": self.names.spawned - self._stopped,
            "stopped": self._stopped,
            "scheduled": len(self.active),
            "run_queue": self.runq.qsize(),
            "handled": handled,
            "failed": failed,
            "busy_ns": busy_ns,
        }

    def running_handlers(self) -> list[ProcessCore]:
        """The processes whose handler a thread of ours is running now."""
        workers = locked(self._lock, self._workers)
        return [w.process for w in workers if w.process is not None]

    def clusters(self) -> list[ClusterCore]:
        return locked(self._lock, lambda: list(self._clusters))

    # -- shutting down -------------------------------------------------------------------

    def shutdown(self, drain: bool = True, timeout: float | None = None) -> bool:
        """Stop the runtime. Returns True if every queued message was handled.

        With `drain`, first wait until no process has work left; meanwhile only the
        runtime's own handlers may send. Whatever is still queued after that is failed
        with `RuntimeStopped`: futures get the exception, tells go to `on_error`. Running
        handlers finish their message first. `timeout` bounds the whole call, reporting
        the failed tells included; a handler still running when it expires keeps its
        thread and has its queue failed when it returns. Safe to call more than once,
        and from several threads.
        """
        if self.closed or self.forked:
            return self._outcome
        inside = handler_runtime() is self
        if drain and inside:
            raise UsageError("shutdown(drain=True) from a handler would wait for itself")
        deadline = None if timeout is None else time.monotonic() + timeout
        drained = True
        if drain and not self.stopping:
            with self._lock:
                self._draining = True
                self.closing = True
            drained = self._wait_quiet(timeout)
        with self._lock:
            self.closing = True
            self.stopping = True  # under the lock: no backend thread starts after this
            self._draining = False
            self._collecting = True
        drained = self._stop_handlers(deadline) and drained
        still = [p.name for p in self.running_handlers() if p is not running_process()]
        if still:
            log.warning(
                "runtime %s stopped while %d handler(s) still ran (%s): what they were "
                "handling may not complete",
                self.name,
                len(still),
                ", ".join(still[:5]) + (", ..." if len(still) > 5 else ""),
            )
        if inside and (current := running_process()) is not None:
            current.abandon()  # its thread was not joined: fail its queue now, not later
        self.closed = True
        self.sweep()
        # Work that no run queue holds any more (by name: the same order in every run).
        for process in sorted(self.active, key=lambda p: p.name):
            process.abandon()
            self.active.discard(process)
        for cluster in self.clusters():
            cluster.abandon()
        self._report_unhandled(deadline)
        # Counted where messages are failed: backend threads fail the mailboxes of the
        # processes they were running, which sweep() never sees.
        with self._lock:
            self._outcome = drained and self._unhandled == 0
        return self._outcome

    def _report_unhandled(self, deadline: float | None) -> None:
        """Report the tells shutdown failed: within the deadline, and the default handler
        with one line for all of them rather than one each."""
        with self._lock:
            self._collecting = False
            failures, self._unreported = self._unreported, []
        if not failures:
            return
        if self.on_error is log_failure:
            first = failures[0]
            log.warning(
                "runtime %s stopped: %d tell(s) were not handled (the first: %s to %s)",
                self.name,
                len(failures),
                describe(first.message),
                first.process,
            )
            return
        for done, failure in enumerate(failures):
            if deadline is not None and time.monotonic() > deadline:
                log.warning(
                    "runtime %s stopped: %d more tell(s) were not handled and not reported "
                    "one by one: shutdown's timeout expired",
                    self.name,
                    len(failures) - done,
                )
                return
            self._call_on_error(failure)

    def sweep(self) -> None:
        """Fail the work of processes left on the run queue once the runtime has stopped."""
        while True:
            try:
                process = self.runq.get_nowait()
            except Empty:
                return
            if process is None:
                continue
            if process.__class__ is partial:
                self.finish(process)
            else:
                process.abandon()
                self.active.discard(process)

    def after_fork(self) -> None:
        """In the child of os.fork(): none of our threads exist here; refuse everything."""
        self.forked = True
        self.closing = self.stopping = self.closed = True
        self._lock = new_lock()  # another thread may have held it at the fork
        self._quiet = threading.Condition(self._lock)
