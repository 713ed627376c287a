"""What the module-level names of a source module may be imported as: its import table.

Decorators are recognised by what they are imported as, so ``@async_class``, an aliased
import of it and ``@ag.async_class`` after ``import actorgen.runtime as ag`` all count.
The table is read from the module's own import statements, at module level and inside the
blocks there (``try``/``except ImportError`` imports of ``typing_extensions``, ``if
TYPE_CHECKING:``), not from LibCST's qualified-name metadata: that is resolved over the
whole module, and costs more than parsing it.

A name bound several ways may be any of them; a name the module defines itself (a class,
a function, an assignment) is not an import, so it never names a decorator of the runtime
or of ``typing``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

__all__ = ["ImportTable", "import_table"]

_BLOCKS = (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While)
# The parts of a block statement that hold statements of their own.
_CLAUSES = (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)


class ImportTable:
    """The dotted names each module-level name may stand for (``ag`` -> ``actorgen.runtime``,
    ``override`` -> ``typing.override`` and ``typing_extensions.override``)."""

    def __init__(self, imported: dict[str, set[str]]) -> None:
        self._imported = imported

    def qualified_names(self, expression: cst.BaseExpression) -> set[str]:
        """What `expression`, a name or a dotted attribute, may stand for: ``typing.overload``
        for ``overload`` after ``from typing import overload``, or for ``t.overload`` after
        ``import typing as t``. Empty for anything else (a call, a local definition)."""
        parts: list[str] = []
        while isinstance(expression, cst.Attribute):
            parts.append(expression.attr.value)
            expression = expression.value
        if not isinstance(expression, cst.Name):
            return set()
        rest = "".join(f".{part}" for part in reversed(parts))
        return {f"{target}{rest}" for target in self._imported.get(expression.value, ())}


def import_table(module: cst.Module) -> ImportTable:
    imported: dict[str, set[str]] = {}
    for name, target in _bindings(module.body):
        imported.setdefault(name, set()).add(target)
    return ImportTable(imported)


def _bindings(statements: Sequence[cst.CSTNode]) -> Iterator[tuple[str, str]]:
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                yield from _imports(small)
        elif isinstance(statement, _BLOCKS):
            for block in _blocks(statement):
                yield from _bindings(block)


def _imports(small: cst.BaseSmallStatement) -> Iterator[tuple[str, str]]:
    if isinstance(small, cst.Import):
        for alias in small.names:
            dotted = _dotted(alias.name)
            if alias.asname is not None:
                yield _dotted(alias.asname.name), dotted
            else:
                root = dotted.split(".", 1)[0]
                yield root, root  # ``import a.b`` binds ``a``
    elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
        if isinstance(small.names, cst.ImportStar):
            return
        module = _dotted(small.module)
        for alias in small.names:
            imported = _dotted(alias.name)
            bound = _dotted(alias.asname.name) if alias.asname is not None else imported
            yield bound, f"{module}.{imported}"


def _blocks(statement: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    for child in statement.children:
        if isinstance(child, cst.IndentedBlock):
            yield child.body
        elif isinstance(child, cst.SimpleStatementSuite):
            yield [cst.SimpleStatementLine(body=child.body)]
        elif isinstance(child, _CLAUSES):
            yield from _blocks(child)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise ValueError(f"not a dotted name: {node!r}")
