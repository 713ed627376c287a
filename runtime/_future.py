"""`Future`: the reply to an ask, usable from threads and from asyncio."""

from __future__ import annotations

import logging
from _thread import LockType, allocate_lock
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar, cast

from ._runtime import running_process
from ._waits import wait_begins, wait_ends

__all__ = ["Future"]

_T = TypeVar("_T")

_PENDING = 0
_RESULT = 1
_ERROR = 2

_log = logging.getLogger("actorgen")


class Future(Generic[_T]):
    """The eventual reply of an ask: a value of type `T`, or the exception the handler raised.

    Lighter than `concurrent.futures.Future` (one lock, no condition variable until
    someone actually waits), with the same core API:

    - `result(timeout=None)` waits and returns the value, or raises the handler's exception
      with its original type; `TimeoutError` if `timeout` seconds pass first;
    - `exception(timeout=None)`, `done()`;
    - `add_done_callback(fn)` calls `fn(future)` once the reply is there (at once if it
      already is), on the thread that completed it;
    - `await future` from asyncio code, without blocking the event loop.
    """

    # A runtime can have very many outstanding asks; __slots__ keeps each one small.
    __slots__ = ("_callbacks", "_lock", "_state", "_target", "_value", "_waiters")

    def __init__(self) -> None:
        self._state = _PENDING
        self._value: Any = None
        self._lock = allocate_lock()
        self._waiters: list[LockType] | None = None
        self._callbacks: list[Callable[[Future[_T]], object]] | None = None
        # The process or cluster that will complete it, set by the runtime when it sends
        # the ask: a handler that waits on it is checked for deadlocks (see `_waits`).
        self._target: Any = None

    def __repr__(self) -> str:
        state = {_PENDING: "pending", _RESULT: "done", _ERROR: "failed"}[self._state]
        return f"<Future {state}>"

    def done(self) -> bool:
        """True once the future holds a value or an exception."""
        return self._state != _PENDING

    def result(self, timeout: float | None = None) -> _T:
        """Wait for the reply and return it, or raise the exception the handler raised."""
        if self._state == _PENDING:
            self._wait(timeout)
        if self._state == _ERROR:
            raise cast(BaseException, self._value)
        return cast(_T, self._value)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Wait for the reply and return the handler's exception, or None if it succeeded."""
        if self._state == _PENDING:
            self._wait(timeout)
        return cast(BaseException, self._value) if self._state == _ERROR else None

    def add_done_callback(self, fn: Callable[[Future[_T]], object]) -> None:
        """Call `fn(self)` when the future completes (now, if it already has).

        Exceptions raised by `fn` are logged to the ``actorgen`` logger and otherwise ignored.
        """
        with self._lock:
            if self._state == _PENDING:
                if self._callbacks is None:
                    self._callbacks = [fn]
                else:
                    self._callbacks.append(fn)
                return
        self._call(fn)

    def set_result(self, value: _T) -> None:
        """Complete the future with a value. Raises `RuntimeError` if already complete."""
        self._complete(_RESULT, value)

    def set_exception(self, error: BaseException) -> None:
        """Complete the future with an exception. Raises `RuntimeError` if already complete."""
        self._complete(_ERROR, error)

    def __await__(self) -> Generator[Any, None, _T]:
        if self._state == _PENDING:
            # Imported here: asyncio is heavy and thread-only programs never need it.
            import asyncio

            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            self.add_done_callback(lambda _: loop.call_soon_threadsafe(_release, waiter))
            yield from waiter
        return self.result()

    def _wait(self, timeout: float | None) -> None:
        waiter = running_process() if self._target is not None else None
        if waiter is None:
            self._block(timeout)
            return
        wait_begins(waiter, self._target)  # UsageError instead of a deadlock
        try:
            self._block(timeout)
        finally:
            wait_ends(waiter)

    def _block(self, timeout: float | None) -> None:
        with self._lock:
            if self._state != _PENDING:
                return
            waiter = allocate_lock()
            waiter.acquire()
            if self._waiters is None:
                self._waiters = [waiter]
            else:
                self._waiters.append(waiter)
        if timeout is None:
            waiter.acquire()
        elif not waiter.acquire(timeout=max(timeout, 0.0)):
            with self._lock:
                if self._state != _PENDING:
                    return
                assert self._waiters is not None
                self._waiters.remove(waiter)
            raise TimeoutError(f"no reply within {timeout} s")

    def _complete(self, state: int, value: object) -> None:
        with self._lock:
            if self._state != _PENDING:
                raise RuntimeError(f"{self!r} is already complete")
            self._value = value
            self._state = state
            waiters, self._waiters = self._waiters, None
            callbacks, self._callbacks = self._callbacks, None
        if waiters:
            for waiter in waiters:
                waiter.release()
        if callbacks:
            for fn in callbacks:
                self._call(fn)

    def _call(self, fn: Callable[[Future[_T]], object]) -> None:
        try:
            fn(self)
        except Exception:
            _log.exception("done callback %r of %r raised", fn, self)


def _release(waiter: Any) -> None:
    # The awaiting task may have been cancelled in the meantime.
    if not waiter.done():
        waiter.set_result(None)
