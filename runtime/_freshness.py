"""Whether a generated module still matches its source: `warn_if_stale`.

A generated module is a copy of its async classes' signatures. Edit the class (add a
required parameter, rename a message) without running ``actorgen`` and the facades send
messages the class no longer takes: the first dispatch fails inside a worker, far from
the cause. So each generated module ends with a call of `warn_if_stale`, which compares
the *shape* of every message as generated — its name, its parameters' names, kinds and
whether they have a default, and whether it replies — with the class as it is now, and
warns with a `StaleModuleWarning` naming both files.

Only the shape is compared, from the functions' code objects: no annotation is evaluated
and nothing is parsed, so the check costs microseconds per message. A change of types
alone is for the type checker, which sees the dispatch function call the method with the
message's old types; ``actorgen --check`` sees every change.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from collections.abc import Callable, Mapping
from types import FunctionType
from typing import Any

__all__ = ["StaleModuleWarning", "message_names", "shape_of", "warn_if_stale"]

_CO_VARARGS = inspect.CO_VARARGS
_CO_VARKEYWORDS = inspect.CO_VARKEYWORDS
_CO_COROUTINE = inspect.CO_COROUTINE
_INIT = "__init__"
# `annotationlib.Format.STRING` (Python 3.14+): annotations as written, never evaluated.
_AS_WRITTEN = 4


class StaleModuleWarning(UserWarning):
    """A generated module no longer matches the async class it was generated from: run
    ``actorgen`` to regenerate it."""


def warn_if_stale(generated_file: str, cls: type, shapes: Mapping[str, str]) -> None:
    """Warn if `cls` no longer has the messages (and ``__init__``) whose shapes, as
    `shape_of` writes them, the generated module at `generated_file` was made for."""
    changes = _changes(cls, shapes)
    if not changes:
        return
    source = getattr(sys.modules.get(cls.__module__), "__file__", None) or cls.__module__
    warnings.warn(
        f"{generated_file} was generated from an older {cls.__name__} than the one in "
        f"{source} ({'; '.join(changes)}): its facades may send messages the class no "
        "longer takes. Run `actorgen` to regenerate it.",
        StaleModuleWarning,
        stacklevel=3,  # the import of the generated module
    )


def _changes(cls: type, shapes: Mapping[str, str]) -> list[str]:
    changes: list[str] = []
    names = message_names(cls)
    now = set(names)
    added = [name for name in names if name not in shapes]
    removed = [name for name in shapes if name != _INIT and name not in now]
    if added:
        changes.append(f"new message(s) {', '.join(added)}")
    if removed:
        changes.append(f"no message(s) {', '.join(removed)} any more")
    for name, shape in shapes.items():
        if name != _INIT and name not in now:
            continue
        current = shape_of(getattr(cls, name, None), reply=name != _INIT and "->" in shape)
        if current is not None and current != shape:
            changes.append(f"{name}({shape}) is now {name}({current})")
    return changes


def message_names(cls: type) -> list[str]:
    """The messages of `cls` as the generator finds them: its public methods, including
    those it inherits (but not `object`'s), in definition order."""
    found: dict[str, None] = {}
    for klass in reversed(cls.__mro__[:-1]):
        for name, value in vars(klass).items():
            # Only functions: a method under another decorator is no message (the
            # generator rejects the class), and neither is a nested class.
            if not name.startswith("_") and isinstance(value, FunctionType):
                found[name] = None
    return list(found)


def shape_of(method: object, *, reply: bool = True) -> str | None:
    """``a, b=, /, c, *args, d=, **kw -> ask``: the parameters after the receiver with
    their kinds and whether they have a default (after ``async`` for an ``async def``),
    and (with `reply`) whether the method replies. None when `method` is not a Python
    function whose code can be read."""
    function: Any = method
    if hasattr(method, "__wrapped__"):  # @deprecated wraps the method it marks
        function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    if code is None:
        return "" if method is object.__init__ else None
    names = code.co_varnames
    argc, posonly, kwonly = code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount
    defaults = len(function.__defaults__ or ())
    keyword_defaults = function.__kwdefaults__ or {}
    parts: list[str] = []
    for index in range(1, argc):
        parts.append(names[index] + ("=" if index >= argc - defaults else ""))
        if index == posonly - 1:
            parts.append("/")
    after = argc + kwonly
    if code.co_flags & _CO_VARARGS:
        parts.append(f"*{names[after]}")
        after += 1
    elif kwonly:
        parts.append("*")
    for name in names[argc : argc + kwonly]:
        parts.append(name + ("=" if name in keyword_defaults else ""))
    if code.co_flags & _CO_VARKEYWORDS:
        parts.append(f"**{names[after]}")
    shape = ", ".join(parts)
    if code.co_flags & _CO_COROUTINE:  # ``async def``: its messages run on an event loop
        shape = f"async {shape}" if shape else "async"
    if not reply:
        return shape
    replies = _replies(function)
    if replies is None:
        return None
    return f"{shape + ' ' if shape else ''}-> {'ask' if replies else 'tell'}"


def _replies(function: Callable[..., object]) -> bool | None:
    """Whether `function` is annotated to return something other than None; None when
    its annotations cannot be read without evaluating them."""
    try:
        if sys.version_info >= (3, 14):  # pragma: no cover - annotations are lazy there
            annotations = inspect.get_annotations(function, format=_AS_WRITTEN)
        else:
            annotations = function.__annotations__
    except Exception:  # an annotation that cannot be read: do not guess
        return None
    returns = annotations.get("return")
    return returns is not None and returns not in ("None", "'None'", '"None"')
