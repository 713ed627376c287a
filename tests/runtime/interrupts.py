"""Interrupts injected into runtime code, for the fault-safety tests.

`Interrupt` is a trace function that raises an exception (`KeyboardInterrupt` by default)
at the `at`-th line of runtime code the thread runs, as a Ctrl-C could land there; `traced`
installs it for a block.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import actorgen.runtime

RUNTIME_FILES = str(Path(actorgen.runtime.__file__).parent)


class Interrupt:
    """A trace function that raises `error` at the `at`-th line of runtime code this
    thread executes (counting only, with `at=0`). Raising from a trace function also
    ends the tracing, so each case is interrupted exactly once."""

    def __init__(self, at: int, error: type[BaseException] = KeyboardInterrupt) -> None:
        self.at = at
        self.error = error
        self.lines = 0
        self.fired = False

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not frame.f_code.co_filename.startswith(RUNTIME_FILES):
            return None
        if event == "line":
            self.lines += 1
            if self.lines == self.at:
                self.fired = True
                raise self.error("injected")
        return self


@contextmanager
def traced(interrupt: Interrupt) -> Iterator[None]:
    sys.settrace(interrupt)
    try:
        yield
    finally:
        sys.settrace(None)
