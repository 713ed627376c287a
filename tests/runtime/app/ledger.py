"""`Ledger`: numbered messages that leave a trace, for checking that nothing is lost.

Every handler writes one entry into a shared `Journal` before it does anything else:
``("handled", id, incarnation)`` when it returns normally, ``("raised", id, incarnation)``
when it raises `LedgerError(id)` on purpose. `incarnation` numbers the instances, so a
test can tell a restarted process (a fresh instance) from a resumed one.
"""

from __future__ import annotations

import itertools
import threading
import time

from actorgen.runtime import async_class

from .journal import Journal

_incarnations = itertools.count(1)
_incarnations_lock = threading.Lock()  # next() of a count is atomic only under the GIL
GATE_TIMEOUT = 10.0  # a gate that is never opened fails the test instead of hanging it


def next_incarnation() -> int:
    """A number no other ledger instance has (of either class)."""
    with _incarnations_lock:
        return next(_incarnations)


class LedgerError(Exception):
    """Raised on purpose by a handler of message `id`."""

    def __init__(self, id: int) -> None:
        super().__init__(f"message {id} failed on purpose")
        self.id = id


@async_class
class Ledger:
    """Writes each message it handles into a journal; fails the ones marked `fail`."""

    def __init__(self, name: str, journal: Journal) -> None:
        self.name = name
        self.journal = journal
        self.incarnation = next_incarnation()

    def note(self, id: int, fail: bool) -> None:
        """A tell: record `id`; raise `LedgerError(id)` if `fail`."""
        self._record(id, fail)

    def echo(self, id: int, fail: bool) -> int:
        """An ask: record `id` and reply with it; raise `LedgerError(id)` if `fail`."""
        self._record(id, fail)
        return id

    def rest(self, id: int, seconds: float) -> None:
        """A tell that records `id`, then keeps the process busy for `seconds`."""
        self._record(id, False)
        time.sleep(seconds)

    def hold(self, id: int, gate: threading.Event) -> None:
        """A tell that records `id`, then keeps the process busy until `gate` is set."""
        self._record(id, False)
        if not gate.wait(GATE_TIMEOUT):
            raise TimeoutError("the test never opened the gate")

    def _record(self, id: int, fail: bool) -> None:
        self.journal.record(self.name, ("raised" if fail else "handled", id, self.incarnation))
        if fail:
            raise LedgerError(id)
