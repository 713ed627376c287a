"""Which classes have `async def` messages: their processes run on an event loop.

The generated modules do not say: a class is looked at once, when its first process is
spawned, and the answer is kept. Its messages are found as the generator and the
freshness check find them (`_freshness.message_names`: its public functions, inherited
ones included); one `async def` among them makes every process of the class async. Its
plain messages then run on the loop too, between the awaits of the others.
"""

from __future__ import annotations

import inspect
from contextlib import suppress
from weakref import WeakKeyDictionary

from ._freshness import message_names

__all__ = ["is_async_class"]

_known: WeakKeyDictionary[type, bool] = WeakKeyDictionary()


def is_async_class(cls: type) -> bool:
    """Whether `cls` has an `async def` message (cached per class)."""
    try:
        return _known[cls]
    except KeyError:
        pass
    found = any(
        inspect.iscoroutinefunction(inspect.unwrap(getattr(cls, name)))
        for name in message_names(cls)
    )
    with suppress(TypeError):  # a class that cannot be weakly referenced: ask again
        _known[cls] = found
    return found
