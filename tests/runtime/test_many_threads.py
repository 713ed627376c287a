"""Stress: many threads in the thread runtime's lock-free paths at once.

Made for free-threaded CPython, where senders and handlers really run at the same time
(docs/architecture.md, "Without the GIL"), and run on every interpreter: many senders to
clusters of many members, members added, removed and stopped while work flows, and
runtimes shut down under load. Each test checks that every message was handled exactly
once, or failed and reported exactly once, and that the counters add up exactly.

They build their own thread runtimes (the deterministic one runs everything on the
calling thread: nothing there happens at the same time). Sizes are kept small enough for
a few seconds each on 2 cores; ACTORGEN_STRESS_SCALE multiplies the message counts.
"""

from __future__ import annotations

import os
import random
import sys
import sysconfig
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from functools import partial

import pytest
from actorgen.runtime import (
    Failure,
    Future,
    ProcessStopped,
    Runtime,
    RuntimeStopped,
    add_member,
    cluster_stats,
    process_stats,
    remove_member,
    runtime_stats,
    stop_process,
)
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import PATIENCE, Waiter

SCALE = float(os.environ.get("ACTORGEN_STRESS_SCALE", "1"))
SENDERS = 6
PER_SENDER = int(1500 * SCALE)  # messages each sender sends
STRATEGIES = ("balanced", "round_robin", "work_stealing")


def test_a_free_threaded_build_runs_these_tests_without_the_gil() -> None:
    """On a free-threaded build the GIL must really be off: an extension module that is
    not marked free-threading-safe, or PYTHON_GIL=1, turns it back on, and then none of
    these tests would run anything at the same time. CI sets
    ACTORGEN_REQUIRE_FREE_THREADING=1 on its 3.13t run, so that the wrong interpreter
    fails instead of passing."""
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    if os.environ.get("ACTORGEN_REQUIRE_FREE_THREADING") == "1":
        assert free_threaded, f"{sys.executable} is not a free-threaded build"
    if not free_threaded:
        pytest.skip("a build with the GIL")
    assert not sys._is_gil_enabled(), "the GIL was enabled again (PYTHON_GIL, or an import)"


class Ledger:
    """Which message ids were handled, by whom; appended to from every pool thread."""

    def __init__(self) -> None:
        self.handled: list[tuple[int, str]] = []  # list.append is atomic with or without GIL

    def note(self, id: int) -> None:
        self.handled.append((id, threading.current_thread().name))

    def ids(self) -> list[int]:
        return sorted(id for id, _ in self.handled)


def once_each(ids: list[int]) -> list[int]:
    """The ids that appear more than once."""
    return sorted(id for id, count in Counter(ids).items() if count > 1)


def run_senders(send: Callable[[int, int], None], senders: int = SENDERS) -> None:
    """`senders` threads, each calling `send(sender, i)` PER_SENDER times, all at once."""
    start = threading.Barrier(senders)
    errors: list[BaseException] = []

    def sender(s: int) -> None:
        start.wait()
        try:
            for i in range(PER_SENDER):
                send(s, i)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(s,)) for s in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE * 3)
    assert not any(thread.is_alive() for thread in threads), "a sender is stuck"
    assert not errors, errors


@pytest.fixture
def failures() -> list[Failure]:
    return []


@pytest.fixture
def pool(failures: list[Failure]) -> Iterator[Runtime]:
    with Runtime(threads=4, name="stress", on_error=failures.append) as runtime:
        yield runtime


