"""Which runtime and process the calling code is in.

Two things are tracked: the runtime a program *entered* (``with Runtime():``, a context
variable, so that threads and asyncio tasks started inside inherit it), and the process
whose handler is running on this thread (set by the backend that runs it), or in this
asyncio task for the handlers of async processes. Neither
module that reads them needs to know which backend runs what.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._core import RuntimeCore
    from ._process import ProcessCore

__all__ = ["entered", "handler_runtime", "handling", "running", "running_process"]

# The runtime of the innermost `with runtime:` (None: the default runtime applies).
entered: ContextVar[RuntimeCore | None] = ContextVar("actorgen_runtime", default=None)


class _Running(threading.local):
    """The runtime and process whose handler this thread is running; None on other
    threads (class attributes: reading them there raises nothing, which `Future.result`
    relies on)."""

    runtime: RuntimeCore | None = None
    process: ProcessCore | None = None


running = _Running()


# The async process whose handler this asyncio task is running (set by the turn task, in
# its own context: many handlers of one loop thread are in the middle of a message at
# once, so a thread-local cannot say which one is running).
handling: ContextVar[ProcessCore | None] = ContextVar("actorgen_handling", default=None)


def running_process() -> ProcessCore | None:
    """The process whose handler is running on this thread (or in this asyncio task)."""
    return running.process or handling.get()


def handler_runtime() -> RuntimeCore | None:
    """The runtime whose handler is running here, if any."""
    runtime = running.runtime
    if runtime is None:
        process = handling.get()
        if process is not None:
            return process.runtime
    return runtime
