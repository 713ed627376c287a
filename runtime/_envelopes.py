"""Envelopes: what a mailbox or a cluster queue holds, and how unhandled ones are failed.

A tell travels as its bare message, an ask as its `Future`, which holds the message until
a worker claims it. Generated messages are dataclasses, never futures, so the class tells
them apart; an ask then allocates nothing but its message and its future (a tuple of the
two was one more object per ask for the garbage collector to track, and 56 bytes).

With latency histograms on (`_latency`), every envelope is sent inside a `Stamped`, which
adds the time it was sent; the process that takes it unwraps it. Nothing else wraps.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._future import Future

if TYPE_CHECKING:
    from ._core import RuntimeCore

__all__ = ["Envelope", "Stamped", "drain", "fail_all", "message_of"]

Envelope = Any


class Stamped:
    """An envelope and when it was sent (``time.perf_counter_ns()``)."""

    __slots__ = ("envelope", "ns")

    def __init__(self, envelope: Envelope, ns: int) -> None:
        self.envelope = envelope
        self.ns = ns


def message_of(envelope: Envelope) -> object:
    if envelope.__class__ is Stamped:
        envelope = envelope.envelope
    return envelope._message if envelope.__class__ is Future else envelope


def fail_all(
    runtime: RuntimeCore, owner: str, envelopes: Iterable[Envelope], error: Exception
) -> int:
    """Fail messages that will never be handled: asks on their future, tells to on_error.
    Returns how many were failed: asks withdrawn by `cancel()` are not (nobody waits)."""
    failed = 0
    for envelope in envelopes:
        if envelope.__class__ is Stamped:
            envelope = envelope.envelope
        if envelope.__class__ is Future:
            future = envelope
            if future.cancelled():
                continue
            future._fail(error)
        else:
            runtime.report(owner, envelope, error)
        failed += 1
    return failed


def drain(queue: deque[Envelope] | None) -> list[Envelope]:
    """Empty `queue` one atomic `popleft` at a time: safe while another thread pops too,
    each message goes to exactly one of the two."""
    taken: list[Envelope] = []
    if queue is None:
        return taken
    while True:
        try:
            taken.append(queue.popleft())
        except IndexError:
            return taken
