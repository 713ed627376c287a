"""Bounded queues: a full mailbox or cluster queue blocks the sender or raises `QueueFull`.

Capacity is set per process (``@async_class(capacity=...)`` or ``spawn_options``) and per
cluster (``XCluster(members, capacity=...)``); `when_full` and `full_timeout` choose what
a sender to a full queue does.
"""

from __future__ import annotations

import threading

import pytest
from actorgen.runtime import (
    ProcessStopped,
    QueueFull,
    Runtime,
    RuntimeStopped,
    spawn_options,
    stop_process,
)
from actorgen.runtime.testing import DeterministicRuntime
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers_actors import WorkerProcess
from conftest import PATIENCE, Waiter, only_on

# Why a test runs on one backend only. The thread versions keep the recorder busy on a
# gate, and block senders on threads of their own, while the test acts from the main
# thread. On the deterministic runtime nothing runs until someone waits, so a queue
# fills without a gate; and a blocked send runs the other processes until there is room.
HELD = "a handler blocks on a gate while the test acts from the main thread"
SENDER = "a sender thread blocks while the main thread acts"
FILLS = "a queue fills because nothing runs until the test waits"


def _held_recorder(
    journal: Journal, gate: threading.Event, wait_until: Waiter, **options: object
) -> RecorderProcess:
    with spawn_options(**options):
        recorder = RecorderProcess.spawn("r", journal)
    recorder.hold(gate)
    wait_until(lambda: journal.log("r") == ["hold"], "the recorder is busy")
    return recorder


