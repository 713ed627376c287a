"""`ProcessCore`: one instance, its mailbox, and how it is scheduled.

A process is not a thread. It is IDLE (no work, on no queue, holding no thread) or
SCHEDULED (on its backend's run queue, or being run). A send to an idle process puts it
on the run queue; the backend then calls `run`, which handles a *batch* of messages (the
worker's `batch`) and either puts the process back at the end of the run queue (more
work, and other processes wait: they get their turn first) or lets it go idle. Where and
when `run` is called is the backend's business (`_core`); everything a process does with
its messages is here. A process with a dedicated thread has a run queue of its own.

Where a member's messages come from
-----------------------------------
A process that belongs to clusters has several sources: its own direct mailbox and, for
each cluster, its *seat* there (see `_cluster.py`: the cluster's shared queue and the
messages routed to this member). It takes one message at a time, rotating over the sources
that have work: after a direct message it looks at the next cluster first, and so on. So
a busy cluster cannot starve direct messages, and a flood of direct messages cannot hold
up cluster work that this member would otherwise take.

Before going idle, a member *parks* in each of its clusters: a parked member is woken by
the next cluster send. Parking registers first and then looks at the queues again, so a
cluster message can never wait while all members sleep.

Sends that are interrupted
--------------------------
A `KeyboardInterrupt` (Ctrl-C lands at any bytecode of the main thread), a
`RecursionError` or a `MemoryError` can stop a send at any point. The sender sees the
exception; the message was sent if the interruption came after it was appended to its
queue (it will be handled), and not sent if before. Either way the runtime stays whole:
- a process is marked scheduled and put on its run queue in one protected step: the
  `except BaseException` of `_post`/`wake` finishes the step with C-level calls only (so it
  works at the recursion limit too) and re-raises;
- if that leaves a process queued twice, `run` notices (`_running`) and the second entry
  only makes the running thread look again before it goes idle;
- a cluster send whose wake-up was cut short puts it on the backend's run queue as a
  `functools.partial`, which the backend runs: an extra wake-up is harmless, a missing
  one would strand the message.

Failures and stopping
---------------------
A handler's exception goes to the runtime's `on_error` (a tell), then the process's
supervision policy applies: resume, restart (a fresh instance from the spawn arguments)
or stop; an ask's future gets the exception after that, so a caller who sees it sees the
process restarted, or stopped and out of its clusters, even while it runs on another core.
A stopped process leaves its clusters (their queued work goes to the other members) and
fails every message it will never handle with `ProcessStopped`. It looks at its stop mark
before every message it takes, so once `stop` has begun it takes nothing more from any
source. Exceptions of the runtime's own error path (an `on_error`
or done-callback that raises, even `SystemExit`; an exception whose `__str__` raises) are
logged and never stop a pool thread.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from functools import partial
from threading import Condition
from typing import TYPE_CHECKING, Any

from ._coroutines import ASYNC_CLASSES, is_async_class
from ._envelopes import Envelope, Stamped, drain, fail_all
from ._errors import ProcessStopped, QueueFull
from ._future import RUNNING, Future
from ._locks import held, new_lock, release_held
from ._options import ProcessOptions
from ._supervision import supervise

if TYPE_CHECKING:
    from ._cluster import ClusterCore, Seat
    from ._core import RuntimeCore
    from ._worker import Worker

__all__ = ["ProcessCore", "Taken", "TimedProcessCore"]


Dispatch = Callable[[Any, Any], object]
# A message `take` gave a backend: (message, the ask's future or None, its cluster or None,
# the nanoseconds it waited between its send and this take; -1 if it was not stamped).
Taken = tuple[Any, "Future[Any] | None", "ClusterCore | None", int]


class ProcessCore:
    """The runtime side of one process. Generated `XProcess` facades wrap one of these."""

    # 100,000s of idle processes are normal: slots keep each one a few hundred bytes,
    # and the mailbox deque (~760 bytes) only exists while there is mail.
    __slots__ = (
        "__weakref__",  # explicitly named processes are kept in a weak registry
        "_blocked",
        "_busy",
        "_capacity",
        "_counted_stopped",
        "_cursor",
        "_dispatch",
        "_instance",
        "_lock",
        "_mailbox",
        "_make",
        "_notified",
        "_overflow",
        "_parked",
        "_running",
        "_scheduled",
        "_seat",
        "_seats",
        "_space",
        "_stop_reason",
        "failed",
        "handled",
        "handling",
        "name",
        "options",
        "queue",
        "restarts",
        "runtime",
    )

    def __init__(
        self,
        runtime: RuntimeCore,
        name: str,
        instance: object,
        dispatch: Dispatch,
        options: ProcessOptions,
        make: Callable[[], object],
    ) -> None:
        """`make()` made `instance`; supervision calls it again to restart."""
        self.runtime = runtime
        self.name = name
        self.options = options
        self.handled = 0
        self.failed = 0
        self.restarts = 0
        # (busy ns of the runs that ended, when the current run began or 0): one tuple,
        # replaced whole by the running thread, so `busy_ns` reads it in one load.
        self._busy = (0, 0)
        # Kept only where a restart needs it: it holds the spawn arguments alive.
        self._make = make if options.supervision == "restart" else None
        self._instance = instance
        self._dispatch = dispatch
        self._lock = new_lock()  # re-entrant only so that an interrupted send can finish
        self._mailbox: deque[Envelope] | None = None
        self._capacity = options.capacity
        self._blocked = 0  # senders waiting for room in the mailbox
        self._space: Condition | None = None  # what they wait on, made when first needed
        # Messages sent on an event loop's thread to the full mailbox, in order, waiting for
        # room (docs/asyncio.md, "Bounded queues"); counted in `_blocked` while it exists.
        self._overflow: deque[Envelope] | None = None
        self._scheduled = False  # on a run queue or running (see "Sends that are interrupted")
        self._running = False  # a thread is in `run`
        self._notified = False
        self._stop_reason: str | None = None  # set once: the process has stopped
        self._counted_stopped = False  # the runtime has counted the stop (`_finish_stop`)
        self._parked = False
        self._seats: tuple[Seat, ...] = ()
        self._seat: Seat | None = None  # the only seat, when in exactly one cluster
        self._cursor = 0
        self.handling: ClusterCore | None = None  # whose cluster message is being handled
        # The run queue this process is scheduled on: the pool's, its own thread's, or
        # for a class with `async def` messages, an event loop's.
        cls = type(instance)
        if ASYNC_CLASSES.get(cls) or (cls not in ASYNC_CLASSES and is_async_class(cls)):
            self.queue: Any = runtime.loop_queue(self, cls)
        elif options.dedicated_thread:
            self.queue = runtime.dedicated_queue(self)
        else:
            self.queue = runtime.runq

    def __repr__(self) -> str:
        return f"<process {self.name}>"

    @property
    def busy_ns(self) -> int:
        """Time spent handling messages, the running turn's so far included."""
        ended, began = self._busy
        return ended + (time.perf_counter_ns() - began if began else 0)

    @property
    def scheduled(self) -> bool:
        return self._scheduled

    @property
    def stopped(self) -> bool:
        return self._stop_reason is not None

    def stopped_error(self) -> ProcessStopped:
        if self.runtime.stopping:
            return self.runtime.stopped_error(self.name)
        return ProcessStopped(self.name, self._stop_reason or "it was stopped")

    def _enqueue(self) -> None:
        """Put this process (marked scheduled) on its run queue; see `_post`."""
        runtime = self.runtime
        runtime.active.add(self)
        self.queue.put(self)
        if runtime.closed:  # shutdown finished meanwhile: fail the work, never strand it
            runtime.sweep()

    # -- sending -------------------------------------------------------------------------

    def tell(self, message: object) -> None:
        """Queue `message` in the direct mailbox; no reply."""
        self._post(message)

    def ask(self, message: object) -> Future[Any]:
        """Queue `message` in the direct mailbox; the future receives the handler's reply."""
        future: Future[Any] = Future(self, message)
        self._post(future)
        return future

    def _post(self, envelope: Envelope) -> None:
        runtime = self.runtime
        if runtime.closing:
            runtime.refuse("process", self.name)
        schedule = False
        try:
            with self._lock:
                if self._stop_reason is not None:
                    raise self.stopped_error()
                mailbox = self._mailbox
                if mailbox is None:
                    mailbox = self._mailbox = deque()
                elif self._capacity is not None and (
                    len(mailbox) >= self._capacity or self._overflow is not None
                ):
                    mailbox = self._wait_for_room(self._capacity, envelope)
                if not self._scheduled:
                    # Marked before the append, in one statement with the local: whoever
                    # marked it also queues it, here or in the `except` below.
                    self._scheduled = schedule = True
                if mailbox is not None:  # (None: it waits in the overflow)
                    mailbox.append(envelope)  # sent: from here on it will be handled
            if schedule:
                runtime.active.add(self)
                self.queue.put(self)
        except BaseException:  # interrupted: finish what was begun (C calls only), re-raise
            if held(self._lock):
                self._lock.release()
            if held(runtime._lock):  # taken while waiting for room
                runtime._lock.release()
            if schedule:
                runtime.active.add(self)
                # An event loop's queue is Python: its C-level backstop (see `_loops`).
                getattr(self.queue, "backstop", self.queue).put(self)
            raise
        if runtime.closed:  # shutdown finished while we queued: fail it, never strand it
            runtime.sweep()

    def _wait_for_room(self, capacity: int, envelope: Envelope) -> deque[Envelope] | None:
        """The mailbox is full, or messages wait for room (we hold the lock): wait or raise,
        as the options say. On an event loop's thread the sender cannot wait: `envelope`
        waits in the overflow, behind the others (None is returned)."""
        options = self.options
        if options.when_full == "raise":
            if self.queued() < capacity:  # (no overflow: it is made only to block)
                return self._mailbox
            raise QueueFull(f"the mailbox of {self.name}", capacity, None)
        if self.runtime.sender_cannot_block():
            overflow = self._overflow
            if overflow is None:
                self._blocked += 1  # first: the process admits it after its next message
                overflow = self._overflow = deque()
            overflow.append(envelope)
            return None
        if self._space is None:
            self._space = Condition(self._lock)
        self._blocked += 1
        try:
            roomy = self.runtime.wait_for_room(
                self._space,
                lambda: self._stop_reason is not None or self.queued() < capacity,
                options.full_timeout,
            )
        finally:
            self._blocked -= 1
        if self._stop_reason is not None or self.runtime.stopping:
            raise self.stopped_error()
        if not roomy:
            raise QueueFull(f"the mailbox of {self.name}", capacity, options.full_timeout)
        mailbox = self._mailbox
        if mailbox is None:  # emptied and dropped while we waited
            mailbox = self._mailbox = deque()
        return mailbox

    def _make_room(self) -> None:
        """A direct message was taken while senders wait: admit what waits in the overflow
        (the process is running: it takes them), or wake a blocked sender."""
        with self._lock:
            overflow = self._overflow
            if overflow is not None:
                mailbox = self._mailbox
                if mailbox is None:
                    mailbox = self._mailbox = deque()
                capacity = self._capacity or 0
                while overflow and len(mailbox) < capacity:
                    mailbox.append(overflow.popleft())
                if not overflow:
                    self._overflow = None
                    self._blocked -= 1
            if self._space is not None:
                self._space.notify()

    def wake(self) -> bool:
        """Make sure the process looks at its sources soon. True if it was idle.

        Called by a cluster for a parked member. If the process is already scheduled, the
        `_notified` flag makes it look again before going idle, so no wake-up is lost in
        the window between parking and going idle.
        """
        schedule = False
        try:
            with self._lock:
                if self._stop_reason is not None:
                    return False
                if self._scheduled:
                    self._notified = True
                    return False
                self._scheduled = schedule = True
            self.runtime.active.add(self)
            self.queue.put(self)
        except BaseException:  # as in `_post`
            if held(self._lock):
                self._lock.release()
            if schedule:
                self.runtime.active.add(self)
                getattr(self.queue, "backstop", self.queue).put(self)  # as in `_post`
            raise
        return True

    def take_back(self, envelopes: list[Envelope]) -> None:
        """Messages addressed to this member of a cluster it left (broadcast copies): it
        still handles them, as direct messages, or fails them if it has stopped."""
        if not envelopes:
            return
        schedule = False
        with self._lock:
            if self._stop_reason is None and not self.runtime.stopping:
                if self._mailbox is None:
                    self._mailbox = deque()
                if not self._scheduled:
                    self._scheduled = schedule = True
                self._mailbox.extend(envelopes)  # past the capacity: never block a leaver
                envelopes = []
        if schedule:
            self._enqueue()
        if envelopes:
            fail_all(self.runtime, self.name, envelopes, self.stopped_error())

    # -- cluster membership ------------------------------------------------------------------

    def join_seat(self, seat: Seat) -> None:
        try:
            with self._lock:
                if self._stop_reason is not None:
                    raise self.stopped_error()
                # Copy on write: the running thread reads the tuple without a lock.
                self._set_seats((*self._seats, seat))
        except BaseException:
            release_held(self._lock)
            raise
        # A woken member finds the cluster's work or parks in it: either way it is counted.
        self.wake()

    def leave_seat(self, seat: Seat) -> None:
        try:
            with self._lock:
                self._set_seats(tuple(s for s in self._seats if s is not seat))
        except BaseException:
            release_held(self._lock)
            raise

    def _set_seats(self, seats: tuple[Seat, ...]) -> None:
        self._seats = seats
        # The fast path of `run` serves one seat without work stealing; the rest rotates.
        only = seats[0] if len(seats) == 1 else None
        self._seat = only if only is not None and only.local is None else None

    @property
    def clusters(self) -> tuple[ClusterCore, ...]:
        return tuple(seat.cluster for seat in self._seats)

    # -- running (on a pool thread) ----------------------------------------------------------

    def run(self, worker: Worker) -> None:
        """Handle messages until there are none, then go idle. One thread at a time.

        After every BATCH messages the process goes to the back of the run queue if other
        processes are waiting for a thread. This is the hot path: the take and the
        dispatch are inlined and use locals, because every call here is paid per message.
        """
        with self._lock:
            if self._running:  # queued twice by an interrupted send: see the docstring
                self._notified = True
                return
            self._running = True
        if self._parked:
            self._unpark()
        runtime = self.runtime
        dispatch = self._dispatch
        instance = self._instance
        cursor = self._cursor
        # The thread's own counts (runtime_stats) are settled once per run, not per message,
        # each time in one store (see `Worker.tally`).
        started = time.perf_counter_ns()
        self._busy = (self._busy[0], started)
        _, handled, failed, busy_ns = worker.tally
        worker.tally = (self, handled - self.handled, failed - self.failed, busy_ns - started)
        runq = self.queue
        unsaved = 0  # tells handled but not yet added to self.handled
        # How the run ends, acted on last (in `finally`), once the counts are settled:
        # from then on another thread may run this process, and write them (see
        # "Without the GIL" in docs/architecture.md: one writer at a time).
        requeue = sleep = halt = False
        booked = False  # the turn's busy time and the thread's counts are settled already
        parked: bool | None = None  # what `_park` said, if the turn parked already
        # The queues of the only seat, kept in locals while the seat stays the same (typed
        # Any: they are set before first use, which a type checker cannot follow here).
        last_seat: Seat | None = None
        seat_cluster: Any = None
        pinned: Any = None
        shared: Any = None
        # Whether `handling` marks `seat_cluster` (the only seat's): the mark stays on from
        # one of its messages to the next while nobody waits for the cluster, and comes off
        # (the counts saved first: see `_unmark`) once someone does, before a message of
        # another source, and when the run ends. Two stores and a count per message less,
        # which matter most without the GIL, where every store to a shared object is an
        # atomic step and the interpreter does not specialize attribute access.
        marked = False
        try:
            batch = budget = worker.batch
            while True:
                if not budget:
                    # Yield the thread only to processes that are waiting for one: handing
                    # a busy member to another thread costs an OS wake-up for nothing.
                    if not runq.empty():
                        requeue = True
                        return
                    budget = batch
                    # Keep the stats fresh while a process runs on and on.
                    self.handled += unsaved
                    unsaved = 0
                budget -= 1
                if self._stop_reason is not None:  # stopped: take nothing more, anywhere
                    sleep = True
                    return
                # Rotate over [direct mailbox, cluster 1, cluster 2, ...], starting after
                # the source of the previous message (see the module docstring).
                envelope: Envelope | None = None
                cluster: ClusterCore | None = None
                mailbox = self._mailbox
                seat = self._seat
                if marked and seat is not last_seat:  # left or joined a cluster meanwhile
                    marked = False
                    unsaved = self._unmark(seat_cluster, unsaved)
                if seat is not None:
                    # The common case, a member of one cluster: the same rotation as
                    # `_take_rotating` without its loop, which costs more than the take.
                    if seat is not last_seat:  # membership changed: refresh the locals
                        last_seat = seat
                        seat_cluster = seat.cluster
                        pinned = seat.pinned
                        shared = seat_cluster.pending
                    if mailbox and (cursor == 0 or not (shared or pinned)):
                        if marked:
                            marked = False
                            unsaved = self._unmark(seat_cluster, unsaved)
                        try:
                            envelope = mailbox.popleft()
                            cursor = 1
                        except IndexError:  # stop_process() emptied it meanwhile
                            pass
                    elif shared or pinned:
                        if not marked:  # mark before taking: join() relies on it
                            self.handling = seat_cluster
                            marked = True
                        if not seat.removed:  # (see ClusterCore.remove)
                            try:  # noqa: SIM105 - suppress() costs a call per message
                                envelope = pinned.popleft() if pinned else shared.popleft()
                            except IndexError:  # another member (or a removal) took the last
                                pass
                        if envelope is None:
                            marked = False
                            unsaved = self._unmark(seat_cluster, unsaved)
                            if mailbox:
                                try:
                                    envelope = mailbox.popleft()
                                    cursor = 1
                                except IndexError:
                                    pass
                        else:
                            cluster = seat_cluster
                            cursor = 0
                elif not self._seats:
                    if mailbox:
                        try:  # noqa: SIM105 - contextlib.suppress costs a call per message
                            envelope = mailbox.popleft()
                        except IndexError:  # stop_process() emptied it meanwhile
                            pass
                else:
                    envelope, cluster, cursor = self._take_rotating(cursor)
                if envelope is None:
                    sleep = True
                    return
                if envelope.__class__ is Future:
                    future = envelope
                    message = future._message
                    # Claim it (Future._claim, inlined: it is paid per ask): from now on
                    # cancel() says no. A cancelled one is skipped, unhandled.
                    claim = future._lock
                    claim.acquire()
                    cancelled = future._state
                    if not cancelled:
                        future._state = RUNNING
                        future._message = None
                    claim.release()
                    if cancelled:
                        if marked:  # `_skipped` takes the mark off: the counts go first
                            marked = False
                            self.handled += unsaved
                            unsaved = 0
                        self._skipped(cluster)
                        if runtime.stopping:
                            halt = True
                            return
                        continue
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
                    if self.options.supervision != "resume":
                        # Before an ask's failure is delivered: whoever sees the exception
                        # sees the process restarted, or stopped and out of its clusters.
                        supervise(self, error)
                        instance = self._instance
                    if future is not None:
                        future._fail(error)
                else:
                    if future is None:
                        # A local, cheaper than the attribute: saved before the process lets
                        # go of the cluster's mark (join() sees it counted) or of the run.
                        unsaved += 1
                    else:
                        self.handled += unsaved + 1
                        unsaved = 0
                        if (
                            not mailbox
                            and not (shared or pinned)  # both None for a direct process
                            and (seat is not None or not self._seats)  # (not rotating)
                            and not (cluster is not None and cluster.waiting)
                            and not self._blocked
                            and not runtime.stopping
                        ):
                            # Likely the turn's last message (an ask at a time): its books
                            # are closed and the process parked before the reply wakes the
                            # waiter, who then needs the interpreter lock that this thread
                            # holds until it blocks. The mark comes off after the reply (a
                            # joiner that sees it gone sees the reply), then as below.
                            booked = True
                            ended = time.perf_counter_ns()
                            self._busy = (self._busy[0] + ended - started, 0)
                            _, handled, failed, busy_ns = worker.tally
                            worker.tally = (
                                None,
                                handled + self.handled,
                                failed + self.failed,
                                busy_ns + ended,
                            )
                            sleep = True
                            try:
                                parked = self._park()
                            finally:
                                future._resolve(result)
                            return
                        future._resolve(result)
                if cluster is not None:
                    if not marked or cluster.waiting:
                        # The message came by `_take_rotating`, or someone waits: the mark
                        # comes off now. Blocked senders want to hear of every message;
                        # joiners only of an empty shared queue (waking them earlier costs a
                        # lock per message).
                        marked = False
                        self.handled += unsaved
                        unsaved = 0
                        self.handling = None
                        if cluster.waiting and (cluster.blocked or not cluster.pending):
                            cluster.progress()
                elif self._blocked:
                    self._make_room()
                if runtime.stopping:
                    halt = True
                    return
        finally:
            if marked:
                unsaved = self._unmark(seat_cluster, unsaved)
            self.handled += unsaved
            self._cursor = cursor
            if not booked:
                ended = time.perf_counter_ns()
                self._busy = (self._busy[0] + ended - started, 0)
                _, handled, failed, busy_ns = worker.tally
                worker.tally = (None, handled + self.handled, failed + self.failed, busy_ns + ended)
            if requeue:
                self._requeue()
            elif sleep:
                self._sleep(parked)
            elif halt:  # the runtime is stopping: fail what is queued here
                self._running = False
                self.abandon()

    # -- running one message at a time (backends whose handlers do not run inline) --------
    # `run` above is these four steps fused, for the thread pool, where every call is paid
    # per message. A backend that hands the handler to something else (an event loop, a
    # remote actor, a deterministic scheduler) uses them: `begin`, then `take` and
    # `settle` per message, then `end`. The behaviour suite runs on both paths.

    def begin(self) -> bool:
        """Start a turn; False if one is running already (the process was queued twice
        by an interrupted send: the running turn looks again before it ends)."""
        with self._lock:
            if self._running:
                self._notified = True
                return False
            self._running = True
        if self._parked:
            self._unpark()
        return True

    def take(self) -> Taken | None:
        """The next message, claimed (an ask's `cancel()` now says no); None if there is
        none, or the process has stopped. Skips the asks that were cancelled."""
        while self._stop_reason is None:
            envelope, cluster, self._cursor = self._take_rotating(self._cursor)
            if envelope is None:
                return None
            waited = -1
            if envelope.__class__ is Stamped:  # latency histograms are on
                waited = time.perf_counter_ns() - envelope.ns
                envelope = envelope.envelope
            if envelope.__class__ is not Future:
                return envelope, None, cluster, waited
            future = envelope
            message = future._message
            if future._claim():
                return message, future, cluster, waited
            self._skipped(cluster)
            if self.runtime.stopping:
                return None
        return None

    def handle(self, message: object) -> object:
        """Call the handler of `message` on this process's instance: its reply (or, for
        a backend of coroutine handlers, what it must await)."""
        return self._dispatch(self._instance, message)

    def settle(
        self,
        taken: Taken,
        reply: object,
        error: BaseException | None,
        ns: int,
        *,
        keep_mark: bool = False,
        supervised: bool = True,
    ) -> None:
        """`taken`'s handler returned `reply`, or raised `error`, after `ns` nanoseconds:
        count it, deliver the outcome, supervise, and tell who waits on its queue.

        For a batch (`take_batch`): `keep_mark` leaves the cluster's `handling` mark on,
        for the batch's later messages; `supervised=False` delivers a failure that the
        backend supervises itself (the holder of the instance is gone)."""
        message, future, cluster, waited = taken
        latency = self.runtime.latency
        if latency is not None:  # before the reply, as the counters: who sees it sees them
            kind = type(self._instance).__name__
            latency.record(kind, None if cluster is None else cluster.name, waited, ns)
        self.handled += 1
        ended, began = self._busy
        self._busy = (ended + ns, began)
        if error is not None:
            self.failed += 1
            if future is None:
                self.runtime.report(self.name, message, error)
            if supervised and self.options.supervision != "resume":
                supervise(self, error)  # first, as in `run`
            if future is not None:
                future._fail(error)
        elif future is not None:
            future._resolve(reply)
        if keep_mark and cluster is not None:
            if cluster.blocked:  # its message left the queue long ago: room for them
                cluster.progress()
        else:
            self._skipped(cluster)

    def take_batch(self, limit: int) -> list[Taken]:
        """Up to `limit` messages for one turn of a backend that ships them together (to a
        Ray actor), claimed, in the order they are to be handled: from the direct mailbox
        and from one cluster (the next in the rotation that has work), alternating and
        starting where the last turn left off, as `run` does. A member of several clusters
        gets one message per turn, so the rotation still visits each. While any of them
        is unsettled the cluster's `handling` mark stays on: settle them with
        ``keep_mark=True``, then `_skipped(cluster)` once. A member takes work only when
        its turn starts, so a busy member is never given more."""
        batch: list[Taken] = []
        seats = self._seats
        sources = len(seats) + 1
        cursor = self._cursor % sources  # 0: the mailbox's turn; i: seat i - 1's
        if sources > 2:
            limit = 1
        seat: Seat | None = None  # the cluster of this batch, chosen when its turn comes
        searched = False
        # Of what waits to be shared (the shared queue, a work-stealing seat's own share),
        # a batch takes at most its member's part: balance over what the others may take.
        shared = share = 0
        direct = cursor == 0
        after = cursor
        while len(batch) < limit and self._stop_reason is None:
            envelope = None
            source = direct
            for source in (direct, not direct):
                if source:
                    mailbox = self._mailbox
                    if mailbox:
                        try:  # noqa: SIM105 - as in `run`
                            envelope = mailbox.popleft()
                        except IndexError:  # stop_process() emptied it meanwhile
                            pass
                elif seat is not None:
                    if seat.pinned or shared < share:
                        free = not seat.pinned
                        envelope = seat.cluster.take(seat)
                        shared += free and envelope is not None
                elif not searched:
                    searched = True
                    seat, envelope = self._first_seat(seats, cursor)
                    if seat is not None:  # its first message counts against the share
                        waiting = len(seat.cluster.pending) + len(seat.local or ())
                        shared = 1
                        share = max(1, (waiting + shared) // max(1, len(seat.cluster.seats)))
                if envelope is not None:
                    break
            if envelope is None:
                break
            direct = not source
            if source:
                after = 1 + seats.index(seat) if seat is not None else (1 if seats else 0)
                self._add_taken(batch, envelope, None)
            else:
                assert seat is not None
                after = (seats.index(seat) + 2) % sources
                self._add_taken(batch, envelope, seat.cluster)
        self._cursor = after
        if seat is not None and not any(taken[2] is not None for taken in batch):
            self._skipped(seat.cluster)  # its only messages were withdrawn asks
        return batch

    def _first_seat(
        self, seats: tuple[Seat, ...], cursor: int
    ) -> tuple[Seat | None, Envelope | None]:
        """The first seat from `cursor` on whose cluster has work, marked, and its message."""
        count = len(seats)
        for step in range(count):
            seat = seats[((cursor - 1 if cursor else 0) + step) % count]
            cluster = seat.cluster
            if seat.pinned or cluster.pending or seat.local is not None:
                self.handling = cluster  # mark before taking: join() relies on it
                envelope = cluster.take(seat)
                if envelope is not None:
                    return seat, envelope
                self.handling = None
                if cluster.joiners:  # it may have seen our mark: tell it
                    cluster.progress()
        return None, None

    def _add_taken(
        self, batch: list[Taken], envelope: Envelope, cluster: ClusterCore | None
    ) -> None:
        waited = -1
        if envelope.__class__ is Stamped:
            waited = time.perf_counter_ns() - envelope.ns
            envelope = envelope.envelope
        if envelope.__class__ is not Future:
            batch.append((envelope, None, cluster, waited))
            return
        future = envelope
        message = future._message
        if future._claim():
            batch.append((message, future, cluster, waited))
        elif cluster is None and self._blocked:  # a withdrawn ask: skipped, unhandled
            self._make_room()

    def give_back(self, batch: list[Taken]) -> None:
        """Messages a turn took but never handled (the process stopped in the middle of a
        batch): cluster messages go back to the cluster, to be routed as if this member
        had left with them queued (broadcast copies stay its own, and fail); direct ones
        fail as its mailbox did. The batch's `handling` mark goes last."""
        marked: ClusterCore | None = None
        own: list[Envelope] = []
        for message, future, cluster, _ in batch:
            envelope = message if future is None else future
            if future is not None:
                future._unclaim(message)
            if cluster is None:
                own.append(envelope)
                continue
            marked = cluster
            if not cluster.put_back(envelope, message):
                own.append(envelope)
        if own:
            fail_all(self.runtime, self.name, own, self.stopped_error())
        if marked is not None:
            self._skipped(marked)

    def handle_next(self) -> tuple[int, bool] | None:
        """`take`, `handle` and `settle` the next message, for a backend whose handlers
        run inline but one message at a time: how long it ran (ns) and whether it
        failed, or None if there was none."""
        taken = self.take()
        if taken is None:
            return None
        started = time.perf_counter_ns()
        try:
            reply, error = self.handle(taken[0]), None
        except BaseException as raised:  # delivered to the future or on_error
            reply, error = None, raised
        ns = time.perf_counter_ns() - started
        self.settle(taken, reply, error, ns)
        return ns, error is not None

    def end(self) -> None:
        """End the turn: go idle (parked in every cluster) unless work arrived meanwhile,
        which puts the process back on its run queue."""
        if self.runtime.stopping:
            self._running = False
            self.abandon()
            return
        self._sleep()

    def _unmark(self, cluster: ClusterCore, unsaved: int) -> int:
        """`run` takes off its mark of `cluster`, kept since its last message there: the
        tells counted in `unsaved` are saved first (a joiner that sees no mark sees them
        counted), then joiners hear of it (one may have seen the mark). Returns 0, the
        new `unsaved`."""
        self.handled += unsaved
        self.handling = None
        if cluster.joiners:
            cluster.progress()
        return 0

    def _skipped(self, cluster: ClusterCore | None) -> None:
        """What follows every message that left a queue (handled, or a cancelled ask that
        was skipped): joiners and blocked senders hear of it. (`run` inlines the same
        steps after each handled message: a call there is paid per message.)"""
        if cluster is not None:
            self.handling = None
            if cluster.waiting and (cluster.blocked or not cluster.pending):
                cluster.progress()
        elif self._blocked:
            self._make_room()

    def _take_rotating(self, cursor: int) -> tuple[Envelope | None, ClusterCore | None, int]:
        """The next message of a member of several clusters, and the next cursor."""
        seats = self._seats
        sources = len(seats) + 1
        cursor %= sources  # membership may have shrunk since the last message
        for _ in range(sources):
            if cursor == 0:
                cursor = 1
                mailbox = self._mailbox
                if mailbox:
                    try:
                        return mailbox.popleft(), None, cursor
                    except IndexError:
                        pass
            else:
                seat = seats[cursor - 1]
                cursor = (cursor + 1) % sources
                cluster = seat.cluster
                if seat.pinned or cluster.pending or seat.local is not None:
                    self.handling = cluster  # mark before taking: join() relies on it
                    envelope = cluster.take(seat)
                    if envelope is not None:
                        return envelope, cluster, cursor
                    self.handling = None
                    if cluster.joiners:  # it may have seen our mark: tell it
                        cluster.progress()
        return None, None, cursor

    def _requeue(self) -> None:
        """More work: to the back of the run queue, other processes go first."""
        self._running = False
        self.queue.put(self)
        if self.runtime.closed:
            self.runtime.sweep()

    def _park(self) -> bool:
        """Park in every cluster (not once stopped); False if work arrived meanwhile."""
        seats = () if self._stop_reason is not None else self._seats
        for seat in seats:
            if not seat.cluster.park(seat):
                self._parked = True
                return False
        self._parked = bool(seats)
        return True

    def _sleep(self, parked: bool | None = None) -> None:
        """Go idle, unless work arrived; park in every cluster first, unless `run` did
        (then `parked` is what `_park` said)."""
        if not (self._park() if parked is None else parked):
            self._requeue()
            return
        with self._lock:
            if (self._mailbox or self._notified) and self._stop_reason is None:
                self._notified = False
                requeue = True
            else:
                self._notified = False
                self._scheduled = False
                self._running = False
                self._mailbox = None
                # Under the lock: a sender that marks it scheduled again adds it after this.
                self.runtime.active.discard(self)
                requeue = False
        if requeue:
            self._requeue()
        else:
            self.runtime.went_idle()

    def _unpark(self) -> None:
        self._parked = False
        for seat in self._seats:
            seat.cluster.unpark(self)

    # -- stopping ----------------------------------------------------------

    def stop(self, reason: str) -> None:
        """Stop for good: leave every cluster, fail the direct mailbox. Safe to repeat.

        The message being handled (if any) is finished; queued cluster work goes to the
        other members; the asks in the mailbox fail with `ProcessStopped`, its tells go to
        `on_error` with it.
        """
        mailbox: deque[Envelope] | None = None
        idle = False
        try:
            with self._lock:
                if self._stop_reason is not None:
                    return
                self._stop_reason = reason
                mailbox, self._mailbox = self._mailbox, None
                mailbox = self._with_overflow(mailbox)
                idle = not self._scheduled
                if self._space is not None:
                    self._space.notify_all()
        except BaseException:  # an interrupt (Ctrl-C): once marked, the stop is finished
            release_held(self._lock)
            if self._stop_reason is reason:
                finish = partial(self._finish_stop, mailbox or self._mailbox, idle)
                self.runtime.runq.put(finish)
            raise
        self._finish_stop(mailbox, idle)

    def _finish_stop(self, mailbox: deque[Envelope] | None, idle: bool) -> None:
        """The rest of `stop`, once the process is marked stopped (safe to repeat): leave
        every cluster, count the stop, fail the mailbox. Interrupted, a pool thread
        finishes it."""
        try:
            for seat in self._seats:
                seat.cluster.leave(seat)  # no error if another thread removed it meanwhile
            if not self._counted_stopped:
                self._counted_stopped = True
                self.runtime.process_stopped(self, idle)
            fail_all(self.runtime, self.name, drain(mailbox), self.stopped_error())
        except BaseException:
            self.runtime.runq.put(partial(self._finish_stop, mailbox, idle))
            raise

    def abandon(self) -> None:
        """The runtime is stopping: fail every queued direct message of this process.
        Safe to call from any thread, also while another one is still running it."""
        with self._lock:
            self._stop_reason = self._stop_reason or "its runtime was shut down"
            mailbox, self._mailbox = self._mailbox, None
            mailbox = self._with_overflow(mailbox)
            if self._space is not None:
                self._space.notify_all()
        if self._parked:
            self._unpark()
        failed = drain(mailbox)
        if failed:
            error = self.runtime.stopped_error(self.name)
            self.runtime.abandoned(fail_all(self.runtime, self.name, failed, error))

    def _with_overflow(self, mailbox: deque[Envelope] | None) -> deque[Envelope] | None:
        """With the lock, stopping: the mailbox and, behind it, what waited for room."""
        overflow, self._overflow = self._overflow, None
        if not overflow:
            return mailbox
        if mailbox is None:
            return overflow
        mailbox.extend(overflow)
        return mailbox

    def queued(self) -> int:
        mailbox = self._mailbox
        overflow = self._overflow
        return (len(mailbox) if mailbox else 0) + (len(overflow) if overflow else 0)

    def has_room(self) -> bool:
        """No message waits for room, and the mailbox has some (`actorgen.runtime.room`)."""
        return self._overflow is None and (
            self._capacity is None or self.queued() < self._capacity
        )


class TimedProcessCore(ProcessCore):
    """A process of a runtime with latency histograms (see `_latency`).

    Its sends stamp every envelope with the time it was sent, and it runs one message at
    a time through `take` and `settle`, which record how long each waited and ran: the
    same turns, batches and counts as `ProcessCore.run`, paid for by the processes of
    that runtime only. `current` is the message whose handler is running (None between
    messages), for `process_stats`.
    """

    __slots__ = ("current",)

    def __init__(
        self,
        runtime: RuntimeCore,
        name: str,
        instance: object,
        dispatch: Dispatch,
        options: ProcessOptions,
        make: Callable[[], object],
    ) -> None:
        super().__init__(runtime, name, instance, dispatch, options, make)
        self.current: object = None

    def tell(self, message: object) -> None:
        self._post(Stamped(message, time.perf_counter_ns()))

    def ask(self, message: object) -> Future[Any]:
        future: Future[Any] = Future(self, message)
        self._post(Stamped(future, time.perf_counter_ns()))
        return future

    def take(self) -> Taken | None:
        taken = super().take()
        self.current = None if taken is None else taken[0]
        return taken

    def settle(
        self,
        taken: Taken,
        reply: object,
        error: BaseException | None,
        ns: int,
        *,
        keep_mark: bool = False,
        supervised: bool = True,
    ) -> None:
        self.current = None
        super().settle(taken, reply, error, ns, keep_mark=keep_mark, supervised=supervised)

    def run(self, worker: Worker) -> None:
        """`ProcessCore.run`, one message at a time through `take` and `settle`."""
        if not self.begin():
            return
        runtime = self.runtime
        # The worker's tally as in `ProcessCore.run`; the process's busy time is added
        # message by message in `settle`.
        started = time.perf_counter_ns()
        _, handled, failed, busy_ns = worker.tally
        worker.tally = (self, handled - self.handled, failed - self.failed, busy_ns - started)
        runq = self.queue
        requeue = False
        try:
            batch = budget = worker.batch
            while True:
                if not budget:
                    if not runq.empty():  # others wait for a thread: their turn
                        requeue = True
                        return
                    budget = batch
                budget -= 1
                if self.handle_next() is None:
                    return
                if runtime.stopping:
                    return
        finally:
            _, handled, failed, busy_ns = worker.tally
            ended = time.perf_counter_ns()
            worker.tally = (None, handled + self.handled, failed + self.failed, busy_ns + ended)
            if requeue:
                self._requeue()
            else:
                self.end()
