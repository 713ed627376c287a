"""`Future`: the reply to an ask, usable from threads and from asyncio."""

from __future__ import annotations

import logging
from _thread import LockType, allocate_lock, get_ident
from collections.abc import Callable, Generator
from concurrent.futures import CancelledError
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ._current import handling, running_process
from ._locks import held, new_lock
from ._waits import wait_begins, wait_ends

if TYPE_CHECKING:
    import asyncio

__all__ = ["Future"]

_T = TypeVar("_T")

# Ordered: every state past _RUNNING is final, so `done()` is one comparison.
_PENDING = 0  # queued: cancel() withdraws it
_RUNNING = RUNNING = 1  # a worker claimed it: it runs to completion (RUNNING: for run())
_RESULT = RESULT = 2  # (RESULT: for the turns of `_loops`, which inline `_resolve`)
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
    __slots__ = (
        "_aio",
        "_aio_thread",
        "_callbacks",
        "_lock",
        "_message",
        "_state",
        "_target",
        "_value",
        "_waiters",
    )

    def __init__(self, _target: Any = None, _message: object = None) -> None:
        self._state = _PENDING
        self._value: Any = None
        # Re-entrant only so that a caller interrupted inside a `with` can release it.
        self._lock = new_lock()
        self._waiters: list[LockType] | None = None
        self._callbacks: list[Callable[[Future[_T]], object]] | None = None
        # The asyncio future an awaiting task waits on, and its loop's thread (`__await__`).
        self._aio: asyncio.Future[None] | None = None  # `_aio_thread` is set with it
        # The process or cluster that will complete it, given by the runtime when it sends
        # the ask: a handler that waits on it is checked for deadlocks (see `_waits`).
        self._target = _target
        # The message of the ask, while it waits in a queue: an ask travels as its future
        # (`_envelopes`). Dropped once a worker claims it.
        self._message = _message

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
                aio, self._aio = self._aio, None
        except BaseException:  # cut short inside the `with`: release (see `_locks`)
            if held(self._lock):
                self._lock.release()
            raise
        if aio is not None:
            self._wake_task(aio)
        if waiters or callbacks:
            self._notify(waiters, callbacks)
        return True

    def result(self, timeout: float | None = None) -> _T:
        """Wait for the reply and return it, or raise the exception the handler raised."""
        if self._state <= _RUNNING:
            self._wait(timeout)
        state = self._state
        if state == _RESULT:
            value: _T = self._value  # (not cast(): a call, and this is every ask's reply)
            return value
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
        if self._state == _RESULT:  # the common case of many outstanding asks
            done: _T = self._value
            return done
        target = self._target
        if self._state <= _RUNNING and target is not None and target.runtime.drives_waits:
            self._wait(None)  # only this thread can run its handlers: run them now
        if self._state <= _RUNNING:
            # An async handler that awaits holds its process as a blocked one does: an
            # await that only it could end (its own ask, a cycle) is a UsageError too.
            awaiting = handling.get() if target is not None else None
            if awaiting is not None:
                wait_begins(awaiting, target)
            try:
                yield from self._suspend()
            finally:
                if awaiting is not None:
                    wait_ends(awaiting)
        state = self._state
        if state == _RESULT:
            value: _T = self._value  # (not cast(): a call, and this is every awaited reply)
            return value
        if state == _CANCELLED:
            import asyncio

            raise asyncio.CancelledError()
        return self.result()

    def _suspend(self) -> Generator[Any, None, None]:
        """Wait, from asyncio, until the future is done (`__await__`)."""
        if self._state <= _RUNNING:
            waiter: asyncio.Future[None] = (_running_loop or _import_asyncio())().create_future()
            # The first awaiter's waiter has a slot of its own: completing the future on
            # the waiter's thread (an async process's reply on the loop it was asked
            # from) sets its result directly, without a callback or a thread hop.
            lock = self._lock
            try:
                with lock:
                    if self._state <= _RUNNING:
                        if self._aio is None:
                            self._aio = waiter
                            self._aio_thread = get_ident()
                        else:  # awaited by two tasks: the second one wakes by callback
                            wake = _waker(waiter)
                            if self._callbacks is None:
                                self._callbacks = [wake]
                            else:
                                self._callbacks.append(wake)
                    else:
                        waiter.set_result(None)
            except BaseException:  # cut short inside the `with`: release (see `_locks`)
                if held(lock):
                    lock.release()
                raise
            try:
                yield from waiter
            except BaseException:  # the awaiting task was cancelled (or closed)
                self._forget(waiter)
                self.cancel()
                raise

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
        self._message = None
        lock.release()
        return True

    def _unclaim(self, message: object) -> None:
        """A claimed ask goes back to a queue unhandled, carrying `message` again:
        `cancel()` may withdraw it again."""
        with self._lock:
            if self._state == _RUNNING:
                self._message = message
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
        aio, self._aio = self._aio, None
        lock.release()
        if aio is not None:  # `_notify` inlined: this is the reply of every ask
            self._wake_task(aio)
        if waiters:
            for waiter in waiters:
                waiter.release()
        if callbacks:
            for fn in callbacks:
                self._call(fn)

    def _fail(self, error: BaseException) -> None:
        """Complete with an exception, unless the ask was cancelled (see `_resolve`)."""
        if not self._complete(_ERROR, error) and self._state != _CANCELLED:
            raise RuntimeError(f"{self!r} is already complete")

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        """An awaiting task stopped waiting: drop its wake-up."""
        try:
            with self._lock:
                if self._aio is waiter:
                    self._aio = None
                elif self._callbacks is not None:
                    self._callbacks = [
                        fn for fn in self._callbacks if getattr(fn, "waiter", None) is not waiter
                    ]
        except BaseException:  # cut short inside the `with`: release (see `_locks`)
            if held(self._lock):
                self._lock.release()
            raise

    def _wake_task(self, waiter: asyncio.Future[None]) -> None:
        """Wake the task awaiting us: directly on its loop's thread, else through the loop."""
        if get_ident() == self._aio_thread:
            if not waiter.done():  # cancelled meanwhile
                try:  # noqa: SIM105 - suppress() costs more than the wake-up
                    waiter.set_result(None)
                except RuntimeError:  # its loop has closed
                    pass
            return
        with suppress(RuntimeError):  # the loop has closed: nobody waits any more
            waiter.get_loop().call_soon_threadsafe(_release, waiter)

    # -- internals ---------------------------------------------------------------------------

    def _wait(self, timeout: float | None) -> None:
        target = self._target
        if target is None:
            self._block(timeout)
            return
        runtime = target.runtime
        waiter = running_process()
        if waiter is None and not runtime.loops_in_use and not runtime.drives_waits:
            self._block(timeout)  # the common case: a plain thread, no handler's
            return
        if runtime.loops_in_use:
            runtime.blocking_wait(target)  # UsageError rather than a blocked loop
        if waiter is not None:
            wait_begins(waiter, target)  # UsageError instead of a deadlock
        try:
            if runtime.drives_waits:
                # Its handlers run on this thread, when someone waits: run them until done.
                if not runtime.run_until(self.done, timeout, target):
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
            aio, self._aio = self._aio, None
        if aio is not None:
            self._wake_task(aio)
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


# asyncio.get_running_loop, imported on first use: asyncio is heavy, and thread-only
# programs never need it.
_running_loop: Callable[[], asyncio.AbstractEventLoop] | None = None


def _import_asyncio() -> Callable[[], asyncio.AbstractEventLoop]:
    global _running_loop
    from asyncio import get_running_loop

    _running_loop = get_running_loop
    return get_running_loop


class _waker:
    """The done callback of a second task awaiting one future (the first has a slot)."""

    __slots__ = ("thread", "waiter")

    def __init__(self, waiter: asyncio.Future[None]) -> None:
        self.waiter = waiter
        self.thread = get_ident()

    def __call__(self, _: object) -> None:
        waiter = self.waiter
        if get_ident() == self.thread:
            _release(waiter)
        else:
            with suppress(RuntimeError):  # the loop has closed
                waiter.get_loop().call_soon_threadsafe(_release, waiter)


def _release(waiter: Any) -> None:
    # The awaiting task may have been cancelled in the meantime.
    if not waiter.done():
        waiter.set_result(None)
