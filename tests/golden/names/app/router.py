"""Golden case: names that collide with generated ones, which the generator works around.

- parameters named like builtins and like the generated code's locals (``type``, ``id``,
  ``message``, ``self``, ``cls``, ``n``, ``_``, ``range``);
- a message field named like a type that a later field uses (``date``, ``type``, ``list``);
- a user type and a user async class named like generated classes (``RouterProcess``,
  ``ShardProcess``), imported under aliases;
- names defined in the class body (``Router.Config``), messages named like generated
  things (``process``, ``message``).
"""

from datetime import date
from typing import TypeAlias

from actorgen.runtime import async_class

LIMIT = 3


class RouterProcess:
    """A user type named like a generated facade."""


@async_class
class Router:
    class Config:
        """A nested class: the facades refer to it as ``Router.Config``."""

    Key: TypeAlias = str
    BATCH = 10

    def __init__(self, cls: str, n: int, _: int = 0, *, range: int = LIMIT) -> None:
        self.name = cls

    def route(self, message: str, instance: int, type: str, id: int) -> None:
        pass

    def process(self, job: RouterProcess) -> Key:
        return "done"

    def configure(self, config: Config, batch: int = BATCH) -> None:
        pass

    def book(self, date: date, until: date, type: str, kind: type[int], list: list[str]) -> None:
        pass

    def message(this, self: int) -> int:
        return self


@async_class
class Shard:
    def __init__(self) -> None:
        pass

    def ping(self) -> None:
        pass


@async_class
class ShardProcess:
    """An async class named like the generated facade of `Shard`."""

    def __init__(self, shard: "ShardProcess | None" = None) -> None:
        pass

    def ping(self) -> None:
        pass
