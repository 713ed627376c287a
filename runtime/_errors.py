"""The exceptions the runtime raises.

::

    ActorgenError                  anything actorgen raises on purpose
    ├── ProcessStopped             a message will never be handled: its process stopped
    │   └── RuntimeStopped         ... because the runtime was shut down
    └── UsageError                 the runtime was called in a way that cannot work
                                   (for example joining a cluster from one of its members)

Exceptions raised by *your* handlers are never wrapped: an ask's future re-raises the
handler's own exception, with its own type.
"""

from __future__ import annotations

__all__ = ["ActorgenError", "ProcessStopped", "RuntimeStopped", "UsageError"]


class ActorgenError(Exception):
    """Base class of the exceptions actorgen raises itself."""


class ProcessStopped(ActorgenError):
    """The process stopped before it handled the message.

    Set on the future of every ask the process will never handle, and raised when sending
    to a process that has stopped.
    """

    def __init__(self, process: str, reason: str) -> None:
        super().__init__(f"process {process} stopped ({reason}); the message was not handled")
        self.process = process
        self.reason = reason


class RuntimeStopped(ProcessStopped):
    """The runtime was shut down before the message was handled."""

    def __init__(self, process: str) -> None:
        super().__init__(process, "its runtime was shut down")


class UsageError(ActorgenError):
    """A runtime call that cannot work as asked, such as a cluster joining itself."""
