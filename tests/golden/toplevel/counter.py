"""Golden case: a module outside any package is imported by its plain name."""

from actorgen.runtime import async_class


@async_class
class Counter:
    def __init__(self, n: int = 0) -> None:
        self.n = n

    def increment(self, by: int = 1) -> int:
        self.n += by
        return self.n

    def reset(self) -> None:
        self.n = 0
