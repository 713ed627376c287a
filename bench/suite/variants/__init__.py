"""Every way of running the workload, in the order of the result rows.

`all_variants()` builds one instance of each. A variant whose package is missing (Pykka
is a bench extra, Ray is optional) becomes a `Missing` row that says why it was skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..workload import Totals
from .actorgen_variant import DEFAULT_CLUSTER, ActorgenDirect, cluster_variants
from .base import PHASES, RETRIES, RepeatableFailure, Variant
from .executor import Executor
from .handwritten import Handwritten, HandwrittenBareReply, HandwrittenDispatch
from .ray_variant import RayPool

__all__ = [
    "BASELINE",
    "DEFAULT_CLUSTER",
    "PHASES",
    "PYKKA",
    "RETRIES",
    "Missing",
    "RepeatableFailure",
    "Variant",
    "all_variants",
]

BASELINE = Handwritten.key
"""The row every "times hand-written" ratio divides by."""
PYKKA = ("pykka-proxy", "pykka-ref")
"""The rows "times Pykka" ratios divide by: the faster of them, repeat by repeat."""


class Missing(Variant):
    """A row that cannot run here; `reason` says why."""

    phases = PHASES  # listed as skipped in every table

    def __init__(self, key: str, label: str, reason: str) -> None:
        self.key = key
        self.label = label
        self.reason = reason

    def unavailable(self) -> str | None:
        return self.reason

    def start(self, workers: int) -> None:
        raise NotImplementedError(self.reason)

    def tell_all(self, values: Sequence[int]) -> None:
        raise NotImplementedError(self.reason)

    def ask_all(self, values: Sequence[int]) -> list[int]:
        raise NotImplementedError(self.reason)

    def ask_one(self, value: int) -> int:
        raise NotImplementedError(self.reason)

    def run_jobs(self, durations: Sequence[float]) -> None:
        raise NotImplementedError(self.reason)

    def totals(self) -> list[Totals]:
        raise NotImplementedError(self.reason)

    def stop(self) -> None:
        pass


def _pykka() -> list[Variant]:
    try:
        from .pykka_variant import PykkaProxy, PykkaRef
    except ImportError:
        reason = "Pykka is not installed (`pip install -e '.[bench]'`)"
        return [
            Missing("pykka-proxy", "Pykka: proxy defer/call, round-robin", reason),
            Missing("pykka-ref", "Pykka: ActorRef tell/ask + on_receive, round-robin", reason),
        ]
    return [PykkaProxy(), PykkaRef()]


def all_variants() -> list[Variant]:
    """One fresh instance of every variant, baseline first."""
    return [
        Handwritten(),
        HandwrittenBareReply(),
        HandwrittenDispatch(),
        Executor(),
        *_pykka(),
        *cluster_variants(),
        ActorgenDirect(),
        RayPool(),
    ]
