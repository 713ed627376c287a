"""The LibCST pass: from one source file to a `ModuleSpec`, or diagnostics.

Decorators are matched by qualified name, so ``@async_class``, an aliased import of it
and ``@ag.async_class`` after ``import actorgen.runtime as ag`` all count. Positions
come from LibCST's metadata, for diagnostics that point at the offending line.

The pass runs in two steps. The first finds the async classes and their messages, which
fixes every name the generated module defines; the second reads the signatures, now
knowing which imported names must be aliased (`names.ModuleNames`), and copies each
annotation and default with its names spelled as the generated module sees them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider, QualifiedNameProvider

from . import names
from .diagnostics import Diagnostic
from .model import (
    Generics,
    ImportSpec,
    MessageSpec,
    ModuleSpec,
    Param,
    ParamKind,
    ProcessSpec,
    Signature,
    TypeParam,
)
from .names import BUILTINS, ModuleNames
from .scope import Binding, ModuleScope, collect_scope, root_names

__all__ = ["DECORATOR", "analyze", "may_define_async_class"]

DECORATOR = "actorgen.runtime.async_class"
# Decorators that make a method something other than a message.
_NOT_MESSAGES = frozenset({"staticmethod", "classmethod", "property"})
# Subscripts whose string arguments are values, not forward references.
_LITERAL_SUBSCRIPTS = frozenset({"Literal"})
# Where the decorators a message may have come from, and what becomes of them:
# `overload` makes overloads of the facade methods, `deprecated` is copied onto them,
# `override` and `final` say nothing to a caller and are left out.
_DECORATOR_MODULES = frozenset({"typing", "typing_extensions", "warnings"})
_COPIED_DECORATORS = frozenset({"deprecated"})
_DROPPED_DECORATORS = frozenset({"override", "final"})
_OVERLOAD = "overload"
# Bases that declare a class's type variables, as in ``class Cache(Generic[K, V])``.
_GENERIC_BASES = frozenset({"Generic", "Protocol"})
# Bases that do not hand down an __init__ worth knowing about.
_PLAIN_BASES = frozenset({"Generic", "Protocol", "object"})
# Statements whose body may or may not run, as the diagnostics name them.
_BLOCKS: dict[type[cst.CSTNode], str] = {
    cst.If: "an 'if'",
    cst.Try: "a 'try'",
    cst.TryStar: "a 'try'",
    cst.With: "a 'with'",
    cst.For: "a 'for'",
    cst.While: "a 'while'",
    cst.Match: "a 'match'",
}


def may_define_async_class(text: str) -> bool:
    """The cheap check made before parsing: every way to use the decorator names it."""
    return "async_class" in text


def analyze(path: str, text: str, source_module: str) -> tuple[ModuleSpec | None, list[Diagnostic]]:
    """Parse `text` (the file at `path`) into a model of its async classes.

    Returns ``(None, [])`` when the file has no async class, and ``(None, diagnostics)``
    when anything in it cannot be generated: a file is generated whole or not at all.
    """
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return None, [_syntax_error(path, text, error)]
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    pass_ = _Pass(path, source_module, wrapper)
    pass_.run()
    if pass_.diagnostics:
        return None, sorted(set(pass_.diagnostics))
    if not pass_.processes:
        return None, []
    spec = ModuleSpec(
        source_name=path.replace("\\", "/").rsplit("/", 1)[-1],
        source_module=source_module,
        imports=_sorted(pass_.imports),
        type_checking_imports=_sorted(pass_.type_checking_imports - pass_.imports),
        processes=tuple(pass_.processes),
        needs_builtins=pass_.needs_builtins,
    )
    return spec, []


def _sorted(imports: set[ImportSpec]) -> tuple[ImportSpec, ...]:
    return tuple(sorted(imports, key=lambda spec: spec.sort_key))


def _syntax_error(path: str, text: str, error: cst.ParserSyntaxError) -> Diagnostic:
    """Python's own parser words syntax errors better than LibCST: ask it first."""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python_error:
        line = python_error.lineno or 1
        column = python_error.offset or 1
        return Diagnostic(path, line, column, f"syntax error: {python_error.msg}")
    except (ValueError, OverflowError):
        pass
    message = str(error).splitlines()[0]
    return Diagnostic(path, error.editor_line, error.editor_column, f"syntax error: {message}")


