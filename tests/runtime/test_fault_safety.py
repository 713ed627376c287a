"""An exception anywhere in a send never breaks the runtime, and shutdown tells the truth.

A Ctrl-C reaches the main thread at an arbitrary point, so a `KeyboardInterrupt` can land
inside the runtime's own code while it sends. These tests raise one at every line the
runtime executes on the sender's side of a send, in turn (a trace function does it), and
after each check what users rely on:

- the sender sees the exception, and the message was either sent (handled exactly once)
  or not (never handled);
- later sends to the same process or cluster are answered;
- `shutdown(drain=True)` returns True, and only once everything sent was handled.

Each case runs on a runtime of its own, so that a wedged one shows as a failure of that
case, not as a hang of the next.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any

import actorgen.runtime
import pytest
from actorgen.runtime import Failure, ProcessStopped, Runtime, spawn_options
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers_actors import WorkerProcess
from conftest import PATIENCE
from interrupts import RUNTIME_FILES, Interrupt, traced

# A sender's target: spawned inside the case's runtime, warmed up so that the send under
# test finds it in its usual state (idle; for clusters, members parked).
Target = Callable[[Journal], Any]


def direct(journal: Journal) -> Any:
    return RecorderProcess.spawn("p", journal)


def balanced(journal: Journal) -> Any:
    return RecorderCluster.spawn(2, "c", journal)


def round_robin(journal: Journal) -> Any:
    return RecorderCluster(
        [RecorderProcess.spawn(f"r{i}", journal) for i in range(2)], strategy="round_robin"
    )


def work_stealing(journal: Journal) -> Any:
    return RecorderCluster(
        [RecorderProcess.spawn(f"w{i}", journal) for i in range(2)], strategy="work_stealing"
    )


def bounded(journal: Journal) -> Any:
    return RecorderCluster(
        [RecorderProcess.spawn(f"b{i}", journal) for i in range(2)], capacity=100
    )


def bounded_mailbox(journal: Journal) -> Any:
    with spawn_options(capacity=100):
        return RecorderProcess.spawn("m", journal)


TARGETS = [direct, bounded_mailbox, balanced, round_robin, work_stealing, bounded]


def send(target: Any, kind: str, item: object) -> None:
    if kind == "tell":
        target.note(item)
    elif kind == "ask":
        target.note_and_reply(item)
    else:  # "ask and wait": the caller's side of waiting for the reply too
        target.note_and_reply(item).result(timeout=PATIENCE)


def settle(runtime: Runtime, target: Any) -> None:
    """Wait until every process is idle again (members parked in their clusters)."""
    if isinstance(target, RecorderCluster):
        target.join(timeout=PATIENCE)
    deadline = threading.Event()
    for _ in range(int(PATIENCE / 0.001)):
        if not runtime.active:
            return
        deadline.wait(0.001)
    pytest.fail(f"{runtime!r} never went idle")


def lines_of_a_send(target_of: Target, kind: str) -> int:
    """How many lines of runtime code one send executes on the sender's thread."""
    journal = Journal()
    with Runtime(threads=2) as runtime:
        target = target_of(journal)
        send(target, kind, "warm-up")
        settle(runtime, target)
        counter = Interrupt(at=0)
        with traced(counter):
            send(target, kind, "counted")
    return counter.lines


def interrupted_send_case(target_of: Target, kind: str, at: int, error: type[BaseException]) -> str:
    """Interrupt a send at its `at`-th line; return "sent" or "not sent", or fail."""
    journal = Journal()
    failures: list[Failure] = []
    runtime = Runtime(threads=2, on_error=failures.append)
    with runtime:
        target = target_of(journal)
        send(target, kind, "warm-up")
        settle(runtime, target)
        interrupt = Interrupt(at, error)
        raised = None
        try:
            with traced(interrupt):
                send(target, kind, "interrupted")
        except error as caught:
            raised = caught
        # Waiting runs fewer lines when the reply is there first: then nothing is raised.
        assert (interrupt.fired and raised is not None) or kind == "ask and wait", (
            f"line {at}: nothing was raised"
        )
        # The runtime still answers, on the same process or cluster.
        for i in range(3):
            reply = target.note_and_reply(f"after-{i}")
            assert isinstance(reply.result(timeout=PATIENCE), int), f"line {at}"
        send(target, "tell", "last")
        outcome = runtime.shutdown(drain=True, timeout=PATIENCE)
    items = journal.items()
    handled = items.count("interrupted")
    assert handled in (0, 1), f"line {at}: the interrupted message was handled {handled} times"
    assert outcome is True, f"line {at}: shutdown(drain=True) did not drain: {runtime!r}"
    for later in ("after-0", "after-1", "after-2", "last"):
        assert items.count(later) == 1, f"line {at}: {later} handled {items.count(later)} times"
    assert not failures, f"line {at}: {failures}"
    return "sent" if handled else "not sent"


