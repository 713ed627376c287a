"""Golden case: messages inherited from base classes of the same module.

Public methods an async class inherits are messages too, read from the bases' bodies
(nearest class first, as Python looks them up); `__init__` may be inherited as well.
"""

from actorgen.runtime import async_class, route


class Countable:
    STEP = 1

    def __init__(self, start: int = 0) -> None:
        self.total = start

    def add(self, amount: int = STEP) -> int:
        self.total += amount
        return self.total

    def reset(self) -> None:
        self.total = 0

    @property
    def doubled(self) -> int:
        return self.total * 2

    def _private(self) -> None:
        pass


class Named(Countable):
    def name(self) -> str:
        return type(self).__name__

    @route("broadcast")
    def reset(self) -> None:
        """Reset every member."""
        self.total = -1


@async_class
class Counter(Named):
    """Defines no method of its own besides `total_of`: the rest is inherited."""

    def total_of(self, scale: int) -> int:
        return self.total * scale
