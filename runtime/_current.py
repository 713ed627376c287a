"""Which runtime and process the calling code is in.

Two things are tracked: the runtime a program *entered* (``with Runtime():``, a context
variable, so that threads and asyncio tasks started inside inherit it), and the process
whose handler is running on this thread (set by the backend that runs it). Neither
module that reads them needs to know which backend runs what.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._core import RuntimeCore
    from ._process import ProcessCore

__all__ = ["entered", "running", "running_process"]

# The runtime of the innermost `with runtime:` (None: the default runtime applies).
entered: ContextVar[RuntimeCore | None] = ContextVar("actorgen_runtime", default=None)


class _Running(threading.local):
    """The runtime and process whose handler this thread is running; None on other
    threads (class attributes: reading them there raises nothing, which `Future.result`
    relies on)."""

    runtime: RuntimeCore | None = None
    process: ProcessCore | None = None


running = _Running()


def running_process() -> ProcessCore | None:
    """The process whose handler is running on this thread, if any."""
    return running.process
