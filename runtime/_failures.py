"""What goes wrong: `Failure`, given to a runtime's error handler, and the default handler.

A tell has nobody to reply to, so when its handler raises, or it will never be handled
(its process stopped, its runtime shut down), the runtime hands a `Failure` to its
`on_error`. The runtime's own reporting must never fail, whatever the user's objects do:
`describe` stands in for a `repr` or `str` that raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ._errors import HandlerCancelled

__all__ = ["ErrorHandler", "Failure", "describe", "log", "log_failure"]

log = logging.getLogger("actorgen")


@dataclass(frozen=True)
class Failure:
    """A tell whose handler raised, or that will never be handled; given to `on_error`."""

    process: str
    message: object
    error: BaseException


ErrorHandler = Callable[[Failure], object]


def describe(value: object, text: Callable[[object], str] = repr) -> str:
    """`repr(value)` (or `text(value)`), or a stand-in if that raises: the runtime's own
    reporting must never fail because of a user's `__repr__` or `__str__`."""
    try:
        return text(value)
    except BaseException:
        return f"<{type(value).__name__} whose {text.__name__}() raised>"


def log_internal(doing: str, error: BaseException) -> None:
    """Log a bug of the runtime's own (what it was `doing`, the error, its traceback): the
    steps that call this deliver their errors themselves, so this should never happen,
    but a thread that serves many processes must not die of one."""
    log.error(
        "internal error %s: %s",
        doing,
        describe(error),
        exc_info=(type(error), error, error.__traceback__),
    )


def log_failure(failure: Failure) -> None:
    """The default error handler: log to the ``actorgen`` logger with the traceback.

    A tell whose handler was cancelled because its event loop ended (`HandlerCancelled`)
    is no fault of the handler: one warning line, no traceback (a program interrupted while
    many async handlers run would otherwise print one chain of tracebacks for each)."""
    error = failure.error
    if isinstance(error, HandlerCancelled):
        log.warning("%s: tell %s: %s", failure.process, describe(failure.message), error)
        return
    log.error(
        "%s: tell %s failed: %s",
        failure.process,
        describe(failure.message),
        describe(error, str),
        exc_info=(type(error), error, error.__traceback__),
    )
