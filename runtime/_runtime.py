"""`Runtime`: the pool of threads that processes are multiplexed over.

Every process belongs to one runtime. Processes are spawned on the *current* runtime:
the one entered with ``with Runtime(...):``, the one whose handler is running, or else
the default runtime, which starts on first use and drains at interpreter exit.

Pool threads take scheduled processes from one run queue (a `SimpleQueue`, FIFO) and run a
batch of each. A handler that blocks (sleep, I/O) holds its thread for as long as it
blocks; the pool has `threads` threads (default ``min(32, cpu_count + 4)``), so up to that
many handlers can block at once before other processes wait for a thread.
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
    ) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
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
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(threads or _default_threads())
        ]
        for thread in self._threads:
            thread.start()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "stopping" if self.stopping else "running"
        return f"<Runtime {self.name} threads={len(self._threads)} {state}>"

    @property
    def threads(self) -> int:
        return len(self._threads)

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
        with self._lock:
            number = self._names.get(kind, 0) + 1
            self._names[kind] = number
        return f"{kind}-{number}"

    def schedule(self, process: ProcessCore) -> None:
        """An idle process got work: count it and put it on the run queue."""
        with self._lock:
            self._scheduled += 1
        self.runq.put(process)
        if self.closed:
            self.sweep()

    def requeue(self, process: ProcessCore) -> None:
        """A scheduled process has more work: back of the run queue, others go first."""
        self.runq.put(process)
        if self.closed:
            self.sweep()

    def went_idle(self) -> None:
        with self._lock:
            self._scheduled -= 1
            if self._scheduled == 0:
                self._quiet.notify_all()

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

    def _work(self) -> None:
        _current.set(self)
        _running.runtime = self
        runq = self.runq
        while True:
            process = runq.get()
            if process is None:
                return
            if self.stopping:
                process.abandon()
                continue
            _running.process = process
            try:
                process.run()
            except BaseException:  # pragma: no cover - run() delivers handler errors itself
                _log.exception("internal error while running %r", process)
            finally:
                _running.process = None

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
        self.stopping = True
        for _ in self._threads:
            self.runq.put(None)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        drained = drained and not any(
            thread.is_alive()
            for thread in self._threads
            if thread is not threading.current_thread()
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