@dataclass
class _Message:
    """A message method found in the first step: its definitions (overloads first)."""

    name: str
    class_name: str
    definitions: list[cst.FunctionDef]


@dataclass
class _Draft:
    """An async class found in the first step, with the names generated for it."""

    node: cst.ClassDef
    init: cst.FunctionDef | None
    messages: list[_Message]
    generic: bool

    @property
    def name(self) -> str:
        return self.node.name.value

    def generated(self) -> dict[str, cst.CSTNode]:
        """Every name the generated module defines for this class, with where it comes from."""
        cls = self.name
        found: dict[str, cst.CSTNode] = {
            m.class_name: m.definitions[-1].name for m in self.messages
        }
        for name in (
            names.union_name(cls),
            names.dispatch_name(cls),
            names.process_name(cls),
            names.cluster_name(cls),
            *(names.spawn_base_names(cls) if self.generic else ()),
        ):
            found[name] = self.node.name
        return found


@dataclass
class _Names:
    """What the names in one signature can refer to, and which of them it used."""

    where: str  # ``Worker.foo``, for diagnostics
    cls: str
    class_body: frozenset[str]  # names the class body binds: ``Worker.Config``
    type_params: dict[str, TypeParam]  # PEP 695 parameters in scope, by name
    class_type_vars: frozenset[str]  # the class's TypeVars (not PEP 695), by source name
    uses: list[str] = field(default_factory=list)  # type parameters used, in order

    def inner(self, where: str | None = None) -> _Names:
        return _Names(
            where or self.where,
            self.cls,
            self.class_body,
            dict(self.type_params),
            self.class_type_vars,
        )


