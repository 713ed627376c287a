"""Members join and leave a live cluster without losing or repeating a message.

Membership is changed with functions of `actorgen.runtime` (`add_member`,
`remove_member`, `stop_process`), so `add`, `remove` and `stop` stay free as message names.
"""

from __future__ import annotations

import threading

import pytest
from actorgen.runtime import (
    Failure,
    Future,
    ProcessStopped,
    Runtime,
    RuntimeStopped,
    add_member,
    cluster_stats,
    remove_member,
    stop_process,
)
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderNoteMessage, RecorderProcess
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import PATIENCE, Waiter, WhileBusy, only_on

# Why a test runs on one backend only. The thread versions keep a member busy on a gate
# while the test acts from the main thread; the deterministic versions act from inside
# the busy member's handler (`WhileBusy`), or rely on asks staying queued until the test
# waits.
HELD = "a handler blocks on a gate while the test acts from the main thread"


@only_on("threads", "ray", why=HELD)
def test_an_added_member_takes_cluster_work_at_once(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    first = RecorderProcess.spawn("first", journal)
    cluster = RecorderCluster([first])
    busy = first.hold(gate)  # the only member is busy: cluster work waits
    for item in range(5):
        cluster.note(item)
    second = RecorderProcess.spawn("second", journal)
    add_member(cluster, second)
    assert cluster.members == (first, second)
    cluster_done = cluster.note_and_reply("last")
    # The newcomer works off the queue while the first member is still held.
    assert cluster_done.result(PATIENCE) == 5
    assert journal.log("second") == [0, 1, 2, 3, 4, "last"]
    gate.set()
    busy.result(PATIENCE)


@only_on("deterministic", why="the test acts from inside the busy member's handler")
def test_an_added_member_takes_cluster_work_at_once_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    first = RecorderProcess.spawn("first", journal)
    cluster = RecorderCluster([first])
    second = RecorderProcess.spawn("second", journal)
    replies: list[int] = []

    def while_first_is_busy() -> None:
        for item in range(5):
            cluster.note(item)
        add_member(cluster, second)
        assert cluster.members == (first, second)
        # Only the newcomer can work off the queue: the first member is in this handler.
        replies.append(cluster.note_and_reply("last").result(PATIENCE))

    assert first.hold(WhileBusy(while_first_is_busy)).result(PATIENCE) == "first"
    assert replies == [5]
    assert journal.log("second") == [0, 1, 2, 3, 4, "last"]
    assert journal.log("first") == ["hold"]


@only_on("threads", "ray", why=HELD)
def test_a_removed_member_finishes_its_message_and_its_queued_work_goes_to_the_others(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    leaving = RecorderProcess.spawn("leaving", journal)
    staying = RecorderProcess.spawn("staying", journal)
    cluster = RecorderCluster([leaving, staying], strategy="round_robin")
    held = [member.hold(gate) for member in (leaving, staying)]
    wait_until(lambda: len(journal.entries()) == 2, "both members are held")
    for item in range(10):  # round robin: five wait for each member
        cluster.note(item)
    direct = leaving.note_and_reply("direct")
    remove_member(cluster, leaving)
    assert cluster.members == (staying,)
    gate.set()
    assert [future.result(PATIENCE) for future in held] == ["leaving", "staying"]
    cluster.join(PATIENCE)
    assert sorted(journal.log("staying")[1:]) == list(range(10))  # all ten, exactly once
    # The direct mailbox is untouched: the removed member still handles its own mail.
    assert direct.result(PATIENCE) == 1
    assert journal.log("leaving") == ["hold", "direct"]


@only_on("deterministic", why="the test acts from inside the leaving member's handler")
def test_a_removed_member_finishes_its_message_and_its_queued_work_goes_to_the_others_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    leaving = RecorderProcess.spawn("leaving", journal)
    staying = RecorderProcess.spawn("staying", journal)
    cluster = RecorderCluster([leaving, staying], strategy="round_robin")
    direct: list[Future[int]] = []

    def while_leaving_is_busy() -> None:
        for item in range(10):  # round robin: five wait for each member
            cluster.note(item)
        direct.append(leaving.note_and_reply("direct"))
        remove_member(cluster, leaving)
        assert cluster.members == (staying,)

    assert leaving.hold(WhileBusy(while_leaving_is_busy)).result(PATIENCE) == "leaving"
    cluster.join(PATIENCE)
    assert sorted(journal.log("staying")) == list(range(10))  # all ten, exactly once
    # The direct mailbox is untouched: the removed member still handles its own mail.
    assert direct[0].result(PATIENCE) == 1
    assert journal.log("leaving") == ["hold", "direct"]


@only_on("threads", "ray", why=HELD)
def test_removing_a_member_does_not_interrupt_the_message_it_is_handling(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    member = RecorderProcess.spawn("member", journal)
    cluster = RecorderCluster([member])
    held = cluster.hold(gate)
    wait_until(lambda: journal.log("member") == ["hold"], "the member is handling")
    remove_member(cluster, member)
    assert cluster_stats(cluster).in_flight == 1  # still counted until it is done
    with pytest.raises(TimeoutError):
        cluster.join(timeout=0.05)  # join waits for the message of the removed member
    gate.set()
    assert held.result(PATIENCE) == "member"
    cluster.join(PATIENCE)


@only_on("deterministic", why="the test acts from inside the member's handler")
def test_removing_a_member_does_not_interrupt_the_message_it_is_handling_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    member = RecorderProcess.spawn("member", journal)
    cluster = RecorderCluster([member])
    seen: list[object] = []

    def while_handling() -> None:
        remove_member(cluster, member)
        seen.append(cluster_stats(cluster).in_flight)  # still counted until it is done
        try:
            cluster.join(timeout=0.05)  # join waits for the message of the removed member
        except TimeoutError:
            seen.append("join timed out")

    held = cluster.hold(WhileBusy(while_handling))
    assert held.result(PATIENCE) == "member"
    assert seen == [1, "join timed out"]
    cluster.join(PATIENCE)
    assert cluster_stats(cluster).in_flight == 0


def test_messages_to_a_cluster_without_members_wait_until_a_member_joins(
    runtime: Runtime, journal: Journal
) -> None:
    cluster = RecorderCluster()
    assert cluster.members == ()
    replies = [cluster.note_and_reply(item) for item in range(3)]
    cluster.note("tell")
    assert cluster_stats(cluster).queued == 4
    assert not any(reply.done() for reply in replies)
    add_member(cluster, RecorderProcess.spawn("late", journal))
    assert [reply.result(PATIENCE) for reply in replies] == [0, 1, 2]
    cluster.join(PATIENCE)
    assert journal.log("late") == [0, 1, 2, "tell"]


def test_a_cluster_whose_members_all_left_keeps_new_messages_queued(
    runtime: Runtime, journal: Journal
) -> None:
    member = RecorderProcess.spawn("only", journal)
    cluster = RecorderCluster([member])
    remove_member(cluster, member)
    reply = cluster.note_and_reply("waits")
    with pytest.raises(TimeoutError):
        reply.result(timeout=0.05)
    add_member(cluster, member)  # the same process may come back
    assert reply.result(PATIENCE) == 0


def test_messages_left_in_an_empty_cluster_fail_at_shutdown_never_silently(
    journal: Journal,
) -> None:
    failures: list[Failure] = []
    runtime = Runtime(threads=2, on_error=failures.append)
    with runtime:
        cluster = RecorderCluster()
        reply = cluster.note_and_reply("never")
        cluster.note("never either")
    assert runtime.shutdown() is False  # not everything was handled, and it says so
    with pytest.raises(
        RuntimeStopped, match="the runtime of cluster RecorderCluster-1 was shut down"
    ):
        reply.result(0)
    assert [failure.message for failure in failures] == [RecorderNoteMessage("never either")]
    assert all(isinstance(failure.error, RuntimeStopped) for failure in failures)


def test_a_process_can_be_a_member_of_two_clusters(runtime: Runtime, journal: Journal) -> None:
    shared = RecorderProcess.spawn("shared", journal)
    first = RecorderCluster([shared])
    second = RecorderCluster([shared, RecorderProcess.spawn("other", journal)])
    assert first.note_and_reply("a").result(PATIENCE) == 0
    first.join(PATIENCE)
    for item in range(20):
        second.note(item)
    second.join(PATIENCE)
    remove_member(first, shared)
    assert second.members[0] == shared  # still a member of the other cluster
    assert journal.counts()["shared"] + journal.counts()["other"] == 21


def test_membership_misuse_is_a_clear_error(runtime: Runtime, journal: Journal) -> None:
    member = RecorderProcess.spawn("member", journal)
    cluster = RecorderCluster([member])
    with pytest.raises(ValueError, match="already a member"):
        add_member(cluster, member)
    outsider = RecorderProcess.spawn("outsider", journal)
    with pytest.raises(ValueError, match="is not a member"):
        remove_member(cluster, outsider)
    with pytest.raises(TypeError, match="members of RecorderCluster are RecorderProcess"):
        add_member(cluster, WorkerProcess.spawn("w"))  # type: ignore[arg-type]
    with Runtime(threads=1) as other:
        elsewhere = RecorderProcess.spawn("elsewhere", journal)
        with pytest.raises(ValueError, match="another runtime"):
            add_member(cluster, elsewhere)
    assert other.closed
    stop_process(outsider)
    with pytest.raises(ProcessStopped, match="stopped"):
        add_member(cluster, outsider)


def test_work_keeps_flowing_while_members_come_and_go(runtime: Runtime) -> None:
    """A stress test: 2,000 asks while members are added and removed all the time."""
    members = [WorkerProcess.spawn(f"w{i}") for i in range(3)]
    cluster = WorkerCluster(members[:1])
    replies = []
    for round_ in range(200):
        member = members[1 + round_ % 2]
        add_member(cluster, member)
        replies += [cluster.bar(1) for _ in range(10)]
        remove_member(cluster, member)
    totals = [future.result(PATIENCE) for future in replies]
    assert len(totals) == 2000
    # Each reply is a member's running total: exactly 2,000 messages were handled.
    assert sum(member.bar(0).result(PATIENCE) for member in members) == 2000


def test_a_refused_cluster_leaves_its_would_be_members_untouched(
    runtime: Runtime, journal: Journal
) -> None:
    member = RecorderProcess.spawn("m", journal)
    with pytest.raises(ValueError, match="only once"):
        RecorderCluster([member, member])
    assert member._core.clusters == ()  # white-box: it joined nothing
    stopped = RecorderProcess.spawn("s", journal)
    stop_process(stopped)
    with pytest.raises(ProcessStopped):
        RecorderCluster([member, stopped])
    assert member._core.clusters == ()
