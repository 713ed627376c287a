"""Golden case: names the generated module must import, two classes, aliased decorators."""

from __future__ import annotations

import collections.abc
import decimal as dec
from typing import TYPE_CHECKING

import actorgen.runtime as ag
from actorgen.runtime import async_class as actor

from . import models
from .models import items
from .models.items import Item

if TYPE_CHECKING:
    from .models.items import Receipt

Sku = str


@actor
class Inventory:
    def __init__(self, stock: dict[Sku, int]) -> None:
        self.stock = dict(stock)

    def add(self, item: Item) -> None:
        self.stock[item.sku] = self.stock.get(item.sku, 0) + item.quantity

    def remove(self, item: items.Item) -> Receipt | None:
        return None

    def tag(self, sku: Sku, tag: models.Tag) -> None:
        pass

    def count(self, sku: Sku) -> int:
        return self.stock.get(sku, 0)

    def price(self, sku: Sku, rate: dec.Decimal) -> dec.Decimal:
        return rate * self.count(sku)

    def audit(self, skus: collections.abc.Sequence[Sku]) -> Report:
        return Report(sum(self.count(s) for s in skus))


@ag.async_class
class Auditor:
    def __init__(self) -> None:
        self.seen = 0

    def stats(self, report: Report) -> int:
        self.seen += report.total
        return self.seen


class Report:
    def __init__(self, total: int) -> None:
        self.total = total
