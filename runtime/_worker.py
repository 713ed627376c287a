"""`Worker`: one thread that runs processes, and what it has done (for `runtime_stats`).

A process's `run` settles its counts into the worker that ran it once per run, not per
message; `RuntimeCore.counts` adds up the workers.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._process import ProcessCore

__all__ = ["Worker"]


class Worker:
    """One thread that runs processes: a pool thread, a dedicated one, or the calling
    thread of a deterministic runtime."""

    __slots__ = (
        "base_failed",
        "base_handled",
        "batch",
        "busy_ns",
        "dedicated",
        "failed",
        "handled",
        "process",
        "queue",
        "runs",
        "seen",
        "since_ns",
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
        # Where the running process's counts stood when its run started, and when.
        self.base_handled = 0
        self.base_failed = 0
        self.since_ns = 0
        self.handled = 0
        self.failed = 0
        self.busy_ns = 0
        self.thread: threading.Thread | None = None
