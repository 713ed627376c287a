"""`ProcessCore`: one instance, its mailbox, and how it is scheduled on the thread pool.

A process is not a thread. It is IDLE (no work, on no queue, holding no thread) or
SCHEDULED (on the runtime's run queue, or being run by one pool thread). A send to an idle
process schedules it; a pool thread then runs a *batch* of up to `BATCH` messages and
either puts the process back at the end of the run queue (more work: other processes get
their turn first) or lets it go idle.

Where a member's messages come from
-----------------------------------
A process that belongs to clusters has several sources: its own direct mailbox and the
shared queue of each cluster. It takes one message at a time, rotating over the sources
that have work: after a direct message it looks at the next cluster first, and so on. So
a busy cluster cannot starve direct messages, and a flood of direct messages cannot hold
up cluster work that this member would otherwise take.

Before going idle, a member *parks* in each of its clusters (see `_cluster.py`): a parked
member is woken by the next cluster send. Parking happens under the cluster's lock and only
when its queue is empty, so a cluster message can never wait while all members sleep.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from threading import Lock
from typing import TYPE_CHECKING, Any

from ._errors import ProcessStopped
from ._future import Future

if TYPE_CHECKING:
    from ._cluster import ClusterCore
    from ._runtime import Runtime

__all__ = ["BATCH", "Envelope", "ProcessCore"]

# Messages one process may handle before yielding its thread to the next process.
BATCH = 64

# A message and the future of its reply (None for a tell).
Envelope = tuple[Any, "Future[Any] | None"]
Dispatch = Callable[[Any, Any], object]


class ProcessCore:
    """The runtime side of one process. Generated `XProcess` facades wrap one of these."""

    # 100,000s of idle processes are normal: slots keep each one a few hundred bytes,
    # and the mailbox deque (~760 bytes) only exists while there is mail.
    __slots__ = (
        "_clusters",
        "_cursor",
        "_dispatch",
        "_instance",
        "_lock",
        "_mailbox",
        "_notified",
        "_parked",
        "_scheduled",
        "_stopped",
        "busy_ns",
        "failed",
        "handled",
        "name",
        "runtime",
    )

    def __init__(self, runtime: Runtime, name: str, instance: object, dispatch: Dispatch) -> None:
        self.runtime = runtime
        self.name = name
        self.handled = 0
        self.failed = 0
        self.busy_ns = 0
        self._instance = instance
        self._dispatch = dispatch
        self._lock = Lock()
        self._mailbox: deque[Envelope] | None = None
        self._scheduled = False
        self._notified = False
        self._stopped = False
        self._parked = False
        self._clusters: tuple[ClusterCore, ...] = ()
        self._cursor = 0

    def __repr__(self) -> str:
        return f"<process {self.name}>"

    # -- sending -------------------------------------------------------------------------

    def tell(self, message: object) -> None:
        """Queue `message` in the direct mailbox; no reply."""
        self._post((message, None))

    def ask(self, message: object) -> Future[Any]:
        """Queue `message` in the direct mailbox; the future receives the handler's reply."""
        future: Future[Any] = Future()
        self._post((message, future))
        return future

    def _post(self, envelope: Envelope) -> None:
        runtime = self.runtime
        if runtime.stopping:
            raise runtime.stopped_error(self.name)
        with self._lock:
            if self._stopped:
                if runtime.stopping:
                    raise runtime.stopped_error(self.name)
                raise ProcessStopped(self.name, "it was stopped")
            mailbox = self._mailbox
            if mailbox is None:
                mailbox = self._mailbox = deque()
            mailbox.append(envelope)
            if self._scheduled:
                return
            self._scheduled = True
        runtime.schedule(self)

    def wake(self) -> bool:
        """Make sure the process looks at its sources soon. True if it was idle.

        Called by a cluster for a parked member. If the process is already scheduled, the
        `_notified` flag makes it look again before going idle, so no wake-up is lost in
        the window between parking and going idle.
        """
        with self._lock:
            if self._stopped:
                return False
            if self._scheduled:
                self._notified = True
                return False
            self._scheduled = True
        self.runtime.schedule(self)
        return True

    # -- cluster membership ------------------------------------------------------------------

    def join_cluster(self, cluster: ClusterCore) -> None:
        with self._lock:
            # Copy on write: the running thread iterates the tuple without a lock.
            self._clusters = (*self._clusters, cluster)
        # A woken member finds the cluster's work or parks in it: either way it is counted.
        self.wake()

    # -- running (on a pool thread) ----------------------------------------------------------

    def run(self) -> None:
        """Handle up to BATCH messages, then requeue or go idle. One thread at a time."""
        if self._parked:
            self._unpark()
        runtime = self.runtime
        for _ in range(BATCH):
            taken = self._take()
            if taken is None:
                self._sleep()
                return
            self._handle(taken[0], taken[1])
            if runtime.stopping:
                self.abandon()
                return
        runtime.requeue(self)

    def _take(self) -> tuple[Envelope, ClusterCore | None] | None:
        clusters = self._clusters
        if not clusters:
            mailbox = self._mailbox
            return (mailbox.popleft(), None) if mailbox else None
        # Rotate over [direct mailbox, cluster 1, cluster 2, ...], starting after the
        # source of the previous message (see the module docstring).
        sources = len(clusters) + 1
        index = self._cursor
        for _ in range(sources):
            if index == 0:
                mailbox = self._mailbox
                if mailbox:
                    self._cursor = 1
                    return mailbox.popleft(), None
            else:
                cluster = clusters[index - 1]
                envelope = cluster.take()
                if envelope is not None:
                    self._cursor = (index + 1) % sources
                    return envelope, cluster
            index = (index + 1) % sources
        return None

    def _handle(self, envelope: Envelope, cluster: ClusterCore | None) -> None:
        message, future = envelope
        started = time.perf_counter_ns()
        try:
            result = self._dispatch(self._instance, message)
        except BaseException as error:  # delivered to the future or on_error
            # Counters first, so that whoever sees the reply also sees them updated.
            self._count(started, failed=True)
            if future is None:
                self.runtime.report(self.name, message, error)
            else:
                future.set_exception(error)
        else:
            self._count(started, failed=False)
            if future is not None:
                future.set_result(result)
        if cluster is not None:
            cluster.task_done()

    def _count(self, started: int, failed: bool) -> None:
        self.handled += 1
        self.failed += failed
        self.busy_ns += time.perf_counter_ns() - started

    def _sleep(self) -> None:
        """Go idle, unless work arrived; park in every cluster first."""
        for cluster in self._clusters:
            if not cluster.park(self):
                self._parked = True
                self.runtime.requeue(self)
                return
        self._parked = bool(self._clusters)
        with self._lock:
            if self._mailbox or self._notified:
                self._notified = False
                requeue = True
            else:
                self._scheduled = False
                self._mailbox = None
                requeue = False
        if requeue:
            self.runtime.requeue(self)
        else:
            self.runtime.went_idle()

    def _unpark(self) -> None:
        self._parked = False
        for cluster in self._clusters:
            cluster.unpark(self)

    # -- stopping --------------------------------------------------------------------------

    def abandon(self) -> None:
        """The runtime is stopping: fail every queued direct message of this process."""
        with self._lock:
            self._stopped = True
            mailbox, self._mailbox = self._mailbox, None
        if self._parked:
            self._unpark()
        if mailbox:
            self.runtime.abandoned(len(mailbox))
        error = self.runtime.stopped_error(self.name)
        for message, future in mailbox or ():
            if future is None:
                self.runtime.report(self.name, message, error)
            else:
                future.set_exception(error)

    def queued(self) -> int:
        mailbox = self._mailbox
        return len(mailbox) if mailbox else 0
