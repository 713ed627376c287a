"""`Shard`: a worker whose messages use every routing strategy."""

from __future__ import annotations

from collections.abc import Callable

from actorgen.runtime import async_class, route


@async_class
class Shard:
    """Remembers what it saw, per user; names itself in replies."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: dict[str, list[str]] = {}
        self.reloads = 0

    @route(key="user")
    def visit(self, user: str, page: str) -> None:
        """Record that `user` saw `page` (key affinity on `user`)."""
        self.seen.setdefault(user, []).append(page)

    @route(key="user")
    def owner(self, user: str) -> str:
        """Reply with the name of the member that owns `user`."""
        return self.name

    @route(key="user")
    def pages(self, user: str) -> list[str]:
        """Reply with the pages `user` saw here, in order."""
        return list(self.seen.get(user, []))

    @route("broadcast")
    def reload(self) -> None:
        """Count a reload on every member."""
        self.reloads += 1

    @route("broadcast")
    def name_of(self) -> str:
        """Every member replies with its name."""
        return self.name

    @route("round_robin")
    def next_name(self) -> str:
        """Members reply in turn."""
        return self.name

    @route("balanced")
    def any_name(self) -> str:
        """Whichever member is free replies."""
        return self.name

    def default_name(self) -> str:
        """Routed by the cluster's own strategy."""
        return self.name

    def call(self, fn: Callable[[], object]) -> object:
        """Run `fn` as this handler."""
        return fn()
