"""Supervision: what happens to a process after one of its handlers raised.

The failure itself is already delivered (an ask's future got the exception, a tell went
to the runtime's `on_error`); supervision only decides the process's future, as its
options say: ``"resume"`` goes on with the same instance (the process never calls us),
``"restart"`` makes a fresh instance from the spawn arguments, ``"stop"`` stops it. A
restart that raises stops the process too. Nothing is ever retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._failures import describe

if TYPE_CHECKING:
    from ._process import ProcessCore

__all__ = ["supervise"]


def supervise(process: ProcessCore, error: BaseException) -> None:
    """A handler of `process` raised `error` (already reported): restart or stop it."""
    if process.options.supervision == "stop":
        process.stop(f"a handler raised {type(error).__name__}: {describe(error, str)}")
        return
    try:
        assert process._make is not None  # kept for every process that may restart
        process._instance = process._make()
    except BaseException as broken:
        process.runtime.report(process.name, "restart", broken)
        process.stop(f"its restart raised {type(broken).__name__}: {describe(broken, str)}")
    else:
        process.restarts += 1
