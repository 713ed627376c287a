"""Type parameters: those of an async class, of its methods and of each message dataclass.

A class declares them the PEP 695 way (``class Cache[K, V]``) or with TypeVars listed in
a ``Generic[...]`` base (else mentioned in its bases); the generated code declares them
the same way. Only plain type variables are supported, not TypeVarTuple or ParamSpec.
"""

from __future__ import annotations

import libcst as cst

from . import names
from .drafts import Draft
from .model import Generics, TypeParam
from .reporter import Reporter
from .scope import ModuleScope, root_names
from .spelling import Needs, SignatureScope, Speller, unsupported_type_var
from .syntax import base_name

__all__ = ["GenericsReader", "type_var_bases"]

# Bases that declare a class's type variables, as in ``class Cache(Generic[K, V])``.
_GENERIC_BASES = frozenset({"Generic", "Protocol"})


def type_var_bases(node: cst.ClassDef, scope: ModuleScope) -> list[cst.Name]:
    """The type variables of a class written without PEP 695: those listed in its
    ``Generic[...]`` base, else the module's TypeVars that its bases mention."""
    listed: list[cst.Name] = []
    mentioned: list[cst.Name] = []
    for base in node.bases:
        value = base.value
        if not isinstance(value, cst.Subscript):
            continue
        if base_name(value) in _GENERIC_BASES:
            for element in value.slice:
                index = element.slice
                if isinstance(index, cst.Index) and isinstance(index.value, cst.Name):
                    listed.append(index.value)
        else:
            for element in value.slice:
                mentioned.extend(n for name, n in root_names(element) if name in scope.type_vars)
    found = listed or mentioned
    unique: dict[str, cst.Name] = {}
    for name_node in found:
        unique.setdefault(name_node.value, name_node)
    return list(unique.values())


class GenericsReader:
    """The part of the parse pass that reads type parameters (its second step)."""

    def __init__(self, reporter: Reporter, speller: Speller) -> None:
        self.reporter = reporter
        self.speller = speller
        self.scope = speller.scope
        self.names = speller.names

    def error(self, node: cst.CSTNode, message: str) -> None:
        self.reporter.error(node, message)

    def class_type_params(self, node: cst.ClassDef, scope: SignatureScope) -> dict[str, TypeParam]:
        """The class's type parameters, by their names in the source."""
        if node.type_parameters is not None:
            found = self._type_params(node.type_parameters, scope, method_level=False)
            return {p.name: p for p in found}
        type_vars: dict[str, TypeParam] = {}
        for name_node in type_var_bases(node, self.scope):
            name = name_node.value
            kind = self.scope.type_vars.get(name, "TypeVar")
            if kind != "TypeVar":
                self.error(name_node, unsupported_type_var(name, kind, scope.cls))
                continue
            needs = Needs()
            spelled = self.speller.resolve(
                name, name_node, scope, runtime=True, shadowed=frozenset(), needs=needs
            )
            type_vars[name] = TypeParam(spelled, imports=frozenset(needs.imports))
        return type_vars

    def uses_pep695(self, draft: Draft, type_var_class: bool) -> bool:
        """Whether the generated code declares type parameters the PEP 695 way: when the
        class or one of its methods does (the source then needs Python 3.12 anyway)."""
        if draft.node.type_parameters is not None:
            return True
        methods = [
            *([draft.init] if draft.init else []),
            *(d for m in draft.messages for d in m.definitions),
        ]
        generic_methods = [m for m in methods if m.type_parameters is not None]
        if generic_methods and type_var_class:
            self.error(
                generic_methods[0].name,
                f"{draft.name}.{generic_methods[0].name.value} declares type parameters the "
                f"PEP 695 way but class {draft.name} uses TypeVars; write "
                f"'class {draft.name}[...]' so that both are declared the same way",
            )
        return bool(generic_methods)

    def _type_params(
        self, parameters: cst.TypeParameters, scope: SignatureScope, *, method_level: bool
    ) -> list[TypeParam]:
        """PEP 695 type parameters, declared as the source declares them."""
        found: list[TypeParam] = []
        for type_param in parameters.params:
            param = type_param.param
            if not isinstance(param, cst.TypeVar):
                kind = "TypeVarTuple" if isinstance(param, cst.TypeVarTuple) else "ParamSpec"
                self.error(param.name, unsupported_type_var(param.name.value, kind, scope.where))
                continue
            name = param.name.value
            bound = default = None
            if param.bound is not None:
                bound = self.speller.render(param.bound, scope, runtime=False, annotation=True)
            if type_param.default is not None:
                default = self.speller.render(
                    type_param.default, scope, runtime=False, annotation=True
                )
            created = TypeParam(name, bound, default, method_level)
            scope.type_params[name] = created
            found.append(created)
        return found

    def method_type_params(
        self, method: cst.FunctionDef, scope: SignatureScope, pep695: bool
    ) -> Generics:
        if method.type_parameters is None:
            return Generics((), pep695)
        return Generics(
            tuple(self._type_params(method.type_parameters, scope, method_level=True)), True
        )

    def message_generics(
        self,
        uses: list[str],
        scope: SignatureScope,
        pep695: bool,
        class_params: dict[str, TypeParam],
    ) -> Generics:
        """The type parameters of a message dataclass: the class's that its fields use,
        in the class's order, then the method's own (in their order, or for TypeVars in
        the order they first appear)."""
        used = set(uses)
        found = [p for source, p in class_params.items() if source in used]
        if pep695:
            found += [p for p in scope.type_params.values() if p.method_level and p.name in used]
        else:
            for name in dict.fromkeys(uses):
                if name not in class_params and self.scope.type_vars.get(name) == "TypeVar":
                    spelled = self.names.spelling(name)
                    imports = self.speller.imports_of(name, spelled)
                    found.append(TypeParam(spelled, method_level=True, imports=imports))
        return Generics(tuple(found), pep695)

    def check_type_param_names(
        self, parameters: cst.TypeParameters, where: str, generated: set[str]
    ) -> None:
        for type_param in parameters.params:
            name = type_param.param.name
            if name.value in generated or name.value in names.HELPER_MODULES:
                self.error(
                    name,
                    f"type parameter {name.value!r} of {where} would shadow a name the "
                    "generated code uses; rename it",
                )
