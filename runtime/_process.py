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
from collections.abc import Callable, Iterable
from threading import Lock
from typing import TYPE_CHECKING, Any

from ._errors import ProcessStopped
from ._future import Future

if TYPE_CHECKING:
    from ._cluster import ClusterCore
    from ._runtime import Runtime

__all__ = ["BATCH", "Envelope", "ProcessCore", "fail_all"]

# Messages one process may handle before yielding its thread to the next process.
BATCH = 64


# What a queue holds: a tell is its bare message, an ask the tuple (message, future).
# Generated messages are dataclasses, never tuples, so the class tells them apart; a
# tuple costs less to build than any wrapper class on the path that carries every ask.
Envelope = Any


def fail_all(runtime: Runtime, owner: str, envelopes: Iterable[Envelope], error: Exception) -> None:
    """Fail messages that will never be handled: asks on their future, tells to on_error."""
    for envelope in envelopes:
        if envelope.__class__ is tuple:
            envelope[1].set_exception(error)
        else:
            runtime.report(owner, envelope, error)


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
        "handling",
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
        self.handling: ClusterCore | None = None  # whose cluster message is being handled

    def __repr__(self) -> str:
        return f"<process {self.name}>"

    # -- sending -------------------------------------------------------------------------

    def tell(self, message: object) -> None:
        """Queue `message` in the direct mailbox; no reply."""
        self._post(message)

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
        """Handle messages until there are none, then go idle. One thread at a time.

        After every BATCH messages the process goes to the back of the run queue if other
        processes are waiting for a thread. This is the hot path: the take and the
        dispatch are inlined and use locals, because every call here is paid per message.
        """
        if self._parked:
            self._unpark()
        runtime = self.runtime
        dispatch = self._dispatch
        instance = self._instance
        clusters = self._clusters
        only = clusters[0] if len(clusters) == 1 else None
        cursor = self._cursor
        started = time.perf_counter_ns()
        runq = runtime.runq
        unsaved = 0  # tells handled but not yet added to self.handled
        try:
            budget = BATCH
            while True:
                if not budget:
                    # Yield the thread only to processes that are waiting for one: handing
                    # a busy member to another thread costs an OS wake-up for nothing.
                    if not runq.empty():
                        runtime.requeue(self)
                        return
                    budget = BATCH
                    # Keep the stats fresh while a process runs on and on.
                    self.handled += unsaved
                    unsaved = 0
                    now = time.perf_counter_ns()
                    self.busy_ns += now - started
                    started = now
                budget -= 1
                # Rotate over [direct mailbox, cluster 1, cluster 2, ...], starting after
                # the source of the previous message (see the module docstring).
                envelope: Envelope | None = None
                cluster: ClusterCore | None = None
                if only is not None:
                    # The common case, a member of one cluster: the same rotation as
                    # below without its loop, which costs more than the take itself.
                    mailbox = self._mailbox
                    pending = only.pending
                    if mailbox and (cursor == 0 or not pending):
                        envelope = mailbox.popleft()
                        cursor = 1
                    elif pending:
                        self.handling = only  # mark before taking: join() relies on it
                        try:
                            envelope = pending.popleft()
                            cluster = only
                            cursor = 0
                        except IndexError:  # another member took the last one
                            self.handling = None
                            if mailbox:
                                envelope = mailbox.popleft()
                                cursor = 1
                elif not clusters:
                    mailbox = self._mailbox
                    if mailbox:
                        envelope = mailbox.popleft()
                else:
                    envelope, cluster, cursor = self._take_rotating(clusters, cursor)
                if envelope is None:
                    self._sleep()
                    return
                if envelope.__class__ is tuple:
                    message, future = envelope
                else:
                    message = envelope
                    future = None
                try:
                    result = dispatch(instance, message)
                except BaseException as error:  # delivered to the future or on_error
                    # Counters first, so that whoever sees the reply sees them updated.
                    self.handled += unsaved + 1
                    unsaved = 0
                    self.failed += 1
                    if future is None:
                        runtime.report(self.name, message, error)
                    else:
                        future.set_exception(error)
                else:
                    if future is None:
                        unsaved += 1  # a local: cheaper than the attribute, saved below
                    else:
                        self.handled += unsaved + 1
                        unsaved = 0
                        future.set_result(result)
                if cluster is not None:
                    self.handling = None
                    # Joiners wait for an empty queue: waking them earlier only costs.
                    if cluster.joiners and not cluster.pending:
                        cluster.notify_joiners()
                if runtime.stopping:
                    self.abandon()
                    return
        finally:
            self.handled += unsaved
            self._cursor = cursor
            self.busy_ns += time.perf_counter_ns() - started

    def _take_rotating(
        self, clusters: tuple[ClusterCore, ...], cursor: int
    ) -> tuple[Envelope | None, ClusterCore | None, int]:
        """The next message of a member of several clusters, and the next cursor."""
        sources = len(clusters) + 1
        for _ in range(sources):
            if cursor == 0:
                cursor = 1
                mailbox = self._mailbox
                if mailbox:
                    return mailbox.popleft(), None, cursor
            else:
                cluster = clusters[cursor - 1]
                cursor = (cursor + 1) % sources
                pending = cluster.pending
                if pending:
                    self.handling = cluster  # mark before taking: join() relies on it
                    try:
                        return pending.popleft(), cluster, cursor
                    except IndexError:  # another member took the last one
                        self.handling = None
        return None, None, cursor

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
        if mailbox:
            fail_all(self.runtime, self.name, mailbox, self.runtime.stopped_error(self.name))

    def queued(self) -> int:
        mailbox = self._mailbox
        return len(mailbox) if mailbox else 0
