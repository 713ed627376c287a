"""The LibCST pass: from one source file to a `ModuleSpec`, or diagnostics.

Decorators are matched by what the module imports them as (`imports`, `decorators`).
Positions come from LibCST's metadata, for diagnostics that point at the offending line;
they are computed only when there is a diagnostic to place, since resolving them costs
about as much as parsing.

The pass runs in two steps. The first finds the async classes and their messages, which
fixes every name the generated module defines; the second reads the signatures, now
knowing which imported names must be aliased (`names.ModuleNames`), and copies each
annotation and default with its names spelled as the generated module sees them.

This module holds the pass's flow and its first step; `routing` reads ``@route`` and the
options of ``@async_class(...)`` in the first step; the second step's parts live in
`signatures` (parameters, replies, overloads), `generics` (type parameters) and
`spelling` (annotations and defaults, names and imports), and `syntax` answers small
questions about LibCST trees.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper

from . import names
from .config import DEFAULT_SUFFIX
from .decorators import COPIED_DECORATORS, DECORATOR, DROPPED_DECORATORS, OVERLOAD, Decorators
from .diagnostics import Diagnostic
from .drafts import Draft, Message
from .imports import import_table
from .inheritance import ancestry, module_classes
from .model import Generics, ImportSpec, ModuleSpec, Param, ProcessSpec
from .names import ModuleNames
from .routing import RouteReader
from .scope import collect_scope
from .signatures import SignatureReader
from .spelling import SignatureScope
from .syntax import BLOCKS, all_params, class_body_names, find_definitions, method_groups

__all__ = ["DECORATOR", "analyze", "may_define_async_class"]


def may_define_async_class(text: str) -> bool:
    """The cheap check made before parsing: every way to use the decorator names it."""
    return "async_class" in text


def analyze(
    path: str, text: str, source_module: str, output_module: str | None = None
) -> tuple[ModuleSpec | None, list[Diagnostic]]:
    """Parse `text` (the file at `path`) into a model of its async classes; the generated
    module is called `output_module` (by default the file's name with the default suffix).

    Returns ``(None, [])`` when the file has no async class, and ``(None, diagnostics)``
    when anything in it cannot be generated: a file is generated whole or not at all.
    """
    python_error = _python_syntax_error(path, text)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return None, [_syntax_error(path, python_error, error)]
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    if output_module is None:
        output_module = path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".py")
        output_module += DEFAULT_SUFFIX
    pass_ = _Pass(path, source_module, wrapper, output_module)
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


def _python_syntax_error(path: str, text: str) -> SyntaxError | None:
    """CPython's own parser, asked before LibCST's: it words syntax errors better, and on
    code nested so deeply that LibCST's native parser would overflow its stack and kill
    the process (LibCST issues 619, 1000), it gives up first, raising RecursionError or
    MemoryError (which the caller turns into a diagnostic). It is some 20 times faster
    than LibCST, and it may reject code that LibCST accepts: newer syntax than this
    Python's, which the generated module may still use."""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return error
    except (ValueError, OverflowError):  # a null byte, a literal too large
        return None
    return None


def _syntax_error(
    path: str, python_error: SyntaxError | None, error: cst.ParserSyntaxError
) -> Diagnostic:
    if python_error is not None:
        line = python_error.lineno or 1
        column = python_error.offset or 1
        return Diagnostic(path, line, column, f"syntax error: {python_error.msg}")
    message = str(error).splitlines()[0]
    return Diagnostic(path, error.editor_line, error.editor_column, f"syntax error: {message}")


@dataclass
class _Pass(SignatureReader, RouteReader):
    """One run of the pass over one module: its diagnostics and what it generates."""

    path: str
    source_module: str
    wrapper: MetadataWrapper
    output_module: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    processes: list[ProcessSpec] = field(default_factory=list)
    imports: set[ImportSpec] = field(default_factory=set)
    type_checking_imports: set[ImportSpec] = field(default_factory=set)
    needs_builtins: bool = False
    _positions: Mapping[cst.CSTNode, CodeRange] | None = None  # see `Spelling.position`

    def run(self) -> None:
        module = self.wrapper.module
        self.decorators = Decorators(import_table(module))
        self.scope = collect_scope(module, self.source_module)
        self.classes = module_classes(module)
        drafts: list[Draft] = []
        defined: dict[str, cst.ClassDef] = {}
        for node, enclosing in find_definitions(module):
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
                    f"{BLOCKS[type(enclosing)]} block; the generated module imports it "
                    "unconditionally, so define it at module level, outside any block",
                )
            elif node.name.value in defined:
                first = self.position(defined[node.name.value]).start.line
                self.error(
                    node.name,
                    f"async class {node.name.value!r} is defined twice (first on line "
                    f"{first}); give each async class its own name",
                )
            else:
                defined[node.name.value] = node
                drafts.append(self._draft(node, decorator))
        if drafts:
            self._check_importable(drafts[0])
        generated = self._check_generated_names(drafts)
        avoid = {
            d.name
            for d in drafts
            if d.init is not None and d.name in {p.name.value for p in all_params(d.init)}
        }
        self.names = ModuleNames(generated, self.scope.bindings, avoid)
        for draft in drafts:
            self._process(draft, generated)

    # -- step 1: classes, messages and the names generated for them -----------------------

    def _check_importable(self, first: Draft) -> None:
        """The generated module imports the async classes from the source module by its
        name, which must therefore be one Python can import."""
        module = self.source_module.lstrip(".")
        file = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        if module and (not module.isidentifier() or keyword.iskeyword(module)):
            self.error(
                first.node.name,
                f"the generated module cannot import {first.name!r} from {file}: "
                f"{module!r} is not a module name Python can import (letters, digits and "
                "'_', not a keyword); rename the file",
            )
        elif self.source_module == "__future__":
            self.error(
                first.node.name,
                f"the generated module cannot import {first.name!r} from {file}: "
                "'from __future__ import ...' is a future statement, not an import; "
                "rename the file",
            )

    def _async_class_decorator(self, node: cst.ClassDef | cst.FunctionDef) -> cst.Decorator | None:
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call) and self.decorators.is_marker(target.func):
                self._check_options(target)
                return decorator
            if self.decorators.is_marker(target):
                return decorator
        return None

    def _draft(self, node: cst.ClassDef, decorator: cst.Decorator) -> Draft:
        cls = node.name.value
        errors_before = len(self.diagnostics)
        if len(node.decorators) > 1:
            self.error(
                decorator,
                f"async class {cls!r} has other decorators; @async_class must be its only one",
            )
        init: cst.FunctionDef | None = None
        init_owner: cst.ClassDef | None = None
        messages: list[Message] = []
        by_class_name: dict[str, str] = {}
        inherited = ancestry(node, self.classes)
        for problem in inherited.problems:
            self.error(problem.node, problem.message)
        # The class's own methods, then those it inherits, nearest base first; a name
        # defined nearer hides the same name further up, as it does in Python.
        seen: set[str] = set()
        for owner in (None, *inherited.bases):
            body = node if owner is None else owner
            owner_name = cls if owner is None else owner.name.value
            for name, definitions in method_groups(body):
                if name in seen:
                    continue
                seen.add(name)
                not_message = self._not_message(name, definitions)
                if not_message is not None:
                    self._reject_routes(f"{owner_name}.{name}", definitions, not_message)
                    if name == "__init__":
                        init, init_owner = definitions[-1], owner
                    continue
                if not self._check_message(owner_name, name, definitions):
                    continue
                class_name = names.message_class_name(cls, name)
                if class_name in by_class_name:
                    self.error(
                        definitions[0].name,
                        f"messages {cls}.{by_class_name[class_name]} and {cls}.{name} would "
                        f"both generate {class_name}; rename one",
                    )
                    continue
                by_class_name[class_name] = name
                route = self._route(f"{owner_name}.{name}", definitions)
                messages.append(Message(name, class_name, definitions, route, owner))
            seen.update(class_body_names(body))
        if not messages and len(self.diagnostics) == errors_before:
            self.error(node.name, f"async class {cls!r} has no message methods (public methods)")
        # Even with errors, the signatures are read next, so that all problems of a file
        # are reported at once; a file with errors gets no output anyway.
        generic = node.type_parameters is not None or bool(self._type_var_bases(node))
        return Draft(node, init, messages, generic, init_owner)

    def _not_message(self, name: str, definitions: list[cst.FunctionDef]) -> str | None:
        """Why method `name` is not a message (as "it is ..."), or None if it is one."""
        if name.startswith("__") and name.endswith("__"):
            return "is a special method"
        if name.startswith("_"):
            return "is private (its name starts with '_')"
        for definition in definitions:
            kind = self.decorators.not_message_kind(definition)
            if kind is not None:
                return f"is a {kind}"
        return None

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
        if self.decorators.is_overload(implementation):
            self.error(
                implementation.name,
                f"overloaded message {where} has no implementation (a definition without "
                "@overload after the overloads)",
            )
            return False
        for overload in overloads:
            if not self.decorators.is_overload(overload):
                self.error(
                    implementation.name,
                    f"message {where} is defined more than once; only the last definition "
                    "exists at run time, so remove the others (or mark them @overload)",
                )
                return False
        for definition in definitions:
            for decorator in definition.decorators:
                if self.decorators.is_route(decorator):
                    continue  # read by `_route`
                kind = self.decorators.typing_decorator(decorator)
                if kind in COPIED_DECORATORS or kind in DROPPED_DECORATORS:
                    continue
                if kind == OVERLOAD and definition is not implementation:
                    continue
                self.error(
                    decorator,
                    f"message {where} is decorated; a decorator can change what the method "
                    "takes and returns, so messages may only be decorated with @route, "
                    "@overload, @override, @final or @deprecated (call a decorated private "
                    "method from a plain one)",
                )
                return False
        return True

    def _check_generated_names(self, drafts: list[Draft]) -> set[str]:
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

    def _process(self, draft: Draft, generated: set[str]) -> None:
        node = draft.node
        cls = draft.name
        errors_before = len(self.diagnostics)
        base = SignatureScope(
            where=cls,
            cls=cls,
            class_body=frozenset(class_body_names(node)),
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
            owner = base if draft.init_owner is None else _inherited_scope(draft.init_owner)
            scope = owner.inner(f"{owner.cls}.__init__")
            init_generics = self._method_type_params(draft.init, scope, pep695)
            init_params = self._params(draft.init, scope, message=False)
        init_names = {p.name for p in init_params}

        # A broadcast ask replies with a tuple; a message named `tuple` is a method of the
        # cluster facade, which would hide the builtin there.
        tuple_ = "tuple"
        if "tuple" in {m.name for m in draft.messages}:
            tuple_ = names.builtin_spelling("tuple")
        messages = [
            self._message(
                m,
                base if m.owner is None else _inherited_scope(m.owner),
                pep695,
                class_params,
                tuple_,
            )
            for m in draft.messages
        ]
        if tuple_ != "tuple" and any(m.cluster_facade != m.facade for m in messages):
            self.needs_builtins = True
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


def _inherited_scope(owner: cst.ClassDef) -> SignatureScope:
    """The scope of a method inherited from `owner`: names of its class body are reached
    through it (``Base.LIMIT``); a base is never generic (see `inheritance`)."""
    return SignatureScope(
        where=owner.name.value,
        cls=owner.name.value,
        class_body=frozenset(class_body_names(owner)),
        type_params={},
        class_type_vars=frozenset(),
    )
