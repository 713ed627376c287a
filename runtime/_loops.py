"""Event loops: where the processes of classes with `async def` messages run.

A process is *async* when its class has an `async def` message (`_coroutines`). It runs on
the event loop that was running in the thread that spawned it, or, when none was (a plain
thread, the main program before `asyncio.run`), on the runtime's own loop thread, started
on first use. The process's run queue is then the `LoopQueue` of that loop, not the pool's:

- `put(process)` appends it to the queue's `deque` and wakes one *runner*: a task of
  the loop that takes processes from the queue and runs their turns. From the loop's own
  thread that is one `set_result` on an idle runner's future (no thread hop, no wake-up
  of the loop), or a new runner when none is idle; from any other thread it goes through
  one `loop.call_soon_threadsafe` for all the processes put meanwhile;
- a *turn* takes one message at a time (the steps of `begin`, `take`, `handle`, `settle`
  and `end`, fused into one loop with locals, as `ProcessCore.run` is for the pool) and
  awaits the coroutine a handler returns before it takes the next. So a process handles
  one message at a time across its awaits. A turn that finds nothing lingers one step of
  the loop (see `_turn`), then ends, and its runner takes the next process, or waits for
  one (up to `SPARE` runners wait; the others end): an idle process holds no task.
  10,000 processes awaiting at once are 10,000 runners, each in one turn;
- a send interrupted half-way (docs/lifecycle.md, "Interrupted sends") cannot call `put`,
  a Python function, from its `except`: it puts the process on `backstop`, the pool's run
  queue (`SimpleQueue.put`, a C call), and the pool thread that takes it calls `put`. A
  `put` cut short after arming the loop's wake-up disarms, so that one schedules it.

Ending: a drain waits for running turns like any other work. Stopping without a drain
cancels the runners (a cancelled handler's ask fails with `RuntimeStopped`, its tell
is reported) and waits for them to finish, so no task is left pending; the runtime's own
loop is then stopped and closed. A program's loop that ends first (``asyncio.run``
returning cancels every task) cancels the turns on it: the message being handled fails with
`HandlerCancelled`, and the processes of that loop move to the runtime's own loop thread,
where their queued work goes on.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
import time
from collections import deque
from collections.abc import Generator
from contextlib import suppress
from types import CoroutineType, coroutine
from typing import TYPE_CHECKING, Any

from ._core import GRACE
from ._current import entered, handling
from ._envelopes import Stamped
from ._errors import HandlerCancelled
from ._failures import describe, log_internal
from ._future import RESULT, RUNNING, Future
from ._supervision import supervise
from ._worker import Worker

if TYPE_CHECKING:
    from ._cluster import ClusterCore, Seat
    from ._envelopes import Envelope
    from ._process import ProcessCore
    from ._threads import Runtime

__all__ = ["BATCH", "SLICE_NS", "SPARE", "LoopQueue", "LoopThread"]

# A turn whose handlers do not suspend looks at the clock every BATCH messages, and gives
# the loop back for one step once it has had it for SLICE_NS (a task looping on a queue
# would never give it back).
BATCH = 64
SLICE_NS = 1_000_000
# Idle runner tasks a loop keeps, so that waking a process rarely makes a task.
SPARE = 8


@coroutine
def _step() -> Generator[None, None, None]:
    """Give the loop back for one step (`asyncio.sleep(0)` without its wrapper)."""
    yield


def _add_busy(process: ProcessCore, ns: int) -> None:
    """Settle `ns` of a turn's busy time in the process, which is not busy from now on
    (until `_busy_from`): `ProcessCore.busy_ns` then counts no time in progress."""
    process._busy = (process._busy[0] + ns, 0)


def _busy_from(process: ProcessCore, started: int) -> None:
    """The process is busy from `started` on: `ProcessCore.busy_ns` counts the time since,
    as for a process running on a pool thread."""
    process._busy = (process._busy[0], started)


def _raised_by_the_handler() -> bool:
    """A `CancelledError` out of a handler: raised by the handler itself, not by a
    cancellation of its task? (Known from Python 3.11 on, `Task.cancelling`; before, every
    one counts as a cancellation.)"""
    if sys.version_info < (3, 11):
        return False
    task = asyncio.current_task()
    return task is not None and not task.cancelling()


class LoopQueue:
    """The run queue of the async processes of one event loop (module docstring)."""

    __slots__ = (
        "armed",
        "backstop",
        "context",
        "idle",
        "items",
        "loop",
        "moved",
        "owned",
        "runners",
        "runtime",
        "thread",
        "turns",
        "waiting",
        "watch",
        "worker",
    )

    def __init__(
        self, runtime: Runtime, loop: asyncio.AbstractEventLoop, thread: int, owned: bool
    ) -> None:
        self.runtime = runtime
        self.loop = loop
        self.thread = thread  # the ident of the thread that runs `loop`
        self.owned = owned  # the runtime's own loop thread, not the program's loop
        self.items: deque[ProcessCore | None] = deque()
        self.armed = False  # a wake-up from another thread is scheduled, not yet run
        self.backstop = runtime.runq  # see the module docstring
        self.moved: LoopQueue | None = None  # its loop ended: processes go there instead
        # The processes in a turn, and since when their busy time is not settled.
        self.turns: dict[ProcessCore, int] = {}
        self.runners: set[asyncio.Task[Any] | None] = set()  # the loop's runner tasks
        self.waiting: list[asyncio.Future[None]] = []  # idle runners, waiting for a put
        # Made by a `stop` from another thread, set (on the loop) once no turn runs.
        self.watch: threading.Event | None = None
        self.worker = Worker(self, batch=BATCH)  # the counts of its handlers, for stats
        # The context drains and turns run in: the runtime entered (spawns inside a handler
        # go to it), and nothing of whichever sender happened to schedule the drain.
        self.context = contextvars.Context()
        self.context.run(entered.set, runtime)

    def __repr__(self) -> str:
        return f"<LoopQueue {'own' if self.owned else 'program'} loop, {len(self.turns)} turns>"

    # -- scheduling ------------------------------------------------------------------------

    def put(self, process: ProcessCore | None) -> None:
        """`process` has work: a runner task of the loop starts its turn soon."""
        if process is None:  # the pool's "stop" for a dedicated thread: not ours
            return
        moved = self.moved
        if moved is not None:
            process.queue = moved
            moved.put(process)
            return
        self.items.append(process)
        try:
            if threading.get_ident() == self.thread:
                self._wake()
            elif not self.armed:
                self.armed = True
                self.loop.call_soon_threadsafe(self._wake_all, context=self.context)
        except RuntimeError:  # the loop has closed: its processes move
            self.armed = False
            self.runtime.move_loop(self)
        except BaseException:
            # Interrupted (docs/lifecycle.md, "Interrupted sends"): maybe armed with no
            # wake-up scheduled. Disarm (a store, no call), so that the sender's backstop
            # put, or the next one, schedules one; an extra wake-up is harmless.
            self.armed = False
            raise

    def _wake(self) -> None:
        """One runner for one queued process: an idle one, else a new one."""
        waiting = self.waiting
        while waiting:
            waiter = waiting.pop()
            if not waiter.done():
                waiter.set_result(None)
                return
        if self.runtime.stopping:
            # No new task once the runtime stops: it could be left unstarted when the loop
            # closes. A turn would only fail the process's work: do that here.
            for process in self.take_items():
                process.abandon()
            return
        if sys.version_info >= (3, 11):
            task = self.loop.create_task(self._runner(), context=self.context)
        else:  # no `context=` before 3.11: a task copies the context it is made in
            task = self.context.copy().run(self.loop.create_task, self._runner())
        self.runners.add(task)

    def _wake_all(self) -> None:
        """Processes put by other threads: a runner for each."""
        self.armed = False  # first: a put from now on schedules another call
        for _ in range(len(self.items)):
            self._wake()

    async def _runner(self) -> None:
        """Turns of queued processes, one after the other; then idle (up to `SPARE`
        runners wait for the next put), or end."""
        items = self.items
        loop = self.loop
        runtime = self.runtime
        try:
            while True:
                while items:
                    try:
                        process = items.popleft()
                    except IndexError:  # another runner took the last
                        break
                    if process is not None and await self._turn(process):
                        return  # the loop is ending under us
                if len(self.waiting) >= SPARE or runtime.stopping:
                    return
                waiter: asyncio.Future[None] = loop.create_future()
                self.waiting.append(waiter)
                try:
                    await waiter
                finally:
                    if not waiter.done() or waiter in self.waiting:
                        with suppress(ValueError):
                            self.waiting.remove(waiter)
        finally:
            self.runners.discard(asyncio.current_task())

    def take_items(self) -> list[ProcessCore]:
        """Empty the queue (its loop ended): what was waiting for a turn."""
        taken: list[ProcessCore] = []
        while self.items:
            try:
                process = self.items.popleft()
            except IndexError:
                break
            if process is not None:
                taken.append(process)
        return taken

    # -- one turn: messages until there are none --------------------------------------------

    async def _turn(self, process: ProcessCore) -> bool:
        """Handle `process`'s messages, one at a time, until it has none; True if the loop
        is ending (the process moved to the runtime's own loop).

        The hot path of async processes, as `ProcessCore.run` is for the pool's: the take,
        the claim of an ask, the dispatch and what follows a reply are inlined and use
        locals, because every call here is paid per message. The steps are those of
        `ProcessCore.begin`, `take`, `settle` and `end`; only the loop's thread runs them,
        and the locks are those senders of other threads also take.
        """
        runtime = self.runtime
        if runtime.stopping:
            process.abandon()
            return False
        if not process.begin():
            return False
        turns = self.turns
        token = handling.set(process)  # in the runner's context: the handler's sends see it
        worker = self.worker
        dispatch = process._dispatch
        instance = process._instance
        cursor = process._cursor
        unsaved = 0  # direct tells handled but not yet added to the process's count
        # The process's counts already added to the loop's worker (`settle_worker`).
        counted = (process.handled, process.failed)
        latency = runtime.latency
        kind = type(instance).__name__
        waited = -1

        def settle_worker() -> None:
            nonlocal counted
            now_counted = (process.handled, process.failed)
            worker.add(now_counted[0] - counted[0], now_counted[1] - counted[1], 0)
            counted = now_counted

        budget = BATCH
        lingered = False
        spun: ClusterCore | None = None  # the cluster it lingered in, until its next look
        move = False
        # Busy time is settled at each step and at the end; `turns` holds when the part
        # not yet settled began (`busy_now`).
        turns[process] = started = time.perf_counter_ns()
        _busy_from(process, started)
        # The queues of the only seat, kept in locals while the seat stays the same.
        last_seat: Seat | None = None
        seat_cluster: Any = None
        pinned: Any = None
        shared: Any = None
        try:
            while True:
                if process._stop_reason is not None:  # stopped: take nothing more, anywhere
                    break
                # The take of `ProcessCore.run`: the direct mailbox and the only seat in
                # turn, or the rotation over every source.
                envelope: Envelope | None = None
                cluster: ClusterCore | None = None
                mailbox = process._mailbox
                seat = process._seat
                if seat is not None:
                    if seat is not last_seat:  # membership changed: refresh the locals
                        last_seat = seat
                        seat_cluster = seat.cluster
                        pinned = seat.pinned
                        shared = seat_cluster.pending
                    if mailbox and (cursor == 0 or not (shared or pinned)):
                        try:
                            envelope = mailbox.popleft()
                            cursor = 1
                        except IndexError:  # stop_process() emptied it meanwhile
                            pass
                    elif shared or pinned:
                        process.handling = seat_cluster  # before taking: join() relies on it
                        if not seat.removed:
                            try:  # noqa: SIM105 - suppress() costs a call per message
                                envelope = pinned.popleft() if pinned else shared.popleft()
                            except IndexError:  # another member (or a removal) took the last
                                pass
                        if envelope is None:
                            process.handling = None
                            if seat_cluster.joiners:  # it may have seen our mark: tell it
                                seat_cluster.progress()
                            if mailbox:
                                try:
                                    envelope = mailbox.popleft()
                                    cursor = 1
                                except IndexError:
                                    pass
                        else:
                            cluster = seat_cluster
                            cursor = 0
                elif not process._seats:
                    if mailbox:
                        try:  # noqa: SIM105 - contextlib.suppress costs a call per message
                            envelope = mailbox.popleft()
                        except IndexError:  # stop_process() emptied it meanwhile
                            pass
                else:
                    envelope, cluster, cursor = process._take_rotating(cursor)
                if spun is not None:
                    # Its sends woke nobody while it lingered: if it left the cluster
                    # meanwhile, or took something else, a parked member takes over.
                    if cluster is not spun and spun.pending and spun._idle:
                        spun.wake_parked()
                    spun = None
                if envelope is None:
                    if lingered:
                        break
                    # Nothing now: stay one step of the loop before going idle. A sender
                    # that sends again as soon as it has its reply (one ask at a time)
                    # then finds this member still in its turn, and nobody is woken or
                    # parked per message. Its cluster's sends meanwhile wake no parked
                    # member: this one looks again first (`ClusterCore.spinning`).
                    lingered = True
                    budget = BATCH
                    now = time.perf_counter_ns()
                    _add_busy(process, now - started)
                    worker.add(0, 0, now - started)
                    spun = seat_cluster if seat is not None else None
                    if spun is not None:
                        spun.spinning += 1
                    try:
                        await _step()
                    finally:
                        if spun is not None:
                            spun.spinning -= 1
                    if spun is not None and spun._idle:
                        # The sends meanwhile woke nobody: wake the parked members they
                        # would have, but for the one message this member takes next.
                        for _ in range(len(spun.pending) - 1):
                            if not spun._idle:
                                break
                            spun.wake_parked()
                    turns[process] = started = time.perf_counter_ns()
                    _busy_from(process, started)
                    continue
                lingered = False
                waited = -1
                if envelope.__class__ is Stamped:  # latency histograms are on
                    waited = time.perf_counter_ns() - envelope.ns
                    envelope = envelope.envelope
                if envelope.__class__ is Future:
                    future = envelope
                    message = future._message
                    # Claim it (Future._claim, inlined): from now on cancel() says no. A
                    # cancelled one is skipped, unhandled.
                    claim = future._lock
                    claim.acquire()
                    cancelled = future._state
                    if not cancelled:
                        future._state = RUNNING
                        future._message = None
                    claim.release()
                    if cancelled:
                        process._skipped(cluster)
                        if runtime.stopping:
                            break
                        continue
                else:
                    message = envelope
                    future = None
                began = 0
                if latency is not None:  # histograms on: a `TimedProcessCore`
                    process.current = message  # type: ignore[attr-defined]
                    began = time.perf_counter_ns()
                try:
                    reply = dispatch(instance, message)
                    if reply.__class__ is CoroutineType:
                        reply = await reply
                except asyncio.CancelledError as cancelled_error:
                    if not runtime.stopping and _raised_by_the_handler():
                        # Its task was not cancelled: an error of the handler like any
                        # other (count, deliver, supervise), and the turn goes on.
                        process.handled += unsaved
                        unsaved = 0
                        ran = time.perf_counter_ns() - began if latency is not None else 0
                        taken = (message, future, cluster, waited)
                        process.settle(taken, None, cancelled_error, ran)
                        _add_busy(process, -ran)  # the turn counts its busy time itself
                        _busy_from(process, started)
                        instance = process._instance
                        if runtime.stopping:
                            break
                        continue
                    # Cancelled by us (shutdown without a drain) or by the loop's owner
                    # (asyncio.run ending): the handler did not finish.
                    error: BaseException
                    if runtime.stopping:
                        error = runtime.stopped_error(process.name)
                    else:
                        error = HandlerCancelled(process.name, describe(message))
                        move = not self.owned
                    error.__cause__ = cancelled_error
                    process.handled += unsaved
                    unsaved = 0
                    ran = time.perf_counter_ns() - began if latency is not None else 0
                    process.settle((message, future, cluster, waited), None, error, ran)
                    _add_busy(process, -ran)  # the turn counts its busy time itself
                    settle_worker()
                    break
                except BaseException as raised:  # delivered to the future or on_error
                    if latency is not None:
                        ran = time.perf_counter_ns() - began
                        latency.record(kind, None if cluster is None else cluster.name, waited, ran)
                        process.current = None  # type: ignore[attr-defined]
                    # Counters first, so that whoever sees the reply sees them updated.
                    process.handled += unsaved + 1
                    process.failed += 1
                    unsaved = 0
                    if future is None:
                        runtime.report(process.name, message, raised)
                    if process.options.supervision != "resume":
                        # Before an ask's failure is delivered, as in `ProcessCore.run`.
                        supervise(process, raised)
                        instance = process._instance
                    if future is not None:
                        future._fail(raised)
                else:
                    if latency is not None:
                        ran = time.perf_counter_ns() - began
                        latency.record(kind, None if cluster is None else cluster.name, waited, ran)
                        process.current = None  # type: ignore[attr-defined]
                    if future is None:
                        if cluster is None:
                            unsaved += 1
                        else:  # counted before its mark goes: join() sees it counted
                            process.handled += 1
                    else:
                        process.handled += unsaved + 1
                        unsaved = 0
                        # The reply (Future._resolve, inlined for the common case of an
                        # ask nobody waits on yet: it is paid per ask).
                        claim.acquire()
                        if (
                            future._state == RUNNING
                            and future._aio is None
                            and future._waiters is None
                            and future._callbacks is None
                        ):
                            future._value = reply
                            future._state = RESULT
                            claim.release()
                        else:
                            claim.release()
                            future._resolve(reply)
                if cluster is not None:
                    process.handling = None
                    if cluster.waiting and (cluster.blocked or not cluster.pending):
                        cluster.progress()
                elif process._blocked:
                    process._make_room()
                if runtime.stopping:
                    break
                budget -= 1
                if not budget:
                    # A long run of messages: settle the counts, and once the turn has had
                    # the loop for a `SLICE`, let the loop's other tasks run once. (A
                    # handler that awaited something that suspends gave it back already,
                    # but counting those too costs less than telling them apart.)
                    budget = BATCH
                    process.handled += unsaved
                    unsaved = 0
                    settle_worker()
                    now = time.perf_counter_ns()
                    if now - started >= SLICE_NS:
                        _add_busy(process, now - started)
                        worker.add(0, 0, now - started)
                        await _step()
                        turns[process] = started = time.perf_counter_ns()
                        _busy_from(process, started)
        except BaseException as broken:  # pragma: no cover - the handler's are caught above
            if not isinstance(broken, asyncio.CancelledError):
                log_internal(f"while running {process!r}", broken)
            elif not runtime.stopping and not self.owned:
                move = True
        finally:
            process.handled += unsaved
            settle_worker()
            process._cursor = cursor
            if spun is not None and spun.pending and spun._idle:  # as after a look, above
                spun.wake_parked()
            now = time.perf_counter_ns()
            _add_busy(process, now - started)
            worker.add(0, 0, now - started)
            handling.reset(token)
            turns.pop(process, None)
            if move:
                self._hand_over(process)
            else:
                process.end()
            if not turns and self.watch is not None:
                self.watch.set()
        return move

    def _hand_over(self, process: ProcessCore) -> None:
        """This loop is ending under the process: its turn goes on on the runtime's own
        loop, with everyone else's queued here."""
        self.runtime.move_loop(self)
        process._running = False  # still scheduled: the new loop's turn takes over
        assert self.moved is not None
        process.queue = self.moved
        self.moved.put(process)

    # -- stopping --------------------------------------------------------------------------

    def cancel_turns(self) -> None:
        """Cancel every runner, in a turn or idle (on the loop's thread)."""
        for task in list(self.runners):
            if task is not None:
                task.cancel()

    def stop(self, deadline: float | None) -> bool:
        """Cancel the running turns and wait (until `deadline`) for them to finish; True if
        none is left. From the loop's own thread the turns finish once it runs again."""
        if not self.runners:
            return True
        if threading.get_ident() == self.thread:
            self.cancel_turns()
            return False
        ended = threading.Event()
        try:
            self.loop.call_soon_threadsafe(self._cancel_and_watch, ended)
        except RuntimeError:  # closed: nothing can run there any more
            return not self.turns
        if not self.turns:  # only idle runners (or a loop that no longer runs)
            return True
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        return ended.wait(left)

    def _cancel_and_watch(self, ended: threading.Event) -> None:
        """On the loop: cancel every runner; `ended` is set once no turn is left."""
        self.watch = ended
        self.cancel_turns()
        if not self.turns:
            ended.set()

    def running(self) -> list[ProcessCore]:
        return list(self.turns)

    def busy_now(self, now: int) -> int:
        """The busy time of the turns in progress not yet settled in `worker` (a read from
        any thread: the copy is one C call, which the loop's thread cannot interrupt)."""
        return sum(now - since for since in tuple(self.turns.values()))


class LoopThread:
    """The runtime's own event loop, on a daemon thread: the home of the async processes
    spawned where no loop runs, and of those whose loop ended."""

    def __init__(self, runtime: Runtime, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.queue: LoopQueue | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()
        self._ready.wait()
        assert self.thread.ident is not None
        self.queue = LoopQueue(runtime, self.loop, self.thread.ident, owned=True)

    def _run(self) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            # The idle runners (and any turn still unwinding) end as in `asyncio.run`. Close
            # only once all have ended: a handler that ignores its cancellation still runs,
            # and closing under it would destroy a pending task.
            # Tasks made meanwhile (a late wake-up) are cancelled and waited for too.
            deadline = time.monotonic() + GRACE
            while True:
                tasks = asyncio.all_tasks(loop)
                left = deadline - time.monotonic()
                if not tasks or left <= 0:
                    break
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.wait(tasks, timeout=left))
            if not asyncio.all_tasks(loop):
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

    def stop(self, deadline: float | None) -> bool:
        """Stop the loop once its turns are done (the queue's `stop` cancelled them)."""
        try:
            self.loop.call_soon_threadsafe(self.loop.stop)
        except RuntimeError:  # pragma: no cover - closed already
            return True
        if self.thread is threading.current_thread():
            return False
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        self.thread.join(left)
        return not self.thread.is_alive()