@pytest.mark.parametrize("kind", ["tell", "ask", "ask and wait"])
@pytest.mark.parametrize("target_of", TARGETS, ids=lambda t: t.__name__)
def test_a_KeyboardInterrupt_at_any_line_of_a_send_leaves_the_runtime_whole(
    target_of: Target, kind: str
) -> None:
    lines = lines_of_a_send(target_of, kind)
    assert lines > 3, "the trace function saw no runtime code"
    outcomes = [
        interrupted_send_case(target_of, kind, at, KeyboardInterrupt) for at in range(1, lines + 1)
    ]
    # Early lines come before the append, late ones after it: both outcomes occur, and
    # once a message is sent every later interruption leaves it sent.
    assert outcomes[0] == "not sent" and outcomes[-1] == "sent", outcomes
    first_sent = outcomes.index("sent")
    assert set(outcomes[first_sent:]) == {"sent"}, outcomes


@pytest.mark.parametrize("target_of", [direct, balanced, round_robin], ids=lambda t: t.__name__)
def test_a_MemoryError_at_any_line_of_a_send_leaves_the_runtime_whole(target_of: Target) -> None:
    lines = lines_of_a_send(target_of, "ask")
    for at in range(1, lines + 1):
        interrupted_send_case(target_of, "ask", at, MemoryError)


@pytest.mark.parametrize("target_of", [direct, balanced, round_robin], ids=lambda t: t.__name__)
def test_a_send_that_hits_the_recursion_limit_leaves_the_runtime_whole(
    target_of: Target,
) -> None:
    """A recursive function that sends at every depth runs into the recursion limit inside
    the send, wherever the limit falls; every message is still handled once or never."""
    journal = Journal()
    sent: list[int] = []

    def recurse(depth: int) -> None:
        send(target, "tell", depth)
        sent.append(depth)
        recurse(depth + 1)

    with Runtime(threads=2) as runtime:
        target = target_of(journal)
        old = sys.getrecursionlimit()
        for limit in range(old, old + 24):  # the limit lands at another point each time
            sys.setrecursionlimit(200 + limit - old)
            try:
                with pytest.raises(RecursionError):
                    recurse(0)
            finally:
                sys.setrecursionlimit(old)
            assert target.note_and_reply("alive").result(timeout=PATIENCE) >= 0
        assert runtime.shutdown(drain=True, timeout=PATIENCE) is True
    counts = journal.counts()
    assert sum(counts.values()) >= len(sent)


def test_an_error_handler_that_raises_BaseExceptions_never_stops_the_runtime() -> None:
    raised: list[BaseException] = []

    def on_error(failure: Failure) -> None:
        kinds = [SystemExit(3), KeyboardInterrupt(), GeneratorExit(), ValueError("x")]
        raised.append(kinds[len(raised) % len(kinds)])
        raise raised[-1]

    with Runtime(threads=2, on_error=on_error) as runtime:
        worker = WorkerProcess.spawn("w")
        for i in range(8):
            worker.fail(f"tell {i}")  # its handler raises: on_error gets it, and raises
        assert worker.bar(1).result(timeout=PATIENCE) == 1
        assert runtime.shutdown(drain=True, timeout=PATIENCE) is True
    assert len(raised) == 8


class Unprintable(Exception):
    """An exception whose str() and repr() raise."""

    def __str__(self) -> str:
        raise RuntimeError("no str() for this one")

    __repr__ = __str__


