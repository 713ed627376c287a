"""Type-checked, never run: imported and forward-referenced types reach the facades."""

from decimal import Decimal

from typing_extensions import assert_type

from actorgen.runtime import Future

from app.inventory import Report
from app.inventory_actors import AuditorCluster, InventoryCluster
from app.models import Tag
from app.models.items import Item, Receipt


def use() -> None:
    inventory = InventoryCluster.spawn(2, {"a": 1})
    inventory.add(Item("a", 2))
    assert_type(inventory.remove(Item("a", 1)), Future["Receipt | None"])
    assert_type(inventory.price("a", Decimal("1.5")), Future[Decimal])
    report = inventory.audit(["a"]).result()
    assert_type(report, Report)
    auditors = AuditorCluster.spawn(1)
    assert_type(auditors.stats(report), Future[int])
    inventory.tag("a", Tag())
