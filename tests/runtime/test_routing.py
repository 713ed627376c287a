"""`@route` chooses per message how a cluster delivers it: by key, to all, in turn, or
to the next free member; the cluster's own strategy applies to the other messages.

The test app's `Shard` (app/shards.py) has one message of each kind.
"""

from __future__ import annotations

import threading

import pytest
from actorgen.runtime import (
    Future,
    NoMembers,
    ProcessStopped,
    Runtime,
    add_member,
    cluster_stats,
    remove_member,
    stop_process,
)
from app.shards_actors import ShardCluster, ShardProcess
from conftest import PATIENCE, Waiter, in_process, only_on

# Why a test runs on one backend only. The thread versions keep a member busy on a gate
# while the test acts from the main thread; on the deterministic runtime nothing runs
# until the test waits, so messages stay queued without a gate, and a member is busy
# while the test acts from inside its handler.
HELD = "a handler blocks on a gate while the test acts from the main thread"
QUEUED = "messages stay queued until the test waits: nothing runs by itself"

USERS = [f"user-{i}" for i in range(400)]


def _owners(cluster: ShardCluster) -> dict[str, str]:
    futures = {user: cluster.owner(user) for user in USERS}
    return {user: future.result(PATIENCE) for user, future in futures.items()}


def test_equal_keys_reach_the_same_member_in_order(runtime: Runtime) -> None:
    cluster = ShardCluster([ShardProcess.spawn(f"s{i}") for i in range(4)])
    for page in range(5):
        for user in USERS[:50]:
            cluster.visit(user, f"page-{page}")
    for user in USERS[:50]:
        assert cluster.pages(user).result(PATIENCE) == [f"page-{p}" for p in range(5)]
    owners = _owners(cluster)
    assert owners == _owners(cluster)  # stable while membership is
    # Rendezvous hashing spreads the keys: each of the 4 members owns a fair share.
    shares = sorted(list(owners.values()).count(f"s{i}") for i in range(4))
    assert shares[0] > len(USERS) / 4 / 2, shares


def test_a_new_member_takes_only_keys_that_it_now_owns(runtime: Runtime) -> None:
    cluster = ShardCluster([ShardProcess.spawn(f"s{i}") for i in range(4)])
    before = _owners(cluster)
    add_member(cluster, ShardProcess.spawn("new"))
    after = _owners(cluster)
    moved = {user for user in USERS if before[user] != after[user]}
    assert {after[user] for user in moved} == {"new"}  # no key moved between old members
    # About a fifth of the keys move; consistent hashing's promise is "few", not "none".
    assert 0.1 < len(moved) / len(USERS) < 0.3


def test_removing_a_member_moves_only_its_own_keys(runtime: Runtime) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(4)]
    cluster = ShardCluster(members)
    before = _owners(cluster)
    remove_member(cluster, members[0])
    after = _owners(cluster)
    assert {user for user in USERS if before[user] != after[user]} == {
        user for user in USERS if before[user] == "s0"
    }


@only_on("threads", why=HELD)
def test_key_routed_messages_waiting_for_a_removed_member_go_to_the_new_owner(
    runtime: Runtime, gate: threading.Event, wait_until: Waiter
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(3)]
    cluster = ShardCluster(members)
    owners = _owners(cluster)
    mine = [user for user in USERS if owners[user] == "s0"][:20]
    started = threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(PATIENCE)

    members[0].call(hold)
    started.wait(PATIENCE)
    for user in mine:
        cluster.visit(user, "queued")  # waits in s0's seat while s0 is held
    remove_member(cluster, members[0])
    gate.set()
    for user in mine:
        assert cluster.pages(user).result(PATIENCE) == ["queued"]
    assert all(members[0].pages(user).result(PATIENCE) == [] for user in mine)


@only_on("deterministic", why=QUEUED)
def test_key_routed_messages_waiting_for_a_removed_member_go_to_the_new_owner_deterministically(
    runtime: Runtime,
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(3)]
    cluster = ShardCluster(members)
    owners = _owners(cluster)
    mine = [user for user in USERS if owners[user] == "s0"][:20]
    for user in mine:
        cluster.visit(user, "queued")  # waits in s0's seat: nothing runs until we wait
    assert cluster_stats(cluster).queued == len(mine)
    remove_member(cluster, members[0])
    for user in mine:
        assert cluster.pages(user).result(PATIENCE) == ["queued"]
    assert all(members[0].pages(user).result(PATIENCE) == [] for user in mine)


def test_a_broadcast_ask_replies_with_one_future_per_member_in_member_order(
    runtime: Runtime,
) -> None:
    cluster = ShardCluster([ShardProcess.spawn(f"s{i}") for i in range(3)])
    futures = cluster.name_of()
    assert [future.result(PATIENCE) for future in futures] == ["s0", "s1", "s2"]
    cluster.reload()
    cluster.join(PATIENCE)
    counts = [member.call(lambda: None) for member in cluster.members]
    assert all(future.result(PATIENCE) is None for future in counts)


