"""The async class of the spawn benchmark: as small as a useful process gets.

Its generated facades are in ``tiny_actors.py`` (``actorgen bench`` regenerates them).
``bench/`` is not a package, so the generated module imports this one absolutely; that works
because ``python bench/spawn_many.py`` puts ``bench/`` on ``sys.path``.
"""

from __future__ import annotations

from actorgen.runtime import async_class


@async_class
class Counter:
    """Counts the messages it was sent."""

    def __init__(self) -> None:
        self.count = 0

    def bump(self) -> None:
        """Count one (a tell)."""
        self.count += 1

    def ping(self, token: int) -> int:
        """Count one and reply with `token` + 1 (an ask)."""
        self.count += 1
        return token + 1
