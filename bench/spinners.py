"""The async class of the core-scaling benchmark (`cores.py`): a handler that only computes.

Its generated facades are in ``spinners_actors.py`` (``actorgen bench`` regenerates them).
"""

from __future__ import annotations

from actorgen.runtime import async_class


def spin(rounds: int) -> int:
    """Pure-Python work that holds a core for as long as `rounds` says: no I/O, no C call
    that could release the interpreter, so under the GIL threads can only take turns.

    Its only constant is a small int, which every interpreter shares without counting
    references to it: on 3.13t, threads that use the same larger constant all update its
    reference count, and a plain loop then scales worse than the work itself would."""
    total = 0
    for i in range(rounds):
        total += i & 255
    return total


@async_class
class Spinner:
    """Computes on request."""

    def __init__(self) -> None:
        self.jobs = 0

    def spin(self, rounds: int) -> int:
        """Run `spin(rounds)` and reply with its result (an ask)."""
        self.jobs += 1
        return spin(rounds)
