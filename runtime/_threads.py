"""`Runtime`: the thread-pool backend, which multiplexes processes over a pool of threads.

Every process belongs to one runtime. Processes are spawned on the *current* runtime:
the one entered with ``with Runtime(...):``, the one whose handler is running, or else
the default runtime, which starts on first use and drains at interpreter exit. How a
runtime ends is the same for every backend: see `_core`.

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
then working, not blocked, and more threads could only contend. Without the GIL each
stuck thread is also judged by its own scheduler statistics: one that was running or
ready to run for half the tick or more is computing, and no backup thread replaces it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from ._core import DRAIN_TIMEOUT, RuntimeCore
from ._current import entered, running
from ._errors import RuntimeStopped, UsageError
from ._failures import ErrorHandler, log_internal
from ._locks import locked
from ._worker import Worker

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

    from ._cluster import ClusterCore
    from ._loops import LoopQueue, LoopThread
    from ._process import ProcessCore

__all__ = ["IDLE_TICK", "SATURATED", "TICK", "Runtime"]

# How often the monitor looks for blocked pool threads, in seconds. A thread that stays in
# one run for a whole tick while processes wait counts as blocked. While no process has
# work, the monitor looks less often: an idle program should not wake up 200 times a second.
TICK = 0.005
IDLE_TICK = 0.05
# A program whose threads were running (or ready to run) for this share of what the
# interpreter can run at once in a tick kept it busy.
SATURATED = 0.5


def _default_threads() -> int:
    return min(32, (os.cpu_count() or 1) + 4)


class Runtime(RuntimeCore):
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
    exception, a Ctrl-C and the interpreter's exit end a runtime: see `_core`.

    `on_error` receives a `Failure` for every tell whose handler raised (asks deliver the
    exception to their future instead); the default logs it. `drain_timeout` bounds the
    drain when the block is left or the interpreter exits (None: no bound).

    `latency_histograms=True` records, per async class and cluster, how long messages
    waited before a handler took them and how long handlers ran (`runtime_stats().latency`,
    `cluster_stats(c).wait` and `.handler`), and names the message each process is
    handling (`process_stats(p).handling`). It costs every message a little: off by default.
    """

    def __init__(
        self,
        threads: int | None = None,
        *,
        name: str = "actorgen",
        on_error: ErrorHandler | None = None,
        max_threads: int | None = None,
        drain_timeout: float | None = DRAIN_TIMEOUT,
        latency_histograms: bool = False,
    ) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        target = threads or _default_threads()
        if max_threads is not None and max_threads < target:
            raise ValueError(f"max_threads ({max_threads}) must be at least threads ({target})")
        self.runq: SimpleQueue[Any] = SimpleQueue()
        super().__init__(
            name=name,
            on_error=on_error,
            drain_timeout=drain_timeout,
            latency_histograms=latency_histograms,
        )
        self._target = target  # pool threads that should be free to run processes
        self._max_threads = max_threads or max(256, target)
        self._pool: list[Worker] = []  # pool threads, backups included
        self._dedicated: list[Worker] = []  # threads of processes that have their own
        self._retired = Worker(self.runq)  # the counts of threads that ended
        self._backups = 0  # backup threads started, ever
        # Async processes (docs/asyncio.md): the queue of each event loop they run on, and
        # the runtime's own loop thread, started for the first one spawned off any loop.
        self._loop_queues: dict[AbstractEventLoop, LoopQueue] = {}
        self._loop_thread: LoopThread | None = None
        self._ended_loops: list[Worker] = []  # the counts of loops whose processes moved
        self._started = 0  # pool threads started, ever: numbers their names
        with self._lock:
            for _ in range(target):
                self._start_pool_thread()
        self._halt = threading.Event()  # set by shutdown: the monitor ends at once
        self._monitor = threading.Thread(target=self._watch, name=f"{name}-monitor", daemon=True)
        self._monitor.start()

    def _describe(self) -> str:
        return f"threads={self._target} "

    @property
    def threads(self) -> int:
        """The pool size asked for; backup threads come on top while handlers block."""
        return self._target

    def __enter__(self) -> Runtime:
        super().__enter__()
        return self

    # -- the backend's part of the seam (see `_core`) -------------------------------------

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
        super().process_stopped(process, idle)
        if idle and process.queue is not self.runq:
            process.queue.put(None)  # its own thread has nothing left to run (a loop ignores it)

    # -- event loops (async processes, see `_loops`) -----------------------------------------

    def loop_queue(self, process: ProcessCore, cls: type) -> LoopQueue:
        """The queue of the loop running in this thread, or of the runtime's own loop."""
        from asyncio import _get_running_loop

        from ._loops import LoopQueue

        if process.options.dedicated_thread:
            raise UsageError(
                f"cannot spawn {process.name}: {cls.__name__} has 'async def' messages, which "
                "run on an event loop, so it cannot have a dedicated thread"
            )
        loop = _get_running_loop()
        with self._lock:
            if self.closing:
                raise RuntimeStopped(process.name)
            self.loops_in_use = True
            if loop is None:
                return self._own_loop()
            queue = self._loop_queues.get(loop)
            if queue is None:
                queue = LoopQueue(self, loop, threading.get_ident(), owned=False)
                self._loop_queues[loop] = queue
            return queue

    def _own_loop(self) -> LoopQueue:
        """The runtime's own loop thread's queue, started on first use (with the lock)."""
        from ._loops import LoopThread

        if self._loop_thread is None:
            self._loop_thread = LoopThread(self, f"{self.name}-loop")
            assert self._loop_thread.queue is not None
            self._loop_queues[self._loop_thread.loop] = self._loop_thread.queue
        assert self._loop_thread.queue is not None
        return self._loop_thread.queue

    def move_loop(self, queue: LoopQueue) -> None:
        """`queue`'s loop ended, or stopped running: its processes go to the runtime's own
        loop (or, once the runtime stops, their work is failed)."""
        with self._lock:
            if queue.moved is None and not queue.owned and not self.stopping:
                queue.moved = self._own_loop()
                self._loop_queues.pop(queue.loop, None)
                self._ended_loops.append(queue.worker)
            moved = queue.moved
        for process in queue.take_items():
            if moved is None:
                process.abandon()
            else:
                process.queue = moved
                moved.put(process)

    def _hosting_queue(self) -> LoopQueue | None:
        """The queue of the event loop running in this thread, if processes live on it."""
        if not self.loops_in_use:
            return None
        from asyncio import _get_running_loop

        loop = _get_running_loop()
        return None if loop is None else self._loop_queues.get(loop)

    def sender_cannot_block(self) -> bool:
        return self._hosting_queue() is not None

    def _on_hosting_loop(self, target: object) -> bool:
        """Whether `target` (a process or cluster) runs only on this thread's loop."""
        queue = self._hosting_queue()
        if queue is None:
            return False
        cores = getattr(target, "members", None)
        if cores is None:
            return getattr(target, "queue", None) is queue
        return bool(cores) and all(core.queue is queue for core in cores)

    def blocking_wait(self, target: object) -> None:
        if self._on_hosting_loop(target):
            raise UsageError(
                f"waiting for {getattr(target, 'name', target)} on the thread of the event "
                "loop its handlers run on would block them: `await` the future instead "
                "(or wait in another thread: `await asyncio.to_thread(future.result)`)"
            )

    def wait_for(
        self, condition: threading.Condition, predicate: Callable[[], bool], timeout: float | None
    ) -> bool:
        target: ClusterCore | None = getattr(predicate, "__self__", None)
        if target is not None and self._on_hosting_loop(target):
            raise UsageError(
                f"join() of cluster {target.name} on the thread of the event loop its "
                "members run on would block them: await the asks instead, or join in "
                "another thread (`await asyncio.to_thread(cluster.join)`)"
            )
        return condition.wait_for(predicate, timeout)

    def wait_for_room(
        self, room: threading.Condition, roomy: Callable[[], bool], timeout: float | None
    ) -> bool:
        """A sender waits on a full queue (holding `room`'s lock) until `roomy()`, the
        timeout, or shutdown, which wakes every blocked sender at once.

        (Not on the thread of an event loop that runs async processes: there the queues
        park the message instead, see `sender_cannot_block`.)"""
        return self._wait_on_room(room, roomy, timeout)

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
        entered.set(self)
        queue = worker.queue
        running.runtime = self
        try:
            while True:
                process = queue.get()
                if process is None:
                    return
                if process.__class__ is partial:  # a step a sender could not finish
                    self.finish(process)
                    continue
                if process.queue is not queue:  # an async process an interrupted send left
                    process.queue.put(process)  # (see `_loops`): on to its loop
                    continue
                if self.stopping:
                    process.abandon()
                    continue
                running.process = process
                worker.process = process
                worker.runs += 1
                try:
                    process.run(worker)
                except BaseException as error:  # pragma: no cover - run() delivers errors
                    log_internal(f"while running {process!r}", error)
                finally:
                    running.process = None
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
            self._retired.add(*worker.counted(time.perf_counter_ns()))

    def _watch(self) -> None:
        """The monitor: start backup threads while pool threads block (module docstring)."""
        # Threads that can run Python at once: one under the GIL, else every core.
        gil = getattr(sys, "_is_gil_enabled", lambda: True)()
        parallel = 1 if gil else os.cpu_count() or 1
        tick = IDLE_TICK
        # What the last tick read (wall clock, the threads' runnable time), if that tick
        # found processes waiting: a decision needs two such ticks in a row.
        last: tuple[int, int] | None = None
        last_each: dict[int, int] = {}  # each thread's runnable time then, by native id
        woke = time.perf_counter_ns()
        while not self._halt.wait(tick):
            asked, tick = tick, TICK if self.active else IDLE_TICK
            slept, woke = time.perf_counter_ns() - woke, time.perf_counter_ns()
            if self.runq.empty():
                last = None
                last_each = {}
                continue
            # Read only now: reading every thread's statistics costs (/proc on Linux).
            runnable, each = _runnable_ns()
            now = (woke, runnable)
            before, last = last, now
            then_each, last_each = last_each, each
            with self._lock:
                free = 0
                for worker in self._pool:
                    if worker.process is None or worker.runs != worker.seen:
                        free += 1
                    elif not gil and before is not None:
                        # Without the GIL a thread's own time tells: one that was running
                        # or ready to run for most of the tick is computing, not blocked
                        # (the whole program's time is no guide when many threads wait
                        # for a core, or park for a moment on a contended lock).
                        tid = worker.thread.native_id if worker.thread is not None else None
                        if tid in each and tid in then_each:
                            own = each[tid] - then_each[tid]
                            if own >= SATURATED * (now[0] - before[0]):
                                free += 1  # busy, but no backup would help it
                    worker.seen = worker.runs
                if before is None or free >= self._target or self.closing:
                    continue
                # Threads in long runs are computing, not blocked, if the program's threads
                # kept the interpreter busy, or the monitor itself woke late for want of
                # it: more threads could only contend.
                tick_ns = now[0] - before[0]
                if each and then_each:
                    # Per thread: the time of a thread that ended meanwhile is gone from
                    # the total, which can then even go down.
                    runnable_ns = sum(ns - then_each.get(tid, 0) for tid, ns in each.items())
                else:
                    runnable_ns = now[1] - before[1]
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

    # -- stopping ------------------------------------------------------------------------

    def _stop_handlers(self, deadline: float | None) -> bool:
        """End the pool: wake blocked senders (they raise `RuntimeStopped`), stop every
        thread, and wait for them until `deadline`. A handler still running then keeps its
        thread (pool threads are daemons)."""
        with self._lock:
            workers = [*self._pool, *self._dedicated]
            loops = list(self._loop_queues.values())
            own = self._loop_thread
        stopped = all([queue.stop(deadline) for queue in loops])  # cancel the running turns
        if own is not None:
            stopped = own.stop(deadline) and stopped
        self._halt.set()
        self._wake_rooms()
        for worker in workers:
            worker.queue.put(None)
        # A backup thread the monitor has not started yet ends on its own (None is queued),
        # and so does one still starting: `is_alive()`, not `ident`, which a new thread has
        # a moment before `join` accepts it (seen on 3.13t: "cannot join thread before it
        # is started" at shutdown).
        threads = [w.thread for w in workers if w.thread is not None and w.thread.is_alive()]
        threads.append(self._monitor)
        me = threading.current_thread()
        for thread in threads:
            if thread is not me:
                thread.join(_left(deadline))
        alive = any(thread.is_alive() for thread in threads if thread is not me)
        return not alive and stopped

    def _workers(self) -> list[Worker]:
        loops = [queue.worker for queue in self._loop_queues.values()]
        return [*self._pool, *self._dedicated, self._retired, *loops, *self._ended_loops]

    def counts(self) -> dict[str, int]:
        """As `RuntimeCore.counts`, with the busy time of the turns in progress on event
        loops (a turn settles it at each step, as a pool thread's run does at its end)."""
        counts = super().counts()
        if self.loops_in_use:
            now = time.perf_counter_ns()
            loops = locked(self._lock, lambda: list(self._loop_queues.values()))
            counts["busy_ns"] += sum(queue.busy_now(now) for queue in loops)
        return counts

    def running_handlers(self) -> list[ProcessCore]:
        """The processes whose handler a thread of ours, or a turn on a loop, runs now."""
        found = super().running_handlers()
        loops = locked(self._lock, lambda: list(self._loop_queues.values()))
        for queue in loops:
            found.extend(queue.running())
        return found

    # -- ending from asyncio ------------------------------------------------------------------

    def shutdown(self, drain: bool = True, timeout: float | None = None) -> bool:
        """As `RuntimeCore.shutdown`. With async processes: a drain on the thread of an event
        loop whose processes have work raises `UsageError` (it would block them; use
        ``async with runtime:`` or `shutdown_async`), and processes on a loop that no
        longer runs move to the runtime's own loop first, so that their work is drained."""
        if self.loops_in_use and not self.closed:
            if drain and not self.stopping:
                queue = self._hosting_queue()
                if queue is not None and (queue.turns or queue.items):
                    raise UsageError(
                        f"shutdown(drain=True) of runtime {self.name} on the thread of an event "
                        "loop whose processes have work would block them: use `async with "
                        "runtime:` or `await runtime.shutdown_async()`"
                    )
            with self._lock:
                idle = [q for q in self._loop_queues.values() if not q.owned]
            for queue in idle:
                if queue.loop.is_closed() or not queue.loop.is_running():
                    self.move_loop(queue)
        return super().shutdown(drain, timeout)

    async def shutdown_async(self, drain: bool = True, timeout: float | None = None) -> bool:
        """`shutdown` from asyncio code: it runs in a thread, so that the handlers on this
        loop go on while a drain waits for them."""
        import asyncio

        return await asyncio.to_thread(self.shutdown, drain, timeout)

    async def __aenter__(self) -> Runtime:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: object,
    ) -> None:
        """Leave ``async with runtime:`` as ``with`` does (a drain, or a stop within `GRACE`
        after an exception), without blocking the event loop."""
        import asyncio

        if self._token is not None:
            entered.reset(self._token)
            self._token = None
        await asyncio.to_thread(self._end, exc_type is not None)

    def _pool_counts(self) -> dict[str, int]:
        return {
            "pool_threads": len(self._pool),
            "dedicated_threads": len(self._dedicated),
            "backup_threads_started": self._backups,
        }


def _runnable_ns() -> tuple[int, dict[int, int]]:
    """How long the program's threads have been running or ready to run, in total, and
    each thread's (by native thread id; none where that cannot be read).

    On Linux, from each thread's schedstat: time on a CPU plus time waiting for one, so a
    loaded machine does not make a busy interpreter look idle (a thread that waits for the
    GIL sleeps, and counts in neither). Elsewhere the process's CPU time.
    """
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return time.process_time_ns(), {}
    total = 0
    each: dict[int, int] = {}
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/schedstat", "rb") as stat:
                running, waiting = stat.read().split()[:2]
        except (OSError, ValueError):  # the thread ended meanwhile
            continue
        each[int(task)] = ns = int(running) + int(waiting)
        total += ns
    return total, each


def _number_in(name: str, kind: str) -> int | None:
    """The number in `name` if it has the form `unique_name` gives names of `kind`."""
    prefix, _, suffix = kind.partition("{}") if "{}" in kind else (f"{kind}-", "", "")
    middle = name[len(prefix) : len(name) - len(suffix)]
    ok = name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix)
    return int(middle) if ok and middle.isdigit() else None


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())
