"""`Runtime`: the pool of threads that processes are multiplexed over.

Every process belongs to one runtime. Processes are spawned on the *current* runtime:
the one entered with ``with Runtime(...):``, the one whose handler is running, or else
the default runtime, which starts on first use and drains at interpreter exit.

Pool threads take scheduled processes from one run queue (a `SimpleQueue`, FIFO) and run a
batch of each. The pool has `threads` threads (default ``min(32, cpu_count + 4)``).

Blocking handlers
-----------------
A handler that blocks (sleep, socket I/O, a long computation) holds its thread while it
blocks. So that it cannot starve other processes, a monitor thread looks at the pool every
`TICK` seconds: when processes wait for a thread while fewer than `threads` pool threads
are free (one that stayed inside the same run for a whole tick is blocked), it starts a
*backup thread* for every waiting process (as Inko's backup threads do), up to
`max_threads` in all. When the blocked handlers
return, threads beyond `threads` retire as soon as they are free. A process whose handlers
block most of the time can also ask for a thread of its own
(``@async_class(dedicated_thread=True)``), which it holds while it lives. The monitor
starts no thread while the interpreter is busy: the program's threads were running, or
ready to run, for half or more of what the interpreter can run in a tick (one thread under
the GIL; on Linux read from each thread's scheduler statistics, elsewhere from the process's
CPU time), or the monitor itself was woken a tick late. Threads stuck in long runs are
then working, not blocked, and more threads could only contend.

How a runtime ends
------------------
- ``shutdown(drain=True, timeout=t)`` waits (up to `t`) until no process has work, then
  stops; ``shutdown(drain=False, timeout=t)`` gives running handlers up to `t` to finish
  their message. Either way whatever is still queued is failed: asks with
  `RuntimeStopped`, tells reported to `on_error`. The call returns within `t` (plus the
  time to fail what is left), and returns True only if nothing was left.
- While a drain runs, only the runtime's own handlers may send (their messages are part
  of the work being drained); sends from other threads raise `RuntimeStopped`. So a
  drain always ends, and `timeout` bounds it even when handlers send to each other
  forever.
- Leaving ``with Runtime():`` normally drains for up to `drain_timeout` seconds (default
  `DRAIN_TIMEOUT`); leaving it by an exception (a `KeyboardInterrupt` too) does not run
  queued work: running handlers get `GRACE` seconds, the rest is failed and reported.
- At interpreter exit every runtime still running (the default one, and any the program
  made and never shut down) ends the same way: drained for up to its `drain_timeout` after
  a normal end of the program (`sys.exit()` included), stopped within `GRACE` when the
  program ends with an uncaught exception, such as the `KeyboardInterrupt` of a Ctrl-C.
  A Ctrl-C while the exit drain waits stops it the same way, and a further one returns at
  once; neither prints a traceback.
- After `os.fork()` the child has none of the parent's threads: the runtimes it inherits
  refuse every send and spawn with `UsageError`, and a new default runtime starts in the
  child on first use. Futures of asks sent before the fork never complete in the child.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import partial
from queue import Empty, SimpleQueue
from types import TracebackType
from typing import TYPE_CHECKING, Any
from weakref import WeakSet, ref

from ._errors import RuntimeStopped, UsageError
from ._locks import new_lock

if TYPE_CHECKING:
    from ._cluster import ClusterCore
    from ._process import ProcessCore

# How often the monitor looks for blocked pool threads, in seconds. A thread that stays in
# one run for a whole tick while processes wait counts as blocked. While no process has
# work, the monitor looks less often: an idle program should not wake up 200 times a second.
TICK = 0.005
IDLE_TICK = 0.05
# A program whose threads were running (or ready to run) for this share of what the
# interpreter can run at once in a tick kept it busy.
SATURATED = 0.5

# How long running handlers may finish their message when a runtime stops without
# draining: after an exception left `with Runtime():`, or a Ctrl-C ended the program.
GRACE = 0.5

# How long leaving `with Runtime():`, or the interpreter's exit, waits for queued work by
# default. The environment variable ACTORGEN_DRAIN_TIMEOUT (seconds) sets it for the
# default runtime; `Runtime(drain_timeout=...)` for the others.
DRAIN_TIMEOUT = 60.0

# Tells failed at shutdown are reported to a custom `on_error` one by one until the
# shutdown's deadline, then counted in one log line; the default handler gets one
# summary line for all of them instead of a line each.

__all__ = [
    "DRAIN_TIMEOUT",
    "GRACE",
    "Failure",
    "Runtime",
    "current_runtime",
    "default_runtime",
    "describe",
    "log_failure",
    "running_process",
]

_log = logging.getLogger("actorgen")


@dataclass(frozen=True)
class Failure:
    """A tell whose handler raised, or that will never be handled; given to `on_error`."""

    process: str
    message: object
    error: BaseException


ErrorHandler = Callable[[Failure], object]


def describe(value: object, text: Callable[[object], str] = repr) -> str:
    """`repr(value)` (or `text(value)`), or a stand-in if that raises: the runtime's own
    reporting must never fail because of a user's `__repr__` or `__str__`."""
    try:
        return text(value)
    except BaseException:
        return f"<{type(value).__name__} whose {text.__name__}() raised>"


