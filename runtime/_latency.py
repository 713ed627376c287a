"""Latency histograms: how long messages waited for a handler, and how long handlers ran.

Off by default; ``Runtime(latency_histograms=True)`` (or the same argument of
`DeterministicRuntime`) turns them on for every process of that runtime. Then each send
stamps its message with ``time.perf_counter_ns()`` (an `envelopes.Stamped`), and each
handled message is recorded twice, in one series per (async class, cluster): the time
from its send to the moment a member took it (*wait*), and the time its handler ran
(*handler*). Direct messages are in the series of their class without a cluster.

The buckets are fixed and log-spaced: upper bounds of 2**k nanoseconds for k = 10 ... 34,
that is 1.024 µs, 2.048 µs, ... 8.59 s, 17.18 s, and one more bucket for everything
longer. A factor of 2 between bounds keeps the relative error of any quantile read from
them under 2x over nine decades of latency, with 26 integers per histogram; recording is
one ``int.bit_length()``.

Recording takes a lock (pool threads of one class record into the same series); it is
paid only with histograms on, which is why they are opt-in: see ``bench/stats_cost.py``
for what they cost a busy cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._locks import locked, new_lock

__all__ = [
    "BOUNDS_NS",
    "BUCKETS",
    "Histogram",
    "Latency",
    "LatencySeries",
]

# The smallest upper bound is 2**FIRST ns; there are BUCKETS bounds, then +Inf.
FIRST = 10
BUCKETS = 25
BOUNDS_NS = tuple(1 << k for k in range(FIRST, FIRST + BUCKETS))
_BOUNDS_S = tuple(bound / 1e9 for bound in BOUNDS_NS)


def bucket_of(ns: int) -> int:
    """The index of the first bucket whose upper bound is at least `ns`."""
    index = (ns - 1).bit_length() - FIRST if ns > 0 else 0
    return 0 if index < 0 else BUCKETS if index > BUCKETS else index


@dataclass(frozen=True)
class Histogram:
    """A snapshot of one latency histogram, in seconds.

    `bounds` are the buckets' upper bounds (inclusive), `counts` how many observations
    fell in each bucket — not cumulative, with one more entry than `bounds` for those
    above the largest bound. `count` and `sum` are the number and the total of all
    observations (the sum exactly, not from the buckets).
    """

    bounds: tuple[float, ...]
    counts: tuple[int, ...]
    count: int
    sum: float

    @property
    def mean(self) -> float:
        """The mean observation in seconds (0.0 if there is none)."""
        return self.sum / self.count if self.count else 0.0

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper bound, observations at or below it)`` per bucket, ending with
        ``(inf, count)``: the shape of a Prometheus histogram."""
        running = 0
        pairs = []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            pairs.append((bound, running))
        return pairs

    def quantile(self, q: float) -> float:
        """An upper estimate of the `q`-quantile (0 < q <= 1): the upper bound of the
        bucket it falls in, so at most twice the true value; 0.0 without observations,
        `inf` if it falls above the largest bound."""
        if not 0 < q <= 1:
            raise ValueError(f"q must be in (0, 1], not {q!r}")
        if not self.count:
            return 0.0
        rank = q * self.count
        for bound, seen in self.cumulative():
            if seen >= rank:
                return bound
        return float("inf")  # pragma: no cover - the last bucket holds `count`


EMPTY = Histogram(_BOUNDS_S, (0,) * (BUCKETS + 1), 0, 0.0)


class _Counts:
    """One histogram being recorded: bucket counts and the exact sum, in nanoseconds."""

    __slots__ = ("counts", "sum_ns")

    def __init__(self) -> None:
        self.counts = [0] * (BUCKETS + 1)
        self.sum_ns = 0

    def snapshot(self) -> Histogram:
        return Histogram(_BOUNDS_S, tuple(self.counts), sum(self.counts), self.sum_ns / 1e9)


def merge(histograms: list[Histogram]) -> Histogram:
    """One histogram of all the observations of `histograms`."""
    if not histograms:
        return EMPTY
    counts = [sum(column) for column in zip(*(h.counts for h in histograms), strict=True)]
    return Histogram(
        _BOUNDS_S,
        tuple(counts),
        sum(h.count for h in histograms),
        sum(h.sum for h in histograms),
    )


@dataclass(frozen=True)
class LatencySeries:
    """The two histograms of one async class, for the messages of one cluster (or, with
    `cluster` None, the messages sent to its processes directly)."""

    kind: str
    cluster: str | None
    wait: Histogram
    handler: Histogram


class Latency:
    """The histograms of one runtime, by (async class, cluster name or None)."""

    __slots__ = ("_lock", "_series")

    def __init__(self) -> None:
        self._lock = new_lock()  # re-entrant: see `locked`
        self._series: dict[tuple[str, str | None], tuple[_Counts, _Counts]] = {}

    def record(self, kind: str, cluster: str | None, waited_ns: int, ran_ns: int) -> None:
        """One handled message of class `kind`: it waited `waited_ns` (negative: not
        known, it was not stamped) and its handler ran for `ran_ns`."""
        key = (kind, cluster)
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = (_Counts(), _Counts())
            wait, handler = series
            if waited_ns >= 0:
                wait.counts[bucket_of(waited_ns)] += 1
                wait.sum_ns += waited_ns
            handler.counts[bucket_of(ran_ns)] += 1
            handler.sum_ns += ran_ns

    def series(self) -> list[LatencySeries]:
        """Every series recorded so far, in the order each was first recorded."""
        return locked(
            self._lock,
            lambda: [
                LatencySeries(kind, cluster, wait.snapshot(), handler.snapshot())
                for (kind, cluster), (wait, handler) in self._series.items()
            ],
        )
