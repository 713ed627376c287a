"""The exceptions the runtime raises.

::

    ActorgenError                  anything actorgen raises on purpose
    ├── ProcessStopped             a message will never be handled: its process stopped
    │   └── RuntimeStopped         ... because the runtime was shut down
    ├── QueueFull                  a bounded mailbox or cluster queue had no room in time
    ├── NoMembers                  a broadcast to a cluster that has no members
    └── UsageError                 the runtime was called in a way that cannot work
                                   (for example joining a cluster from one of its members)

Exceptions raised by *your* handlers are never wrapped: an ask's future re-raises the
handler's own exception, with its own type.
"""

from __future__ import annotations

__all__ = [
    "ActorgenError",
    "NoMembers",
    "ProcessStopped",
    "QueueFull",
    "RuntimeStopped",
    "UsageError",
]


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


class QueueFull(ActorgenError):
    """A bounded queue stayed full: at once (``when_full="raise"``) or for `full_timeout` s.

    The message was not queued; the sender decides whether to retry, shed or slow down.
    """

    def __init__(self, queue: str, capacity: int, waited: float | None) -> None:
        how = "is full" if waited is None else f"stayed full for {waited} s"
        super().__init__(f"{queue} {how} (capacity {capacity}); the message was not queued")
        self.queue = queue
        self.capacity = capacity


class NoMembers(ActorgenError):
    """A broadcast to a cluster without members: there is nobody to deliver it to.

    Other messages to an empty cluster wait in its queue until a member joins.
    """

    def __init__(self, cluster: str) -> None:
        super().__init__(f"cluster {cluster} has no members to broadcast to")
        self.cluster = cluster


class UsageError(ActorgenError):
    """A runtime call that cannot work as asked, such as a cluster joining itself."""
