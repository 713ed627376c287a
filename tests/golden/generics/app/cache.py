"""Golden case: generic async classes written with TypeVars (any Python version)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, overload

from actorgen.runtime import async_class

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


@async_class
class Cache(Generic[K, V]):
    """A key-value cache with a default for missing keys."""

    def __init__(self, default: V) -> None:
        self.default = default
        self.data: dict[K, V] = {}

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key`."""
        self.data[key] = value

    def get(self, key: K) -> V:
        return self.data.get(key, self.default)

    def values(self) -> list[V]:
        return list(self.data.values())

    def size(self) -> int:
        return len(self.data)

    def apply(self, f: Callable[[V], T]) -> list[T]:
        """Apply `f` to every value: `T` is the method's own type variable."""
        return [f(v) for v in self.data.values()]


@async_class
class Pair(Generic[K, V]):
    """Only the second type parameter appears in messages; the first one is fixed by spawn."""

    def __init__(self, key: K, first: V) -> None:
        self.key = key
        self.value = first

    def swap(self, value: V) -> V:
        old, self.value = self.value, value
        return old

    @overload
    def look(self, default: None = None) -> V | None: ...
    @overload
    def look(self, default: V) -> V: ...
    def look(self, default: V | None = None) -> V | None:
        """Overloads survive: the facade repeats them."""
        return self.value if self.value is not None else default
