"""Small read-only questions about LibCST trees, asked by the parse pass.

Where the classes and functions of a module are, the methods and names of a class body,
the parameters of a method, and the string forward references in an annotation. None of
them knows about async classes or reports anything: they only look.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from .model import ParamKind

__all__ = [
    "BLOCKS",
    "all_params",
    "base_name",
    "class_body_names",
    "code",
    "find_definitions",
    "forward_references",
    "method_groups",
    "parameters",
    "parse_forward",
    "receiver_and_parameters",
    "unquote",
    "walk",
    "yields",
]

_POSITIONAL = frozenset({ParamKind.POSITIONAL_ONLY, ParamKind.POSITIONAL_OR_KEYWORD})
# Subscripts whose string arguments are values, not forward references.
_LITERAL_SUBSCRIPTS = frozenset({"Literal"})
# Statements whose body may or may not run, as the diagnostics name them.
BLOCKS: dict[type[cst.CSTNode], str] = {
    cst.If: "an 'if'",
    cst.Try: "a 'try'",
    cst.TryStar: "a 'try'",
    cst.With: "a 'with'",
    cst.For: "a 'for'",
    cst.While: "a 'while'",
    cst.Match: "a 'match'",
}


def parameters(params: cst.Parameters) -> list[tuple[cst.Param, ParamKind]]:
    """Every parameter of a ``def`` or a ``lambda`` with its kind, in order: the one
    place that walks LibCST's five lists of parameters."""
    found = [(p, ParamKind.POSITIONAL_ONLY) for p in params.posonly_params]
    found += [(p, ParamKind.POSITIONAL_OR_KEYWORD) for p in params.params]
    if isinstance(params.star_arg, cst.Param):
        found.append((params.star_arg, ParamKind.VAR_POSITIONAL))
    found += [(p, ParamKind.KEYWORD_ONLY) for p in params.kwonly_params]
    if params.star_kwarg is not None:
        found.append((params.star_kwarg, ParamKind.VAR_KEYWORD))
    return found


def receiver_and_parameters(
    method: cst.FunctionDef,
) -> tuple[cst.Param | None, list[tuple[cst.Param, ParamKind]]]:
    """A method's receiver (its first positional parameter, None if it has none) and the
    parameters after it, with their kinds."""
    found = parameters(method.params)
    if found and found[0][1] in _POSITIONAL:
        return found[0][0], found[1:]
    return None, found


def all_params(method: cst.FunctionDef) -> list[cst.Param]:
    return [param for param, _ in parameters(method.params)]


def base_name(expression: cst.BaseExpression) -> str:
    """``Generic`` for ``Generic[K]``, ``typing.Generic[K]`` or ``Generic``."""
    if isinstance(expression, cst.Subscript):
        expression = expression.value
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    return expression.value if isinstance(expression, cst.Name) else ""


_DEFINITIONS = (cst.ClassDef, cst.FunctionDef)


def find_definitions(
    module: cst.Module,
) -> Iterator[tuple[cst.ClassDef | cst.FunctionDef, cst.CSTNode | None]]:
    """Every class and function in the module, with the innermost class or function
    around it, else the innermost block (``if``, ``try``, ...) around it, else None.

    Only statements are walked: a definition is always a statement, and walking every
    expression of a big module costs more than parsing it.
    """
    found: list[tuple[cst.ClassDef | cst.FunctionDef, cst.CSTNode | None]] = []

    def walk(
        statements: Sequence[cst.CSTNode],
        definition: cst.CSTNode | None,
        block: cst.CSTNode | None,
    ) -> None:
        for statement in statements:
            if isinstance(statement, _DEFINITIONS):
                found.append((statement, definition or block))
                walk(_statements(statement.body), statement, block)
            elif type(statement) in BLOCKS:
                for inner, innermost in _clauses(statement):
                    walk(inner, definition, innermost)

    walk(module.body, None, None)
    return iter(found)


def _statements(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return suite.body if isinstance(suite, cst.IndentedBlock) else ()


def _clauses(
    statement: cst.CSTNode,
) -> Iterator[tuple[Sequence[cst.CSTNode], cst.CSTNode]]:
    """The statement lists of a block statement, each with the innermost block around
    it: the statement itself, or an ``elif`` for what is under it."""
    if isinstance(statement, cst.Match):
        for case in statement.cases:
            yield _statements(case.body), statement
        return
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        yield _statements(body), statement
    for handler in getattr(statement, "handlers", ()):
        yield _statements(handler.body), statement
    orelse = getattr(statement, "orelse", None)
    if isinstance(orelse, cst.If):
        yield from _clauses(orelse)
    elif isinstance(orelse, cst.Else):
        yield _statements(orelse.body), statement
    finalbody = getattr(statement, "finalbody", None)
    if isinstance(finalbody, cst.Finally):
        yield _statements(finalbody.body), statement


def method_groups(node: cst.ClassDef) -> list[tuple[str, list[cst.FunctionDef]]]:
    """The methods of a class body by name, in order: overloads come as one group."""
    groups: dict[str, list[cst.FunctionDef]] = {}
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        for statement in body.body:
            if isinstance(statement, cst.FunctionDef):
                groups.setdefault(statement.name.value, []).append(statement)
    return list(groups.items())


def class_body_names(node: cst.ClassDef) -> set[str]:
    found: set[str] = set()
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return found
    for statement in body.body:
        if isinstance(statement, cst.ClassDef):
            found.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            found.add(target.target.value)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    found.add(small.target.value)
                elif isinstance(small, cst.TypeAlias):
                    found.add(small.name.value)
    return found


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from walk(child)


def yields(function: cst.FunctionDef) -> bool:
    """Whether `function`'s own body has a ``yield`` (one of a nested function, lambda or
    class does not count): an ``async def`` that yields is an async generator."""
    pending: list[cst.CSTNode] = [function.body]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Yield):
            return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        pending.extend(node.children)
    return False


def unquote(expression: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expression, cst.SimpleString):
        parsed = parse_forward(expression)
        if parsed is not None:
            return parsed
    return expression


def forward_references(expression: cst.CSTNode) -> Iterator[cst.SimpleString]:
    """String literals in an annotation that stand for types (not those in Literal[...])."""
    if isinstance(expression, cst.SimpleString):
        yield expression
    elif isinstance(expression, cst.Subscript):
        subscripted = expression.value
        head = (
            subscripted.attr.value
            if isinstance(subscripted, cst.Attribute)
            else (subscripted.value if isinstance(subscripted, cst.Name) else "")
        )
        if head in _LITERAL_SUBSCRIPTS:
            return
        elements: Sequence[cst.SubscriptElement] = expression.slice
        if head == "Annotated":
            elements = elements[:1]  # the rest is metadata, not types
        for element in elements:
            yield from forward_references(element)
    else:
        for child in expression.children:
            yield from forward_references(child)


def parse_forward(string: cst.SimpleString) -> cst.BaseExpression | None:
    value = string.evaluated_value
    if not isinstance(value, str):
        return None
    try:
        return cst.parse_expression(value.strip())
    except cst.ParserSyntaxError:
        return None


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
