"""The async class of the blocking benchmark: a handler that blocks its thread.

Its generated facades are in ``nappers_actors.py`` (``actorgen bench`` regenerates them).
"""

from __future__ import annotations

import time

from actorgen.runtime import async_class


@async_class
class Napper:
    """Sleeps when asked to, answers at once otherwise."""

    def nap(self, seconds: float) -> float:
        """Block this process's thread for `seconds` (as blocking I/O would); reply with
        them, so the sender can wait for the nap to end."""
        time.sleep(seconds)
        return seconds

    def ping(self, token: int) -> int:
        """Reply with `token` + 1 at once."""
        return token + 1
