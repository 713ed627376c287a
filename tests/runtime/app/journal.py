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


class SharedJournal(Journal):
    """A `Journal` that processes in other OS processes write into: on the Ray runtime an
    instance holding it lives in a Ray actor, which gets a copy of it. Every copy appends
    its entries to one file, under an exclusive lock, and reads what the others wrote
    before it answers; so positions, counts and overlaps are those of one journal."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        open(path, "ab").close()
        self._offset = 0  # how far this copy has read the file

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (SharedJournal, (self.path,))

    def _locked(self, event: tuple[object, ...] | None) -> int:
        """Catch up with the file and, if `event`, append it; the position of a record."""
        import fcntl
        import pickle

        with self._lock, open(self.path, "ab+") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                file.seek(self._offset)
                data = file.read()
                self._offset += len(data)
                view = memoryview(data)
                while view:
                    size = int.from_bytes(view[:4], "big")
                    self._replay(pickle.loads(view[4 : 4 + size]))
                    view = view[4 + size :]
                if event is None:
                    return -1
                blob = pickle.dumps(event)
                file.seek(0, 2)
                file.write(len(blob).to_bytes(4, "big") + blob)
                file.flush()
                self._offset += 4 + len(blob)
                return self._replay(event)
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def _replay(self, event: tuple[object, ...]) -> int:
        kind, who = event[0], str(event[1])
        if kind == "record":
            self._entries.append(Entry(who, event[2], str(event[3])))
            log = self._logs.setdefault(who, [])
            log.append(event[2])
            return len(log) - 1
        self._active[who] += 1 if kind == "enter" else -1
        if kind == "enter" and self._active[who] > 1:
            self._overlaps += 1
        return -1

    @property  # type: ignore[override]
    def overlaps(self) -> int:
        self._locked(None)
        return self._overlaps

    @overlaps.setter
    def overlaps(self, value: int) -> None:
        self._overlaps = value

    def record(self, who: str, item: object) -> int:
        return self._locked(("record", who, item, threading.current_thread().name))

    def enter(self, who: str) -> None:
        self._locked(("enter", who))

    def leave(self, who: str) -> None:
        self._locked(("leave", who))

    def entries(self) -> list[Entry]:
        self._locked(None)
        return super().entries()

    def log(self, who: str) -> list[object]:
        self._locked(None)
        return super().log(who)


class SharedGate(threading.Event):
    """A `threading.Event` that handlers in other OS processes can wait on: set is a file
    that exists. (Copies of it, as a Ray actor gets, share the file.)"""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (SharedGate, (self.path,))

    def set(self) -> None:
        open(self.path, "a").close()
        super().set()

    def is_set(self) -> bool:
        import os

        return os.path.exists(self.path)

    def wait(self, timeout: float | None = None) -> bool:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True
