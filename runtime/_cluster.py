"""`ClusterCore`: where cluster messages wait for a member, and how members are woken.

Each member has a *seat* in the cluster: the messages routed to it alone. Where a message
waits (the cluster's shared queue, or a seat) is its router's choice (`_routers`); the
cluster owns the queues, the parked members, membership, bounded queues and `join`.

Members with nothing to do *park* in the cluster. A send to the shared queue wakes the
member that has been parked longest (FIFO), so at light load work still spreads over all
members instead of going to whichever member idled last.

A cluster can lose all its members: messages then wait in the shared queue until a member
joins (broadcasts raise `NoMembers`; a runtime shutdown fails whatever still waits).
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from functools import partial
from threading import Condition
from typing import TYPE_CHECKING, Any

from ._contract import CLUSTER_STRATEGIES
from ._current import running_process
from ._envelopes import Envelope, Stamped, drain, fail_all, message_of
from ._errors import ActorgenError, NoMembers, QueueFull, UsageError
from ._future import Future
from ._locks import held, locked, new_lock, release_held
from ._options import WhenFull, check_bound
from ._routers import CLUSTER_ROUTERS, Router, Strategy, route_router, salt
from ._routers import owner as owner_of
from ._waits import wait_begins, wait_ends

if TYPE_CHECKING:
    from ._core import RuntimeCore
    from ._marker import Route
    from ._process import ProcessCore

__all__ = ["ClusterCore", "Seat"]


class Seat:
    """One member's place in one cluster: the messages routed to it alone."""

    __slots__ = ("cluster", "local", "member", "pinned", "removed", "salt")

    def __init__(self, cluster: ClusterCore, member: ProcessCore, stealable: bool) -> None:
        self.cluster = cluster
        self.member = member
        # Routed to this member and only this one (round robin, key, broadcast).
        self.pinned: deque[Envelope] = deque()
        # Work-stealing clusters: this member's share, which idle members may take.
        self.local: deque[Envelope] | None = deque() if stealable else None
        self.removed = False
        self.salt = salt(member.name)  # its score for a key: see `_routers.owner`

    def queued(self) -> int:
        return len(self.pinned) + (len(self.local) if self.local is not None else 0)


