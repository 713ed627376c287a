"""A cluster balances by pulling: whichever member is free takes the next message.

Timing is only ever compared with an ideal computed from the handlers' own sleep
durations, as a generous ratio, never as an absolute wall-clock bound.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import pytest
from actorgen.runtime import Runtime, cluster_stats, runtime_stats
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import Waiter

FAST = 0.004  # seconds each fast member spends on a message
SLOW = 10 * FAST  # ... and the slow one
MESSAGES = 300


@dataclass(frozen=True)
class SlowMemberBatch:
    elapsed: float
    ideal: float
    handled: Counter[str]
    handled_by_join: int  # messages handled when join() returned


@pytest.fixture(scope="module")
def slow_member_batch() -> SlowMemberBatch:
    """A cluster of 4 where member "slow" takes 10x longer per message works off a batch."""
    journal = Journal()
    delays = {"slow": SLOW, "fast-1": FAST, "fast-2": FAST, "fast-3": FAST}
    with Runtime(threads=len(delays), name="balance"):
        cluster = RecorderCluster(
            [RecorderProcess.spawn(name, journal, delay) for name, delay in delays.items()]
        )
        started = time.perf_counter()
        for job in range(MESSAGES):
            cluster.note(job)
        cluster.join()
        elapsed = time.perf_counter() - started
        handled_by_join = len(journal.entries())
    # With perfect balance every member is busy until the end: the cluster handles
    # sum(1 / delay) messages per second.
    ideal = MESSAGES / sum(1 / delay for delay in delays.values())
    return SlowMemberBatch(elapsed, ideal, journal.counts(), handled_by_join)


def test_a_slow_member_does_not_hold_back_the_batch(slow_member_batch: SlowMemberBatch) -> None:
    assert slow_member_batch.handled_by_join == MESSAGES  # the batch was really done
    # Round-robin would give the slow member a quarter of the batch: about 7x the ideal.
    ratio = slow_member_batch.elapsed / slow_member_batch.ideal
    assert ratio <= 1.5, f"batch took {ratio:.2f}x the ideal time"


def test_a_slow_member_handles_far_fewer_messages_than_a_fast_one(
    slow_member_batch: SlowMemberBatch,
) -> None:
    handled = slow_member_batch.handled
    assert sum(handled.values()) == MESSAGES
    fastest_share = min(handled[name] for name in ("fast-1", "fast-2", "fast-3"))
    # Pulling gives the slow member about a tenth of a fast member's share.
    assert handled["slow"] * 4 <= fastest_share, handled


def test_at_light_load_work_still_spreads_over_every_member(
    runtime: Runtime, wait_until: Waiter
) -> None:
    cluster = WorkerCluster([WorkerProcess.spawn(f"w{i}") for i in range(4)])
    served_by: Counter[str] = Counter()
    for _ in range(40):
        served_by[cluster.sleep(0.0).result()] += 1
        # Light load: the next message finds every member idle. (Without the GIL the
        # member that replied may otherwise still be in its run, free, and take it.)
        wait_until(lambda: runtime_stats().scheduled == 0, "every member is idle")
    assert set(served_by) == {"w0", "w1", "w2", "w3"}, served_by
    assert min(served_by.values()) >= 4, served_by  # an even spread gives each 10


def test_each_cluster_message_is_handled_by_exactly_one_member(
    runtime: Runtime, journal: Journal
) -> None:
    names = [f"m{i}" for i in range(4)]
    cluster = RecorderCluster([RecorderProcess.spawn(name, journal) for name in names])
    replies = []
    for job in range(1000):
        if job % 2:
            cluster.note(job)
        else:
            replies.append(cluster.note_and_reply(job))
    cluster.join()
    assert all(reply.done() for reply in replies)
    handled = [job for name in names for job in journal.log(name)]
    assert len(handled) == 1000
    assert Counter(handled) == Counter(range(1000))  # no message twice, none missing
    assert sum(s.handled for s in cluster_stats(cluster).members) == 1000