def log_failure(failure: Failure) -> None:
    """The default error handler: log to the ``actorgen`` logger with the traceback."""
    error = failure.error
    _log.error(
        "%s: tell %s failed: %s",
        failure.process,
        describe(failure.message),
        describe(error, str),
        exc_info=(type(error), error, error.__traceback__),
    )


def _default_threads() -> int:
    return min(32, (os.cpu_count() or 1) + 4)


class Worker:
    """One thread that runs processes, and what it has done (for `runtime_stats`)."""

    __slots__ = (
        "base_failed",
        "base_handled",
        "busy_ns",
        "dedicated",
        "failed",
        "handled",
        "process",
        "queue",
        "runs",
        "seen",
        "since_ns",
        "thread",
    )

    def __init__(self, queue: SimpleQueue[Any], dedicated: bool) -> None:
        self.queue = queue
        self.dedicated = dedicated
        self.process: ProcessCore | None = None  # the one being run, if any
        self.runs = 0  # runs started; the monitor compares it between ticks
        self.seen = 0
        # Where the running process's counts stood when its run started, and when.
        self.base_handled = 0
        self.base_failed = 0
        self.since_ns = 0
        self.handled = 0
        self.failed = 0
        self.busy_ns = 0
        self.thread: threading.Thread | None = None


