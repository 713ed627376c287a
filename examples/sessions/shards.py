"""`SessionShard`: one shard of an in-memory store of what each user visited."""

from __future__ import annotations

from actorgen.runtime import async_class, route


@async_class(capacity=10_000)  # a bounded mailbox: senders wait rather than pile up
class SessionShard:
    """Holds the sessions of the users whose key it owns in the cluster."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sessions: dict[str, list[str]] = {}

    @route(key="user")
    def visit(self, user: str, page: str) -> None:
        """Record that `user` visited `page`."""
        self.sessions.setdefault(user, []).append(page)

    @route(key="user")
    def history(self, user: str) -> list[str]:
        """The pages `user` visited, in order."""
        return list(self.sessions.get(user, []))

    @route(key="user")
    def adopt(self, user: str, pages: list[str]) -> None:
        """Take over `user`'s session from a shard that is leaving (older pages first)."""
        self.sessions[user] = pages + self.sessions.get(user, [])

    @route(key="user")
    def owner(self, user: str) -> str:
        """The name of the shard that owns `user`."""
        return self.name

    def release(self, user: str) -> list[str]:
        """Give up `user`'s session, which now belongs to another shard."""
        return self.sessions.pop(user, [])

    def hand_over(self) -> dict[str, list[str]]:
        """Give up every session, for the shard's successors."""
        sessions, self.sessions = self.sessions, {}
        return sessions

    @route("broadcast")
    def size(self) -> int:
        """How many users this shard holds; a cluster ask replies once per shard."""
        return len(self.sessions)
