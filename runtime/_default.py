"""The default runtime, and which runtime new processes are spawned on.

Processes are spawned on the *current* runtime: the one entered with ``with runtime:``
(any backend), the one whose handler is running, or else the default runtime: a thread
pool that starts on first use and drains at interpreter exit (for up to
ACTORGEN_DRAIN_TIMEOUT seconds, default `DRAIN_TIMEOUT`). A child of `os.fork()` starts
a default runtime of its own on first use.
"""

from __future__ import annotations

import os
import threading

from ._core import DRAIN_TIMEOUT, RuntimeCore
from ._current import entered
from ._failures import log
from ._threads import Runtime

__all__ = ["current_runtime", "default_runtime"]

_default: Runtime | None = None
_default_lock = threading.Lock()


def default_runtime() -> Runtime:
    """The default runtime, started on first use and ended at interpreter exit (drained
    for up to ACTORGEN_DRAIN_TIMEOUT seconds, default `DRAIN_TIMEOUT`)."""
    global _default
    with _default_lock:
        if _default is None or _default.closing:
            _default = Runtime(name="actorgen", drain_timeout=_env_drain_timeout())
        return _default


def current_runtime() -> RuntimeCore:
    """The runtime new processes are spawned on (see the module docstring).

    Inside ``with runtime:`` that is `runtime`, even once it is shut down: spawning on it
    then raises `RuntimeStopped` rather than quietly using another runtime.
    """
    runtime = entered.get()
    return default_runtime() if runtime is None else runtime


def _env_drain_timeout() -> float | None:
    text = os.environ.get("ACTORGEN_DRAIN_TIMEOUT", "").strip()
    if not text:
        return DRAIN_TIMEOUT
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        log.warning(
            "ACTORGEN_DRAIN_TIMEOUT=%r is not a number of seconds >= 0 (or 'none'); using %s",
            text,
            DRAIN_TIMEOUT,
        )
        return DRAIN_TIMEOUT
    return value


def _after_fork_in_child() -> None:
    global _default, _default_lock
    _default = None
    _default_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
