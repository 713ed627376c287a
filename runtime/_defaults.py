"""Defaults that a message must not share: `OWN_DEFAULT` and `or_own_default`.

A default such as ``into: list[int] = []`` is one object, made when the ``def`` runs.
Copied into a facade's signature it would be *another* object, the facade's, put into
every message that leaves it out; the handler would then mutate the facade's list on a
worker thread while other senders put the same list into their messages. So for such a
default the facade's signature says ``= _actorgen.OWN_DEFAULT``: the message carries
this marker, and the dispatch function hands the method its *own* default object
instead, exactly what leaving the argument out of a direct call would give it.

`OWN_DEFAULT` is typed `Any` so that the facade's signature keeps the method's exact
parameter types (``into: list[int] = OWN_DEFAULT`` type-checks) while type checkers
still see that the parameter may be left out.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["OWN_DEFAULT", "or_own_default"]

_T = TypeVar("_T")


class _OwnDefault:
    """The type of `OWN_DEFAULT`: one object, also after pickling (a message may be sent
    to another process by a backend that pickles it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OWN_DEFAULT"

    def __reduce__(self) -> str:
        return "OWN_DEFAULT"  # pickled by name: unpickles as this module's object


OWN_DEFAULT: Any = _OwnDefault()
"""In a facade's signature: "the method's own default applies" (see the module's text)."""


def or_own_default(value: _T, method: Callable[..., object], name: str) -> _T:
    """`value`, or when it is `OWN_DEFAULT` the default object of parameter `name` of
    `method` (a bound method, a function or a class's ``__init__``): the very object a
    call that leaves the argument out would get."""
    if value is not OWN_DEFAULT:
        return value
    default: _T = _default_of(method, name)
    return default


def _default_of(method: Callable[..., object], name: str) -> Any:
    function = inspect.unwrap(getattr(method, "__func__", method))
    keyword_defaults = getattr(function, "__kwdefaults__", None)
    if keyword_defaults and name in keyword_defaults:
        return keyword_defaults[name]
    code = getattr(function, "__code__", None)
    defaults = getattr(function, "__defaults__", None)
    if code is not None and defaults:
        positional = code.co_varnames[: code.co_argcount]
        if name in positional:
            index = positional.index(name) - (len(positional) - len(defaults))
            if index >= 0:
                return defaults[index]
    # Not a plain function (a callable object, a builtin): ask its signature.
    parameter = inspect.signature(method).parameters.get(name)
    if parameter is None or parameter.default is inspect.Parameter.empty:
        raise TypeError(f"{method!r} has no default for parameter {name!r}")
    return parameter.default
