"""Cluster members stay processes of their own: they can be sent direct messages while
the cluster keeps them busy, and they share their time fairly between the two."""

from __future__ import annotations

import threading
from typing import cast

from actorgen.runtime import Runtime, process_stats
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess


def test_cluster_members_stay_directly_addressable(runtime: Runtime, journal: Journal) -> None:
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(3)]
    cluster = RecorderCluster(members)
    assert cluster.members == tuple(members)
    assert [member.whoami().result() for member in cluster.members] == ["m0", "m1", "m2"]
    members[1].note("direct")
    members[1].whoami().result()
    assert journal.log("m1") == ["direct"]
    assert journal.log("m0") == journal.log("m2") == []


def test_direct_messages_to_a_member_keep_their_order_while_the_cluster_is_busy(
    runtime: Runtime, journal: Journal
) -> None:
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(2)]
    cluster = RecorderCluster(members)
    for job in range(300):
        cluster.note(("cluster", job))
        members[0].note(("direct", job))
    cluster.join()
    members[0].whoami().result()
    log = cast("list[tuple[str, int]]", journal.log("m0"))
    direct = [item for item in log if item[0] == "direct"]
    assert direct == [("direct", job) for job in range(300)]


def test_a_member_alternates_between_its_mailbox_and_the_cluster_queue(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    member = RecorderProcess.spawn("m", journal)
    cluster = RecorderCluster([member])
    held = member.hold(gate)  # keep the member busy while both sources fill up
    for job in range(5):
        cluster.note(f"c{job}")
    for job in range(5):
        member.note(f"d{job}")
    gate.set()
    held.result()
    cluster.join()
    member.whoami().result()
    # Neither source waits for the other to run dry: one message from each in turn.
    assert journal.log("m") == ["hold", "c0", "d0", "c1", "d1", "c2", "d2", "c3", "d3", "c4", "d4"]


def test_a_busy_cluster_does_not_starve_direct_messages(runtime: Runtime, journal: Journal) -> None:
    members = [RecorderProcess.spawn(f"m{i}", journal, delay=0.01) for i in range(2)]
    cluster = RecorderCluster(members)
    for job in range(100):  # a backlog of about 50 messages per member
        cluster.note(job)
    before = process_stats(members[0]).handled
    position = members[0].note_and_reply("direct").result()
    # The direct message waits for the message in progress, not for the backlog. (The
    # margin absorbs the stats lagging by one and this thread being descheduled.)
    assert position - before <= 5, f"the direct message waited for {position - before} messages"
    cluster.join()


def test_a_member_of_two_clusters_rotates_over_its_mailbox_and_both_queues(
    runtime: Runtime, journal: Journal, gate: threading.Event
) -> None:
    member = RecorderProcess.spawn("m", journal)
    first = RecorderCluster([member])
    second = RecorderCluster([member])
    held = member.hold(gate)
    for job in range(3):
        first.note(f"a{job}")
        second.note(f"b{job}")
        member.note(f"d{job}")
    gate.set()
    held.result()
    first.join()
    second.join()
    member.whoami().result()
    assert journal.log("m") == ["hold", "a0", "b0", "d0", "a1", "b1", "d1", "a2", "b2", "d2"]


def test_clusters_that_share_members_each_get_every_message_handled_once(
    runtime: Runtime, journal: Journal
) -> None:
    shared = [RecorderProcess.spawn(f"s{i}", journal) for i in range(2)]
    left = RecorderCluster([*shared, RecorderProcess.spawn("l", journal)])
    right = RecorderCluster([*shared, RecorderProcess.spawn("r", journal)])
    for job in range(500):
        left.note(("left", job))
        right.note(("right", job))
    left.join()
    right.join()
    items = sorted(cast("list[tuple[str, int]]", journal.items()))
    assert items == sorted([("left", job) for job in range(500)] + [("right", job) for job in range(500)])
