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
(``@async_class(dedicated_thread=True)``), which it holds while it lives.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from types import TracebackType
from typing import TYPE_CHECKING
from weakref import WeakSet

from ._errors import RuntimeStopped, UsageError

if TYPE_CHECKING:
    from ._cluster import ClusterCore
    from ._process import ProcessCore

# How often the monitor looks for blocked pool threads, in seconds. A thread that stays in
# one run for a whole tick while processes wait counts as blocked. While no process has
# work, the monitor looks less often: an idle program should not wake up 200 times a second.
TICK = 0.005
IDLE_TICK = 0.05

__all__ = [
    "Failure",
    "Runtime",
    "current_runtime",
    "default_runtime",
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


def log_failure(failure: Failure) -> None:
    """The default error handler: log to the ``actorgen`` logger with the traceback."""
    _log.error(
        "%s: tell %r failed: %s",
        failure.process,
        failure.message,
        failure.error,
        exc_info=(type(failure.error), failure.error, failure.error.__traceback__),
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

    def __init__(self, queue: SimpleQueue[ProcessCore | None], dedicated: bool) -> None:
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
    `RuntimeStopped`. Nothing queued is ever dropped silently.

    `on_error` receives a `Failure` for every tell whose handler raised (asks deliver the
    exception to their future instead); the default logs it.
    """

    def __init__(
        self,
        threads: int | None = None,
        *,
        name: str = "actorgen",
        on_error: ErrorHandler | None = None,
        max_threads: int | None = None,
    ) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        target = threads or _default_threads()
        if max_threads is not None and max_threads < target:
            raise ValueError(f"max_threads ({max_threads}) must be at least threads ({target})")
        self.name = name
        self.on_error: ErrorHandler = on_error or log_failure
        # Read without a lock on every send: set once, never cleared.
        self.stopping = False
        self.closed = False
        self.runq: SimpleQueue[ProcessCore | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._quiet = threading.Condition(self._lock)
        self._scheduled = 0  # processes that are not idle; 0 means nothing left to do
        self._unhandled = 0  # messages failed with RuntimeStopped, wherever they waited
        self._outcome = False  # what shutdown() returned, for later calls
        self._clusters: WeakSet[ClusterCore] = WeakSet()
        self._token: Token[Runtime | None] | None = None
        self._names: dict[str, int] = {}
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

    def __repr__(self) -> str:
        state = "closed" if self.closed else "stopping" if self.stopping else "running"
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
        self.shutdown(drain=True)

    # -- used by processes and clusters ---------------------------------------------------

    def process_name(self, kind: str) -> str:
        """A readable, unique name for a new process of class `kind`: ``Worker-3``."""
        return self.unique_name(kind, process=True)

    def unique_name(self, kind: str, process: bool = False) -> str:
        with self._lock:
            number = self._names.get(kind, 0) + 1
            self._names[kind] = number
            self._spawned += process
        return f"{kind}-{number}"

    def schedule(self, process: ProcessCore) -> None:
        """An idle process got work: count it and put it on its run queue."""
        with self._lock:
            self._scheduled += 1
        process.queue.put(process)
        if self.closed:
            self.sweep()

    def requeue(self, process: ProcessCore) -> None:
        """A scheduled process has more work: back of the run queue, others go first."""
        process.queue.put(process)
        if self.closed:
            self.sweep()

    def dedicated_queue(self, process: ProcessCore) -> SimpleQueue[ProcessCore | None]:
        """Start a thread of its own for `process`; returns the run queue it serves."""
        queue: SimpleQueue[ProcessCore | None] = SimpleQueue()
        worker = Worker(queue, dedicated=True)
        with self._lock:
            if self.stopping:
                raise self.stopped_error(process.name)
            self._dedicated.append(worker)
            self._start(worker, f"{self.name}-{process.name}")
        return queue

    def process_stopped(self, process: ProcessCore, idle: bool) -> None:
        """`process` stopped for good; `idle`: it was not scheduled, so no run follows."""
        with self._lock:
            self._stopped += 1
        if idle and process.queue is not self.runq:
            process.queue.put(None)  # its own thread has nothing left to run

    def went_idle(self) -> None:
        with self._lock:
            self._scheduled -= 1
            if self._scheduled == 0:
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
        """Hand a failed or unhandled tell to the error handler, which must not break us."""
        try:
            self.on_error(Failure(process, message, error))
        except Exception:
            _log.exception("the error handler of %r raised", self)

    def stopped_error(self, process: str) -> RuntimeStopped:
        return RuntimeStopped(process)

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
                if self.stopping:
                    process.abandon()
                    continue
                _running.process = process
                worker.process = process
                worker.runs += 1
                try:
                    process.run(worker)
                except BaseException:  # pragma: no cover - run() delivers handler errors
                    _log.exception("internal error while running %r", process)
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
        while not self._halt.wait(TICK if self._scheduled else IDLE_TICK):
            if self.runq.empty():
                continue
            with self._lock:
                free = 0
                for worker in self._pool:
                    if worker.process is None or worker.runs != worker.seen:
                        free += 1
                    worker.seen = worker.runs
                if free >= self._target or self.stopping:
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
                "scheduled": self._scheduled,
                "run_queue": self.runq.qsize(),
                "handled": handled,
                "failed": failed,
                "busy_ns": busy_ns,
            }

    def clusters(self) -> list[ClusterCore]:
        with self._lock:
            return list(self._clusters)

    # -- shutting down -------------------------------------------------------------------

    def shutdown(self, drain: bool = True, timeout: float | None = None) -> bool:
        """Stop the runtime. Returns True if every queued message was handled.

        With `drain`, first wait until no process has work left. Whatever is still queued
        after that is failed with `RuntimeStopped`: futures get the exception, tells go to
        `on_error`. Running handlers finish their message first; `timeout` bounds the whole
        call, and a handler still running when it expires keeps its thread (the pool threads
        are daemons) and has its queue failed when it returns. Safe to call more than once.
        """
        if self.closed:
            return self._outcome
        inside = getattr(_running, "runtime", None) is self
        if drain and inside:
            raise UsageError("shutdown(drain=True) from a handler would wait for itself")
        deadline = None if timeout is None else time.monotonic() + timeout
        drained = True
        if drain and not self.stopping:
            with self._quiet:
                drained = self._quiet.wait_for(lambda: self._scheduled == 0, timeout)
        with self._lock:
            self.stopping = True  # under the lock: the monitor starts no thread after this
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
                thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        drained = drained and not any(
            thread.is_alive() for thread in threads if thread is not threading.current_thread()
        )
        if inside and (current := running_process()) is not None:
            current.abandon()  # its thread was not joined: fail its queue now, not later
        self.closed = True
        self.sweep()
        with self._lock:
            clusters = list(self._clusters)
        for cluster in clusters:
            cluster.abandon()
        # Counted where messages are failed: pool threads fail the mailboxes of the
        # processes they were running, which sweep() never sees.
        with self._lock:
            self._outcome = drained and self._unhandled == 0
        return self._outcome

    def sweep(self) -> None:
        """Fail the work of processes left on the run queue once the pool has stopped."""
        while True:
            try:
                process = self.runq.get_nowait()
            except Empty:
                return
            if process is not None:
                process.abandon()


_current: ContextVar[Runtime | None] = ContextVar("actorgen_runtime", default=None)
_running = threading.local()  # .runtime / .process of the pool thread we are on, if any
_default: Runtime | None = None
_default_lock = threading.Lock()


def default_runtime() -> Runtime:
    """The default runtime, started on first use and drained at interpreter exit."""
    global _default
    with _default_lock:
        if _default is None or _default.stopping:
            _default = Runtime(name="actorgen")
            atexit.register(_default.shutdown, True)
        return _default


def current_runtime() -> Runtime:
    """The runtime new processes are spawned on (see the module docstring).

    Inside ``with runtime:`` that is `runtime`, even once it is shut down: spawning on it
    then raises `RuntimeStopped` rather than quietly using another runtime.
    """
    runtime = _current.get()
    return default_runtime() if runtime is None else runtime


def running_process() -> ProcessCore | None:
    """The process whose handler is running on this thread, if any."""
    process: ProcessCore | None = getattr(_running, "process", None)
    return process
