"""Observing balance: what each process and cluster has done.

These are functions rather than facade methods so that `stats` stays free as a message
name. Counters are plain integers updated by the thread running the process: reading them
is free of locks and may be a message behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._handles import ClusterHandle, ProcessHandle

__all__ = ["ClusterStats", "ProcessStats", "cluster_stats", "process_stats"]


@dataclass(frozen=True)
class ProcessStats:
    """One process: messages handled (including failed ones), failed, time busy, queued."""

    name: str
    handled: int
    failed: int
    busy_seconds: float
    queued: int


@dataclass(frozen=True)
class ClusterStats:
    """One cluster: messages waiting in its queue, being handled, and each member's stats.

    A member's `handled` counts all its messages, direct and from any cluster.
    """

    queued: int
    in_flight: int
    members: tuple[ProcessStats, ...]


def process_stats(process: ProcessHandle) -> ProcessStats:
    """Counters of one process."""
    core = process._core
    return ProcessStats(core.name, core.handled, core.failed, core.busy_ns / 1e9, core.queued())


def cluster_stats(cluster: ClusterHandle[Any]) -> ClusterStats:
    """Counters of a cluster and of each of its members."""
    core = cluster._core
    return ClusterStats(
        queued=core.queued(),
        in_flight=core.in_flight(),
        members=tuple(process_stats(member) for member in cluster.members),
    )
