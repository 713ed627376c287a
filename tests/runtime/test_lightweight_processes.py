"""Processes are lightweight: an idle process holds no thread, and many processes share
the runtime's small pool of threads."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter

from actorgen.runtime import Runtime, runtime_stats
from app.journal import Journal
from app.recorders_actors import RecorderProcess
from app.workers_actors import WorkerProcess

GIL = getattr(sys, "_is_gil_enabled", lambda: True)()


def test_idle_processes_hold_no_thread(journal: Journal) -> None:
    with Runtime(threads=2) as runtime:
        threads_before = threading.active_count()
        processes = [RecorderProcess.spawn(f"p{i}", journal) for i in range(2000)]
        replies = [process.note_and_reply(i) for i, process in enumerate(processes)]
        assert [reply.result(timeout=10) for reply in replies] == [0] * 2000
        assert runtime.threads == 2
        # Without the GIL a handler can wait on the journal's lock for a whole tick while
        # the other pool thread takes it again and again (locks are not fair there): the
        # monitor then rightly starts backup threads, which retire once free.
        backups = runtime_stats(runtime).backup_threads_started
        deadline = time.monotonic() + 10
        while threading.active_count() > threads_before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert threading.active_count() == threads_before
    assert Counter(journal.items()) == Counter(range(2000))
    threads = {entry.thread for entry in journal.entries()}
    pool = {f"actorgen-{n}" for n in range(2 + backups)}
    assert threads <= pool, threads - pool
    if GIL:
        assert backups == 0


def test_processes_spawn_on_the_runtime_entered_with_with() -> None:
    with Runtime(threads=1, name="outer"):
        outer = WorkerProcess.spawn("o")
        with Runtime(threads=1, name="inner"):
            inner = WorkerProcess.spawn("i")
            assert inner.thread_name().result() == "inner-0"
        after_inner = WorkerProcess.spawn("a")
        assert outer.thread_name().result() == "outer-0"
        assert after_inner.thread_name().result() == "outer-0"


def test_processes_spawned_by_a_handler_run_on_the_handlers_runtime() -> None:
    with Runtime(threads=2, name="mine"):
        parent = WorkerProcess.spawn("parent")
        child = parent.call(lambda: WorkerProcess.spawn("child")).result()
        assert isinstance(child, WorkerProcess)
        assert child.thread_name().result().startswith("mine-")


def test_a_blocked_handler_holds_one_thread_and_other_processes_go_on(
    journal: Journal,
) -> None:
    gate = threading.Event()
    with Runtime(threads=2):
        blocked = RecorderProcess.spawn("blocked", journal).hold(gate)
        others = [WorkerProcess.spawn(f"w{i}") for i in range(50)]
        assert [w.bar(i).result(timeout=10) for i, w in enumerate(others)] == list(range(50))
        assert not blocked.done()
        gate.set()
        assert blocked.result() == "blocked"


def test_a_busy_process_shares_its_thread_with_other_processes(journal: Journal) -> None:
    # One thread, one process with a long backlog: a process that gets work later is
    # not made to wait for the whole backlog (processes take turns, a batch at a time).
    gate = threading.Event()
    with Runtime(threads=1):
        busy = RecorderProcess.spawn("busy", journal)
        busy.hold(gate)
        for job in range(5000):
            busy.note(job)
        latecomer = RecorderProcess.spawn("late", journal)
        reply = latecomer.note_and_reply("late")
        gate.set()
        assert reply.result(timeout=10) == 0
    order = [entry.who for entry in journal.entries()]
    assert len(order) == 5002
    assert order.index("late") < 200, "the latecomer waited for most of the backlog"