@in_process("it reads the instance, which lives in a Ray actor on Ray")
def test_a_broadcast_reaches_every_member_exactly_once(runtime: Runtime) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(3)]
    cluster = ShardCluster(members)
    for _ in range(10):
        cluster.reload()
    cluster.join(PATIENCE)
    counted = [m._core._instance.reloads for m in members]  # white-box: no message reads it
    assert counted == [10, 10, 10]


def test_a_broadcast_to_a_cluster_without_members_is_a_clear_error(runtime: Runtime) -> None:
    cluster = ShardCluster()
    with pytest.raises(NoMembers, match=r"cluster ShardCluster-\d+ has no members to broadcast"):
        cluster.reload()
    with pytest.raises(NoMembers):
        cluster.name_of()


@only_on("threads", why=HELD)
def test_broadcast_copies_stay_with_a_member_that_leaves(
    runtime: Runtime, gate: threading.Event
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(2)]
    cluster = ShardCluster(members)
    started = threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(PATIENCE)

    members[0].call(hold)
    started.wait(PATIENCE)
    names = cluster.name_of()
    remove_member(cluster, members[0])
    gate.set()
    # The copy addressed to s0 is still handled by s0, as a direct message.
    assert [future.result(PATIENCE) for future in names] == ["s0", "s1"]


@only_on("deterministic", why=QUEUED)
def test_broadcast_copies_stay_with_a_member_that_leaves_deterministically(
    runtime: Runtime,
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(2)]
    cluster = ShardCluster(members)
    names = cluster.name_of()  # queued: nothing runs until we wait
    remove_member(cluster, members[0])
    # The copy addressed to s0 is still handled by s0, as a direct message.
    assert [future.result(PATIENCE) for future in names] == ["s0", "s1"]


@only_on("threads", why=HELD)
def test_broadcast_copies_of_a_stopped_member_fail_with_process_stopped(
    runtime: Runtime, gate: threading.Event
) -> None:
    from actorgen.runtime import ProcessStopped

    members = [ShardProcess.spawn(f"s{i}") for i in range(2)]
    cluster = ShardCluster(members)
    started = threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(PATIENCE)

    members[0].call(hold)
    started.wait(PATIENCE)
    names = cluster.name_of()
    stop_process(members[0])
    gate.set()
    with pytest.raises(ProcessStopped):
        names[0].result(PATIENCE)
    assert names[1].result(PATIENCE) == "s1"


@only_on("deterministic", why=QUEUED)
def test_broadcast_copies_of_a_stopped_member_fail_with_process_stopped_deterministically(
    runtime: Runtime,
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(2)]
    cluster = ShardCluster(members)
    names = cluster.name_of()  # queued: nothing runs until we wait
    stop_process(members[0])
    with pytest.raises(ProcessStopped):
        names[0].result(PATIENCE)
    assert names[1].result(PATIENCE) == "s1"


def test_a_round_robin_message_visits_members_in_turn(runtime: Runtime) -> None:
    cluster = ShardCluster([ShardProcess.spawn(f"s{i}") for i in range(3)])
    replies = [cluster.next_name().result(PATIENCE) for _ in range(6)]
    assert replies[:3] == replies[3:]
    assert sorted(replies[:3]) == ["s0", "s1", "s2"]


@only_on("threads", why=HELD)
def test_a_balanced_message_skips_a_busy_member_of_a_round_robin_cluster(
    runtime: Runtime, gate: threading.Event
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(2)]
    cluster = ShardCluster(members, strategy="round_robin")
    started = threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(PATIENCE)

    members[0].call(hold)
    started.wait(PATIENCE)
    assert [cluster.any_name().result(PATIENCE) for _ in range(5)] == ["s1"] * 5
    in_turn = [cluster.default_name() for _ in range(2)]  # the cluster's round robin
    assert in_turn[1].result(PATIENCE) == "s1"
    assert not in_turn[0].done()  # waits for s0, whose turn it was
    gate.set()
    assert in_turn[0].result(PATIENCE) == "s0"


@only_on("deterministic", why="the test acts from inside the busy member's handler")
def test_a_balanced_message_skips_a_busy_member_of_a_round_robin_cluster_deterministically(
    runtime: Runtime,
) -> None:
    members = [ShardProcess.spawn(f"s{i}") for i in range(2)]
    cluster = ShardCluster(members, strategy="round_robin")

    def while_s0_is_busy() -> list[Future[str]]:
        assert [cluster.any_name().result(PATIENCE) for _ in range(5)] == ["s1"] * 5
        in_turn = [cluster.default_name() for _ in range(2)]  # the cluster's round robin
        assert in_turn[1].result(PATIENCE) == "s1"
        assert not in_turn[0].done()  # waits for s0, whose turn it was
        return in_turn

    in_turn = members[0].call(while_s0_is_busy).result(PATIENCE)
    assert isinstance(in_turn, list)
    assert in_turn[0].result(PATIENCE) == "s0"
