"""Golden case: a generic async class in PEP 695 syntax (Python 3.12+)."""

from collections.abc import Callable, Hashable

from actorgen.runtime import async_class


@async_class
class Store[K: Hashable, V]:
    """Values by key; the facades declare the same type parameters."""

    def __init__(self, default: V) -> None:
        self.default = default
        self.data: dict[K, V] = {}

    def put(self, key: K, value: V) -> None:
        self.data[key] = value

    def get(self, key: K) -> V:
        return self.data.get(key, self.default)

    def keys(self) -> list[K]:
        return list(self.data)

    def apply[T](self, f: Callable[[V], T]) -> list[T]:
        """A generic method keeps its own type parameter."""
        return [f(v) for v in self.data.values()]


@async_class
class Echo:
    """Not generic itself, with a generic message."""

    def __init__(self) -> None:
        pass

    def echo[T: (int, str)](self, value: T) -> T:
        return value
