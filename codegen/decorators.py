"""What a decorator is, by what the module imports it as.

Decorators are matched by the dotted names the module's import table gives them
(`imports`), so ``@async_class``, an aliased import of it and ``@ag.async_class`` after
``import actorgen.runtime as ag`` all count; the same goes for ``@route``, for
``@overload``, ``@typing.overload`` and the other decorators a message may have.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from actorgen.runtime._contract import ASYNC_CLASS, ROUTE

from .imports import ImportTable

__all__ = [
    "COPIED_DECORATORS",
    "DROPPED_DECORATORS",
    "OVERLOAD",
    "Decorators",
]

# `@async_class` and `@route` are the runtime's (`ASYNC_CLASS`, `ROUTE` of its contract);
# `@route(...)` on a message says how a cluster distributes it (see `routing`).
# Decorators that make a method something other than a message.
_NOT_MESSAGES = frozenset({"staticmethod", "classmethod", "property"})
# Where the decorators a message may have come from, and what becomes of them:
# `overload` makes overloads of the facade methods, `deprecated` is copied onto them,
# `override` and `final` say nothing to a caller and are left out.
_DECORATOR_MODULES = frozenset({"typing", "typing_extensions", "warnings"})
COPIED_DECORATORS = frozenset({"deprecated"})
DROPPED_DECORATORS = frozenset({"override", "final"})
OVERLOAD = "overload"
# Decorators that turn a generator method into a context manager: never a message.
_CONTEXT_MANAGERS = frozenset({"asynccontextmanager", "contextmanager"})


@dataclass
class Decorators:
    """Classifies the decorators of one module, from its import table."""

    table: ImportTable

    def is_marker(self, node: cst.CSTNode) -> bool:
        return ASYNC_CLASS in self.qualified_names(node)

    def mistaken_marker(self, decorator: cst.Decorator) -> str | None:
        """What a decorator that is meant to be ``@async_class`` but is imported from the
        wrong actorgen module is imported as (``actorgen.async_class``), else None: such a
        class would silently get no facades (and its module fails to import)."""
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        names = self.qualified_names(target)
        if ASYNC_CLASS in names:
            return None
        for name in sorted(names):
            module, _, last = name.rpartition(".")
            if last == ASYNC_CLASS.rpartition(".")[2] and module.split(".")[0] == "actorgen":
                return name
        return None

    def is_route(self, decorator: cst.Decorator) -> bool:
        """``@route(...)``, or a bare ``@route`` (which the pass reports)."""
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        return ROUTE in self.qualified_names(target)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        if not isinstance(node, cst.BaseExpression):
            return set()
        return self.table.qualified_names(node)

    def typing_decorator(self, decorator: cst.Decorator) -> str | None:
        """``overload``, ``deprecated``, ... for the decorators of `_DECORATOR_MODULES`."""
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        for qualified in self.qualified_names(target):
            module, _, name = qualified.rpartition(".")
            if module in _DECORATOR_MODULES:
                return name
        return None

    def context_manager(self, decorator: cst.Decorator) -> str | None:
        """``asynccontextmanager`` or ``contextmanager`` when `decorator` is contextlib's."""
        for qualified in sorted(self.qualified_names(decorator.decorator)):
            module, _, name = qualified.rpartition(".")
            if module == "contextlib" and name in _CONTEXT_MANAGERS:
                return name
        return None

    def is_overload(self, method: cst.FunctionDef) -> bool:
        return any(self.typing_decorator(d) == OVERLOAD for d in method.decorators)

    def not_message_kind(self, method: cst.FunctionDef) -> str | None:
        """``staticmethod``, ``classmethod`` or ``property`` when a decorator makes the
        method one of these (so not a message), else None."""
        for decorator in method.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Name) and target.value in _NOT_MESSAGES:
                return target.value
            # @x.setter / @x.getter / @x.deleter of a property
            if isinstance(target, cst.Attribute) and target.attr.value in {
                "setter",
                "getter",
                "deleter",
            }:
                return "property"
            for qualified in sorted(self.qualified_names(target)):
                name = qualified.rsplit(".", 1)[-1]
                if name in _NOT_MESSAGES:
                    return name
        return None
