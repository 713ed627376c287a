"""Golden case: messages that take and return handles of their own generated module.

The source names them in annotations only, imported from its generated module under
TYPE_CHECKING (so that type checkers of the source know them too); the generated module
defines them, so it spells them as they are and imports nothing from itself. A method
that makes a handle at run time imports the generated module inside its body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actorgen.runtime import async_class

if TYPE_CHECKING:
    from .inbox_actors import InboxCluster, InboxProcess


@async_class
class Inbox:
    def __init__(self, parent: InboxProcess | None = None) -> None:
        self.parent = parent
        self.received: list[str] = []

    def deliver(self, text: str) -> None:
        self.received.append(text)

    def forward(self, to: InboxProcess, text: str) -> None:
        to.deliver(text)

    def child(self) -> InboxProcess:
        from .inbox_actors import InboxProcess

        return InboxProcess.spawn()

    def spread(self, over: "InboxCluster", text: str) -> None:
        over.deliver(text)

    def texts(self) -> list[str]:
        return list(self.received)


@async_class
class Router:
    """Refers to the other class's handle by a string alone, without any import."""

    def route(self, inbox: "InboxProcess", text: str) -> "InboxProcess":
        inbox.deliver(text)
        return inbox
