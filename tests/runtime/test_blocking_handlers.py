"""Handlers that block do not starve other processes: the runtime starts backup threads
while pool threads are stuck in blocking handlers, and retires them afterwards; a process
can also have a thread of its own.

Times are only ever compared with the sleep of the blocking handlers, as ratios.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from actorgen.runtime import ProcessStopped, Runtime, runtime_stats, spawn_options, stop_process
from app.workers_actors import WorkerProcess
from conftest import only_on

# Every test here is about the pool's threads: backup threads started while handlers
# block, dedicated threads, a fast process answering while others sleep. The
# deterministic runtime has one thread and no pool: a sleeping handler blocks everything.
pytestmark = only_on("threads", why="measures the pool's backup and dedicated threads")

PATIENCE = 10.0  # seconds to wait for what should happen at once, before failing
SLEEPERS = 50
# Long against the monitor's idle tick (50 ms) and 50 thread starts under load: on a busy
# 2-core machine each start may wait a scheduler tick (4 ms) for a core, and one in a few
# dozen runs the backup threads took 0.2-0.4 s to reach the last queued process.
SLEEP = 2.0
BOUND = 0.2 * SLEEP  # how long a fast process may wait for a reply meanwhile

Waiter = Callable[[Callable[[], bool], str], None]


def nap_in_handler(inside: list[str]) -> Callable[[], object]:
    """A handler body that notes that it started, then blocks its thread for SLEEP s."""

    def nap() -> object:
        inside.append(threading.current_thread().name)
        time.sleep(SLEEP)
        return None

    return nap


def round_trip(process: WorkerProcess) -> float:
    started = time.perf_counter()
    process.bar(1).result(timeout=PATIENCE)
    return time.perf_counter() - started


def test_a_fast_process_answers_at_once_while_50_handlers_sleep_on_a_4_thread_pool(
    runtime: Runtime, wait_until: Waiter
) -> None:
    """50 processes block in handlers on a 4-thread runtime; meanwhile a fast process
    answers an ask in less than a fifth of the sleep. The runtime started a backup
    thread for every blocked handler beyond the pool, and once the sleepers are done the
    pool shrinks back to its 4 threads.

    Without backup threads the fast process would wait for the pool to work through the
    50 sleeps four at a time: about 12 sleep durations.
    """
    sleepers = [WorkerProcess.spawn(f"s{i}") for i in range(SLEEPERS)]
    fast = WorkerProcess.spawn("fast")
    fast.bar(0).result(timeout=PATIENCE)
    inside: list[str] = []
    naps = [sleeper.call(nap_in_handler(inside)) for sleeper in sleepers]
    wait_until(lambda: len(inside) == SLEEPERS, "every sleeper is inside its handler")
    took = round_trip(fast)
    asleep = sum(not nap.done() for nap in naps)
    stats = runtime_stats()
    assert took < BOUND, f"the fast ask took {took / SLEEP:.2f} x the sleep"
    assert asleep > 0  # measured while handlers slept
    assert len(set(inside)) == SLEEPERS  # each sleeper held a thread of its own
    assert stats.backup_threads_started >= SLEEPERS - runtime.threads
    assert stats.pool_threads >= SLEEPERS
    for nap in naps:
        nap.result(timeout=PATIENCE)
    wait_until(
        lambda: runtime_stats().pool_threads == runtime.threads,
        "the pool shrinks back to its threads",
    )


def test_a_message_sent_right_behind_50_blocking_ones_waits_a_fraction_of_the_sleep(
    runtime: Runtime, wait_until: Waiter
) -> None:
    """An ask sent to a fast process right after 50 processes were told to sleep (so it is
    queued behind them all) is answered within a fifth of the sleep: the backup threads
    catch up with the blocked handlers quickly, not one tick per 4 of them.

    Without backup threads it would wait about 12 sleep durations.

    The fast process must be idle first: a reply does not mean that its thread has left
    the run. One still running takes the ask itself, past the run queue, and then no
    backup thread was needed (without the GIL that happened about once in 40 runs).
    """
    sleepers = [WorkerProcess.spawn(f"s{i}") for i in range(SLEEPERS)]
    fast = WorkerProcess.spawn("fast")
    fast.bar(0).result(timeout=PATIENCE)
    wait_until(lambda: runtime_stats().scheduled == 0, "the fast process is idle")
    naps = [sleeper.sleep(SLEEP) for sleeper in sleepers]
    took = round_trip(fast)
    assert took < BOUND, f"the fast ask took {took / SLEEP:.2f} x the sleep"
    assert runtime_stats().backup_threads_started > 0
    for nap in naps:
        nap.result(timeout=PATIENCE)


def test_a_dedicated_process_runs_on_a_thread_of_its_own(runtime: Runtime) -> None:
    """A process spawned with `dedicated_thread=True` handles every message on the same
    thread, which is none of the pool's threads; it is counted in `dedicated_threads`."""
    with spawn_options(dedicated_thread=True):
        own = WorkerProcess.spawn("own")
    pooled = [WorkerProcess.spawn(f"p{i}") for i in range(runtime.threads)]
    pool_names = {p.thread_name().result(timeout=PATIENCE) for p in pooled for _ in range(3)}
    own_names = {own.thread_name().result(timeout=PATIENCE) for _ in range(5)}
    assert len(own_names) == 1
    assert not own_names & pool_names
    assert own_names <= {t.name for t in threading.enumerate()}
    assert runtime_stats().dedicated_threads == 1


