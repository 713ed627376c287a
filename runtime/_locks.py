"""The runtime's locks, and how an interrupted ``with lock:`` is finished.

A ``with lock:`` is not safe against an exception raised between the last statement of
its body and the release: a trace function's "line" event comes there (the `with` line
is reported again on exit), and an exception raised from it skips the release. So the
locks that a sender (or a caller waiting on a future) takes are re-entrant locks, which
know their owner: the ``except BaseException`` of a send, or of `Future.result`, asks
`held(lock)` and releases what is still held before it re-raises. Both are C calls, so
this works at the recursion limit too. (Pool threads are never interrupted this way: only
the main thread gets signals.)
"""

from __future__ import annotations

import _thread
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["held", "locked", "new_lock", "release_held"]

new_lock = _thread.RLock  # the C type itself: threading.RLock is a Python-level factory

# RLock._is_owned: True if the calling thread holds the lock (threading.Condition uses it).
held: Callable[[Any], bool] = getattr(type(threading.RLock()), "_is_owned")  # noqa: B009 - no stub


def release_held(lock: Any) -> None:
    """In an ``except BaseException``: release `lock` if a ``with lock:`` was cut short
    between its body and the release (the calling thread still holds it)."""
    if held(lock):
        lock.release()


_T = TypeVar("_T")


def locked(lock: Any, read: Callable[[], _T]) -> _T:
    """`read()` with `lock` held (a re-entrant lock of `new_lock`), released even when an
    exception lands between the end of `read` and the release: for what programs call
    from the main thread while the runtime works, such as the stats."""
    try:
        with lock:
            return read()
    except BaseException:
        release_held(lock)
        raise
