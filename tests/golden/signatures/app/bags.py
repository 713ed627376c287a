"""Golden case: defaults a message must not share (lists, dicts, sets, calls)."""

from collections import OrderedDict

from actorgen.runtime import async_class

LIMIT = 10


@async_class
class Bag:
    """Each parameter with a mutable default gets the method's own default object."""

    def __init__(self, seed: list[int] = [], /, *, tags: set[str] = set()) -> None:
        self.seed = seed
        self.tags = tags

    def contents(self) -> tuple[list[int], set[str]]:
        return self.seed, self.tags

    def add(self, item: int, into: list[int] = [], /) -> list[int]:
        """Append `item` to `into` and return it: the default list is the method's."""
        into.append(item)
        return into

    def count(self, word: str, counts: dict[str, int] = {}, *rest: str) -> dict[str, int]:
        for each in (word, *rest):
            counts[each] = counts.get(each, 0) + 1
        return counts

    def order(self, *, table: OrderedDict[str, int] = OrderedDict(), limit: int = LIMIT) -> int:
        table[str(len(table))] = limit
        return len(table)

    def squares(self, values: list[int] = list(range(3)), scale: int = 2 * 3) -> int:
        return sum(values) * scale

    def untyped(self, bucket=[]) -> None:  # type: ignore[no-untyped-def]
        bucket.append(1)