def raise_unprintable() -> None:
    raise Unprintable


def test_an_exception_whose_str_raises_still_stops_a_stop_supervised_process() -> None:
    with Runtime(threads=2) as runtime:
        with spawn_options(supervision="stop"):
            worker = WorkerProcess.spawn("w")
        gate = threading.Event()
        worker.call(gate.wait)
        failing = worker.call(raise_unprintable)
        queued = worker.bar(1)
        gate.set()
        assert isinstance(failing.exception(timeout=PATIENCE), Unprintable)
        with pytest.raises(ProcessStopped, match="Unprintable"):
            queued.result(timeout=PATIENCE)
        assert runtime.shutdown(drain=True, timeout=PATIENCE) is True


def test_the_default_error_handler_logs_a_tell_whose_exception_cannot_be_printed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with Runtime(threads=2) as runtime:
        worker = WorkerProcess.spawn("w")
        worker.do(raise_unprintable)
        assert worker.bar(1).result(timeout=PATIENCE) == 1
        assert runtime.shutdown(drain=True, timeout=PATIENCE) is True
    [record] = [r for r in caplog.records if r.name == "actorgen"]
    assert "w-1: tell WorkerDoMessage" in record.getMessage() or "tell" in record.getMessage()
    assert "Unprintable whose str() raised" in record.getMessage()


class Alarm(BaseException):
    """Raised by a signal handler at whatever bytecode the main thread is at, as Ctrl-C's
    KeyboardInterrupt is."""


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer (POSIX)")
@pytest.mark.parametrize("target_of", [direct, balanced, round_robin], ids=lambda t: t.__name__)
def test_signals_raising_inside_sends_every_fraction_of_a_millisecond_break_nothing(
    target_of: Target,
) -> None:
    """A timer signal whose handler raises lands at random bytecodes of thousands of
    sends, between the C calls of one line too (which a trace function cannot reach)."""
    journal = Journal()
    interrupted: list[int] = []

    def alarm(signum: int, frame: FrameType | None) -> None:
        # Only inside the runtime (or the generated facade): the test's own loop must go on.
        where = frame.f_code.co_filename if frame is not None else ""
        if where.startswith(RUNTIME_FILES) or where.endswith("_actors.py"):
            raise Alarm

    runtime = Runtime(threads=2)
    with runtime:
        target = target_of(journal)
        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
        try:
            for i in range(SIGNALLED_SENDS):
                try:
                    send(target, "ask" if i % 2 else "tell", i)
                except Alarm:
                    interrupted.append(i)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, previous)
        for i in range(3):
            assert isinstance(target.note_and_reply(f"after-{i}").result(timeout=PATIENCE), int)
        outcome = runtime.shutdown(drain=True, timeout=PATIENCE)
    assert interrupted, "no signal landed inside a send: the test tested nothing"
    print(f"{len(interrupted)} of {SIGNALLED_SENDS} sends interrupted")
    counts = Counter(journal.items())
    assert outcome is True, f"shutdown did not drain ({len(interrupted)} sends interrupted)"
    lost = [i for i in range(SIGNALLED_SENDS) if i not in interrupted and counts[i] != 1]
    assert not lost, f"sends that returned normally but were not handled once: {lost[:10]}"
    assert all(counts[i] <= 1 for i in interrupted)


SIGNALLED_SENDS = 20_000


def observe(runtime: Runtime, target: Any) -> None:
    """What a program's status loop calls between sends (the demo's does, on the main
    thread, where a Ctrl-C lands)."""
    if isinstance(target, RecorderCluster):
        actorgen.runtime.cluster_stats(target)
    else:
        actorgen.runtime.process_stats(target)
    actorgen.runtime.runtime_stats(runtime)


