"""What the names in a message signature refer to, and how the generated module gets them.

The generated module sits beside the source module, so it can reach every name the
source can:

- a name bound by an ``import`` at module level is imported the same way (relative
  imports work unchanged, since both modules live in the same package);
- a name the source module defines itself (class, function, assignment), or binds in a
  way that cannot be copied (an import inside ``try``), is imported from the source module;
- either kind inside ``if TYPE_CHECKING:`` is imported under ``if TYPE_CHECKING:`` too;
- builtins need nothing.

It also notes which module-level names are type variables (``T = TypeVar("T")``), so that
a generic async class's type parameters can be told from other names.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from .model import ImportSpec
from .names import BUILTINS
from .syntax import parameters

__all__ = ["BUILTINS", "TYPE_VAR_KINDS", "Binding", "ModuleScope", "collect_scope", "root_names"]

# The calls that define type variables, by the last part of their name.
TYPE_VAR_KINDS = frozenset({"TypeVar", "ParamSpec", "TypeVarTuple"})


@dataclass(frozen=True)
class Binding:
    """How the generated module gets one module-level name of the source."""

    imports: tuple[ImportSpec, ...]
    type_checking_only: bool


@dataclass(frozen=True)
class ModuleScope:
    bindings: dict[str, Binding]
    star_imports: tuple[str, ...]  # modules imported with ``from m import *``
    # Names assigned a ``TypeVar(...)``, ``ParamSpec(...)`` or ``TypeVarTuple(...)``
    # at module level, with that kind. Type variables imported from elsewhere are not
    # known here: a class lists them in ``Generic[...]``.
    type_vars: dict[str, str] = field(default_factory=dict)


def collect_scope(module: cst.Module, source_module: str) -> ModuleScope:
    """The module-level names of `module` (imported as `source_module` from the output)."""
    table: dict[str, list[ImportSpec]] = {}
    guarded: dict[str, bool] = {}
    stars: list[str] = []
    type_vars: dict[str, str] = {}

    def bind(name: str, spec: ImportSpec, type_checking: bool) -> None:
        specs = table.setdefault(name, [])
        if spec not in specs:
            specs.append(spec)
        # A name bound at run time anywhere can be imported at run time.
        guarded[name] = guarded.get(name, True) and type_checking

    def local(name: str, type_checking: bool) -> None:
        table[name] = [ImportSpec(source_module, name)]
        guarded[name] = guarded.get(name, True) and type_checking

    def visit(statements: Sequence[cst.BaseStatement], type_checking: bool, copyable: bool) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    _bind_small(small, type_checking, copyable)
            elif isinstance(statement, cst.ClassDef | cst.FunctionDef):
                local(statement.name.value, type_checking)
            elif isinstance(statement, cst.If):
                checking = _is_type_checking(statement.test)
                visit(_body(statement.body), type_checking or checking, checking or copyable)
                orelse = statement.orelse
                while orelse is not None:
                    if isinstance(orelse, cst.If):
                        visit(_body(orelse.body), type_checking, False)
                        orelse = orelse.orelse
                    else:
                        visit(_body(orelse.body), type_checking, False)
                        orelse = None
            elif isinstance(statement, cst.Try | cst.TryStar | cst.With | cst.For | cst.While):
                for block in _blocks(statement):
                    visit(block, type_checking, False)

    def _bind_small(small: cst.BaseSmallStatement, type_checking: bool, copyable: bool) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None:
                    name = _dotted(alias.asname.name)
                    spec = ImportSpec(dotted, alias=name)
                else:
                    name = dotted.split(".")[0]
                    spec = ImportSpec(dotted)
                if copyable:
                    bind(name, spec, type_checking)
                else:
                    local(name, type_checking)
        elif isinstance(small, cst.ImportFrom):
            module_name = "." * len(small.relative) + (
                _dotted(small.module) if small.module is not None else ""
            )
            if module_name == "__future__":
                return
            if isinstance(small.names, cst.ImportStar):
                stars.append(module_name)
                return
            for alias in small.names:
                imported = _dotted(alias.name)
                name = _dotted(alias.asname.name) if alias.asname is not None else imported
                if copyable:
                    bind(name, ImportSpec(module_name, imported, name), type_checking)
                else:
                    local(name, type_checking)
        elif isinstance(small, cst.Assign):
            kind = _type_var_kind(small.value)
            for target in small.targets:
                for name in _target_names(target.target):
                    local(name, type_checking)
                    if kind is not None and isinstance(target.target, cst.Name):
                        type_vars[name] = kind
        elif isinstance(small, cst.AnnAssign | cst.AugAssign):
            for name in _target_names(small.target):
                local(name, type_checking)
        elif isinstance(small, cst.TypeAlias):
            local(small.name.value, type_checking)

    visit(module.body, type_checking=False, copyable=True)
    bindings = {name: Binding(tuple(specs), guarded[name]) for name, specs in table.items()}
    return ModuleScope(bindings, tuple(stars), type_vars)


def _type_var_kind(value: cst.BaseExpression) -> str | None:
    """``TypeVar`` for ``TypeVar("T")`` or ``typing.TypeVar("T", bound=int)``, etc."""
    if not isinstance(value, cst.Call):
        return None
    func = value.func
    name = (
        func.value
        if isinstance(func, cst.Name)
        else (func.attr.value if isinstance(func, cst.Attribute) else "")
    )
    return name if name in TYPE_VAR_KINDS else None


def root_names(node: cst.CSTNode) -> Iterator[tuple[str, cst.Name]]:
    """The free names an expression starts from: ``np`` in ``np.ndarray[int]``; not the
    keywords of a call, nor the names a lambda or a comprehension binds."""
    if isinstance(node, cst.Name):
        yield node.value, node
    elif isinstance(node, cst.Attribute | cst.Arg):
        yield from root_names(node.value)
    elif isinstance(node, cst.Lambda):
        bound = {p.name.value for p, _ in parameters(node.params)}
        for name, at in root_names(node.body):
            if name not in bound:
                yield name, at
    elif isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
        targets: set[str] = set()
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            targets.update(_target_names(comp.target))
            comp = comp.inner_for_in
        for child in node.children:
            for name, at in root_names(child):
                if name not in targets:
                    yield name, at
    else:
        for child in node.children:
            yield from root_names(child)


def _is_type_checking(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "TYPE_CHECKING"
    return isinstance(test, cst.Attribute) and test.attr.value == "TYPE_CHECKING"


def _body(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    return (
        [cst.SimpleStatementLine(body=list(suite.body))]
        if isinstance(suite, cst.SimpleStatementSuite)
        else []
    )


def _blocks(statement: cst.BaseCompoundStatement) -> Iterator[Sequence[cst.BaseStatement]]:
    yield _body(statement.body)
    if isinstance(statement, cst.Try | cst.TryStar):
        for handler in statement.handlers:
            yield _body(handler.body)
        if statement.finalbody is not None:
            yield _body(statement.finalbody.body)
    orelse = getattr(statement, "orelse", None)
    if isinstance(orelse, cst.Else):
        yield _body(orelse.body)


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise ValueError(f"not a dotted name: {node!r}")
