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
from ._process import fail_all

if TYPE_CHECKING:
    from ._process import Envelope, ProcessCore
    from ._runtime import Runtime

__all__ = ["ClusterCore"]


class ClusterCore:
    """The runtime side of a cluster. Generated `XCluster` facades wrap one of these.

    The hot path takes no lock: sends append to a `deque` and members pop from it, both
    atomic under the GIL. The lock guards the parked members and `join`. Two orderings
    keep that safe without it:

    - a send appends *then* looks for parked members; a member parks *then* looks at the
      queue again. Whichever comes second sees the other, so no message waits while every
      member sleeps;
    - a member marks itself as `handling` the cluster *before* it pops a message and clears
      the mark after handling it, so `join` (queue empty *and* no member marked) cannot
      miss a message that is between the queue and its handler.
    """

    __slots__ = (
        "__weakref__",
        "_idle",
        "_joined",
        "_lock",
        "_members",
        "joiners",
        "name",
        "pending",
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
        self.pending: deque[Envelope] = deque()
        self.joiners = 0  # threads waiting in join(); members notify only when non-zero
        self._lock = Lock()
        self._joined = Condition(self._lock)
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
        runtime = self.runtime
        if runtime.stopping:
            raise runtime.stopped_error(self.name)
        self.pending.append(message)
        if self._idle:
            self._wake_one()
        if runtime.closed:
            self.abandon()  # shutdown finished while we appended: fail, never strand

    def ask(self, message: object) -> Future[Any]:
        """Queue `message` for whichever member is free first; returns its reply's future."""
        runtime = self.runtime
        if runtime.stopping:
            raise runtime.stopped_error(self.name)
        future: Future[Any] = Future()
        self.pending.append((message, future))
        if self._idle:
            self._wake_one()
        if runtime.closed:
            self.abandon()
        return future

    def _wake_one(self) -> None:
        # A parked member that turns out to be running already (it raced us) is only
        # notified; keep waking until one idle member really starts, or none is parked.
        while True:
            with self._lock:
                if not self._idle:
                    return
                member = self._idle.popitem(last=False)[0]
            if member.wake():
                return

    # -- called by members ----------------------------------------------------------------

    def park(self, member: ProcessCore) -> bool:
        """Register `member` as idle here, unless work is queued (then return False)."""
        with self._lock:
            self._idle[member] = None
        if self.pending:  # a send may have looked for parked members just before we parked
            self.unpark(member)
            return False
        return True

    def unpark(self, member: ProcessCore) -> None:
        with self._lock:
            self._idle.pop(member, None)

    def notify_joiners(self) -> None:
        with self._lock:
            self._joined.notify_all()

    # -- waiting and stopping ---------------------------------------------------------------

    def join(self, timeout: float | None = None) -> None:
        """Wait until every message sent to the cluster so far has been handled."""
        from ._runtime import running_process

        current = running_process()
        if current is not None and current in self._members:
            raise UsageError(
                f"{current.name} cannot join its own cluster {self.name}: it would wait for itself"
            )
        with self._lock:
            self.joiners += 1
            try:
                done = self._joined.wait_for(self._settled, timeout)
            finally:
                self.joiners -= 1
        if not done:
            raise TimeoutError(
                f"cluster {self.name} still has {self.queued()} queued and "
                f"{self.in_flight()} running messages after {timeout} s"
            )

    def _settled(self) -> bool:
        # The queue first, then the marks: see the class docstring.
        return not self.pending and all(m.handling is not self for m in self._members)

    def queued(self) -> int:
        return len(self.pending)

    def in_flight(self) -> int:
        return sum(m.handling is self for m in self._members)

    def abandon(self) -> None:
        """The runtime stopped: fail every message still waiting in the queue."""
        failed: list[Envelope] = []
        while True:
            try:
                failed.append(self.pending.popleft())
            except IndexError:
                break
        if not failed:
            return
        self.runtime.abandoned(len(failed))
        with self._lock:
            self._joined.notify_all()
        fail_all(self.runtime, self.name, failed, self.runtime.stopped_error(self.name))