def interrupted_stats_case(target_of: Target, at: int) -> None:
    journal = Journal()
    failures: list[Failure] = []
    runtime = Runtime(threads=2, on_error=failures.append, latency_histograms=True)
    with runtime:
        target = target_of(journal)
        send(target, "ask and wait", "warm-up")
        interrupt = Interrupt(at)
        with pytest.raises(KeyboardInterrupt), traced(interrupt):
            observe(runtime, target)
        for i in range(3):  # handlers still run: no lock was left held
            reply = target.note_and_reply(f"after-{i}")
            assert isinstance(reply.result(timeout=PATIENCE), int), f"line {at}"
        observe(runtime, target)
        assert runtime.shutdown(drain=True, timeout=PATIENCE), f"line {at}: {runtime!r}"
    assert not failures, f"line {at}: {failures}"


@pytest.mark.parametrize("target_of", [direct, balanced, bounded], ids=lambda t: t.__name__)
def test_a_KeyboardInterrupt_at_any_line_of_the_stats_calls_leaves_the_runtime_whole(
    target_of: Target,
) -> None:
    journal = Journal()
    with Runtime(threads=2, latency_histograms=True) as runtime:
        target = target_of(journal)
        send(target, "ask and wait", "warm-up")
        counter = Interrupt(at=0)
        with traced(counter):
            observe(runtime, target)
    assert counter.lines > 10, "the trace function saw no runtime code"
    for at in range(1, counter.lines + 1):
        interrupted_stats_case(target_of, at)


# What else a program calls on the main thread while work flows, where a Ctrl-C lands:
# each takes a cluster of three busy members, and a spare process spawned beforehand.
def join(cluster: Any, spare: Any, journal: Journal) -> None:
    cluster.join(timeout=PATIENCE)


def spawn(cluster: Any, spare: Any, journal: Journal) -> None:
    RecorderProcess.spawn("spawned", journal)


def add(cluster: Any, spare: Any, journal: Journal) -> None:
    actorgen.runtime.add_member(cluster, spare)


def remove(cluster: Any, spare: Any, journal: Journal) -> None:
    actorgen.runtime.remove_member(cluster, cluster.members[0])


def stop(cluster: Any, spare: Any, journal: Journal) -> None:
    actorgen.runtime.stop_process(cluster.members[0])


def form(cluster: Any, spare: Any, journal: Journal) -> None:
    RecorderCluster([spare], strategy="round_robin")


CONTROLS = [join, spawn, add, remove, stop, form]


def interrupted_control_case(control: Callable[..., None], at: int) -> int:
    """Interrupt `control` at its `at`-th line of runtime code (with `at=0`, count them);
    return the lines counted."""
    journal = Journal()
    failures: list[Failure] = []
    runtime = Runtime(threads=2, on_error=failures.append)
    with runtime:
        cluster = RecorderCluster([RecorderProcess.spawn(f"m{i}", journal) for i in range(3)])
        spare = RecorderProcess.spawn("spare", journal)
        for i in range(30):  # queued work while the control runs
            cluster.note(f"queued-{i}")
        interrupt = Interrupt(at)
        try:
            with traced(interrupt):
                control(cluster, spare, journal)
        except KeyboardInterrupt:
            assert interrupt.fired, f"{control.__name__}, line {at}: raised by itself"
        assert interrupt.fired == bool(at), f"{control.__name__}: line {at} never ran"
        for i in range(3):  # the runtime still answers, through the cluster and directly
            assert isinstance(cluster.note_and_reply(f"after-{i}").result(PATIENCE), int)
            assert isinstance(spare.note_and_reply(f"spare-{i}").result(PATIENCE), int)
        drained = runtime.shutdown(drain=True, timeout=PATIENCE)
    where = f"{control.__name__}, line {at}"
    assert drained, f"{where}: shutdown(drain=True) did not drain: {runtime!r}"
    items = journal.items()
    assert all(items.count(f"queued-{i}") == 1 for i in range(30)), f"{where}: work lost"
    assert not failures, f"{where}: {failures}"
    return interrupt.lines


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.__name__)
def test_a_KeyboardInterrupt_at_any_line_of_join_spawn_and_membership_calls_leaves_the_runtime_whole(
    control: Callable[..., None],
) -> None:
    lines = interrupted_control_case(control, 0)
    assert lines > 3, "the trace function saw no runtime code"
    for at in range(1, lines + 1):
        interrupted_control_case(control, at)
