"""`Worker`: one thread that runs processes, and what it has done (for `runtime_stats`).

A process's `run` settles its counts into the worker that ran it once per run, not per
message; `RuntimeCore.counts` adds up the workers.

What a worker has counted is one tuple, `tally`, replaced whole (never changed in place)
and only by the worker's own thread: a reader on another thread loads it once and gets a
consistent view, with or without the GIL. While a process runs, the tally's counts are
offsets from that process's own counters, which the run keeps current; so a reading in
the middle of a run counts what the process did so far, and a reading at its end counts
every message once, never twice (see "Without the GIL" in docs/architecture.md).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._process import ProcessCore

__all__ = ["Tally", "Worker"]

Tally = tuple["ProcessCore | None", int, int, int]


class Worker:
    """One thread that runs processes: a pool thread, a dedicated one, or the calling
    thread of a deterministic runtime."""

    __slots__ = (
        "batch",
        "dedicated",
        "process",
        "queue",
        "runs",
        "seen",
        "tally",
        "thread",
    )

    def __init__(self, queue: Any, dedicated: bool = False, batch: int = 64) -> None:
        self.queue = queue  # the run queue it serves
        self.dedicated = dedicated
        # Messages a process may handle before it yields the thread, if others wait.
        self.batch = batch
        self.process: ProcessCore | None = None  # the one being run, if any
        self.runs = 0  # runs started; the monitor compares it between ticks
        self.seen = 0
        # (None, handled, failed, busy_ns) between runs; during a run of `process`,
        # (process, handled - process.handled, failed - process.failed, busy_ns - start),
        # as it stood at the start (see the module docstring).
        self.tally: Tally = (None, 0, 0, 0)
        self.thread: threading.Thread | None = None

    def counted(self, now_ns: int) -> tuple[int, int, int]:
        """(handled, failed, busy_ns) so far, as of `now_ns` (`time.perf_counter_ns`)."""
        process, handled, failed, busy_ns = self.tally
        if process is None:
            return handled, failed, busy_ns
        return handled + process.handled, failed + process.failed, busy_ns + now_ns

    def add(self, handled: int, failed: int, busy_ns: int) -> None:
        """Count messages handled outside a run (only the worker's own thread calls this,
        or whoever holds the runtime's lock for a worker whose thread has ended)."""
        process, h, f, b = self.tally
        self.tally = (process, h + handled, f + failed, b + busy_ns)
