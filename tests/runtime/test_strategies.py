"""A cluster's own strategy routes the messages that have no `@route`.

``balanced`` (the default) is covered by test_cluster_balancing.py; here are
``round_robin`` (members in turn, whatever their load) and ``work_stealing`` (members in
turn, but an idle member takes the oldest message waiting for a busy one).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from actorgen.runtime import Runtime, cluster_stats
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from conftest import PATIENCE

FAST = 0.004
SLOW = 10 * FAST


def test_round_robin_hands_messages_to_members_in_turn(runtime: Runtime, journal: Journal) -> None:
    members = [RecorderProcess.spawn(f"m{i}", journal) for i in range(3)]
    cluster = RecorderCluster(members, strategy="round_robin")
    for item in range(30):
        cluster.note(item)
    cluster.join(PATIENCE)
    assert journal.log("m0") == list(range(0, 30, 3))
    assert journal.log("m1") == list(range(1, 30, 3))
    assert journal.log("m2") == list(range(2, 30, 3))
    assert cluster_stats(cluster).strategy == "round_robin"


def _skewed_batch(strategy: str) -> tuple[float, Counter[str]]:
    journal = Journal()
    delays = {"slow": SLOW, "fast-1": FAST, "fast-2": FAST, "fast-3": FAST}
    with Runtime(threads=len(delays), name=strategy):
        cluster = RecorderCluster(
            [RecorderProcess.spawn(name, journal, delay) for name, delay in delays.items()],
            strategy=strategy,  # type: ignore[arg-type]
        )
        started = time.perf_counter()
        for job in range(200):
            cluster.note(job)
        cluster.join(PATIENCE)
        elapsed = time.perf_counter() - started
    ideal = 200 / sum(1 / delay for delay in delays.values())
    assert sorted(journal.items()) == list(range(200))  # each exactly once
    return elapsed / ideal, journal.counts()


def test_work_stealing_takes_work_away_from_a_slow_member() -> None:
    ratio, counts = _skewed_batch("work_stealing")
    # Round robin would leave a quarter of the batch (50 messages) to the slow member:
    # about 7x the ideal time. Stealing brings it close to balanced pulling.
    assert ratio <= 1.6, f"work stealing took {ratio:.2f}x the ideal time"
    assert counts["slow"] < counts["fast-1"] / 3


def test_round_robin_does_not_balance_a_slow_member() -> None:
    """The reference for the test above: the slow member gets its full share."""
    ratio, counts = _skewed_batch("round_robin")
    assert counts["slow"] == 50
    assert ratio > 3


def test_an_unknown_strategy_is_refused(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="strategy must be one of balanced, round_robin"):
        RecorderCluster(strategy="random")  # type: ignore[arg-type]
