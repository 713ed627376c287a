"""Annotations and defaults as the generated module writes them.

Each name a signature starts from is resolved (a type parameter, a name of the class
body, an import of the source module, a builtin) and spelled as the generated module
binds it, with the import that makes it available there (aliased by `names.ModuleNames`
where a generated name would hide it). String forward references lose their quotes.
`Speller` is the part of the parse pass that does this: each expression it spells is a
`model.Expr` that carries its own imports, so the emitter imports what it prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from . import names
from .model import Expr, ImportSpec, TypeParam
from .names import BUILTINS, ModuleNames
from .reporter import Reporter
from .scope import Binding, ModuleScope, root_names
from .syntax import code, forward_references, parse_forward, unquote, walk

__all__ = ["SignatureScope", "Speller", "unsupported_type_var"]


@dataclass
class SignatureScope:
    """What the names in one signature can refer to, and which of them it used."""

    where: str  # ``Worker.foo``, for diagnostics
    cls: str
    class_body: frozenset[str]  # names the class body binds: ``Worker.Config``
    type_params: dict[str, TypeParam]  # PEP 695 parameters in scope, by name
    class_type_vars: frozenset[str]  # the class's TypeVars (not PEP 695), by source name
    uses: list[str] = field(default_factory=list)  # type parameters used, in order

    def inner(self, where: str | None = None) -> SignatureScope:
        return SignatureScope(
            where or self.where,
            self.cls,
            self.class_body,
            dict(self.type_params),
            self.class_type_vars,
        )


@dataclass
class Needs:
    """What the names of the expressions being spelled need: imports, and ``_builtins``."""

    imports: set[ImportSpec] = field(default_factory=set)
    checking_imports: set[ImportSpec] = field(default_factory=set)  # under TYPE_CHECKING
    builtins: bool = False

    def add(self, expression: Expr) -> None:
        self.imports.update(expression.imports)
        self.checking_imports.update(expression.checking_imports)
        self.builtins = self.builtins or expression.builtins

    def expr(self, text: str) -> Expr:
        return Expr(text, frozenset(self.imports), frozenset(self.checking_imports), self.builtins)


class Speller:
    """Spells the annotations and defaults of one generated module, each with the imports
    it needs. Made once the names of the generated module are known (`names`), so it
    exists only for the pass's second step."""

    def __init__(
        self,
        reporter: Reporter,
        scope: ModuleScope,
        names: ModuleNames,
        source_module: str,
        output_module: str,
    ) -> None:
        self.reporter = reporter
        self.scope = scope
        self.names = names
        self.source_module = source_module
        self.output_module = output_module  # the generated module's own name

    def error(self, node: cst.CSTNode, message: str) -> None:
        self.reporter.error(node, message)

    def render(
        self,
        expression: cst.BaseExpression,
        scope: SignatureScope,
        *,
        runtime: bool,
        annotation: bool,
        shadowed: frozenset[str] = frozenset(),
        at: cst.CSTNode | None = None,
    ) -> Expr:
        """`expression` as the generated module writes it: each name it starts from
        spelled as the generated module binds it (qualified with its class, or aliased),
        with the imports that make them available. In an annotation, string forward
        references lose their quotes (the generated module has ``from __future__ import
        annotations``)."""
        if annotation:
            unquoted = unquote(expression)
            if unquoted is not expression:
                return self.render(
                    unquoted,
                    scope,
                    runtime=runtime,
                    annotation=True,
                    shadowed=shadowed,
                    at=at or expression,
                )
            self._check_self(expression, scope, at)
        roots = {id(node): name for name, node in root_names(expression)}
        forwards = {id(s): s for s in forward_references(expression)} if annotation else {}
        speller = self
        needs = Needs()

        class Respell(cst.CSTTransformer):
            def leave_Name(
                self, original_node: cst.Name, updated_node: cst.Name
            ) -> cst.BaseExpression:
                name = roots.get(id(original_node))
                if name is None:
                    return updated_node
                position = at if at is not None else original_node
                spelled = speller.resolve(name, position, scope, runtime, shadowed, needs)
                return updated_node if spelled == name else cst.parse_expression(spelled)

            def leave_SimpleString(
                self, original_node: cst.SimpleString, updated_node: cst.SimpleString
            ) -> cst.BaseExpression:
                if id(original_node) not in forwards:
                    return updated_node
                parsed = parse_forward(original_node)
                if parsed is None:
                    speller.error(
                        at or original_node,
                        f"cannot read the string annotation {original_node.value} in {scope.where}",
                    )
                    return updated_node
                inner = speller.render(
                    parsed,
                    scope,
                    runtime=runtime,
                    annotation=True,
                    shadowed=shadowed,
                    at=at or original_node,
                )
                needs.add(inner)
                return cst.parse_expression(inner.text)

        respelled = expression.visit(Respell())
        assert isinstance(respelled, cst.BaseExpression)
        return needs.expr(code(respelled))

    def _check_self(
        self, expression: cst.BaseExpression, scope: SignatureScope, at: cst.CSTNode | None
    ) -> None:
        """`Self` in a facade would mean the facade (or the message dataclass)."""
        for node in walk(expression):
            is_self = isinstance(node, cst.Attribute) and node.attr.value == "Self"
            if isinstance(node, cst.Name) and node.value == "Self":
                binding = self.scope.bindings.get("Self")
                is_self = binding is not None and any(s.name == "Self" for s in binding.imports)
            if is_self:
                self.error(
                    at or node,
                    f"'Self' in the signature of {scope.where} would mean the generated "
                    f"facade there; write {scope.cls!r} instead",
                )
                return

    def resolve(
        self,
        name: str,
        at: cst.CSTNode,
        scope: SignatureScope,
        runtime: bool,
        shadowed: frozenset[str],
        needs: Needs,
    ) -> str:
        """How the generated module spells the free name `name` of a signature, noting
        in `needs` what makes the name available there (an import); or reports why it
        cannot be."""
        if name in scope.type_params:
            scope.uses.append(name)
            return name
        if name in scope.class_body:
            reference = self.class_reference(scope.cls, shadowed)
            needs.add(reference)
            return f"{reference.text}.{name}"
        binding = self.scope.bindings.get(name)
        if not runtime and name in self.names.generated and self._own(binding):
            # A handle of this very module (``-> "InboxProcess"``, perhaps imported from it
            # under TYPE_CHECKING): the generated module defines it, so it is spelled as is.
            return name
        if binding is None:
            if name not in BUILTINS:
                hint = ""
                if self.scope.star_imports:
                    star = self.scope.star_imports[0]
                    hint = f" (import it by name instead of 'from {star} import *')"
                self.error(at, f"cannot resolve {name!r} in the signature of {scope.where}{hint}")
            elif name in shadowed:
                needs.builtins = True
                return names.builtin_spelling(name)
            return name
        type_var = name in scope.class_type_vars or self.scope.type_vars.get(name) == "TypeVar"
        if type_var:
            # The message dataclasses list their type variables in a Generic[...] base.
            scope.uses.append(name)
            runtime = True
        if runtime and binding.type_checking_only:
            if type_var:
                self.error(
                    at,
                    f"type variable {name!r} of {scope.where} is only imported under "
                    "TYPE_CHECKING; the generated classes need it at run time",
                )
            else:
                self.error(
                    at,
                    f"{name!r} in a default of {scope.where} is only imported under TYPE_CHECKING",
                )
            return name
        kind = self.scope.type_vars.get(name)
        if kind is not None and kind != "TypeVar":
            self.error(at, unsupported_type_var(name, kind, scope.where))
            return name
        spelled = self.names.alias(name) if name in shadowed else self.names.spelling(name)
        imports = self.imports_of(name, spelled)
        (needs.checking_imports if binding.type_checking_only else needs.imports).update(imports)
        return spelled

    def _own(self, binding: Binding | None) -> bool:
        """Whether `binding` is no binding at all (a name only a string annotation names)
        or an import from the generated module itself."""
        if binding is None:
            return True
        return all(
            spec.name is not None and spec.module.rsplit(".", 1)[-1] == self.output_module
            for spec in binding.imports
        )

    def imports_of(self, name: str, spelled: str) -> frozenset[ImportSpec]:
        """The imports that bind the source's module-level `name` as `spelled`."""
        binding = self.scope.bindings.get(name)
        if binding is None:
            return frozenset()
        return frozenset(
            spec if spelled == name else _aliased(spec, name, spelled) for spec in binding.imports
        )

    def class_reference(self, cls: str, shadowed: frozenset[str] = frozenset()) -> Expr:
        """The class `cls` of the source as the generated module spells it, imported
        from the source."""
        spelled = self.names.alias(cls) if cls in shadowed else self.names.spelling(cls)
        return Expr(spelled, frozenset({ImportSpec(self.source_module, cls, spelled)}))


def unsupported_type_var(name: str, kind: str, where: str) -> str:
    return (
        f"{name!r} of {where} is a {kind}; async classes and messages can only be generic "
        "in plain type variables"
    )


def _aliased(spec: ImportSpec, name: str, alias: str) -> ImportSpec:
    """The import `spec`, which binds `name`, changed to bind `alias` instead."""
    if spec.name is not None:
        return ImportSpec(spec.module, spec.name, alias)
    if spec.alias is None and "." in spec.module:
        return ImportSpec(name, alias=alias)  # ``import a.b`` binds ``a``
    return ImportSpec(spec.module, alias=alias)
