"""Which defaults the facades copy, and which they leave to the method.

A default is evaluated once, when its ``def`` runs. The facades are other ``def``\\ s:
copying ``into: list[int] = []`` into one would make a second list, the facade's, and put
that same list into every message that leaves the argument out, for the handler to
mutate on a worker thread. So a facade copies a default only when evaluating it again
gives the same object or an equal immutable one:

- a name or an attribute (``LIMIT``, ``Color.RED``, ``None``): the same object the
  method's default is;
- a number, string or bytes literal, ``...``, and operators over such literals only
  (``-1``, ``60 * 60``, ``"a" "b"``);
- a tuple of such defaults (``()``, ``(1, "x")``).

Any other default (a list, dict or set display, a comprehension, a call, a lambda, a
subscript, an operator with a name in it) is the method's own: the facade's signature
says ``= _actorgen.OWN_DEFAULT``, and the dispatch hands the method its own default
object (see ``actorgen.runtime._defaults``). docs/signatures.md states the same rule.
"""

from __future__ import annotations

import libcst as cst

__all__ = ["is_copied_default"]

_LITERALS = (
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.SimpleString,
    cst.Ellipsis,
)


def is_copied_default(expression: cst.BaseExpression) -> bool:
    """Whether a facade may repeat the default `expression` as it is written."""
    if isinstance(expression, cst.Name | cst.Attribute):
        return _is_dotted(expression)
    if isinstance(expression, cst.Tuple):
        return all(
            isinstance(element, cst.Element) and is_copied_default(element.value)
            for element in expression.elements
        )
    return _is_literal_arithmetic(expression)


def _is_dotted(expression: cst.BaseExpression) -> bool:
    while isinstance(expression, cst.Attribute):
        expression = expression.value
    return isinstance(expression, cst.Name)


def _is_literal_arithmetic(expression: cst.BaseExpression) -> bool:
    """A literal, or unary and binary operators over literals only."""
    if isinstance(expression, cst.FormattedString):
        # An f-string makes a new string; it stays copied when what it embeds is.
        return all(
            is_copied_default(part.expression)
            for part in expression.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(expression, cst.ConcatenatedString):
        return _is_literal_arithmetic(expression.left) and _is_literal_arithmetic(expression.right)
    if isinstance(expression, _LITERALS):
        return True
    if isinstance(expression, cst.UnaryOperation):
        return _is_literal_arithmetic(expression.expression)
    if isinstance(expression, cst.BinaryOperation):
        return _is_literal_arithmetic(expression.left) and _is_literal_arithmetic(expression.right)
    return False
