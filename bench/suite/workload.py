"""The workload every variant runs, and what its totals must add up to.

A pool of `WORKERS` stateful workers handles three kinds of message:

- ``foo(a: int)``, a tell: ``told += a; tells += 1``;
- ``bar(b: int) -> int``, an ask: ``asked += b; asks += 1``, replies ``b + 1``;
- ``job(d: float)``, a tell for the skewed workload: sleep ``d`` seconds, then
  ``jobs += 1`` and add the time actually slept to ``slept``.

Every variant keeps these counters per worker, with the same statements, and hands them
back as one `Totals` per worker once a run is over. The harness adds them up and compares
them with what it sent (`expect`), so a variant that loses, duplicates or misroutes a
message cannot post a number.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "WORKERS",
    "Expected",
    "Totals",
    "VerificationError",
    "check_replies",
    "lower_bound",
    "skewed_durations",
    "verify",
]

WORKERS = 4
"""Workers in every pool or cluster."""


class Totals(NamedTuple):
    """One worker's counters after a run."""

    told: int = 0  # sum of the `a` of every foo(a)
    tells: int = 0  # foo messages handled
    asked: int = 0  # sum of the `b` of every bar(b)
    asks: int = 0  # bar messages handled
    jobs: int = 0  # job messages handled
    slept: float = 0.0  # seconds actually slept by jobs (time.sleep overshoots a little)


@dataclass
class Expected:
    """What the harness sent during one run: the totals must match it exactly."""

    told: int = 0
    tells: int = 0
    asked: int = 0
    asks: int = 0
    jobs: int = 0
    slept: float = 0.0  # the nominal durations; `slept` must be at least this

    def sent_tells(self, values: Sequence[int]) -> None:
        self.told += sum(values)
        self.tells += len(values)

    def sent_asks(self, values: Sequence[int]) -> None:
        self.asked += sum(values)
        self.asks += len(values)

    def sent_jobs(self, durations: Sequence[float]) -> None:
        self.jobs += len(durations)
        self.slept += sum(durations)


class VerificationError(Exception):
    """A variant's totals or replies do not add up: its figures must not be reported."""


def verify(expected: Expected, totals: Iterable[Totals], workers: int = WORKERS) -> Totals:
    """Check the per-worker `totals` of a run against `expected`; return their sum.

    Raises `VerificationError` naming the first counter that is off.
    """
    per_worker = list(totals)
    if not 1 <= len(per_worker) <= workers:
        raise VerificationError(f"{len(per_worker)} workers reported, expected 1 to {workers}")
    total = Totals(*(sum(column) for column in zip(Totals(), *per_worker, strict=True)))
    for field in ("told", "tells", "asked", "asks", "jobs"):
        got, want = getattr(total, field), getattr(expected, field)
        if got != want:
            raise VerificationError(f"{field} adds up to {got:,}, expected {want:,}")
    # A job that did not sleep its duration did not do its work (1 µs of float slack each).
    if total.slept < expected.slept - 1e-6 * expected.jobs:
        raise VerificationError(
            f"jobs slept {total.slept:.4f} s in all, less than the {expected.slept:.4f} s sent"
        )
    return total


def check_replies(values: Sequence[int], replies: Sequence[int]) -> None:
    """Every ask `bar(b)` replies ``b + 1``, in the order asked."""
    if len(replies) != len(values):
        raise VerificationError(f"{len(replies):,} replies to {len(values):,} asks")
    for value, reply in zip(values, replies, strict=True):
        if reply != value + 1:
            raise VerificationError(f"bar({value}) replied {reply!r}, expected {value + 1}")


def skewed_durations(count: int, scale: float, seed: int = 2024, alpha: float = 1.5) -> list[float]:
    """`count` job durations in seconds from a seeded Pareto distribution (heavy-tailed).

    The smallest possible duration is `scale`; with ``alpha = 1.5`` the mean is ``3 * scale``
    and a few jobs are tens of times longer than the typical one. The same seed gives the
    same durations on every run and for every variant.
    """
    rng = random.Random(seed)
    return [scale * rng.paretovariate(alpha) for _ in range(count)]


def lower_bound(durations: Sequence[float], workers: int = WORKERS) -> float:
    """No schedule on `workers` workers can finish sooner: max(Σd / workers, max d)."""
    return max(sum(durations) / workers, max(durations, default=0.0))
