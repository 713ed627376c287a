"""Golden case: decorated messages that the facades can carry.

`@overload` variants are repeated on the facades, `@deprecated` is copied onto them (so
editors and type checkers warn at the call), `@override` and `@final` are left out (they
say nothing to a caller).
"""

from typing import final, overload

from typing_extensions import deprecated, override

from actorgen.runtime import async_class


class Base:
    def reset(self) -> None:
        pass


@async_class
class Parser(Base):
    def __init__(self) -> None:
        self.count = 0

    @overload
    def parse(self, text: str) -> int: ...
    @overload
    def parse(self, text: bytes, encoding: str = "utf-8") -> int: ...
    @overload
    def parse(self, text: None) -> None: ...
    def parse(self, text: str | bytes | None, encoding: str = "utf-8") -> int | None:
        """Parse `text`; returns how many items it held."""
        if text is None:
            return None
        if isinstance(text, bytes):
            text = text.decode(encoding)
        self.count += len(text.split())
        return self.count

    @overload
    def feed(self, item: int) -> None: ...
    @overload
    def feed(self, item: str, *, strict: bool) -> None: ...
    def feed(self, item: int | str, *, strict: bool = False) -> None:
        """A tell with overloads."""

    @deprecated("use parse()")
    def old_parse(self, text: str) -> int:
        return self.parse(text)

    @override
    def reset(self) -> None:
        self.count = 0

    @final
    def total(self) -> int:
        return self.count