@dataclass
class _Pass:
    path: str
    source_module: str
    wrapper: MetadataWrapper
    diagnostics: list[Diagnostic] = field(default_factory=list)
    processes: list[ProcessSpec] = field(default_factory=list)
    imports: set[ImportSpec] = field(default_factory=set)
    type_checking_imports: set[ImportSpec] = field(default_factory=set)
    needs_builtins: bool = False

    def run(self) -> None:
        module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.qualified = self.wrapper.resolve(QualifiedNameProvider)
        self.scope: ModuleScope = collect_scope(module, self.source_module)
        drafts: list[_Draft] = []
        defined: dict[str, cst.ClassDef] = {}
        for node, enclosing in _definitions(module):
            decorator = self._async_class_decorator(node)
            if decorator is None:
                continue
            if not isinstance(node, cst.ClassDef):
                self.error(
                    decorator,
                    f"@async_class applies to classes, not to function {node.name.value!r}",
                )
            elif isinstance(enclosing, cst.ClassDef | cst.FunctionDef):
                self.error(
                    node.name,
                    f"async class {node.name.value!r} must be defined at module level "
                    "so that the generated module can import it",
                )
            elif enclosing is not None:
                self.error(
                    node.name,
                    f"async class {node.name.value!r} is defined inside "
                    f"{_BLOCKS[type(enclosing)]} block; the generated module imports it "
                    "unconditionally, so define it at module level, outside any block",
                )
            elif node.name.value in defined:
                first = self.positions[defined[node.name.value]].start.line
                self.error(
                    node.name,
                    f"async class {node.name.value!r} is defined twice (first on line "
                    f"{first}); give each async class its own name",
                )
            else:
                defined[node.name.value] = node
                drafts.append(self._draft(node, decorator))
        generated = self._check_generated_names(drafts)
        avoid = {
            d.name
            for d in drafts
            if d.init is not None and d.name in {p.name.value for p in _all_params(d.init)}
        }
        self.names = ModuleNames(generated, self.scope.bindings, avoid)
        for draft in drafts:
            self._process(draft, generated)

    # -- diagnostics --------------------------------------------------------------------

    def error(self, node: cst.CSTNode, message: str) -> None:
        where: CodeRange = self.positions[node]
        self.diagnostics.append(
            Diagnostic(self.path, where.start.line, where.start.column + 1, message)
        )

    # -- step 1: classes, messages and the names generated for them -----------------------

    def _async_class_decorator(self, node: cst.ClassDef | cst.FunctionDef) -> cst.Decorator | None:
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
                if self._is_marker(target):
                    self.error(decorator, "write @async_class without parentheses")
                    return None
            if self._is_marker(target):
                return decorator
        return None

    def _is_marker(self, node: cst.CSTNode) -> bool:
        return DECORATOR in self._qualified_names(node)

    def _qualified_names(self, node: cst.CSTNode) -> set[str]:
        found: object = self.qualified.get(node, ())
        if callable(found):  # newer LibCST computes qualified names lazily
            found = found()
        assert isinstance(found, set | frozenset | tuple)
        return {q.name for q in found}

    def _typing_decorator(self, decorator: cst.Decorator) -> str | None:
        """``overload``, ``deprecated``, ... for the decorators of `_DECORATOR_MODULES`."""
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        for qualified in self._qualified_names(target):
            module, _, name = qualified.rpartition(".")
            if module in _DECORATOR_MODULES:
                return name
        return None

    def _draft(self, node: cst.ClassDef, decorator: cst.Decorator) -> _Draft:
        cls = node.name.value
        errors_before = len(self.diagnostics)
        if len(node.decorators) > 1:
            self.error(
                decorator,
                f"async class {cls!r} has other decorators; @async_class must be its only one",
            )
        init: cst.FunctionDef | None = None
        messages: list[_Message] = []
        by_class_name: dict[str, str] = {}
        for name, definitions in _method_groups(node):
            if name == "__init__":
                init = definitions[-1]
                continue
            if name.startswith("_") or any(self._is_not_message(d) for d in definitions):
                continue
            if not self._check_message(cls, name, definitions):
                continue
            class_name = names.message_class_name(cls, name)
            if class_name in by_class_name:
                self.error(
                    definitions[0].name,
                    f"messages {cls}.{by_class_name[class_name]} and {cls}.{name} would both "
                    f"generate {class_name}; rename one",
                )
                continue
            by_class_name[class_name] = name
            messages.append(_Message(name, class_name, definitions))
        inherits = [b for b in node.bases if _base_name(b.value) not in _PLAIN_BASES]
        if init is None and inherits:
            self.error(
                node.name,
                f"async class {cls!r} inherits __init__; define __init__ in the class "
                "so that spawn() knows its parameters",
            )
        if not messages and len(self.diagnostics) == errors_before:
            self.error(node.name, f"async class {cls!r} has no message methods (public methods)")
        # Even with errors, the signatures are read next, so that all problems of a file
        # are reported at once; a file with errors gets no output anyway.
        generic = node.type_parameters is not None or bool(self._type_var_bases(node))
        return _Draft(node, init, messages, generic)

    def _check_message(self, cls: str, name: str, definitions: list[cst.FunctionDef]) -> bool:
        """Whether the definitions of message `cls.name` can be generated; if not, say why."""
        where = f"{cls}.{name}"
        *overloads, implementation = definitions
        for definition in definitions:
            if definition.asynchronous is not None:
                self.error(
                    definition.asynchronous,
                    f"message {where} is 'async def'; messages run on threads, "
                    "so write a plain 'def'",
                )
                return False
        if name in names.RESERVED_MEMBERS:
            self.error(
                implementation.name,
                f"message {where} has the name of a facade method "
                f"({', '.join(sorted(names.RESERVED_MEMBERS))} are reserved); rename it",
            )
            return False
        if self._is_overload(implementation):
            self.error(
                implementation.name,
                f"overloaded message {where} has no implementation (a definition without "
                "@overload after the overloads)",
            )
            return False
        for overload in overloads:
            if not self._is_overload(overload):
                self.error(
                    implementation.name,
                    f"message {where} is defined more than once; only the last definition "
                    "exists at run time, so remove the others (or mark them @overload)",
                )
                return False
        for definition in definitions:
            for decorator in definition.decorators:
                kind = self._typing_decorator(decorator)
                if kind in _COPIED_DECORATORS or kind in _DROPPED_DECORATORS:
                    continue
                if kind == _OVERLOAD and definition is not implementation:
                    continue
                self.error(
                    decorator,
                    f"message {where} is decorated; a decorator can change what the method "
                    "takes and returns, so messages may only be decorated with @overload, "
                    "@override, @final or @deprecated (call a decorated private method "
                    "from a plain one)",
                )
                return False
        return True

    def _is_overload(self, method: cst.FunctionDef) -> bool:
        return any(self._typing_decorator(d) == _OVERLOAD for d in method.decorators)

    def _is_not_message(self, method: cst.FunctionDef) -> bool:
        for decorator in method.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Name) and target.value in _NOT_MESSAGES:
                return True
            # @x.setter / @x.getter / @x.deleter of a property
            if isinstance(target, cst.Attribute) and target.attr.value in {
                "setter",
                "getter",
                "deleter",
            }:
                return True
            if any(q.rsplit(".", 1)[-1] in _NOT_MESSAGES for q in self._qualified_names(target)):
                return True
        return False

    def _type_var_bases(self, node: cst.ClassDef) -> list[cst.Name]:
        """The type variables of a class written without PEP 695: those listed in its
        ``Generic[...]`` base, else the module's TypeVars that its bases mention."""
        listed: list[cst.Name] = []
        mentioned: list[cst.Name] = []
        for base in node.bases:
            value = base.value
            if not isinstance(value, cst.Subscript):
                continue
            if _base_name(value) in _GENERIC_BASES:
                for element in value.slice:
                    index = element.slice
                    if isinstance(index, cst.Index) and isinstance(index.value, cst.Name):
                        listed.append(index.value)
            else:
                for element in value.slice:
                    mentioned.extend(
                        n for name, n in root_names(element) if name in self.scope.type_vars
                    )
        found = listed or mentioned
        unique: dict[str, cst.Name] = {}
        for name_node in found:
            unique.setdefault(name_node.value, name_node)
        return list(unique.values())

    def _check_generated_names(self, drafts: list[_Draft]) -> set[str]:
        """Two async classes of one module must not generate the same public name."""
        owners: dict[str, str] = {}
        for draft in drafts:
            for name, node in draft.generated().items():
                if name in owners and owners[name] != draft.name:
                    self.error(
                        node,
                        f"async classes {owners[name]} and {draft.name} would both generate "
                        f"{name}; rename one of them (or the message)",
                    )
                owners.setdefault(name, draft.name)
        return set(owners)

    # -- step 2: signatures -----------------------------------------------------------------

    def _process(self, draft: _Draft, generated: set[str]) -> None:
        node = draft.node
        cls = draft.name
        errors_before = len(self.diagnostics)
        base = _Names(
            where=cls,
            cls=cls,
            class_body=frozenset(_class_body_names(node)),
            type_params={},
            class_type_vars=frozenset(),
        )
        class_params = self._class_type_params(node, base)
        if node.type_parameters is None:
            base.class_type_vars = frozenset(class_params)
        pep695 = self._uses_pep695(draft, bool(base.class_type_vars))
        generics = Generics(tuple(class_params.values()), pep695)
        spelling = self._class_reference(cls)

        init_params: tuple[Param, ...] = ()
        init_generics = Generics((), pep695)
        if draft.init is not None:
            scope = base.inner(f"{cls}.__init__")
            init_generics = self._method_type_params(draft.init, scope, pep695)
            init_params = self._params(draft.init, scope, message=False)
        init_names = {p.name for p in init_params}

        messages = [self._message(m, base, pep695, class_params) for m in draft.messages]
        self._check_shadowing(draft, messages, generated)
        if len(self.diagnostics) > errors_before:
            return
        count = names.unused_name("n", init_names)
        range_ = "range"
        if "range" in init_names:
            range_ = names.builtin_spelling("range")
            self.needs_builtins = True
        self.processes.append(
            ProcessSpec(
                name=cls,
                spelling=spelling,
                doc=node.get_docstring(),
                init_params=init_params,
                messages=tuple(messages),
                message_union=names.union_name(cls),
                dispatch=names.dispatch_name(cls),
                process=names.process_name(cls),
                cluster=names.cluster_name(cls),
                spawn_receiver=names.receiver_name("cls", init_names),
                spawn_make=names.unused_name("make", init_names),
                spawn_count=count,
                spawn_loop=names.unused_name("_", {*init_names, count}),
                range=range_,
                generics=generics,
                init_generics=init_generics,
                spawn_bases=names.spawn_base_names(cls) if draft.generic else None,
            )
        )

    def _class_type_params(self, node: cst.ClassDef, scope: _Names) -> dict[str, TypeParam]:
        """The class's type parameters, by their names in the source."""
        if node.type_parameters is not None:
            found = self._type_params(node.type_parameters, scope, method_level=False)
            return {p.name: p for p in found}
        type_vars: dict[str, TypeParam] = {}
        for name_node in self._type_var_bases(node):
            name = name_node.value
            kind = self.scope.type_vars.get(name, "TypeVar")
            if kind != "TypeVar":
                self.error(name_node, _unsupported_type_var(name, kind, scope.cls))
                continue
            spelled = self._resolve(name, name_node, scope, runtime=True, shadowed=frozenset())
            type_vars[name] = TypeParam(spelled, spelled)
        return type_vars

    def _uses_pep695(self, draft: _Draft, type_var_class: bool) -> bool:
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
        self, parameters: cst.TypeParameters, scope: _Names, *, method_level: bool
    ) -> list[TypeParam]:
        """PEP 695 type parameters, declared as the source declares them."""
        found: list[TypeParam] = []
        for type_param in parameters.params:
            param = type_param.param
            if not isinstance(param, cst.TypeVar):
                kind = "TypeVarTuple" if isinstance(param, cst.TypeVarTuple) else "ParamSpec"
                self.error(param.name, _unsupported_type_var(param.name.value, kind, scope.where))
                continue
            name = param.name.value
            declaration = name
            if param.bound is not None:
                bound = self._render(param.bound, scope, runtime=False, annotation=True)
                declaration += f": {bound}"
            if type_param.default is not None:
                default = self._render(type_param.default, scope, runtime=False, annotation=True)
                declaration += f" = {default}"
            created = TypeParam(name, declaration, method_level)
            scope.type_params[name] = created
            found.append(created)
        return found

    def _method_type_params(self, method: cst.FunctionDef, scope: _Names, pep695: bool) -> Generics:
        if method.type_parameters is None:
            return Generics((), pep695)
        return Generics(
            tuple(self._type_params(method.type_parameters, scope, method_level=True)), True
        )

    def _message(
        self, message: _Message, base: _Names, pep695: bool, class_params: dict[str, TypeParam]
    ) -> MessageSpec:
        where = f"{base.cls}.{message.name}"
        *overloads, implementation = message.definitions
        receiver = names.receiver_name(
            "self", {p.name.value for d in message.definitions for p in _all_params(d)[1:]}
        )
        scope = base.inner(where)
        method_generics = self._method_type_params(implementation, scope, pep695)
        params = self._params(implementation, scope, message=True)
        field_uses = list(scope.uses)
        reply = self._reply(implementation, scope)
        overload_signatures: list[Signature] = []
        replies: list[str | None] = []
        for overload in overloads:
            overload_scope = base.inner(where)
            overload_generics = self._method_type_params(overload, overload_scope, pep695)
            overload_params = self._params(overload, overload_scope, message=False)
            overload_reply = self._reply(overload, overload_scope)
            replies.append(overload_reply)
            overload_signatures.append(
                Signature(
                    receiver,
                    overload_params,
                    overload_reply or "None",  # made a future below, for an ask
                    overload_generics,
                    self._copied_decorators(overload, overload_scope),
                )
            )
        is_ask = reply is not None or any(r is not None for r in replies)
        if is_ask:
            overload_signatures = [
                Signature(
                    s.receiver, s.params, f"_actorgen.Future[{s.returns}]", s.generics, s.decorators
                )
                for s in overload_signatures
            ]
        if not is_ask:
            returns = "None"
        elif overloads:
            # The implementation's signature is only seen inside this module; the
            # overloads are what callers see, each with its own reply type.
            returns = "_actorgen.Future[_typing.Any]"
        else:
            returns = f"_actorgen.Future[{reply}]"
        decorators = self._copied_decorators(implementation, scope)
        facade = Signature(receiver, params, returns, method_generics, decorators)
        doc = implementation.get_docstring() or next(
            (d for d in (o.get_docstring() for o in overloads) if d), None
        )
        return MessageSpec(
            method=message.name,
            class_name=message.class_name,
            params=params,
            reply=(reply or "_typing.Any") if is_ask else None,
            doc=doc,
            facade=facade,
            overloads=tuple(overload_signatures),
            generics=self._message_generics(field_uses, scope, pep695, class_params),
        )

    def _message_generics(
        self, uses: list[str], scope: _Names, pep695: bool, class_params: dict[str, TypeParam]
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
                    found.append(TypeParam(spelled, spelled, method_level=True))
        return Generics(tuple(found), pep695)

    def _copied_decorators(self, method: cst.FunctionDef, scope: _Names) -> tuple[str, ...]:
        return tuple(
            self._render(d.decorator, scope, runtime=True, annotation=False)
            for d in method.decorators
            if self._typing_decorator(d) in _COPIED_DECORATORS
        )

    def _params(
        self, method: cst.FunctionDef, scope: _Names, *, message: bool
    ) -> tuple[Param, ...]:
        """The parameters after the receiver. For a message, each also gets its field
        annotation: the dataclass spells a type differently when an earlier field has
        its name (in a class body the field would shadow it)."""
        params = method.params
        positional = [*params.posonly_params, *params.params]
        if not positional:
            self.error(method.name, f"{scope.where} has no 'self' parameter")
            return ()
        kinds: list[tuple[cst.Param, ParamKind]] = []
        for index, param in enumerate(positional[1:], start=1):
            kind = (
                ParamKind.POSITIONAL_ONLY
                if index < len(params.posonly_params)
                else ParamKind.POSITIONAL_OR_KEYWORD
            )
            kinds.append((param, kind))
        if isinstance(params.star_arg, cst.Param):
            kinds.append((params.star_arg, ParamKind.VAR_POSITIONAL))
        kinds.extend((param, ParamKind.KEYWORD_ONLY) for param in params.kwonly_params)
        if params.star_kwarg is not None:
            kinds.append((params.star_kwarg, ParamKind.VAR_KEYWORD))
        result: list[Param] = []
        earlier: set[str] = set()
        for param, kind in kinds:
            annotation = None
            if param.annotation is not None:
                expression = param.annotation.annotation
                annotation = self._render(expression, scope, runtime=False, annotation=True)
            default = None
            if param.default is not None:
                default = self._render(param.default, scope.inner(), runtime=True, annotation=False)
            created = Param(param.name.value, kind, annotation, default)
            if message and earlier:
                field = self._field_type(created, param, scope, frozenset(earlier))
                if field != created.field_type:
                    created = Param(created.name, kind, annotation, default, field)
            earlier.add(param.name.value)
            result.append(created)
        return tuple(result)

    def _field_type(
        self, created: Param, param: cst.Param, scope: _Names, shadowed: frozenset[str]
    ) -> str:
        """The dataclass field's type of `param`, with the names that the earlier fields
        `shadowed` spelled another way."""
        annotation = "_typing.Any"
        if param.annotation is not None:
            annotation = self._render(
                param.annotation.annotation,
                scope.inner(),
                runtime=False,
                annotation=True,
                shadowed=shadowed,
            )
        if created.kind is ParamKind.VAR_POSITIONAL:
            return f"{self._builtin('tuple', shadowed)}[{annotation}, ...]"
        if created.kind is ParamKind.VAR_KEYWORD:
            mapping = self._builtin("dict", shadowed)
            return f"{mapping}[{self._builtin('str', shadowed)}, {annotation}]"
        return annotation

    def _builtin(self, name: str, shadowed: frozenset[str]) -> str:
        if name not in shadowed:
            return name
        self.needs_builtins = True
        return names.builtin_spelling(name)

    def _reply(self, method: cst.FunctionDef, scope: _Names) -> str | None:
        if method.returns is None:
            return None
        expression = method.returns.annotation
        unquoted = _unquote(expression)
        if isinstance(unquoted, cst.Name) and unquoted.value == "None":
            return None
        return self._render(expression, scope.inner(), runtime=False, annotation=True)

    # -- names ------------------------------------------------------------------------------

    def _render(
        self,
        expression: cst.BaseExpression,
        scope: _Names,
        *,
        runtime: bool,
        annotation: bool,
        shadowed: frozenset[str] = frozenset(),
        at: cst.CSTNode | None = None,
    ) -> str:
        """`expression` as the generated module writes it: each name it starts from made
        available (imported, or qualified with its class) and spelled as the generated
        module binds it. In an annotation, string forward references lose their quotes
        (the generated module has ``from __future__ import annotations``)."""
        if annotation:
            unquoted = _unquote(expression)
            if unquoted is not expression:
                return self._render(
                    unquoted,
                    scope,
                    runtime=runtime,
                    annotation=True,
                    shadowed=shadowed,
                    at=at or expression,
                )
            self._check_self(expression, scope, at)
        roots = {id(node): name for name, node in root_names(expression)}
        forwards = {id(s): s for s in _forward_references(expression)} if annotation else {}
        pass_ = self

        class Respell(cst.CSTTransformer):
            def leave_Name(
                self, original_node: cst.Name, updated_node: cst.Name
            ) -> cst.BaseExpression:
                name = roots.get(id(original_node))
                if name is None:
                    return updated_node
                position = at if at is not None else original_node
                spelled = pass_._resolve(name, position, scope, runtime, shadowed)
                return updated_node if spelled == name else cst.parse_expression(spelled)

            def leave_SimpleString(
                self, original_node: cst.SimpleString, updated_node: cst.SimpleString
            ) -> cst.BaseExpression:
                if id(original_node) not in forwards:
                    return updated_node
                parsed = _parse_forward(original_node)
                if parsed is None:
                    pass_.error(
                        at or original_node,
                        f"cannot read the string annotation {original_node.value} in {scope.where}",
                    )
                    return updated_node
                text = pass_._render(
                    parsed,
                    scope,
                    runtime=runtime,
                    annotation=True,
                    shadowed=shadowed,
                    at=at or original_node,
                )
                return cst.parse_expression(text)

        respelled = expression.visit(Respell())
        assert isinstance(respelled, cst.BaseExpression)
        return _code(respelled)

    def _check_self(
        self, expression: cst.BaseExpression, scope: _Names, at: cst.CSTNode | None
    ) -> None:
        """`Self` in a facade would mean the facade (or the message dataclass)."""
        for node in _walk(expression):
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

    def _resolve(
        self,
        name: str,
        at: cst.CSTNode,
        scope: _Names,
        runtime: bool,
        shadowed: frozenset[str],
    ) -> str:
        """How the generated module spells the free name `name` of a signature; makes the
        name available there (an import) or reports why it cannot be."""
        if name in scope.type_params:
            scope.uses.append(name)
            return name
        if name in scope.class_body:
            return f"{self._class_reference(scope.cls, shadowed)}.{name}"
        binding = self.scope.bindings.get(name)
        if binding is None:
            if name not in BUILTINS:
                hint = ""
                if self.scope.star_imports:
                    star = self.scope.star_imports[0]
                    hint = f" (import it by name instead of 'from {star} import *')"
                self.error(at, f"cannot resolve {name!r} in the signature of {scope.where}{hint}")
            elif name in shadowed:
                self.needs_builtins = True
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
            self.error(at, _unsupported_type_var(name, kind, scope.where))
            return name
        spelled = self.names.alias(name) if name in shadowed else self.names.spelling(name)
        self._import(name, binding, spelled)
        return spelled

    def _import(self, name: str, binding: Binding, spelled: str) -> None:
        target = self.type_checking_imports if binding.type_checking_only else self.imports
        for spec in binding.imports:
            target.add(spec if spelled == name else _aliased(spec, name, spelled))

    def _class_reference(self, cls: str, shadowed: frozenset[str] = frozenset()) -> str:
        """The async class `cls` as the generated module spells it, imported from the source."""
        spelled = self.names.alias(cls) if cls in shadowed else self.names.spelling(cls)
        self.imports.add(ImportSpec(self.source_module, cls, spelled))
        return spelled

    def _check_shadowing(
        self, draft: _Draft, messages: list[MessageSpec], generated: set[str]
    ) -> None:
        """A parameter must not hide a name that the generated method's body uses.

        Local names (``self``, ``cls``, ``n``) are chosen around the parameters, and the
        user's class is imported under an alias when a parameter has its name; what is
        left are the generated names themselves and the helper modules.
        """
        cls = draft.name
        used_by_spawn = {names.dispatch_name(cls), names.process_name(cls), names.cluster_name(cls)}
        checks: list[tuple[cst.FunctionDef | None, str, set[str]]] = [
            (draft.init, f"{cls}.__init__", used_by_spawn)
        ]
        for message, spec in zip(draft.messages, messages, strict=True):
            for definition in message.definitions:
                checks.append((definition, f"{cls}.{message.name}", {spec.class_name}))
        for method, where, used in checks:
            if method is None:
                continue
            for param in _all_params(method)[1:]:
                if param.name.value in used or param.name.value in names.HELPER_MODULES:
                    self.error(
                        param.name,
                        f"parameter {param.name.value!r} of {where} would shadow a name the "
                        "generated code uses; rename it",
                    )
            if method.type_parameters is not None:
                self._check_type_param_names(method.type_parameters, where, generated)
        if draft.node.type_parameters is not None:
            self._check_type_param_names(draft.node.type_parameters, cls, generated)

    def _check_type_param_names(
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


def _unsupported_type_var(name: str, kind: str, where: str) -> str:
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


def _all_params(method: cst.FunctionDef) -> list[cst.Param]:
    params = method.params
    found = [*params.posonly_params, *params.params]
    if isinstance(params.star_arg, cst.Param):
        found.append(params.star_arg)
    found.extend(params.kwonly_params)
    if params.star_kwarg is not None:
        found.append(params.star_kwarg)
    return found


def _base_name(expression: cst.BaseExpression) -> str:
    """``Generic`` for ``Generic[K]``, ``typing.Generic[K]`` or ``Generic``."""
    if isinstance(expression, cst.Subscript):
        expression = expression.value
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    return expression.value if isinstance(expression, cst.Name) else ""


_DEFINITIONS = (cst.ClassDef, cst.FunctionDef)


def _definitions(
    module: cst.Module,
) -> Iterator[tuple[cst.ClassDef | cst.FunctionDef, cst.CSTNode | None]]:
    """Every class and function in the module, with the innermost class or function
    around it, else the innermost block (``if``, ``try``, ...) around it, else None."""
    found: list[tuple[cst.ClassDef | cst.FunctionDef, cst.CSTNode | None]] = []

    class Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[cst.CSTNode] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.ClassDef | cst.FunctionDef):
                definitions = [n for n in self.stack if isinstance(n, _DEFINITIONS)]
                blocks = definitions or self.stack
                found.append((node, blocks[-1] if blocks else None))
            if isinstance(node, _DEFINITIONS) or type(node) in _BLOCKS:
                self.stack.append(node)
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if self.stack and self.stack[-1] is original_node:
                self.stack.pop()

    module.visit(Finder())
    return iter(found)


def _method_groups(node: cst.ClassDef) -> list[tuple[str, list[cst.FunctionDef]]]:
    """The methods of a class body by name, in order: overloads come as one group."""
    groups: dict[str, list[cst.FunctionDef]] = {}
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        for statement in body.body:
            if isinstance(statement, cst.FunctionDef):
                groups.setdefault(statement.name.value, []).append(statement)
    return list(groups.items())


def _class_body_names(node: cst.ClassDef) -> set[str]:
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


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _unquote(expression: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expression, cst.SimpleString):
        parsed = _parse_forward(expression)
        if parsed is not None:
            return parsed
    return expression


def _forward_references(expression: cst.CSTNode) -> Iterator[cst.SimpleString]:
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
            yield from _forward_references(element)
    else:
        for child in expression.children:
            yield from _forward_references(child)


def _parse_forward(string: cst.SimpleString) -> cst.BaseExpression | None:
    value = string.evaluated_value
    if not isinstance(value, str):
        return None
    try:
        return cst.parse_expression(value.strip())
    except cst.ParserSyntaxError:
        return None


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
