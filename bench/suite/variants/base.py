"""`Variant`: the interface every way of doing the workload implements.

A variant is one row of the results. The harness drives it the same way for each run::

    variant.start(WORKERS)       # fresh workers, not timed
    variant.tell_all(values)     # timed: send foo(a) for each value, return once all handled
    variant.totals()             # not timed: one `Totals` per worker, checked by the harness
    variant.stop()               # not timed: end the workers and their threads

Each phase returns only when the work it sent is done, by the variant's own natural means
(a barrier message, `cluster.join()`, one ask per actor, ...): a rate measured before the
work is handled would measure the queue, not the workers. Senders use plain, idiomatic
code — no bound-method caching or other tricks that only one variant would get.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from ..workload import Totals

__all__ = ["PHASES", "RETRIES", "RepeatableFailure", "Variant"]

PHASES = ("tells", "asks", "latency", "skew")
"""What a variant can be measured on; `Variant.phases` says which apply to it."""


RETRIES = 3
"""Times a run that raised `RepeatableFailure` is run again before the phase fails."""


class RepeatableFailure(Exception):
    """A run went wrong in a way its figures do not show, and that a fresh run may not hit
    (the runtime missed waking a joiner). The harness counts it, reports it in the notes
    and runs the same run again, at most `RETRIES` times; only clean runs give figures."""


class Variant(ABC):
    """One way of running the workload on a pool of stateful workers."""

    key: str
    """Stable identifier, used in results.json and by the targets."""
    label: str
    """The row label in the results."""
    phases: tuple[str, ...] = PHASES
    max_messages: int | None = None
    """Cap on tells/asks/latency messages per run, for a variant too slow for full sizes."""

    def unavailable(self) -> str | None:
        """Why this variant cannot run here (a missing package), or None if it can."""
        return None

    def open(self) -> None:  # noqa: B027 - optional hook
        """Once before the first run: set up what lives across runs (Ray's cluster)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Once after the last run."""

    @abstractmethod
    def start(self, workers: int) -> None:
        """Start `workers` fresh workers, each with its counters at zero."""

    @abstractmethod
    def tell_all(self, values: Sequence[int]) -> None:
        """Send ``foo(a)`` for every value; return once every one has been handled."""

    @abstractmethod
    def ask_all(self, values: Sequence[int]) -> list[int]:
        """Send ``bar(b)`` for every value, all outstanding at once; return the replies."""

    @abstractmethod
    def ask_one(self, value: int) -> int:
        """Send one ``bar(b)`` and wait for its reply (the latency phase calls this)."""

    @abstractmethod
    def run_jobs(self, durations: Sequence[float]) -> None:
        """Send ``job(d)`` for every duration; return once every job is done."""

    @abstractmethod
    def totals(self) -> list[Totals]:
        """Each worker's counters; called after the timed part of a run."""

    @abstractmethod
    def stop(self) -> None:
        """End the workers and every thread the variant started."""
