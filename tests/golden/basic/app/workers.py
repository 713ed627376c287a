"""Golden case: the Worker of the design brief."""

from __future__ import annotations

import sys
import threading

from actorgen.runtime import async_class


@async_class
class Worker:
    """A worker that keeps a running total of what it was sent."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0

    def foo(self, a: int) -> None:
        """Add `a` to the total (a tell: no reply)."""
        self.total += a
        say(f"{self.name}: foo({a}) on thread {threading.current_thread().name}")

    def bar(self, b: int) -> int:
        """Add `b` to the total and reply with the new total (an ask)."""
        self.total += b
        say(f"{self.name}: bar({b}) -> {self.total}")
        return self.total


def say(line: str) -> None:
    # One write per line, so lines printed by different processes do not interleave.
    sys.stdout.write(line + "\n")