def test_blocking_dedicated_processes_leave_the_pool_to_the_others(
    runtime: Runtime, wait_until: Waiter
) -> None:
    """Processes on threads of their own that block do not hold pool threads: while 8 of
    them sleep on a 4-thread runtime, a pool process answers within a fifth of the sleep
    and no backup thread is needed."""
    with spawn_options(dedicated_thread=True):
        sleepers = [WorkerProcess.spawn(f"d{i}") for i in range(8)]
    fast = WorkerProcess.spawn("fast")
    inside: list[str] = []
    naps = [sleeper.call(nap_in_handler(inside)) for sleeper in sleepers]
    wait_until(lambda: len(inside) == len(sleepers), "every sleeper is inside its handler")
    took = round_trip(fast)
    assert took < BOUND, f"the fast ask took {took / SLEEP:.2f} x the sleep"
    assert runtime_stats().backup_threads_started == 0
    assert runtime_stats().dedicated_threads == len(sleepers)
    for nap in naps:
        nap.result(timeout=PATIENCE)


def thread_alive(name: str) -> bool:
    return any(t.name == name and t.is_alive() for t in threading.enumerate())


def test_the_thread_of_a_stopped_dedicated_process_ends(
    runtime: Runtime, wait_until: Waiter
) -> None:
    """Stopping an idle process with a thread of its own ends that thread."""
    with spawn_options(dedicated_thread=True):
        own = WorkerProcess.spawn("own")
    name = own.thread_name().result(timeout=PATIENCE)
    assert runtime_stats().dedicated_threads == 1
    stop_process(own)
    wait_until(lambda: runtime_stats().dedicated_threads == 0, "the dedicated thread is gone")
    wait_until(lambda: not thread_alive(name), "the dedicated thread ended")


def test_a_dedicated_process_stopped_while_busy_finishes_its_message_then_its_thread_ends(
    runtime: Runtime, wait_until: Waiter, gate: threading.Event
) -> None:
    """A process with a thread of its own, stopped while a handler runs, finishes that
    message; the asks queued behind it fail with `ProcessStopped`; then its thread ends."""
    with spawn_options(dedicated_thread=True):
        own = WorkerProcess.spawn("own")
    name = own.thread_name().result(timeout=PATIENCE)
    started = threading.Event()

    def hold() -> bool:
        started.set()
        return gate.wait(PATIENCE)

    busy = own.call(hold)
    queued = own.bar(1)
    assert started.wait(PATIENCE)
    stop_process(own)
    gate.set()
    assert busy.result(timeout=PATIENCE) is True
    assert type(queued.exception(timeout=PATIENCE)) is ProcessStopped
    wait_until(lambda: runtime_stats().dedicated_threads == 0, "the dedicated thread is gone")
    wait_until(lambda: not thread_alive(name), "the dedicated thread ended")


def test_a_busy_load_that_never_blocks_starts_no_backup_threads(runtime: Runtime) -> None:
    """Many processes kept busy with short messages, and a few with CPU-heavy ones, keep
    every pool thread inside long runs while others wait for a thread: that is work, not
    blocking, and more threads could not run it any faster."""

    def spin(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass

    workers = [WorkerProcess.spawn(f"w{i}") for i in range(64)]
    replies = []
    for _ in range(20):
        for worker in workers:
            for _ in range(50):
                worker.foo(1)
            worker.do(lambda: spin(0.002))
        replies.append(workers[0].bar(0))
    for reply in replies:
        reply.result(timeout=PATIENCE * 6)
    for worker in workers:
        worker.bar(0).result(timeout=PATIENCE)
    assert runtime_stats().backup_threads_started == 0
