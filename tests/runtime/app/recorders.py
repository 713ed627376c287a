"""`Recorder`: an async class that writes every message it handles into a `Journal`."""

from __future__ import annotations

import threading
import time

from actorgen.runtime import async_class

from .journal import Journal

GATE_TIMEOUT = 10.0  # a gate that is never opened fails the test instead of hanging it


@async_class
class Recorder:
    """Records each message it handles; `delay` is how long each `note` takes."""

    def __init__(self, name: str, journal: Journal, delay: float = 0.0) -> None:
        self.name = name
        self.journal = journal
        self.delay = delay

    def note(self, item: object) -> None:
        """Record `item` (a tell), then spend `delay` seconds on it."""
        self.journal.enter(self.name)
        try:
            self.journal.record(self.name, item)
            if self.delay:
                time.sleep(self.delay)
        finally:
            self.journal.leave(self.name)

    def note_and_reply(self, item: object) -> int:
        """Record `item` (an ask); reply with its position in this recorder's own log."""
        self.journal.enter(self.name)
        try:
            return self.journal.record(self.name, item)
        finally:
            self.journal.leave(self.name)

    def hold(self, gate: threading.Event) -> str:
        """Keep this process busy until `gate` is set; reply with the recorder's name."""
        self.journal.record(self.name, "hold")
        if not gate.wait(GATE_TIMEOUT):
            raise TimeoutError("the test never opened the gate")
        return self.name

    def whoami(self) -> str:
        """Reply with the name given at spawn."""
        return self.name
