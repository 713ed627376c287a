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
    "HandlerCancelled",
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
    to a process that has stopped. `process` names the process, or the cluster for a
    message that waited in a cluster (`kind` says which: ``"process"`` or ``"cluster"``).
    """

    def __init__(self, process: str, reason: str, kind: str = "process") -> None:
        super().__init__(f"{kind} {process} stopped ({reason}); the message was not handled")
        self.process = process
        self.reason = reason
        self.kind = kind


class RuntimeStopped(ProcessStopped):
    """The runtime was shut down (or is draining) before the message was handled."""

    def __init__(
        self, process: str, kind: str = "process", reason: str = "was shut down"
    ) -> None:
        super().__init__(process, f"its runtime {reason}", kind)
        # Say it of the runtime: "cluster X stopped" would be untrue of a cluster.
        what = "" if "no process can start" in reason or "spawn" in reason else (
            "; the message was not handled"
        )
        self.args = (f"the runtime of {kind} {process} {reason}{what}",)


class QueueFull(ActorgenError):
    """A bounded queue stayed full: at once (``when_full="raise"``) or for `full_timeout` s.

    The message was not queued; the sender decides whether to retry, shed or slow down.
    """

    def __init__(self, queue: str, capacity: int, waited: float | None) -> None:
        how = "is full" if waited is None else f"stayed full for {waited} s"
        super().__init__(f"{queue} {how} (capacity {capacity}); the message was not queued")
        self.queue = queue
        self.capacity = capacity


class HandlerCancelled(ActorgenError):
    """The `async def` handler of a message was cancelled before it finished, because the
    event loop it ran on ended (``asyncio.run`` returning cancels every task). The process
    itself goes on, on the runtime's own loop: what it had queued is handled there."""

    def __init__(self, process: str, message: str) -> None:
        super().__init__(
            f"the handler of {message} on {process} was cancelled: its event loop ended"
        )
        self.process = process


class NoMembers(ActorgenError):
    """A broadcast to a cluster without members: there is nobody to deliver it to.

    Other messages to an empty cluster wait in its queue until a member joins.
    """

    def __init__(self, cluster: str) -> None:
        super().__init__(f"cluster {cluster} has no members to broadcast to")
        self.cluster = cluster


class UsageError(ActorgenError):
    """A runtime call that cannot work as asked, such as a cluster joining itself."""
