"""Golden case: every parameter kind, defaults, docstrings, awkward names."""

from typing import Optional

from actorgen.runtime import async_class

LIMIT = 10
"""A module constant used as a default."""


class Unit:
    pass


@async_class
class Shapes:
    '''Shapes with "quotes" and a backslash \\ in the docstring.'''

    def __init__(self, scale: float, /, unit: "Unit", *, limit: int = LIMIT) -> None:
        self.scale = scale

    def ping(self) -> None:
        pass

    def untyped(self, value, other=None) -> None:  # type: ignore[no-untyped-def]
        pass

    def positional(self, a: int, b: int = 2, /, c: int = 3) -> int:
        """Positional-only parameters stay positional-only.

        A second paragraph, with ``code`` and a "quoted" word.
        """
        return a + b + c

    def keywords(self, *, key: str, value: Optional[bytes] = None) -> None:
        pass

    def variadic(self, first: int, *rest: int, **options: str) -> list[int]:
        return [first, *rest]

    def builtin_names(self, type: str, id: int, bytes: bytes, match: bool) -> dict[str, int]:
        return {type: id}

    def forward(self, unit: "Unit", units: "list[Unit]") -> "Optional[Unit]":
        return unit

    def get_item(self, n: int = LIMIT) -> "float":
        return self.scale * n

    def _private(self) -> None:
        pass

    @staticmethod
    def helper() -> int:
        return 1

    @classmethod
    def make(cls) -> "Shapes":
        return cls(1.0, Unit())

    @property
    def size(self) -> int:
        return 1
