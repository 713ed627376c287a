"""The `@async_class` marker read by the `actorgen` generator."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["async_class"]

_C = TypeVar("_C", bound=type)


def async_class(cls: _C) -> _C:
    """Mark `cls` as an async class: `actorgen` generates its process and cluster facades.

    The decorator does nothing at run time and returns the class unchanged, so the class
    stays a plain class that can be instantiated and tested directly.
    """
    return cls