@pytest.mark.parametrize("capacity", [None, 16], ids=["unbounded", "bounded"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_many_senders_to_many_members_each_message_handled_once(
    pool: Runtime, failures: list[Failure], strategy: str, capacity: int | None
) -> None:
    ledger = Ledger()
    members = [WorkerProcess.spawn(f"m{i}") for i in range(8)]
    cluster = WorkerCluster(members, strategy=strategy, capacity=capacity)  # type: ignore[arg-type]
    asks: list[Future[object]] = []

    def send(s: int, i: int) -> None:
        id = s * PER_SENDER + i
        if i % 10 == 0:
            asks.append(cluster.call(partial(ledger.note, id)))
        else:
            cluster.do(partial(ledger.note, id))

    run_senders(send)
    cluster.join(PATIENCE)
    total = SENDERS * PER_SENDER
    assert ledger.ids() == list(range(total)), once_each(ledger.ids())
    assert all(future.done() and future.exception() is None for future in asks)
    stats = cluster_stats(cluster)
    assert stats.queued == 0
    # Counted before join() could see the work done: exact, not just close.
    assert sum(member.handled for member in stats.members) == total
    # A member may still be looking for its next message (ClusterStats.in_flight).
    Waiter()(lambda: cluster_stats(cluster).in_flight == 0, "nothing is in flight")
    assert not failures


def test_senders_to_one_process_keep_each_senders_order(pool: Runtime) -> None:
    """Many threads sending to one process's mailbox: nothing lost, and the messages of
    each sender handled in the order it sent them."""
    ledger = Ledger()
    target = WorkerProcess.spawn("target")
    run_senders(lambda s, i: target.do(partial(ledger.note, s * PER_SENDER + i)))
    target.call(lambda: None).result(PATIENCE)
    ids = [id for id, _ in ledger.handled]
    assert sorted(ids) == list(range(SENDERS * PER_SENDER))
    for s in range(SENDERS):
        mine = [id for id in ids if id // PER_SENDER == s]
        assert mine == sorted(mine)
    assert process_stats(target).handled == SENDERS * PER_SENDER + 1


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_members_come_and_go_while_work_flows(
    pool: Runtime, failures: list[Failure], strategy: str
) -> None:
    """A thread removes members, adds them back and adds new ones while senders send:
    the work waiting for a removed member goes to the others, nothing is lost or doubled."""
    ledger = Ledger()
    # Spawned here: a thread of our own would spawn on the default runtime.
    spawned = [WorkerProcess.spawn(f"m{i}") for i in range(12)]
    spares = spawned[4:]
    cluster = WorkerCluster(spawned[:4], strategy=strategy)  # type: ignore[arg-type]
    done = threading.Event()
    changes = 0

    def churn() -> None:
        nonlocal changes
        chooser = random.Random(7)
        outside: list[WorkerProcess] = []
        while not done.is_set():
            inside = list(cluster.members)
            if outside and (len(inside) < 2 or chooser.random() < 0.5):
                add_member(cluster, outside.pop())
            elif spares and chooser.random() < 0.2:
                add_member(cluster, spares.pop())
            elif inside:
                leaver = chooser.choice(inside)
                remove_member(cluster, leaver)
                outside.append(leaver)
            changes += 1
        for process in outside + spares:  # all in: the last work has members
            add_member(cluster, process)

    changer = threading.Thread(target=churn)
    changer.start()
    try:
        run_senders(lambda s, i: cluster.do(partial(ledger.note, s * PER_SENDER + i)))
    finally:
        done.set()
        changer.join(PATIENCE)
    cluster.join(PATIENCE)
    total = SENDERS * PER_SENDER
    assert ledger.ids() == list(range(total)), once_each(ledger.ids())
    assert changes > 10
    assert sum(process_stats(p).handled for p in spawned) == total
    assert not failures


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_members_stop_while_work_flows(
    pool: Runtime, failures: list[Failure], strategy: str
) -> None:
    """Members stop (for good) while senders send, and new ones join: cluster work is
    handled exactly once by some member; asks to a stopped member's own mailbox fail with
    `ProcessStopped`, each exactly once."""
    ledger = Ledger()
    # Spawned here: a thread of our own would spawn on the default runtime.
    spawned = [WorkerProcess.spawn(f"m{i}") for i in range(30)]
    spares = spawned[6:]
    members = spawned[:6]
    cluster = WorkerCluster(list(members), strategy=strategy)  # type: ignore[arg-type]
    direct: list[tuple[int, Future[object]]] = []
    done = threading.Event()
    lock = threading.Lock()

    def stopper() -> None:
        chooser = random.Random(11)
        while not done.is_set() and spares:
            victim = chooser.choice(members)
            newcomer = spares.pop()
            with lock:
                members.remove(victim)
                members.append(newcomer)
            stop_process(victim)
            add_member(cluster, newcomer)
            done.wait(0.002)

    def send(s: int, i: int) -> None:
        id = s * PER_SENDER + i
        if i % 7 == 0:  # also straight to a member, which may have stopped
            with lock:
                process = members[i % len(members)] if i % 2 else spawned[i % 6]
            try:
                direct.append((id, process.call(partial(ledger.note, id))))
            except ProcessStopped as refused:  # sent after the stop: never queued
                direct.append((id, _failed(refused)))
        else:
            cluster.do(partial(ledger.note, id))

    changer = threading.Thread(target=stopper)
    changer.start()
    try:
        run_senders(send)
    finally:
        done.set()
        changer.join(PATIENCE)
    cluster.join(PATIENCE)
    for _, future in direct:  # each either replied or failed: wait for the last ones
        with_timeout = future.exception(PATIENCE)
        assert with_timeout is None or isinstance(with_timeout, ProcessStopped)
    unanswered = {id for id, future in direct if future.exception() is not None}
    handled = ledger.ids()
    assert once_each(handled) == []
    assert set(handled) | unanswered == set(range(SENDERS * PER_SENDER))
    assert not set(handled) & unanswered
    assert sum(process_stats(p).handled for p in spawned) == len(handled) + 0
    assert not failures


def _failed(error: BaseException) -> Future[object]:
    future: Future[object] = Future()
    future.set_exception(error)
    return future


@pytest.mark.parametrize("drain", [True, False], ids=["drain", "stop"])
def test_a_runtime_shut_down_under_load_handles_or_reports_each_message_once(
    drain: bool,
) -> None:
    """Senders keep sending while another thread shuts the runtime down: each send either
    raised `RuntimeStopped` (not sent), or its message was handled, or it was failed and
    reported; exactly one of the three. The counters add up to what was handled."""
    failures: list[Failure] = []
    runtime = Runtime(threads=4, name="shut", on_error=failures.append)
    ledger = Ledger()
    accepted: list[int] = []
    refused: list[int] = []
    asks: list[tuple[int, Future[object]]] = []
    started = threading.Event()
    with runtime:  # leaving it finds the runtime shut down already
        cluster = WorkerCluster.spawn(6, "m")
        loner = WorkerProcess.spawn("loner")

        def send(s: int, i: int) -> None:
            id = s * PER_SENDER + i
            try:
                if i % 5 == 0:
                    asks.append((id, cluster.call(partial(ledger.note, id))))
                elif i % 5 == 1:
                    loner.do(partial(ledger.note, id))
                else:
                    cluster.do(partial(ledger.note, id))
            except RuntimeStopped:
                refused.append(id)
                return
            accepted.append(id)
            if i == PER_SENDER // 4:
                started.set()

        def stop() -> None:
            started.wait(PATIENCE)
            runtime.shutdown(drain=drain, timeout=PATIENCE)

        stopper = threading.Thread(target=stop)
        stopper.start()
        run_senders(send)
        stopper.join(PATIENCE * 2)
    assert runtime.closed
    handled = ledger.ids()
    assert once_each(handled) == []
    reported = [failure.message.fn.args[0] for failure in failures]  # type: ignore[attr-defined]
    failed_asks = []
    for id, future in asks:
        assert future.done()
        try:
            error = future.exception()
        except CancelledError:  # pragma: no cover - nothing cancels here
            raise
        if error is not None:
            assert isinstance(error, RuntimeStopped)
            failed_asks.append(id)
    lost = set(accepted) - set(handled) - set(reported) - set(failed_asks)
    assert not lost, sorted(lost)[:20]
    assert once_each(handled + reported + failed_asks) == []
    assert not set(refused) & set(accepted)
    assert runtime_stats(runtime).handled == len(handled)
    # (Even a drain may fail a few: a send that got past the check for shutdown just
    # before the drain began, and queued after it found no work left. They are failed
    # and reported, and shutdown() does not return True.)


def test_counters_stay_exact_while_read_from_another_thread(pool: Runtime) -> None:
    """Stats read over and over while members count: every reading is at most what was
    handled, and once the work is done the counts are exact."""
    members = [WorkerProcess.spawn(f"m{i}") for i in range(4)]
    cluster = WorkerCluster(members)
    done = threading.Event()
    readings: list[int] = []

    def reader() -> None:
        while not done.is_set():
            readings.append(runtime_stats(pool).handled)
            readings.append(sum(m.handled for m in cluster_stats(cluster).members))

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        run_senders(lambda s, i: cluster.foo(1))
        cluster.join(PATIENCE)
    finally:
        done.set()
        watcher.join(PATIENCE)
    total = SENDERS * PER_SENDER
    assert max(readings) <= total
    assert sum(process_stats(m).handled for m in members) == total
    assert sum(m.bar(0).result(PATIENCE) for m in members) == total  # type: ignore[misc]
    assert runtime_stats(pool).handled == total + len(members)
