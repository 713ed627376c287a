"""`Future`: the reply to an ask, usable from threads and from asyncio."""

from __future__ import annotations

import logging
from _thread import LockType, allocate_lock
from collections.abc import Callable, Generator
from concurrent.futures import CancelledError
from contextlib import suppress
from typing import Any, Generic, TypeVar, cast

from ._current import running_process
from ._locks import held, new_lock
from ._waits import wait_begins, wait_ends

__all__ = ["Future"]

_T = TypeVar("_T")

# Ordered: every state past _RUNNING is final, so `done()` is one comparison.
_PENDING = 0  # queued: cancel() withdraws it
_RUNNING = RUNNING = 1  # a worker claimed it: it runs to completion (RUNNING: for run())
_RESULT = 2
_ERROR = 3
_CANCELLED = 4

_log = logging.getLogger("actorgen")


class Future(Generic[_T]):
    """The eventual reply of an ask: a value of type `T`, or the exception the handler raised.

    Lighter than `concurrent.futures.Future` (one lock, no condition variable until
    someone actually waits), with the same core API:

    - `result(timeout=None)` waits and returns the value, or raises the handler's exception
      with its original type; `TimeoutError` if `timeout` seconds pass first;
    - `exception(timeout=None)`, `done()`, `running()`, `cancelled()`;
    - `cancel()` withdraws an ask that no worker has started yet;
    - `add_done_callback(fn)` calls `fn(future)` once the reply is there (at once if it
      already is), on the thread that completed it;
    - `await future` from asyncio code, without blocking the event loop; cancelling the
      awaiting task cancels the ask.
    """

    # A runtime can have very many outstanding asks; __slots__ keeps each one small.
    __slots__ = ("_callbacks", "_lock", "_state", "_target", "_value", "_waiters")

    def __init__(self, _target: Any = None) -> None:
        self._state = _PENDING
        self._value: Any = None
        # Re-entrant only so that a caller interrupted inside a `with` can release it.
        self._lock = new_lock()
        self._waiters: list[LockType] | None = None
        self._callbacks: list[Callable[[Future[_T]], object]] | None = None
        # The process or cluster that will complete it, given by the runtime when it sends
        # the ask: a handler that waits on it is checked for deadlocks (see `_waits`).
        self._target = _target

    def __repr__(self) -> str:
        state = ("pending", "running", "done", "failed", "cancelled")[self._state]
        return f"<Future {state}>"

    def done(self) -> bool:
        """True once the future holds a value or an exception, or was cancelled."""
        return self._state > _RUNNING

    def running(self) -> bool:
        """True while a worker runs the handler: too late to cancel, not done yet."""
        return self._state == _RUNNING

    def cancelled(self) -> bool:
        """True if `cancel()` withdrew the ask."""
        return self._state == _CANCELLED

    def cancel(self) -> bool:
        """Withdraw the ask if no worker has started it: its handler will never run.

        Returns True if it was withdrawn: the future is then done and cancelled, waiters
        and `result()` get `concurrent.futures.CancelledError`, and the done callbacks
        run. Returns False if a worker has started it (it runs to completion) or the
        future is done already, cancelled or not.
        """
        try:
            with self._lock:
                if self._state != _PENDING:
                    return False
                self._state = _CANCELLED
                waiters, self._waiters = self._waiters, None
                callbacks, self._callbacks = self._callbacks, None
        except BaseException:  # cut short inside the `with`: release (see `_locks`)
            if held(self._lock):
                self._lock.release()
            raise
        if waiters or callbacks:
            self._notify(waiters, callbacks)
        return True

    def result(self, timeout: float | None = None) -> _T:
        """Wait for the reply and return it, or raise the exception the handler raised."""
        if self._state <= _RUNNING:
            self._wait(timeout)
        state = self._state
        if state == _RESULT:
            return cast(_T, self._value)
        if state == _ERROR:
            raise cast(BaseException, self._value)
        raise CancelledError()

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Wait for the reply and return the handler's exception, or None if it succeeded."""
        if self._state <= _RUNNING:
            self._wait(timeout)
        if self._state == _CANCELLED:
            raise CancelledError()
        return cast(BaseException, self._value) if self._state == _ERROR else None

    def add_done_callback(self, fn: Callable[[Future[_T]], object]) -> None:
        """Call `fn(self)` when the future completes (now, if it already has).

        Exceptions raised by `fn`, even `SystemExit` and `KeyboardInterrupt`, are logged to
        the ``actorgen`` logger and otherwise ignored: they must not break the worker that
        completed the future.
        """
        try:
            with self._lock:
                if self._state <= _RUNNING:
                    if self._callbacks is None:
                        self._callbacks = [fn]
                    else:
                        self._callbacks.append(fn)
                    return
        except BaseException:  # cut short inside the `with`: release (see `_locks`)
            if held(self._lock):
                self._lock.release()
            raise
        self._call(fn)

    def set_result(self, value: _T) -> None:
        """Complete the future with a value. Raises `RuntimeError` if already complete."""
        if not self._complete(_RESULT, value):
            raise RuntimeError(f"{self!r} is already complete")

    def set_exception(self, error: BaseException) -> None:
        """Complete the future with an exception. Raises `RuntimeError` if already complete."""
        if not self._complete(_ERROR, error):
            raise RuntimeError(f"{self!r} is already complete")

    def __await__(self) -> Generator[Any, None, _T]:
        """Wait from asyncio; a cancelled awaiting task cancels the ask (see `cancel`)."""
        target = self._target
        if self._state <= _RUNNING and target is not None and target.runtime.drives_waits:
            self._wait(None)  # only this thread can run its handlers: run them now
        if self._state <= _RUNNING:
            # Imported here: asyncio is heavy and thread-only programs never need it.
            import asyncio

            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()

            def wake(_: Future[_T]) -> None:
                with suppress(RuntimeError):  # the loop has closed: nobody waits any more
                    loop.call_soon_threadsafe(_release, waiter)

            self.add_done_callback(wake)
            try:
                yield from waiter
            except BaseException:  # the awaiting task was cancelled (or closed)
                self._remove_done_callback(wake)
                self.cancel()
                raise
        if self._state == _CANCELLED:
            import asyncio

            raise asyncio.CancelledError()
        return self.result()

    # -- used by the runtime -----------------------------------------------------------------

    def _claim(self) -> bool:
        """A worker is about to run the handler: False if the ask was cancelled (skip it),
        else True, and from now on `cancel()` returns False."""
        lock = self._lock
        lock.acquire()  # cheaper than `with`, and nothing in between can raise
        if self._state:  # not _PENDING: cancelled
            lock.release()
            return False
        self._state = _RUNNING
        lock.release()
        return True

    def _unclaim(self) -> None:
        """A claimed ask goes back to a queue unhandled: `cancel()` may withdraw it again."""
        with self._lock:
            if self._state == _RUNNING:
                self._state = _PENDING

    def _resolve(self, value: object) -> None:
        """Complete with a value, unless the ask was cancelled: a runtime that completes
        what it took from a queue must not fail on an ask withdrawn meanwhile."""
        # `_complete` inlined, and the lock taken as in `_claim`: every ask's reply takes
        # this path.
        lock = self._lock
        lock.acquire()
        state = self._state
        if state > _RUNNING:
            lock.release()
            if state == _CANCELLED:
                return
            raise RuntimeError(f"{self!r} is already complete")
        self._value = value
        self._state = _RESULT
        waiters, self._waiters = self._waiters, None
        callbacks, self._callbacks = self._callbacks, None
        lock.release()
        if waiters:  # `_notify` inlined: this is the reply of every ask
            for waiter in waiters:
                waiter.release()
        if callbacks:
            for fn in callbacks:
                self._call(fn)

    def _fail(self, error: BaseException) -> None:
        """Complete with an exception, unless the ask was cancelled (see `_resolve`)."""
        if not self._complete(_ERROR, error) and self._state != _CANCELLED:
            raise RuntimeError(f"{self!r} is already complete")

    def _remove_done_callback(self, fn: Callable[[Future[_T]], object]) -> None:
        try:
            with self._lock:
                if self._callbacks is not None and fn in self._callbacks:
                    self._callbacks.remove(fn)
        except BaseException:  # cut short inside the `with`: release (see `_locks`)
            if held(self._lock):
                self._lock.release()
            raise

    # -- internals ---------------------------------------------------------------------------

    def _wait(self, timeout: float | None) -> None:
        target = self._target
        waiter = running_process() if target is not None else None
        if waiter is not None:
            wait_begins(waiter, target)  # UsageError instead of a deadlock
        try:
            if target is not None and target.runtime.drives_waits:
                # Its handlers run on this thread, when someone waits: run them until done.
                if not target.runtime.run_until(self.done, timeout, target):
                    raise TimeoutError(f"no reply within {timeout} s")
            else:
                self._block(timeout)
        finally:
            if waiter is not None:
                wait_ends(waiter)

    def _block(self, timeout: float | None) -> None:
        try:
            with self._lock:
                if self._state > _RUNNING:
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
                    if self._state > _RUNNING:
                        return
                    assert self._waiters is not None
                    self._waiters.remove(waiter)
                raise TimeoutError(f"no reply within {timeout} s")
        except BaseException:  # Ctrl-C while waiting, say: never leave our lock held
            if held(self._lock):
                self._lock.release()
            raise

    def _complete(self, state: int, value: object) -> bool:
        """Store the reply and wake whoever waits; False if the future was done already."""
        with self._lock:
            if self._state > _RUNNING:
                return False
            self._value = value
            self._state = state
            waiters, self._waiters = self._waiters, None
            callbacks, self._callbacks = self._callbacks, None
        if waiters or callbacks:
            self._notify(waiters, callbacks)
        return True

    def _notify(
        self,
        waiters: list[LockType] | None,
        callbacks: list[Callable[[Future[_T]], object]] | None,
    ) -> None:
        """Once done: wake the threads that wait on us, then run the done callbacks."""
        for waiter in waiters or ():
            waiter.release()
        for fn in callbacks or ():
            self._call(fn)

    def _call(self, fn: Callable[[Future[_T]], object]) -> None:
        try:
            fn(self)
        except BaseException:  # a callback must never break the thread that completes us
            _log.exception("done callback %r of %r raised", fn, self)


def _release(waiter: Any) -> None:
    # The awaiting task may have been cancelled in the meantime.
    if not waiter.done():
        waiter.set_result(None)
