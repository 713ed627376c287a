"""Three async classes: a stock keeper, a supplier that restocks it and a till that sells.

The bug is on purpose (docs/testing.md): `Supplier.deliver` and `Till.sell` reach the
stock through two different processes, so nothing orders a delivery before a sale that
was sent after it. `Till.sell_after` is the fix: it waits for the delivery's reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actorgen.runtime import Future, async_class

if TYPE_CHECKING:  # annotations only: the generated module defines them
    from .shop_actors import StockProcess


@async_class
class Stock:
    """How many of each item are on the shelf."""

    def __init__(self) -> None:
        self.shelf: dict[str, int] = {}

    def restock(self, item: str, count: int) -> int:
        """Put `count` more of `item` on the shelf; reply with how many there are now."""
        self.shelf[item] = self.shelf.get(item, 0) + count
        return self.shelf[item]

    def take(self, item: str) -> bool:
        """Take one `item` off the shelf; False if there is none."""
        if not self.shelf.get(item):
            return False
        self.shelf[item] -= 1
        return True


@async_class
class Supplier:
    """Delivers to one stock."""

    def __init__(self, stock: StockProcess) -> None:
        self.stock = stock

    def deliver(self, item: str, count: int) -> None:
        """Restock `item` (a tell: the supplier does not wait for the stock)."""
        self.stock.restock(item, count)


@async_class
class Till:
    """Sells from one stock."""

    def __init__(self, stock: StockProcess) -> None:
        self.stock = stock

    def sell(self, item: str) -> bool:
        """Sell one `item` if the stock has it."""
        return self.stock.take(item).result()

    def sell_after(self, delivered: Future[int], item: str) -> bool:
        """Sell one `item` once `delivered` (the reply of a restock) is there."""
        delivered.result()
        return self.stock.take(item).result()
