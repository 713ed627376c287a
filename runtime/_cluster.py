"""`ClusterCore`: the shared queue where cluster messages wait for a free member.

Distribution is pull-based, as with several consumers of one channel:

- a send appends the message to the cluster's queue; nobody picks a member for it;
- members take from the queue whenever they are free (see `_process.py` for how a member
  shares its time between its own mailbox and its clusters), so a slow member never holds
  work that a free one could run;
- members with nothing to do *park* in the cluster. Each send wakes the member that has
  been parked longest (FIFO), so at light load work still spreads over all members instead
  of going to whichever member idled last. The woken member may find that a busier member
  took the message first; that is harmless.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from threading import Condition, Lock
from typing import TYPE_CHECKING, Any

from ._errors import UsageError
from ._future import Future

if TYPE_CHECKING:
    from ._process import Envelope, ProcessCore
    from ._runtime import Runtime

__all__ = ["ClusterCore"]


class ClusterCore:
    """The runtime side of a cluster. Generated `XCluster` facades wrap one of these."""

    __slots__ = (
        "__weakref__",
        "_all_done",
        "_idle",
        "_lock",
        "_members",
        "_pending",
        "_unfinished",
        "in_flight",
        "name",
        "runtime",
    )

    def __init__(self, name: str, members: Iterable[ProcessCore]) -> None:
        member_list = list(members)
        if not member_list:
            raise ValueError("a cluster needs at least one member process")
        runtime = member_list[0].runtime
        if any(member.runtime is not runtime for member in member_list):
            raise ValueError("all members of a cluster must run on the same runtime")
        if len(set(map(id, member_list))) != len(member_list):
            raise ValueError("a process can appear only once in a cluster")
        self.name = name
        self.runtime: Runtime = runtime
        self.in_flight = 0
        self._lock = Lock()
        self._all_done = Condition(self._lock)
        self._pending: deque[Envelope] = deque()
        self._unfinished = 0
        # Parked members, longest-parked first; an OrderedDict gives O(1) removal too.
        self._idle: OrderedDict[ProcessCore, None] = OrderedDict()
        self._members = tuple(member_list)
        runtime.register_cluster(self)
        for member in member_list:
            member.join_cluster(self)

    def __repr__(self) -> str:
        return f"<cluster {self.name} of {len(self._members)}>"

    @property
    def members(self) -> tuple[ProcessCore, ...]:
        return self._members

    # -- sending -------------------------------------------------------------------------

    def tell(self, message: object) -> None:
        """Queue `message` for whichever member is free first; no reply."""
        self._submit((message, None))

    def ask(self, message: object) -> Future[Any]:
        """Queue `message` for whichever member is free first; returns its reply's future."""
        future: Future[Any] = Future()
        self._submit((message, future))
        return future

    def _submit(self, envelope: Envelope) -> None:
        runtime = self.runtime
        if runtime.stopping:
            raise runtime.stopped_error(self.name)
        with self._lock:
            self._pending.append(envelope)
            self._unfinished += 1
            member = self._idle.popitem(last=False)[0] if self._idle else None
        # A parked member that turns out to be running already (it raced us) is only
        # notified; keep waking until one idle member really starts, or none is parked.
        while member is not None and not member.wake():
            with self._lock:
                member = self._idle.popitem(last=False)[0] if self._idle else None
        if runtime.closed:
            # The runtime stopped while we queued: shutdown may have abandoned this queue
            # already, so fail what nobody will run (abandon is safe to repeat).
            runtime.sweep()
            self.abandon()

    # -- called by members ----------------------------------------------------------------

    def take(self) -> Envelope | None:
        """Hand the oldest queued message to the calling member, or None if there is none."""
        if not self._pending:  # cheap early exit; re-checked under the lock
            return None
        with self._lock:
            if not self._pending:
                return None
            self.in_flight += 1
            return self._pending.popleft()

    def task_done(self) -> None:
        with self._lock:
            self.in_flight -= 1
            self._unfinished -= 1
            if self._unfinished == 0:
                self._all_done.notify_all()

    def park(self, member: ProcessCore) -> bool:
        """Register `member` as idle here, unless work is queued (then return False)."""
        with self._lock:
            if self._pending:
                return False
            self._idle[member] = None
            return True

    def unpark(self, member: ProcessCore) -> None:
        with self._lock:
            self._idle.pop(member, None)

    # -- waiting and stopping ---------------------------------------------------------------

    def join(self, timeout: float | None = None) -> None:
        """Wait until every message sent to the cluster so far has been handled."""
        from ._runtime import running_process

        current = running_process()
        if current is not None and current in self._members:
            raise UsageError(
                f"{current.name} cannot join its own cluster {self.name}: it would wait for itself"
            )
        with self._all_done:
            if not self._all_done.wait_for(lambda: self._unfinished == 0, timeout):
                raise TimeoutError(
                    f"cluster {self.name} still has {self._unfinished} unfinished messages"
                )

    def queued(self) -> int:
        return len(self._pending)

    def abandon(self) -> None:
        """The runtime stopped: fail every message still waiting in the queue."""
        with self._lock:
            pending = list(self._pending)
            self._pending.clear()
            self._unfinished -= len(pending)
            if self._unfinished == 0:
                self._all_done.notify_all()
        if pending:
            self.runtime.abandoned(len(pending))
        error = self.runtime.stopped_error(self.name)
        for message, future in pending:
            if future is None:
                self.runtime.report(self.name, message, error)
            else:
                future.set_exception(error)
