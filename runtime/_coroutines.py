"""Which classes have `async def` messages: their processes run on an event loop.

The generated modules do not say: a class is looked at once, when its first process is
spawned, and the answer is kept. Its messages are found as the generator and the
freshness check find them (`_freshness.message_names`: its public functions, inherited
ones included); one `async def` among them makes every process of the class async. Its
plain messages then run on the loop too, between the awaits of the others.
"""

from __future__ import annotations

import inspect

from ._freshness import message_names

__all__ = ["ASYNC_CLASSES", "is_async_class"]

# Every spawn looks here (`ProcessCore` reads it inline): a plain dict, like the options
# cache of `_options`; a class that has had processes is kept, as it is there.
ASYNC_CLASSES: dict[type, bool] = {}


def is_async_class(cls: type) -> bool:
    """Whether `cls` has an `async def` message (cached per class)."""
    found = ASYNC_CLASSES.get(cls)
    if found is None:
        found = ASYNC_CLASSES[cls] = any(
            inspect.iscoroutinefunction(inspect.unwrap(getattr(cls, name)))
            for name in message_names(cls)
        )
    return found
