"""`Worker`: tells, asks, slow asks, failing handlers and a hook to run code inside."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from actorgen.runtime import async_class


class Boom(Exception):
    """An application exception that must reach callers with its own type."""


@async_class
class Worker:
    """Keeps a running total; can fail on purpose, or run a function as a handler."""

    def __init__(self, name: str, fail: bool = False) -> None:
        if fail:
            raise ValueError(f"worker {name} refused to start")
        self.name = name
        self.total = 0

    def foo(self, a: int) -> None:
        """Add `a` to the total (a tell)."""
        self.total += a

    def bar(self, b: int) -> int:
        """Add `b` to the total and reply with the new total (an ask)."""
        self.total += b
        return self.total

    def sleep(self, seconds: float) -> str:
        """Block this process for `seconds`; reply with the worker's name."""
        time.sleep(seconds)
        return self.name

    def thread_name(self) -> str:
        """Reply with the name of the thread running this handler."""
        return threading.current_thread().name

    def fail(self, text: str) -> None:
        """A tell whose handler raises `ValueError(text)`."""
        raise ValueError(text)

    def explode(self, text: str) -> int:
        """An ask whose handler raises `Boom(text)`."""
        raise Boom(text)

    def do(self, fn: Callable[[], object]) -> None:
        """Run `fn` as this process's handler of a tell."""
        fn()

    def call(self, fn: Callable[[], object]) -> object:
        """Run `fn` as this process's handler and reply with what it returns."""
        return fn()