class Runtime:
    """A pool of threads that runs processes; use it as a context manager for control.

    ::

        with Runtime(threads=4) as runtime:   # processes spawned in here run on it
            pool = WorkerCluster.spawn(4, "w")
            ...
        # leaving the block drains: every message already sent is handled

    `shutdown(drain=True)` waits until every queued message (including the ones handlers
    send meanwhile) is handled; `shutdown(drain=False)` lets running handlers finish and
    fails everything still queued with `RuntimeStopped`. Sends after shutdown raise
    `RuntimeStopped`. Nothing queued is ever dropped silently. How leaving the block, an
    exception, a Ctrl-C and the interpreter's exit end a runtime: see the module docstring.

    `on_error` receives a `Failure` for every tell whose handler raised (asks deliver the
    exception to their future instead); the default logs it. `drain_timeout` bounds the
    drain when the block is left or the interpreter exits (None: no bound).
    """

    def __init__(
        self,
        threads: int | None = None,
        *,
        name: str = "actorgen",
        on_error: ErrorHandler | None = None,
        max_threads: int | None = None,
        drain_timeout: float | None = DRAIN_TIMEOUT,
    ) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        target = threads or _default_threads()
        if max_threads is not None and max_threads < target:
            raise ValueError(f"max_threads ({max_threads}) must be at least threads ({target})")
        if drain_timeout is not None and drain_timeout < 0:
            raise ValueError(f"drain_timeout must be >= 0 or None, not {drain_timeout!r}")
        self.name = name
        self.on_error: ErrorHandler = on_error or log_failure
        self.drain_timeout = drain_timeout
        # Read without a lock on every send; each is set once and never cleared:
        # `closing` once shutdown begins (senders then ask `refuse`), `stopping` once
        # queued work is being failed, `closed` once the pool has stopped.
        self.closing = False
        self.stopping = False
        self.closed = False
        self.forked = False  # inherited by a child of os.fork(): refuses everything
        self._draining = False
        self.runq: SimpleQueue[Any] = SimpleQueue()
        self._lock = new_lock()  # re-entrant only so that an interrupted send can finish
        self._quiet = threading.Condition(self._lock)
        # The processes that are not idle (on a run queue, or running). A set rather than
        # a count: adding and discarding are single, idempotent operations, so a send
        # interrupted half-way can repeat its step, and shutdown can find every process
        # that still has work, however it got there.
        self.active: set[ProcessCore] = set()
        self._unhandled = 0  # messages failed with RuntimeStopped, wherever they waited
        self._outcome = False  # what shutdown() returned, for later calls
        self._collecting = False  # shutdown is gathering failed tells to report them
        self._unreported: list[Failure] = []
        self._clusters: WeakSet[ClusterCore] = WeakSet()
        self._token: Token[Runtime | None] | None = None
        self._names: dict[str, int] = {}
        # Names users gave to live processes (None: reserved, the process is being made).
        self._named: dict[str, ref[ProcessCore] | None] = {}
        self._target = target  # pool threads that should be free to run processes
        self._max_threads = max_threads or max(256, target)
        self._pool: list[Worker] = []  # pool threads, backups included
        self._dedicated: list[Worker] = []  # threads of processes that have their own
        self._retired = Worker(self.runq, dedicated=False)  # the counts of threads that ended
        self._blocked: dict[threading.Condition, int] = {}  # where senders wait for room
        self._spawned = 0  # processes spawned, ever
        self._stopped = 0  # processes stopped for good
        self._backups = 0  # backup threads started, ever
        self._started = 0  # pool threads started, ever: numbers their names
        with self._lock:
            for _ in range(target):
                self._start_pool_thread()
        self._halt = threading.Event()  # set by shutdown: the monitor ends at once
        self._monitor = threading.Thread(target=self._watch, name=f"{name}-monitor", daemon=True)
        self._monitor.start()
        _live.add(self)
        _hook_uncaught_exceptions()

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
        return f"<Runtime {self.name} threads={self._target} {state}>"

    @property
    def threads(self) -> int:
        """The pool size asked for; backup threads come on top while handlers block."""
        return self._target

    def __enter__(self) -> Runtime:
        self._token = _current.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
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

    # -- used by processes and clusters ---------------------------------------------------

    def process_name(self, kind: str, pattern: str | None = None) -> str:
        """A unique name for a new process of class `kind`: ``Worker-3``, or `pattern`
        with its ``{}`` replaced by the next number for that pattern."""
        return self.unique_name(pattern or kind, process=True)

    def claim_name(self, name: str) -> None:
        """Reserve a name the user gave; `UsageError` if a live process has it."""
        with self._lock:
            for kind, count in self._names.items():
                number = _number_in(name, kind)
                if number is not None and 1 <= number <= count:
                    raise UsageError(
                        f"{name!r} is the name of a process the runtime numbered itself "
                        f"({kind!r}); give this one another name"
                    )
            if name in self._named:
                holder = self._named[name]
                process = holder() if holder is not None else None
                if holder is None or (process is not None and not process.stopped):
                    raise UsageError(
                        f"a process named {name!r} is already running on runtime {self.name}; "
                        "names must be unique (put '{}' in the name to number them)"
                    )
            self._named[name] = None  # reserved while the process is being made
            self._spawned += 1

    def release_name(self, name: str, process: ProcessCore | None) -> None:
        """Free `name` if it is still reserved for `process` (None: still being made)."""
        with self._lock:
            if name not in self._named:
                return
            holder = self._named[name]
            if process is None and holder is None:
                del self._named[name]
                self._spawned -= 1
            elif process is not None and holder is not None and holder() is process:
                del self._named[name]

    def unique_name(self, kind: str, process: bool = False) -> str:
        """``kind-<n>``, or `kind` with ``{}`` replaced by `n`: the next number for `kind`
        whose name no process the user named has taken."""
        with self._lock:
            number = self._names.get(kind, 0)
            while True:
                number += 1
                name = kind.replace("{}", str(number)) if "{}" in kind else f"{kind}-{number}"
                if name not in self._named:
                    break
            self._names[kind] = number
            self._spawned += process
        return name

    def named(self, process: ProcessCore) -> None:
        """`process` was given its name by the user: keep it taken while the process lives."""
        with self._lock:
            self._named[process.name] = ref(process)

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
        if _running.runtime is not self:
            act = "spawn" if spawn else "send"
            raise RuntimeStopped(name, what, f"is draining: only its own handlers may {act}")

    def dedicated_queue(self, process: ProcessCore) -> SimpleQueue[Any]:
        """Start a thread of its own for `process`; returns the run queue it serves."""
        queue: SimpleQueue[Any] = SimpleQueue()
        worker = Worker(queue, dedicated=True)
        with self._lock:
            if self.closing:
                raise RuntimeStopped(process.name)
            self._dedicated.append(worker)
            self._start(worker, f"{self.name}-{process.name}")
        return queue

    def process_stopped(self, process: ProcessCore, idle: bool) -> None:
        """`process` stopped for good; `idle`: it was not scheduled, so no run follows."""
        with self._lock:
            self._stopped += 1
        self.release_name(process.name, process)
        if idle and process.queue is not self.runq:
            process.queue.put(None)  # its own thread has nothing left to run

    def went_idle(self) -> None:
        """A process went idle (it has left `active`): wake a drain once none has work.

        Only while a drain waits: a pool thread does this after every reply it sends
        before it lets go of the interpreter, so it is paid in every ask's round trip. (A
        drain sets `_draining` before it looks at `active`, and a process leaves `active`
        before this reads `_draining`: one of the two sees the other.)"""
        if self._draining and not self.active:
            with self._quiet:
                self._quiet.notify_all()

    def wait_for_room(
        self, room: threading.Condition, roomy: Callable[[], bool], timeout: float | None
    ) -> bool:
        """A sender waits on a full queue (holding `room`'s lock) until `roomy()`, the
        timeout, or shutdown, which wakes every blocked sender at once."""
        with self._lock:
            self._blocked[room] = self._blocked.get(room, 0) + 1
        try:
            return room.wait_for(lambda: self.stopping or roomy(), timeout) and not self.stopping
        finally:
            with self._lock:
                self._blocked[room] -= 1
                if not self._blocked[room]:
                    del self._blocked[room]

    def register_cluster(self, cluster: ClusterCore) -> None:
        with self._lock:
            self._clusters.add(cluster)

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
            _log.error(
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

    # -- the pool ------------------------------------------------------------------------

    def _start_pool_thread(self) -> None:
        # Called with the lock held.
        self._new_pool_thread().start()

    def _new_pool_thread(self) -> threading.Thread:
        """A pool thread, counted in the pool but not started yet. Called with the lock."""
        worker = Worker(self.runq, dedicated=False)
        self._pool.append(worker)
        self._started += 1
        return self._thread(worker, f"{self.name}-{self._started - 1}")

    def _start(self, worker: Worker, name: str) -> None:
        self._thread(worker, name).start()

    def _thread(self, worker: Worker, name: str) -> threading.Thread:
        worker.thread = threading.Thread(target=self._work, args=(worker,), name=name)
        worker.thread.daemon = True
        return worker.thread

    def _work(self, worker: Worker) -> None:
        _current.set(self)
        queue = worker.queue
        _running.runtime = self
        try:
            while True:
                process = queue.get()
                if process is None:
                    return
                if process.__class__ is partial:  # a step a sender could not finish
                    self._finish(process)
                    continue
                if self.stopping:
                    process.abandon()
                    continue
                _running.process = process
                worker.process = process
                worker.runs += 1
                try:
                    process.run(worker)
                except BaseException as error:  # pragma: no cover - run() delivers errors
                    _log.error(
                        "internal error while running %r: %s",
                        process,
                        describe(error),
                        exc_info=(type(error), error, error.__traceback__),
                    )
                finally:
                    _running.process = None
                    worker.process = None
                if worker.dedicated:
                    if process.stopped and not process.scheduled:
                        return
                elif len(self._pool) > self._target and self._retire(worker):
                    return
        finally:
            self._leave(worker)

    def _finish(self, step: partial[object]) -> None:
        try:
            step()
        except BaseException as error:  # pragma: no cover - the steps deliver their errors
            _log.error(
                "internal error while finishing an interrupted send: %s",
                describe(error),
                exc_info=(type(error), error, error.__traceback__),
            )

    def _retire(self, worker: Worker) -> bool:
        """A backup thread is no longer needed once more than `threads` are free."""
        with self._lock:
            if len(self._pool) <= self._target or self.stopping:
                return False
            self._pool.remove(worker)
            return True

    def _leave(self, worker: Worker) -> None:
        with self._lock:
            for workers in (self._pool, self._dedicated):
                if worker in workers:
                    workers.remove(worker)
            self._retired.handled += worker.handled
            self._retired.failed += worker.failed
            self._retired.busy_ns += worker.busy_ns

    def _watch(self) -> None:
        """The monitor: start backup threads while pool threads block (module docstring)."""
        # Threads that can run Python at once: one under the GIL, else every core.
        gil = getattr(sys, "_is_gil_enabled", lambda: True)()
        parallel = 1 if gil else os.cpu_count() or 1
        tick = IDLE_TICK
        # What the last tick read (wall clock, the threads' runnable time), if that tick
        # found processes waiting: a decision needs two such ticks in a row.
        last: tuple[int, int] | None = None
        woke = time.perf_counter_ns()
        while not self._halt.wait(tick):
            asked, tick = tick, TICK if self.active else IDLE_TICK
            slept, woke = time.perf_counter_ns() - woke, time.perf_counter_ns()
            if self.runq.empty():
                last = None
                continue
            # Read only now: reading every thread's statistics costs (/proc on Linux).
            now = (woke, _runnable_ns())
            before, last = last, now
            with self._lock:
                free = 0
                for worker in self._pool:
                    if worker.process is None or worker.runs != worker.seen:
                        free += 1
                    worker.seen = worker.runs
                if before is None or free >= self._target or self.closing:
                    continue
                # Threads in long runs are computing, not blocked, if the program's threads
                # kept the interpreter busy, or the monitor itself woke late for want of
                # it: more threads could only contend.
                tick_ns, runnable_ns = now[0] - before[0], now[1] - before[1]
                late = slept > (asked + TICK) * 1e9
                if late or runnable_ns >= SATURATED * tick_ns * parallel:
                    continue
                # Every process waiting now gets a thread, and `threads` stay free: the
                # ones queued behind many blocked handlers wait one tick, not one tick per
                # `threads` of them.
                wanted = self._target - free + self.runq.qsize()
                wanted = min(wanted, self._max_threads - len(self._pool))
                backups = [self._new_pool_thread() for _ in range(wanted)]
                self._backups += len(backups)
            for thread in backups:  # outside the lock: starting a thread takes a while
                thread.start()

    # -- observing -----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Raw counters for `runtime_stats`: one consistent read under the lock."""
        with self._lock:
            workers = [*self._pool, *self._dedicated, self._retired]
            handled = failed = busy_ns = 0
            now = time.perf_counter_ns()
            for worker in workers:
                handled += worker.handled
                failed += worker.failed
                busy_ns += worker.busy_ns
                running = worker.process
                if running is not None:  # a long run: count what it did so far
                    handled += running.handled - worker.base_handled
                    failed += running.failed - worker.base_failed
                    busy_ns += now - worker.since_ns
            return {
                "pool_threads": len(self._pool),
                "dedicated_threads": len(self._dedicated),
                "backup_threads_started": self._backups,
                "processes": self._spawned - self._stopped,
                "stopped": self._stopped,
                "scheduled": len(self.active),
                "run_queue": self.runq.qsize(),
                "handled": handled,
                "failed": failed,
                "busy_ns": busy_ns,
            }

    def running_handlers(self) -> list[ProcessCore]:
        """The processes whose handler a thread of ours is running now."""
        with self._lock:
            workers = [*self._pool, *self._dedicated]
        return [w.process for w in workers if w.process is not None]

    def clusters(self) -> list[ClusterCore]:
        with self._lock:
            return list(self._clusters)

    # -- shutting down -------------------------------------------------------------------

    def shutdown(self, drain: bool = True, timeout: float | None = None) -> bool:
        """Stop the runtime. Returns True if every queued message was handled.

        With `drain`, first wait until no process has work left; meanwhile only the
        runtime's own handlers may send. Whatever is still queued after that is failed
        with `RuntimeStopped`: futures get the exception, tells go to `on_error`. Running
        handlers finish their message first. `timeout` bounds the whole call, reporting
        the failed tells included; a handler still running when it expires keeps its
        thread (the pool threads are daemons) and has its queue failed when it returns.
        Safe to call more than once, and from several threads.
        """
        if self.closed or self.forked:
            return self._outcome
        inside = _running.runtime is self
        if drain and inside:
            raise UsageError("shutdown(drain=True) from a handler would wait for itself")
        deadline = None if timeout is None else time.monotonic() + timeout
        drained = True
        if drain and not self.stopping:
            with self._lock:
                self._draining = True
                self.closing = True
            with self._quiet:
                drained = self._quiet.wait_for(lambda: not self.active, timeout)
        with self._lock:
            self.closing = True
            self.stopping = True  # under the lock: the monitor starts no thread after this
            self._draining = False
            self._collecting = True
            workers = [*self._pool, *self._dedicated]
            blocked = list(self._blocked)
        self._halt.set()
        for room in blocked:  # senders waiting on full queues raise RuntimeStopped now
            with room:
                room.notify_all()
        for worker in workers:
            worker.queue.put(None)
        # A backup thread the monitor has not started yet ends on its own (None is queued).
        threads = [w.thread for w in workers if w.thread is not None and w.thread.ident]
        threads.append(self._monitor)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(_left(deadline))
        drained = drained and not any(
            thread.is_alive() for thread in threads if thread is not threading.current_thread()
        )
        still = [p.name for p in self.running_handlers() if p is not running_process()]
        if still:
            _log.warning(
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
        for process in list(self.active):  # work that no run queue holds any more
            process.abandon()
            self.active.discard(process)
        with self._lock:
            clusters = list(self._clusters)
        for cluster in clusters:
            cluster.abandon()
        self._report_unhandled(deadline)
        # Counted where messages are failed: pool threads fail the mailboxes of the
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
            _log.warning(
                "runtime %s stopped: %d tell(s) were not handled (the first: %s to %s)",
                self.name,
                len(failures),
                describe(first.message),
                first.process,
            )
            return
        for done, failure in enumerate(failures):
            if deadline is not None and time.monotonic() > deadline:
                _log.warning(
                    "runtime %s stopped: %d more tell(s) were not handled and not reported "
                    "one by one: shutdown's timeout expired",
                    self.name,
                    len(failures) - done,
                )
                return
            self._call_on_error(failure)

    def sweep(self) -> None:
        """Fail the work of processes left on the run queue once the pool has stopped."""
        while True:
            try:
                process = self.runq.get_nowait()
            except Empty:
                return
            if process is None:
                continue
            if process.__class__ is partial:
                self._finish(process)
            else:
                process.abandon()
                self.active.discard(process)

    def after_fork(self) -> None:
        """In the child of os.fork(): none of our threads exist here; refuse everything."""
        self.forked = True
        self.closing = self.stopping = self.closed = True
        self._lock = new_lock()  # another thread may have held it at the fork
        self._quiet = threading.Condition(self._lock)


def _runnable_ns() -> int:
    """How long the program's threads have been running or ready to run, in total.

    On Linux, from each thread's schedstat: time on a CPU plus time waiting for one, so a
    loaded machine does not make a busy interpreter look idle (a thread that waits for the
    GIL sleeps, and counts in neither). Elsewhere the process's CPU time.
    """
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return time.process_time_ns()
    total = 0
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/schedstat", "rb") as stat:
                running, waiting = stat.read().split()[:2]
        except (OSError, ValueError):  # the thread ended meanwhile
            continue
        total += int(running) + int(waiting)
    return total


def _number_in(name: str, kind: str) -> int | None:
    """The number in `name` if it has the form `unique_name` gives names of `kind`."""
    prefix, _, suffix = kind.partition("{}") if "{}" in kind else (f"{kind}-", "", "")
    middle = name[len(prefix) : len(name) - len(suffix)]
    ok = name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix)
    return int(middle) if ok and middle.isdigit() else None


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


_current: ContextVar[Runtime | None] = ContextVar("actorgen_runtime", default=None)
class _Running(threading.local):
    """The runtime and process of the pool thread we are on; None on other threads (class
    attributes: reading them there raises nothing, which `Future.result` relies on)."""

    runtime: Runtime | None = None
    process: ProcessCore | None = None


_running = _Running()
_default: Runtime | None = None
_default_lock = threading.Lock()
_live: WeakSet[Runtime] = WeakSet()  # every runtime not yet garbage: ended at exit


def default_runtime() -> Runtime:
    """The default runtime, started on first use and ended at interpreter exit (drained
    for up to ACTORGEN_DRAIN_TIMEOUT seconds, default `DRAIN_TIMEOUT`)."""
    global _default
    with _default_lock:
        if _default is None or _default.closing:
            _default = Runtime(name="actorgen", drain_timeout=_env_drain_timeout())
        return _default


def _env_drain_timeout() -> float | None:
    text = os.environ.get("ACTORGEN_DRAIN_TIMEOUT", "").strip()
    if not text:
        return DRAIN_TIMEOUT
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        _log.warning(
            "ACTORGEN_DRAIN_TIMEOUT=%r is not a number of seconds >= 0 (or 'none'); using %s",
            text,
            DRAIN_TIMEOUT,
        )
        return DRAIN_TIMEOUT
    return value


def current_runtime() -> Runtime:
    """The runtime new processes are spawned on (see the module docstring).

    Inside ``with runtime:`` that is `runtime`, even once it is shut down: spawning on it
    then raises `RuntimeStopped` rather than quietly using another runtime.
    """
    runtime = _current.get()
    return default_runtime() if runtime is None else runtime


def running_process() -> ProcessCore | None:
    """The process whose handler is running on this thread, if any."""
    return _running.process


def _at_exit() -> None:
    """End every runtime still running, as the module docstring says."""
    # The exception that ended the program, if one did (the interpreter sets it before
    # exit handlers run). In an interactive session it is only the last error shown.
    ended_by = None if hasattr(sys, "ps1") else getattr(sys, "last_value", None)
    _end_all(failing=ended_by is not None)


def _end_all(failing: bool) -> None:
    interrupted = False
    for runtime in list(_live):
        if runtime.closed:
            continue
        if interrupted:
            runtime._stop_now()
            continue
        try:
            runtime._end(failing)
        except KeyboardInterrupt:  # Ctrl-C while draining: the others stop at once too
            interrupted = True
    if any(runtime.running_handlers() for runtime in list(_live)):
        # Handlers still run on daemon threads and would hold the interpreter's lock for
        # a switch interval at a time while it finalizes: let it have the lock sooner.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.0005))


def _uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """`sys.excepthook` while a runtime lives: an exception (a Ctrl-C) ends the program, so
    stop the runtimes before printing its traceback, which busy pool threads would
    otherwise slow down, then print it as Python does."""
    if not hasattr(sys, "ps1"):  # an interactive session goes on after an error
        _end_all(failing=True)
    _python_excepthook(kind, error, tb)


_python_excepthook = sys.__excepthook__


def _hook_uncaught_exceptions() -> None:
    """Install `_uncaught`, unless the program has an excepthook of its own."""
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _uncaught


def _after_fork_in_child() -> None:
    global _default, _default_lock
    _default = None
    _default_lock = threading.Lock()
    for runtime in list(_live):
        runtime.after_fork()


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