class ClusterCore:
    """The runtime side of a cluster. Generated `XCluster` facades wrap one of these.

    The hot path takes no lock: sends append to a `deque` and members pop from it, each
    one atomic step, with or without the GIL. The lock guards the parked members,
    membership changes, bounded queues and `join`. Three orderings keep that safe without
    it (each is a store then a load on both sides; why they hold on a free-threaded
    interpreter too: "Without the GIL" in docs/architecture.md):

    - a send appends *then* looks for parked members; a member parks *then* looks at the
      queues again. Whichever comes second sees the other, so no message waits while every
      member sleeps;
    - a member marks itself as `handling` the cluster *before* it takes a message and clears
      the mark after handling it (or, while nobody waits, once it stops taking from this
      cluster: `ProcessCore._unmark`), so `join` (queues empty *and* no member marked)
      cannot miss a message that is between a queue and its handler;
    - a removal marks the seat `removed` *then* empties it; a send to a seat appends *then*
      checks the mark (and empties it again if set); a member sets `handling` *then* checks
      the mark. So nothing is stranded in a removed seat, and a member that was taking from
      it when it was removed is still counted by `join` until it is done.

    A send interrupted after its append (see "Sends that are interrupted" in `_process.py`)
    hands the wake-up it owed to a pool thread, so a queued message never waits while every
    member sleeps.
    """

    __slots__ = (
        "__weakref__",
        "_idle",
        "_joined",
        "_leaving",
        "_lock",
        "_push",
        "_rehomers",
        "_room",
        "_turn",
        "ask",
        "blocked",
        "capacity",
        "full_timeout",
        "joiners",
        "name",
        "overflow",
        "pending",
        "router",
        "routes",
        "runtime",
        "seats",
        "spinning",
        "strategy",
        "tell",
        "waiting",
        "when_full",
    )

    def __init__(
        self,
        name: str,
        runtime: RuntimeCore,
        members: Iterable[ProcessCore] = (),
        *,
        strategy: Strategy = "balanced",
        capacity: int | None = None,
        when_full: WhenFull = "block",
        full_timeout: float | None = None,
        routes: Mapping[type, Route] | None = None,
    ) -> None:
        if strategy not in CLUSTER_STRATEGIES:
            raise ValueError(
                f"strategy must be one of {', '.join(CLUSTER_STRATEGIES)}, not {strategy!r}"
            )
        check_bound(capacity, when_full, full_timeout)
        self.name = name
        self.runtime = runtime
        self.strategy = strategy
        self.capacity = capacity
        self.when_full = when_full
        self.full_timeout = full_timeout
        self.routes: Mapping[type, Route] = routes or {}
        self.pending: deque[Envelope] = deque()  # the shared queue
        # Its `append`, looked up once: without the GIL (where the interpreter does not
        # specialize attribute access) the lookup costs a send as much as the append.
        self._push = self.pending.append
        self.seats: tuple[Seat, ...] = ()  # copy on write: senders read it without a lock
        # next() is one atomic step (a compare-and-swap without the GIL): round robin
        # without a lock; a duplicate would only skew the rotation, never lose a message.
        self._turn = itertools.count()
        self.joiners = 0  # threads waiting in join()
        self.blocked = 0  # senders waiting for room in a full queue
        self.waiting = 0  # joiners + blocked: members look at it after every message
        # Async members lingering a step of their loop before they park (`_loops`): they
        # look at the shared queue again, so a send meanwhile wakes nobody.
        self.spinning = 0
        # Messages sent on an event loop's thread to a full queue, in order: the sender
        # cannot block there, so its message waits here for room (docs/asyncio.md,
        # "Bounded queues"). While any wait, the cluster counts one blocked sender.
        self.overflow: deque[tuple[Envelope, Seat | None, bool]] = deque()
        self._lock = new_lock()  # re-entrant only so that an interrupted send can finish
        self._joined = Condition(self._lock)
        self._room = Condition(self._lock)
        # Parked members, longest-parked first; an OrderedDict gives O(1) removal too.
        self._idle: OrderedDict[ProcessCore, None] = OrderedDict()
        # Removed members that were handling a message of ours: join() waits for them.
        self._leaving: set[ProcessCore] = set()
        # The strategy's sends, chosen once: the facade calls `core.tell(m)`.
        self.router: Router = CLUSTER_ROUTERS[strategy](self)
        self.tell, self.ask = self.router.sends()
        # Where the messages of a removed member's seat go, per routed message type.
        self._rehomers = {kind: route_router(self, route) for kind, route in self.routes.items()}
        # Check every member before the first joins: a refused cluster leaves no trace.
        members = list(members)
        if len({id(member) for member in members}) != len(members):
            raise ValueError("a process can appear only once in a cluster")
        for member in members:
            self._check_runtime(member)
            if member.stopped:
                raise member.stopped_error()
        runtime.register_cluster(self)
        for member in members:
            self.add(member)

    def __repr__(self) -> str:
        return f"<cluster {self.name} of {len(self.seats)}>"

    @property
    def members(self) -> tuple[ProcessCore, ...]:
        return tuple(seat.member for seat in self.seats)

    # -- sending -------------------------------------------------------------------------
    # tell_x queues a message with no reply; ask_x returns the future of its reply.

    def tell_shared(self, message: object) -> None:
        # The default: balanced and unbounded, lock-free. Every step costs on the hot path.
        runtime = self.runtime
        if runtime.closing:
            runtime.refuse("cluster", self.name)
        try:
            self._push(message)
            if self._idle and not self.spinning:  # (`_wake_one`, inlined: every tell)
                self.wake_parked()
            if runtime.closed:
                self.abandon()  # shutdown finished while we appended: fail, never strand
        except BaseException:  # wake-up owed: a pool thread does it (C calls only here)
            runtime.runq.put(partial(self._queued_in, None, None))
            raise

    def ask_shared(self, message: object) -> Future[Any]:
        runtime = self.runtime
        if runtime.closing:
            runtime.refuse("cluster", self.name)
        future: Future[Any] = Future(self, message)
        try:
            self._push(future)
            if self._idle and not self.spinning:  # (`_wake_one`, inlined: every ask)
                self.wake_parked()
            if runtime.closed:
                self.abandon()
        except BaseException:  # wake-up owed: a pool thread does it (C calls only here)
            runtime.runq.put(partial(self._queued_in, None, None))
            raise
        return future

    def tell_balanced(self, message: object) -> None:
        self.send(message, None)

    def ask_balanced(self, message: object) -> Future[Any]:
        future: Future[Any] = Future(self, message)
        self.send(future, None)
        return future

    def tell_round_robin(self, message: object) -> None:
        self.send(message, self.next_seat())

    def ask_round_robin(self, message: object) -> Future[Any]:
        return self._ask_pinned(message, self.next_seat())

    def tell_keyed(self, message: object, key: object) -> None:
        self.send(message, self.owner(key))

    def ask_keyed(self, message: object, key: object) -> Future[Any]:
        return self._ask_pinned(message, self.owner(key))

    def _ask_pinned(self, message: object, seat: Seat | None) -> Future[Any]:
        future: Future[Any] = Future(self if seat is None else seat.member, message)
        self.send(future, seat)
        return future

    def tell_broadcast(self, message: object) -> None:
        for seat in self._every_seat():
            self.send(message, seat)

    def ask_broadcast(self, message: object) -> tuple[Future[Any], ...]:
        """One future per member, in member order."""
        futures: list[Future[Any]] = []
        for seat in self._every_seat():
            future: Future[Any] = Future(seat.member, message)
            self.send(future, seat)
            futures.append(future)
        return tuple(futures)

    def next_seat(self) -> Seat | None:
        seats = self.seats
        return seats[next(self._turn) % len(seats)] if seats else None

    def owner(self, key: object) -> Seat | None:
        """The seat of the member that owns `key` (see `_routers.owner`)."""
        return owner_of(self.seats, self.runtime.key_hash(key))

    def _every_seat(self) -> tuple[Seat, ...]:
        runtime = self.runtime
        if runtime.closing:
            runtime.refuse("cluster", self.name)
        seats = self.seats
        if not seats:
            raise NoMembers(self.name)
        return seats

    def send(self, envelope: Envelope, seat: Seat | None, stealable: bool = False) -> None:
        """Queue in `seat` (the shared queue if None), wake who should take it."""
        runtime = self.runtime
        if runtime.closing:
            runtime.refuse("cluster", self.name)
        if seat is None:
            queue = self.pending
        elif stealable:
            assert seat.local is not None
            queue = seat.local
        else:
            queue = seat.pinned
        owner = None if stealable else seat
        if runtime.latency is not None:  # histograms on: note when it was sent
            envelope = Stamped(envelope, time.perf_counter_ns())
        try:
            if self.capacity is None:
                queue.append(envelope)
            else:
                self._append_bounded(queue, envelope, self.capacity, seat, stealable)
            self._queued_in(owner, seat)
        except ActorgenError:  # QueueFull, RuntimeStopped: raised before anything was queued
            raise
        except BaseException:  # wake-up owed: a pool thread does it (C calls only here)
            if held(self._lock):  # a `with` cut short between its body and the release
                self._lock.release()
            if held(runtime._lock):  # taken while waiting for room
                runtime._lock.release()
            runtime.runq.put(partial(self._queued_in, owner, seat))
            raise

    def _append_bounded(
        self,
        queue: deque[Envelope],
        envelope: Envelope,
        capacity: int,
        seat: Seat | None,
        stealable: bool,
    ) -> None:
        with self._lock:
            overflow = self.overflow
            if overflow or len(queue) >= capacity:
                if self.when_full == "raise":
                    raise QueueFull(f"a queue of cluster {self.name}", capacity, None)
                if self.runtime.sender_cannot_block():
                    # On an event loop's thread: the message waits in line for room.
                    if not overflow:
                        # First, `waiting` before `blocked`: members that see them admit it
                        # (`progress`). Cut short in between, members still do once the
                        # shared queue is empty, and every later send looks too.
                        self.waiting += 1
                        self.blocked += 1
                    overflow.append((envelope, seat, stealable))
                    return
                self.blocked += 1
                self.waiting += 1
                try:
                    roomy = self.runtime.wait_for_room(
                        self._room,
                        lambda: not overflow and len(queue) < capacity,
                        self.full_timeout,
                    )
                finally:
                    self.blocked -= 1
                    self.waiting -= 1
                if self.runtime.stopping:
                    raise self.runtime.stopped_error(self.name, "cluster")
                if not roomy:
                    raise QueueFull(f"a queue of cluster {self.name}", capacity, self.full_timeout)
            queue.append(envelope)

    def _wake_one(self) -> None:
        if self.spinning:  # a lingering member looks at the queue again, soon
            return
        self.wake_parked()

    def wake_parked(self) -> None:
        """Wake the longest-parked member. An async member that lingered calls this too,
        once per message its cluster's sends did not wake anyone for (see `_loops`)."""
        # A parked member that turns out to be running already (it raced us) is only
        # notified; keep waking until one idle member really starts, or none is parked.
        while True:
            member = None
            try:
                with self._lock:
                    if not self._idle:
                        return
                    member = self._idle.popitem(last=False)[0]
                if member.wake():
                    return
            except BaseException:
                if held(self._lock):
                    self._lock.release()
                if member is not None:  # unparked but maybe not woken: a pool thread wakes it
                    self.runtime.runq.put(partial(member.wake))
                raise

    # -- called by members ----------------------------------------------------------------

    def take(self, seat: Seat) -> Envelope | None:
        """The next message for the member in `seat`; it has marked itself `handling`."""
        if seat.removed:
            return None
        try:
            if seat.pinned:
                return seat.pinned.popleft()
            if self.pending:
                return self.pending.popleft()
        except IndexError:  # another member took the last one
            return None
        if seat.local is not None:
            return self.steal(seat)
        return None

    def steal(self, seat: Seat) -> Envelope | None:
        """Work stealing: the member's own share first, then the oldest of another's."""
        for victim in (seat, *self.seats):
            local = victim.local
            if local:
                try:
                    return local.popleft()
                except IndexError:
                    continue
        return None

    def has_work(self, seat: Seat) -> bool:
        if self.pending or seat.pinned:
            return True
        return seat.local is not None and any(s.local for s in self.seats)

    def park(self, seat: Seat) -> bool:
        """Register `seat`'s member as idle here, unless work is queued (then False)."""
        member = seat.member
        with self._lock:
            if seat.removed:
                return True
            self._idle[member] = None
        if self.has_work(seat):  # a send may have looked for parked members just before
            self.unpark(member)
            return False
        return True

    def unpark(self, member: ProcessCore) -> None:
        """`member` starts a turn: it is no longer idle here. Usually whoever woke it has
        taken it off already, and the lock is not needed to see so: only the member itself
        parks, and it is running (a lookup is atomic with or without the GIL)."""
        if member in self._idle:
            with self._lock:
                self._idle.pop(member, None)

    def progress(self) -> None:
        """A member finished a message while someone waits: a blocked sender, or a joiner
        (members call this for joiners only once the shared queue is empty)."""
        admitted: list[tuple[Envelope, Seat | None, bool]] = []
        with self._lock:
            if self.overflow:
                admitted = self._admit()
            if self.blocked:
                self._room.notify_all()
            if self.joiners and self._settled():
                self._joined.notify_all()
        for envelope, seat, stealable in admitted:
            if seat is not None and seat.removed:  # it left while the message waited
                self._rehome(envelope, seat)
            else:
                self._queued_in(None if stealable else seat, seat)

    def _admit(self) -> list[tuple[Envelope, Seat | None, bool]]:
        """With the lock: move the messages waiting in `overflow` into their queues while
        there is room, in order; the ones whose seat was removed are returned too."""
        overflow = self.overflow
        capacity = self.capacity
        assert capacity is not None
        admitted = []
        while overflow:
            envelope, seat, stealable = overflow[0]
            if seat is None:
                queue = self.pending
            elif seat.removed:
                admitted.append(overflow.popleft())
                continue
            else:
                queue = seat.local if stealable and seat.local is not None else seat.pinned
            if len(queue) >= capacity:
                break
            admitted.append(overflow.popleft())
            queue.append(envelope)
        if not overflow:
            self.blocked -= 1
            self.waiting -= 1
        return admitted

    def _rehome(self, envelope: Envelope, seat: Seat) -> None:
        """A waiting message for a member that left: where its route sends it now, or back
        to the member (broadcast copies), as `_evacuate` does."""
        message = message_of(envelope)
        router = self._rehomers.get(type(message), self.router)
        if router.keeps:
            seat.member.take_back([envelope])
        else:
            self._reroute(envelope, router.rehome(message))

    # -- membership ------------------------------------------------------------------------

    def _check_runtime(self, member: ProcessCore) -> None:
        if member.runtime is not self.runtime:
            raise ValueError(
                f"{member.name} runs on another runtime than cluster {self.name}; "
                "all members of a cluster must run on the same runtime"
            )

    def add(self, member: ProcessCore) -> None:
        self._check_runtime(member)
        seat = None
        try:
            with self._lock:
                if any(seat.member is member for seat in self.seats):
                    raise ValueError(f"{member.name} is already a member of cluster {self.name}")
                seat = Seat(self, member, stealable=self.router.stealable)
                self.seats = (*self.seats, seat)
            member.join_seat(seat)
        except BaseException:  # ProcessStopped, or an interrupt (Ctrl-C) on the way
            release_held(self._lock)
            if seat is not None and seat in self.seats:  # undone: it never joined
                with self._lock:
                    self._unlink(seat)
                member.leave_seat(seat)
                self._evacuate(seat)
            raise
        if self.pending:  # work that waited for a member, maybe for a long time
            self._wake_one()
        if self.overflow:
            self.progress()

    def remove(self, member: ProcessCore) -> None:
        """Take `member` out. It finishes the message it is handling; the messages waiting
        in its seat go to the others (broadcast copies stay with it: they were its own)."""
        seat = None
        try:
            with self._lock:
                seat = next((s for s in self.seats if s.member is member), None)
                if seat is None:
                    raise ValueError(f"{member.name} is not a member of cluster {self.name}")
                self._unlink(seat)
        except BaseException:
            release_held(self._lock)
            if seat is not None and seat.removed:  # interrupted on its way out: finish
                self.runtime.runq.put(partial(self._finish_leaving, seat))
            raise
        self._finish_leaving(seat)

    def _finish_leaving(self, seat: Seat) -> None:
        """The rest of a removal, once the seat is out (safe to repeat): the member forgets
        it, its messages go to the others. Interrupted, a pool thread finishes it."""
        try:
            with self._lock:
                # `_unlink` again, unless the member has joined anew meanwhile: it is safe
                # to repeat, and one cut short after the seat went out (on its way to the
                # idle list) left the member parked here, where a send would wake it in
                # vain and leave its message waiting.
                member = seat.member
                if seat in self.seats or all(s.member is not member for s in self.seats):
                    self._unlink(seat)
            seat.member.leave_seat(seat)
            self._evacuate(seat)
            # A send may have woken the member on its way out (it was still parked here),
            # a wake-up wasted on one that takes nothing from us now: wake another.
            if self.pending:
                self._wake_one()
            if self.overflow:  # what waited for its seat goes elsewhere
                self.progress()
        except BaseException:
            release_held(self._lock)
            self.runtime.runq.put(partial(self._finish_leaving, seat))
            raise

    def leave(self, seat: Seat) -> None:
        """A stopping member leaves: as `remove`, but a seat that another thread removed
        meanwhile is no error (stopping must never fail half-way)."""
        try:
            with self._lock:
                if seat.removed:
                    return
                self._unlink(seat)
        except BaseException:
            release_held(self._lock)
            if seat.removed:  # out, maybe by us: whoever took it out finishes, or we do
                self.runtime.runq.put(partial(self._finish_leaving, seat))
            raise
        self._finish_leaving(seat)

    def _unlink(self, seat: Seat) -> None:
        # Called with the lock held.
        member = seat.member
        seat.removed = True  # first: an interrupted removal is then finished (`remove`)
        self.seats = tuple(s for s in self.seats if s is not seat)
        self._idle.pop(member, None)
        if member.handling is self:
            self._leaving.add(member)
        if self.joiners:
            self._joined.notify_all()
        if self.blocked:  # a sender may wait for room in this seat: it re-routes
            self._room.notify_all()

    def _evacuate(self, seat: Seat) -> None:
        """Re-route what waits in a removed seat; give its member back its broadcasts."""
        own: list[Envelope] = []
        for envelope in drain(seat.pinned) + drain(seat.local):
            message = message_of(envelope)
            router = self._rehomers.get(type(message), self.router)
            if router.keeps:
                own.append(envelope)
            else:
                self._reroute(envelope, router.rehome(message))
        seat.member.take_back(own)

    def put_back(self, envelope: Envelope, message: object) -> bool:
        """A message a member took but will never handle (it stopped in the middle of a
        batch) goes where it would go had it still waited in that member's seat: False
        for a broadcast copy, which stays the member's own."""
        router = self._rehomers.get(type(message), self.router)
        if router.keeps:
            return False
        self._reroute(envelope, router.rehome(message))
        return True

    def _reroute(self, envelope: Envelope, seat: Seat | None) -> None:
        # Past the capacity: re-routing must never block (or fail) whoever removes a member.
        (self.pending if seat is None else seat.pinned).append(envelope)
        self._queued_in(seat, seat)

    def _queued_in(self, owner: Seat | None, seat: Seat | None) -> None:
        """A message was appended to `seat`'s queues (the shared queue if None): wake the
        member it is for (`owner`), or else the longest-parked one, who may take it."""
        if owner is None:
            if self._idle:
                self._wake_one()
        else:
            owner.member.wake()
        if seat is not None and seat.removed:
            self._evacuate(seat)  # it was removed while we appended: re-route
        if self.overflow:  # messages wait in line for room: admit what fits now
            self.progress()
        if self.runtime.closed:
            self.abandon()  # shutdown finished while we appended: fail, never strand

    # -- waiting and stopping ---------------------------------------------------------------

    def join(self, timeout: float | None = None) -> None:
        """Wait until every message sent to the cluster so far has been handled."""
        current = running_process()
        if current is not None and current in self.members:
            raise UsageError(
                f"{current.name} cannot join its own cluster {self.name}: it would wait for itself"
            )
        if current is not None:
            wait_begins(current, self, join=True)
        # Counted in `joiners` and `waiting` in one statement, uncounted in one: an
        # interrupt (Ctrl-C) lands before or after either, and `counted` says which.
        counted = False
        try:
            with self._lock:
                self.joiners, self.waiting, counted = self.joiners + 1, self.waiting + 1, True
                done = self.runtime.wait_for(self._joined, self._settled, timeout)
                self.joiners, self.waiting, counted = self.joiners - 1, self.waiting - 1, False
        except BaseException:
            release_held(self._lock)
            if counted:
                with self._lock:
                    self.joiners -= 1
                    self.waiting -= 1
            raise
        finally:
            if current is not None:
                wait_ends(current)
        if not done:
            raise TimeoutError(
                f"cluster {self.name} still has {self.queued()} queued and "
                f"{self.in_flight()} running messages after {timeout} s"
            )

    def _settled(self) -> bool:
        # The queues first, then the marks: see the class docstring.
        seats = self.seats
        if self.pending or self.overflow or any(seat.pinned or seat.local for seat in seats):
            return False
        if any(seat.member.handling is self for seat in seats):
            return False
        self._leaving = {m for m in self._leaving if m.handling is self}
        return not self._leaving

    def queued(self) -> int:
        return len(self.pending) + len(self.overflow) + sum(seat.queued() for seat in self.seats)

    def has_room(self) -> bool:
        """No message waits for room (`overflow`), and the shared queue has some (for
        `actorgen.runtime.room`)."""
        return not self.overflow and (
            self.capacity is None or len(self.pending) < self.capacity
        )

    def in_flight(self) -> int:
        # `_leaving` changes under the lock: iterating it needs it too.
        leaving = locked(self._lock, lambda: [m for m in self._leaving if m.handling is self])
        handling = {seat.member for seat in self.seats if seat.member.handling is self}
        return len(handling.union(leaving))

    def abandon(self) -> None:
        """The runtime stopped: fail every message still waiting here."""
        failed = drain(self.pending)
        for seat in self.seats:
            failed += drain(seat.pinned) + drain(seat.local)
        failed += [envelope for envelope, _, _ in drain(self.overflow)]
        with self._lock:
            self._joined.notify_all()
            self._room.notify_all()
        if not failed:
            return
        error = self.runtime.stopped_error(self.name, "cluster")
        self.runtime.abandoned(fail_all(self.runtime, self.name, failed, error))