@only_on("threads", "ray", why=HELD)
def test_a_full_mailbox_raises_at_once_when_asked_to(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held_recorder(journal, gate, wait_until, capacity=3, when_full="raise")
    for item in range(3):
        recorder.note(item)
    with pytest.raises(QueueFull, match=r"the mailbox of Recorder-\d+ is full \(capacity 3\)"):
        recorder.note("one too many")
    gate.set()
    wait_until(lambda: len(journal.log("r")) == 4, "the mailbox is worked off")
    assert recorder.note_and_reply("after").result(PATIENCE) == 4
    assert journal.log("r") == ["hold", 0, 1, 2, "after"]  # nothing lost, nothing extra


@only_on("deterministic", why=FILLS)
def test_a_full_mailbox_raises_at_once_when_asked_to_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    with spawn_options(capacity=3, when_full="raise"):
        recorder = RecorderProcess.spawn("r", journal)
    for item in range(3):
        recorder.note(item)
    with pytest.raises(QueueFull, match=r"the mailbox of Recorder-\d+ is full \(capacity 3\)"):
        recorder.note("one too many")
    assert journal.log("r") == []  # it raised at once: the sender ran no handler
    assert isinstance(runtime, DeterministicRuntime)
    runtime.run_until_idle()
    assert recorder.note_and_reply("after").result(PATIENCE) == 3
    assert journal.log("r") == [0, 1, 2, "after"]  # nothing lost, nothing extra


@only_on("threads", "ray", why=SENDER)
def test_a_full_mailbox_blocks_the_sender_until_there_is_room(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held_recorder(journal, gate, wait_until, capacity=2)
    recorder.note(0)
    recorder.note(1)
    sent = threading.Event()

    def send() -> None:
        recorder.note(2)
        sent.set()

    sender = threading.Thread(target=send)
    sender.start()
    wait_until(lambda: recorder._core._blocked == 1, "the sender blocks")
    assert not sent.is_set()
    gate.set()
    sender.join(PATIENCE)
    assert sent.is_set()
    assert recorder.note_and_reply("last").result(PATIENCE) == 4


@only_on("deterministic", why="a blocked send runs the receiver until there is room")
def test_a_full_mailbox_blocks_the_sender_until_there_is_room_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    with spawn_options(capacity=2):
        recorder = RecorderProcess.spawn("r", journal)
    recorder.note(0)
    recorder.note(1)
    assert journal.log("r") == []
    recorder.note(2)  # blocks: the recorder handles messages until one fits
    assert journal.log("r")[:1] == [0]
    assert recorder.note_and_reply("last").result(PATIENCE) == 3
    assert journal.log("r") == [0, 1, 2, "last"]


@only_on("threads", "ray", why=HELD)
def test_a_blocked_sender_gives_up_after_full_timeout(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held_recorder(journal, gate, wait_until, capacity=1, full_timeout=0.02)
    recorder.note(0)
    with pytest.raises(QueueFull, match=r"stayed full for 0.02 s \(capacity 1\)"):
        recorder.note(1)


@only_on("deterministic", why="only a handler of the receiver itself cannot make room")
def test_a_blocked_sender_gives_up_after_full_timeout_deterministically(
    runtime: Runtime,
) -> None:
    """A handler that sends to its own full mailbox: nothing else could make room, so
    once nothing is left to run the send gives up, as a timed-out one does."""
    with spawn_options(capacity=1, full_timeout=0.02):
        worker = WorkerProcess.spawn("w")

    def send_twice() -> None:
        worker.foo(0)  # fills the mailbox of the worker, which is busy with this handler
        worker.foo(1)

    with pytest.raises(QueueFull, match=r"stayed full for 0.02 s \(capacity 1\)"):
        worker.call(send_twice).result(PATIENCE)


@only_on("threads", "ray", why=SENDER)
def test_a_blocked_sender_is_released_with_an_error_when_the_process_stops(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = _held_recorder(journal, gate, wait_until, capacity=1)
    recorder.note(0)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            recorder.note(1)
        except ProcessStopped as error:
            errors.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    wait_until(lambda: recorder._core._blocked == 1, "the sender blocks")
    stop_process(recorder)
    sender.join(PATIENCE)
    assert [type(error) for error in errors] == [ProcessStopped]


@only_on("deterministic", why="the stop comes from a handler the blocked send runs")
def test_a_blocked_sender_is_released_with_an_error_when_the_process_stops_deterministically(
    runtime: Runtime,
) -> None:
    with spawn_options(capacity=1):
        worker = WorkerProcess.spawn("w")
    stopper = WorkerProcess.spawn("stopper")

    def send() -> str:
        worker.foo(0)  # its mailbox is full now, and it is busy with this handler
        stopper.do(lambda: stop_process(worker))
        try:
            worker.foo(1)  # blocks; the stopper runs meanwhile, and stops the worker
        except ProcessStopped:
            return "released"
        return "sent"

    assert worker.call(send).result(PATIENCE) == "released"


@only_on("threads", "ray", why=HELD)
def test_a_full_cluster_queue_blocks_or_raises(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    member = RecorderProcess.spawn("m", journal)
    raising = RecorderCluster([member], capacity=2, when_full="raise")
    blocking = RecorderCluster([member], capacity=2, full_timeout=0.02)
    member.hold(gate)
    wait_until(lambda: journal.log("m") == ["hold"], "the member is busy")
    raising.note(0)
    raising.note(1)
    with pytest.raises(QueueFull, match=r"a queue of cluster RecorderCluster-\d+ is full"):
        raising.note(2)
    blocking.note(10)
    blocking.note(11)
    with pytest.raises(QueueFull, match=r"stayed full for 0\.02 s"):
        blocking.note(12)
    gate.set()
    raising.join(PATIENCE)
    blocking.join(PATIENCE)
    assert sorted(journal.log("m")[1:], key=str) == [0, 1, 10, 11]


@only_on("deterministic", why=FILLS)
def test_a_full_cluster_queue_blocks_or_raises_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    member = RecorderProcess.spawn("m", journal)
    raising = RecorderCluster([member], capacity=2, when_full="raise")
    # No full_timeout: a send that could never get in raises UsageError instead of
    # hanging, and whether it gets in does not depend on how fast the steps run.
    blocking = RecorderCluster([member], capacity=2)
    raising.note(0)
    raising.note(1)
    with pytest.raises(QueueFull, match=r"a queue of cluster RecorderCluster-\d+ is full"):
        raising.note(2)
    blocking.note(10)
    blocking.note(11)
    assert journal.log("m") == []
    blocking.note(12)  # blocks while the member takes work, then fits
    assert journal.log("m") != []
    raising.join(PATIENCE)
    blocking.join(PATIENCE)
    assert sorted(journal.log("m"), key=str) == [0, 1, 10, 11, 12]


def test_a_sender_blocked_on_a_cluster_is_released_by_shutdown(journal: Journal) -> None:
    gate = threading.Event()
    runtime = Runtime(threads=2)
    runtime.__enter__()  # entered by hand: leaving a `with` block would shut it down
    member = RecorderProcess.spawn("m", journal)
    cluster = RecorderCluster([member], capacity=1)
    member.hold(gate)
    cluster.note(0)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            cluster.note(1)
        except RuntimeStopped as error:
            errors.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    Waiter()(lambda: cluster._core.blocked == 1, "the sender blocks")
    stopper = threading.Thread(target=runtime.shutdown, kwargs={"drain": False})
    stopper.start()
    sender.join(PATIENCE)
    gate.set()
    stopper.join(PATIENCE)
    runtime.__exit__(None, None, None)
    assert [type(error) for error in errors] == [RuntimeStopped]


def test_bad_bounds_are_refused(runtime: Runtime, journal: Journal) -> None:
    with pytest.raises(ValueError, match="capacity must be a positive int"):
        RecorderCluster(capacity=0)
    with pytest.raises(ValueError, match="when_full must be 'block' or 'raise'"):
        RecorderCluster(when_full="drop")  # type: ignore[arg-type]
    with (
        pytest.raises(ValueError, match="full_timeout must be >= 0"),
        spawn_options(full_timeout=-1),
    ):
        pass
