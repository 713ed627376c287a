"""`Journal`: a thread-safe notebook that processes write into and tests read from."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One handled message: who handled it, what it was, and on which thread."""

    who: str
    item: object
    thread: str


class Journal:
    """Records what each process handled, in the order it handled it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Entry] = []
        self._logs: dict[str, list[object]] = {}
        self._active: Counter[str] = Counter()
        self.overlaps = 0  # times a process was found handling two messages at once

    def record(self, who: str, item: object) -> int:
        """Note that `who` handled `item`; return its position in `who`'s own log."""
        entry = Entry(who, item, threading.current_thread().name)
        with self._lock:
            self._entries.append(entry)
            log = self._logs.setdefault(who, [])
            log.append(item)
            return len(log) - 1

    def enter(self, who: str) -> None:
        with self._lock:
            self._active[who] += 1
            if self._active[who] > 1:
                self.overlaps += 1

    def leave(self, who: str) -> None:
        with self._lock:
            self._active[who] -= 1

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def log(self, who: str) -> list[object]:
        """The items `who` handled, in order."""
        with self._lock:
            return list(self._logs.get(who, ()))

    def items(self) -> list[object]:
        return [e.item for e in self.entries()]

    def counts(self) -> Counter[str]:
        """How many messages each process handled."""
        return Counter(e.who for e in self.entries())
