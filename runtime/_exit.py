"""How runtimes end with the program: at interpreter exit, on an uncaught exception (the
`KeyboardInterrupt` of a Ctrl-C), and in the child of `os.fork()`.

- At exit every runtime still running (the default one, and any the program made and
  never shut down) is drained for up to its `drain_timeout` after a normal end of the
  program (`sys.exit()` included), and stopped within `GRACE` when the program ends with
  an uncaught exception. A Ctrl-C while the exit drain waits stops it the same way, and a
  further one returns at once; neither prints a traceback.
- An uncaught exception stops the runtimes before its traceback is printed (busy
  handlers would otherwise slow the printing down): `sys.excepthook`, unless the program
  has one of its own.
- After `os.fork()` the child has none of the parent's threads: the runtimes it inherits
  refuse every send and spawn with `UsageError`. Futures of asks sent before the fork
  never complete in the child.
"""

from __future__ import annotations

import atexit
import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING
from weakref import WeakSet

if TYPE_CHECKING:
    from ._core import RuntimeCore

__all__ = ["track"]

_live: WeakSet[RuntimeCore] = WeakSet()  # every runtime not yet garbage: ended at exit


def track(runtime: RuntimeCore) -> None:
    """End `runtime` with the program, as the module docstring says."""
    _live.add(runtime)
    if sys.excepthook is sys.__excepthook__:  # the program has no hook of its own
        sys.excepthook = _uncaught


def _at_exit() -> None:
    # The exception that ended the program, if one did (the interpreter sets it before
    # exit handlers run). In an interactive session it is only the last error shown.
    ended_by = None if hasattr(sys, "ps1") else getattr(sys, "last_value", None)
    _end_all(failing=ended_by is not None)


def _end_all(failing: bool) -> None:
    interrupted = False
    for runtime in list(_live):
        if runtime.closed:
            continue
        if interrupted:
            runtime._stop_now()
            continue
        try:
            runtime._end(failing)
        except KeyboardInterrupt:  # Ctrl-C while draining: the others stop at once too
            interrupted = True
    if any(runtime.running_handlers() for runtime in list(_live)):
        # Handlers still run on daemon threads and would hold the interpreter's lock for
        # a switch interval at a time while it finalizes: let it have the lock sooner.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.0005))


def _uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """`sys.excepthook` while a runtime lives: stop the runtimes, then print the
    traceback as Python does."""
    if not hasattr(sys, "ps1"):  # an interactive session goes on after an error
        _end_all(failing=True)
    _python_excepthook(kind, error, tb)


_python_excepthook = sys.__excepthook__


def _after_fork_in_child() -> None:
    for runtime in list(_live):
        runtime.after_fork()


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
