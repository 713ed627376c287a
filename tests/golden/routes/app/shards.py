"""Golden case: `@async_class` with options, and every form of `@route`.

The process facades are the same as without routes; the cluster facades send routed
messages through the cluster core's method for their route, a broadcast ask replies with
one future per member, and `ShardCluster._routes` lists the routes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar, overload

import actorgen.runtime as ag
from actorgen.runtime import async_class, route

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@async_class(supervision="restart", capacity=10)
class Shard:
    """Remembers which pages each user saw."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: dict[str, list[str]] = {}

    @route(key="user")
    def visit(self, user: str, page: str) -> None:
        """Record that `user` saw `page`."""
        self.seen.setdefault(user, []).append(page)

    @route(key="user")
    def pages(self, *, user: str) -> list[str]:
        """The pages `user` saw here, in order."""
        return list(self.seen.get(user, []))

    @route(key="user")
    def owner(self, user: str, /) -> str:
        return self.name

    @route("broadcast")
    def reload(self) -> None:
        """Forget everything, on every member."""
        self.seen.clear()

    @route("broadcast")
    def name_of(self) -> str:
        """The member's name."""
        return self.name

    @route("round_robin")
    def next_name(self) -> str:
        return self.name

    @route(strategy="balanced")
    def any_name(self) -> str:
        return self.name

    def default_name(self) -> str:
        """Routed by the cluster's own strategy."""
        return self.name

    @overload
    def count(self, user: str) -> int: ...
    @overload
    def count(self, user: None = None) -> dict[str, int]: ...
    @ag.route("broadcast")
    def count(self, user: str | None = None) -> int | dict[str, int]:
        """How many pages one user, or each user, saw on this member."""
        if user is not None:
            return len(self.seen.get(user, []))
        return {name: len(pages) for name, pages in self.seen.items()}


@async_class()
class Table(Generic[K, V]):
    """A generic class with routes: each key lives on one member."""

    def __init__(self, default: V) -> None:
        self.default = default
        self.data: dict[K, V] = {}

    @route(key="key")
    def put(self, key: K, value: V) -> None:
        self.data[key] = value

    @route(key="key")
    def get(self, key: K) -> V:
        return self.data.get(key, self.default)

    @route("broadcast")
    def size(self) -> int:
        """How many keys this member holds."""
        return len(self.data)
