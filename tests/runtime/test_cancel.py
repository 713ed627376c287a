"""`Future.cancel()` withdraws an ask that no worker has started: its handler never runs.
An ask a worker has started runs to completion. Cancelled asks are skipped wherever they
wait — a mailbox, a cluster's shared queue, a member's seat — and `join()` still counts
right."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError

import pytest
from actorgen.runtime import (
    Future,
    ProcessStopped,
    QueueFull,
    Runtime,
    cluster_stats,
    process_stats,
    spawn_options,
    stop_process,
)
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.shards_actors import ShardCluster, ShardProcess
from conftest import PATIENCE, Waiter, WhileBusy, only_on

# Why a test runs on one backend only. The thread versions keep a member busy on a gate
# while the test acts from the main thread; the deterministic versions need no gate:
# nothing runs there until the test waits, so asks sent meanwhile stay queued.
HELD = "a handler blocks on a gate while the test acts from the main thread"
QUEUED = "asks stay queued until the test waits: nothing runs by itself"


def _hold(
    members: list[RecorderProcess], gate: threading.Event, wait_until: Waiter
) -> list[Future[str]]:
    """Keep every member busy (a direct ask each) until `gate` opens."""
    holds = [member.hold(gate) for member in members]
    wait_until(lambda: all(hold.running() for hold in holds), "every member is held")
    return holds


def _withdraw(future: Future[int]) -> None:
    """Cancel a queued ask and check what that does to its future."""
    called: list[Future[int]] = []
    future.add_done_callback(called.append)
    assert not future.running()
    assert future.cancel() is True
    assert future.cancelled() and future.done() and not future.running()
    assert called == [future]  # done callbacks run on cancel
    with pytest.raises(CancelledError):
        future.result()
    with pytest.raises(CancelledError):
        future.exception(timeout=0)
    assert repr(future) == "<Future cancelled>"


@only_on("threads", "ray", why=HELD)
def test_cancelling_a_queued_ask_withdraws_it(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    _hold([recorder], gate, wait_until)
    future = recorder.note_and_reply("withdrawn")
    _withdraw(future)
    gate.set()
    assert recorder.note_and_reply("next").result(PATIENCE) == 1  # right after "hold"
    assert journal.log("r") == ["hold", "next"]
    stats = process_stats(recorder)
    assert (stats.handled, stats.failed) == (2, 0)  # the skipped ask counts as neither


@only_on("deterministic", why=QUEUED)
def test_cancelling_a_queued_ask_withdraws_it_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    future = recorder.note_and_reply("withdrawn")
    _withdraw(future)
    assert recorder.note_and_reply("next").result(PATIENCE) == 0  # the first it handled
    assert journal.log("r") == ["next"]
    stats = process_stats(recorder)
    assert (stats.handled, stats.failed) == (1, 0)  # the skipped ask counts as neither


@only_on("threads", "ray", why=HELD)
def test_a_started_ask_runs_to_completion(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    future = RecorderProcess.spawn("r", journal).hold(gate)
    wait_until(future.running, "the handler started")
    assert future.cancel() is False
    assert not future.cancelled() and not future.done()
    gate.set()
    assert future.result(PATIENCE) == "r"
    assert not future.cancelled()


@only_on("deterministic", why="the test cancels the ask from inside its own handler")
def test_a_started_ask_runs_to_completion_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    seen: list[tuple[bool, bool, bool]] = []

    def cancel_while_running() -> None:
        seen.append((future.running(), future.cancel(), future.done()))

    future = RecorderProcess.spawn("r", journal).hold(WhileBusy(cancel_while_running))
    assert future.result(PATIENCE) == "r"
    assert seen == [(True, False, False)]  # running, not cancellable, not done
    assert not future.cancelled()


def test_cancelling_a_done_future_returns_False_and_changes_nothing() -> None:
    answered: Future[int] = Future()
    answered.set_result(1)
    assert answered.cancel() is False
    assert answered.result() == 1 and not answered.cancelled()
    withdrawn: Future[int] = Future()
    assert withdrawn.cancel() is True
    assert withdrawn.cancel() is False
    assert withdrawn.cancelled()


def test_a_cancelled_future_cannot_be_completed_by_hand() -> None:
    future: Future[int] = Future()
    future.cancel()
    with pytest.raises(RuntimeError, match="already complete"):
        future.set_result(1)
    with pytest.raises(RuntimeError, match="already complete"):
        future.set_exception(ValueError())
    assert future.cancelled()


def test_a_waiting_thread_wakes_up_when_the_ask_is_cancelled() -> None:
    future: Future[int] = Future()
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            future.result(PATIENCE)
        except BaseException as error:
            outcome.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    future.cancel()
    waiter.join(PATIENCE)
    assert len(outcome) == 1 and type(outcome[0]) is CancelledError


def test_cancel_and_workers_race_and_each_ask_either_runs_or_is_withdrawn(
    runtime: Runtime, journal: Journal
) -> None:
    """Cancelling while members take: no ask is both handled and cancelled, none is lost."""
    cluster = RecorderCluster([RecorderProcess.spawn(f"m{i}", journal) for i in range(4)])
    futures = [cluster.note_and_reply(i) for i in range(2000)]
    cancelled = {i for i, future in enumerate(futures) if i % 2 and future.cancel()}
    cluster.join(PATIENCE)
    handled = set(journal.items())
    assert handled | cancelled == set(range(2000)) and not handled & cancelled
    for i, future in enumerate(futures):
        assert future.done() and future.cancelled() == (i in cancelled)
    assert sum(member.handled for member in cluster_stats(cluster).members) == len(handled)


@only_on("threads", "ray", why=HELD)
@pytest.mark.parametrize("strategy", ["balanced", "round_robin", "work_stealing"])
def test_cluster_asks_are_withdrawn_and_join_counts_the_rest(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter, strategy: str
) -> None:
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(3)]
    cluster = RecorderCluster(members, strategy=strategy)  # type: ignore[arg-type]
    holds = _hold(members, gate, wait_until)
    futures = [cluster.note_and_reply(i) for i in range(30)]
    assert all(future.cancel() for future in futures[::2])
    assert cluster_stats(cluster).queued == 30  # withdrawn asks wait until a member skips them
    with pytest.raises(TimeoutError):
        cluster.join(timeout=0.01)
    gate.set()
    cluster.join(PATIENCE)
    assert sorted(i for i in journal.items() if i != "hold") == list(range(1, 30, 2))
    assert all(future.result(0) is not None for future in futures[1::2])
    assert [hold.result(PATIENCE) for hold in holds] == ["m0", "m1", "m2"]  # direct: not joined
    stats = cluster_stats(cluster)
    assert stats.queued == 0
    assert sum(member.handled for member in stats.members) == 3 + 15  # holds + the rest
    # A member that has just replied to its hold looks for its next message, and marks
    # itself before it takes one (see ClusterStats.in_flight): counted for that moment.
    wait_until(lambda: cluster_stats(cluster).in_flight == 0, "nothing is in flight")


@only_on("deterministic", why=QUEUED)
@pytest.mark.parametrize("strategy", ["balanced", "round_robin", "work_stealing"])
def test_cluster_asks_are_withdrawn_and_join_counts_the_rest_deterministically(
    runtime: Runtime, journal: Journal, strategy: str
) -> None:
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(3)]
    cluster = RecorderCluster(members, strategy=strategy)  # type: ignore[arg-type]
    futures = [cluster.note_and_reply(i) for i in range(30)]
    assert all(future.cancel() for future in futures[::2])
    assert cluster_stats(cluster).queued == 30  # withdrawn asks wait until a member skips them
    cluster.join(PATIENCE)
    assert sorted(journal.items()) == list(range(1, 30, 2))
    assert all(future.result(0) is not None for future in futures[1::2])
    stats = cluster_stats(cluster)
    assert (stats.queued, stats.in_flight) == (0, 0)
    assert sum(member.handled for member in stats.members) == 15


@only_on("threads", why="a thread joins while the main thread cancels and opens the gate")
def test_join_returns_when_every_queued_ask_was_cancelled(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    """The last message a member takes is a skipped one: the joiner must still hear of it."""
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(2)]
    cluster = RecorderCluster(members)
    _hold(members, gate, wait_until)
    futures = [cluster.note_and_reply(i) for i in range(10)]
    errors: list[BaseException] = []

    def join() -> None:
        try:
            cluster.join(PATIENCE)
        except BaseException as error:
            errors.append(error)

    joiner = threading.Thread(target=join)
    joiner.start()
    wait_until(lambda: cluster_stats(cluster).queued == 10 and joiner.is_alive(), "joining")
    assert all(future.cancel() for future in futures)
    gate.set()
    joiner.join(PATIENCE + 5)
    assert not joiner.is_alive() and errors == []
    assert journal.items() == ["hold", "hold"]


@only_on("deterministic", why=QUEUED)
def test_join_returns_when_every_queued_ask_was_cancelled_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    """The last message a member takes is a skipped one: the joiner must still hear of it."""
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(2)]
    cluster = RecorderCluster(members)
    futures = [cluster.note_and_reply(i) for i in range(10)]
    assert cluster_stats(cluster).queued == 10
    assert all(future.cancel() for future in futures)
    cluster.join()  # without a timeout: a join that could not end would raise UsageError
    assert journal.items() == []
    assert cluster_stats(cluster).queued == 0


@only_on("threads", "ray", why=HELD)
def test_a_cancelled_ask_holds_its_place_in_a_bounded_queue_until_skipped(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    member = RecorderProcess.spawn("m", journal)
    cluster = RecorderCluster([member], capacity=2, when_full="raise")
    _hold([member], gate, wait_until)
    queued = [cluster.note_and_reply(i) for i in range(2)]
    assert all(future.cancel() for future in queued)
    with pytest.raises(QueueFull):
        cluster.note_and_reply(2)
    gate.set()
    cluster.join(PATIENCE)
    assert cluster.note_and_reply(3).result(PATIENCE) == 1  # after "hold"
    assert journal.log("m") == ["hold", 3]


@only_on("deterministic", why=QUEUED)
def test_a_cancelled_ask_holds_its_place_in_a_bounded_queue_until_skipped_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    member = RecorderProcess.spawn("m", journal)
    cluster = RecorderCluster([member], capacity=2, when_full="raise")
    queued = [cluster.note_and_reply(i) for i in range(2)]
    assert all(future.cancel() for future in queued)
    with pytest.raises(QueueFull):
        cluster.note_and_reply(2)
    cluster.join(PATIENCE)
    assert cluster.note_and_reply(3).result(PATIENCE) == 0
    assert journal.log("m") == [3]


@only_on("threads", "ray", why="a sender thread blocks while the member is held")
@pytest.mark.parametrize("where", ["cluster", "mailbox"])
def test_skipping_a_cancelled_ask_makes_room_for_a_blocked_sender(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter, where: str
) -> None:
    with spawn_options(capacity=1):
        member = RecorderProcess.spawn("m", journal)
    cluster = RecorderCluster([member], capacity=1)
    target = cluster if where == "cluster" else member

    def blocked() -> int:
        return cluster._core.blocked if where == "cluster" else member._core._blocked

    _hold([member], gate, wait_until)
    assert target.note_and_reply(0).cancel()
    sent: list[Future[int]] = []
    sender = threading.Thread(target=lambda: sent.append(target.note_and_reply(1)))
    sender.start()
    wait_until(lambda: blocked() == 1, "the sender blocks")
    gate.set()  # the member skips the withdrawn ask: the sender must hear there is room
    sender.join(PATIENCE)
    assert len(sent) == 1 and sent[0].result(PATIENCE) == 1
    assert journal.log("m") == ["hold", 1]


@only_on("deterministic", why="the blocked send runs the member, which skips the withdrawn ask")
@pytest.mark.parametrize("where", ["cluster", "mailbox"])
def test_skipping_a_cancelled_ask_makes_room_for_a_blocked_sender_deterministically(
    runtime: Runtime, journal: Journal, where: str
) -> None:
    with spawn_options(capacity=1):
        member = RecorderProcess.spawn("m", journal)
    cluster = RecorderCluster([member], capacity=1)
    target = cluster if where == "cluster" else member
    assert target.note_and_reply(0).cancel()
    # The queue is full: this send blocks until the member has skipped the withdrawn ask.
    # Were the room never made, it would raise UsageError (a deadlock), not return.
    sent = target.note_and_reply(1)
    assert sent.result(PATIENCE) == 0
    assert journal.log("m") == [1]


@only_on("threads", "ray", why=HELD)
def test_routed_asks_are_withdrawn(
    runtime: Runtime, gate: threading.Event, wait_until: Waiter
) -> None:
    """Key affinity and round robin (seats), and balanced (the shared queue), by @route."""
    members = [ShardProcess.spawn(f"s{i}") for i in range(3)]
    cluster = ShardCluster(members, strategy="work_stealing")
    holds = [member.call(lambda: gate.wait(PATIENCE)) for member in members]
    wait_until(lambda: all(hold.running() for hold in holds), "every member is held")
    keyed = [cluster.owner(f"user-{i}") for i in range(12)]
    in_turn = [cluster.next_name() for _ in range(12)]
    balanced = [cluster.any_name() for _ in range(12)]
    withdrawn = [f for asks in (keyed, in_turn, balanced) for f in asks[::3]]
    assert all(future.cancel() for future in withdrawn)
    gate.set()
    cluster.join(PATIENCE)
    assert all(hold.result(PATIENCE) for hold in holds)  # direct messages: join does not wait
    for future in (f for asks in (keyed, in_turn, balanced) for f in asks):
        assert future.done()
        assert future.cancelled() == (future in withdrawn)
        if not future.cancelled():
            assert future.result() in {"s0", "s1", "s2"}
    assert sum(process_stats(m).handled for m in members) == 3 + 36 - len(withdrawn)


@only_on("deterministic", why=QUEUED)
def test_routed_asks_are_withdrawn_deterministically(runtime: Runtime) -> None:
    """Key affinity and round robin (seats), and balanced (the shared queue), by @route."""
    members = [ShardProcess.spawn(f"s{i}") for i in range(3)]
    cluster = ShardCluster(members, strategy="work_stealing")
    keyed = [cluster.owner(f"user-{i}") for i in range(12)]
    in_turn = [cluster.next_name() for _ in range(12)]
    balanced = [cluster.any_name() for _ in range(12)]
    withdrawn = [f for asks in (keyed, in_turn, balanced) for f in asks[::3]]
    assert all(future.cancel() for future in withdrawn)
    cluster.join(PATIENCE)
    for future in (f for asks in (keyed, in_turn, balanced) for f in asks):
        assert future.done()
        assert future.cancelled() == (future in withdrawn)
        if not future.cancelled():
            assert future.result() in {"s0", "s1", "s2"}
    assert sum(process_stats(m).handled for m in members) == 36 - len(withdrawn)


@only_on("threads", "ray", why=HELD)
def test_each_broadcast_future_can_be_cancelled_on_its_own(
    runtime: Runtime, gate: threading.Event, wait_until: Waiter
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(3)]
    cluster = ShardCluster(members)
    holds = [member.call(lambda: gate.wait(PATIENCE)) for member in members]
    wait_until(lambda: all(hold.running() for hold in holds), "every member is held")
    first, second, third = cluster.name_of()
    assert second.cancel() is True
    gate.set()
    cluster.join(PATIENCE)
    assert all(hold.result(PATIENCE) for hold in holds)
    assert (first.result(0), third.result(0)) == ("s0", "s2")
    assert second.cancelled()
    assert [process_stats(m).handled for m in members] == [2, 1, 2]


@only_on("deterministic", why=QUEUED)
def test_each_broadcast_future_can_be_cancelled_on_its_own_deterministically(
    runtime: Runtime,
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(3)]
    cluster = ShardCluster(members)
    first, second, third = cluster.name_of()
    assert second.cancel() is True
    cluster.join(PATIENCE)
    assert (first.result(0), third.result(0)) == ("s0", "s2")
    assert second.cancelled()
    assert [process_stats(m).handled for m in members] == [1, 0, 1]


@only_on("threads", "ray", why=HELD)
def test_stopping_a_process_leaves_its_cancelled_asks_cancelled(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    _hold([recorder], gate, wait_until)
    withdrawn, doomed = recorder.note_and_reply(1), recorder.note_and_reply(2)
    assert withdrawn.cancel()
    stop_process(recorder)  # fails the queued asks: a cancelled one must not make it raise
    gate.set()
    assert withdrawn.cancelled()
    assert type(doomed.exception(PATIENCE)) is ProcessStopped


@only_on("deterministic", why=QUEUED)
def test_stopping_a_process_leaves_its_cancelled_asks_cancelled_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    recorder = RecorderProcess.spawn("r", journal)
    withdrawn, doomed = recorder.note_and_reply(1), recorder.note_and_reply(2)
    assert withdrawn.cancel()
    stop_process(recorder)  # fails the queued asks: a cancelled one must not make it raise
    assert withdrawn.cancelled()
    assert type(doomed.exception(PATIENCE)) is ProcessStopped
    assert journal.log("r") == []


def test_a_shutdown_that_fails_queued_work_leaves_cancelled_asks_cancelled(
    journal: Journal,
) -> None:
    gate = threading.Event()
    runtime = Runtime(threads=2, name="cancel-shutdown")
    with runtime:
        recorder = RecorderProcess.spawn("r", journal)
        cluster = RecorderCluster([RecorderProcess.spawn("m", journal)])
        holds = [recorder.hold(gate), cluster.hold(gate)]
        Waiter()(lambda: all(hold.running() for hold in holds), "both are held")
        asks = [recorder.note_and_reply(1), cluster.note_and_reply(2)]
        more = [recorder.note_and_reply(3), cluster.note_and_reply(4)]
        assert all(ask.cancel() for ask in asks)
        stopper = threading.Thread(
            target=runtime.shutdown, kwargs={"drain": False, "timeout": PATIENCE}
        )
        stopper.start()
        Waiter()(lambda: runtime.stopping, "the shutdown began")
        gate.set()  # the held handlers return and find the runtime stopping
        stopper.join(PATIENCE + 5)
    assert all(ask.cancelled() for ask in asks)
    assert all(not ask.cancelled() and ask.exception(0) is not None for ask in more)


def test_a_withdrawn_ask_left_in_a_queue_is_not_counted_as_lost_work() -> None:
    with Runtime(threads=1) as runtime:
        cluster = RecorderCluster()  # no members: its messages wait
        ask = cluster.note_and_reply(1)
        assert ask.cancel() is True
        assert runtime.shutdown(drain=False) is True  # nothing anybody waits for was lost
    assert ask.cancelled()
