"""The LibCST pass: from one source file to a `ModuleSpec`, or diagnostics.

Decorators are matched by qualified name, so ``@async_class``, an aliased import of it
and ``@ag.async_class`` after ``import actorgen.runtime as ag`` all count. Positions
come from LibCST's metadata, for diagnostics that point at the offending line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider, QualifiedNameProvider

from . import names
from .diagnostics import Diagnostic
from .model import ImportSpec, MessageSpec, ModuleSpec, Param, ParamKind, ProcessSpec
from .scope import BUILTINS, ModuleScope, collect_scope, root_names

__all__ = ["DECORATOR", "analyze", "may_define_async_class"]

DECORATOR = "actorgen.runtime.async_class"
# Decorators that make a method something other than a message.
_NOT_MESSAGES = frozenset({"staticmethod", "classmethod", "property"})
# Subscripts whose string arguments are values, not forward references.
_LITERAL_SUBSCRIPTS = frozenset({"Literal"})


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
        return None, sorted(pass_.diagnostics)
    if not pass_.processes:
        return None, []
    spec = ModuleSpec(
        source_name=path.replace("\\", "/").rsplit("/", 1)[-1],
        source_module=source_module,
        imports=tuple(sorted(pass_.imports - pass_.type_checking_imports)),
        type_checking_imports=tuple(sorted(pass_.type_checking_imports - pass_.imports)),
        processes=tuple(pass_.processes),
    )
    return spec, []


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
class _Pass:
    path: str
    source_module: str
    wrapper: MetadataWrapper
    diagnostics: list[Diagnostic] = field(default_factory=list)
    processes: list[ProcessSpec] = field(default_factory=list)
    imports: set[ImportSpec] = field(default_factory=set)
    type_checking_imports: set[ImportSpec] = field(default_factory=set)
    # Names the generated module binds by importing them, with where they were used.
    imported_names: dict[str, cst.CSTNode] = field(default_factory=dict)
    # Parameters of generated methods, checked against the names their bodies use.
    parameters: list[tuple[cst.Name, str]] = field(default_factory=list)

    def run(self) -> None:
        module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.qualified = self.wrapper.resolve(QualifiedNameProvider)
        self.scope: ModuleScope = collect_scope(module, self.source_module)
        for node, top_level in _definitions(module):
            decorator = self._async_class_decorator(node)
            if decorator is None:
                continue
            if not isinstance(node, cst.ClassDef):
                self.error(
                    decorator,
                    f"@async_class applies to classes, not to function {node.name.value!r}",
                )
            elif not top_level:
                self.error(
                    node.name,
                    f"async class {node.name.value!r} must be defined at module level "
                    "so that the generated module can import it",
                )
            else:
                self._process(node, decorator)
        self._check_module_names()

    # -- diagnostics --------------------------------------------------------------------

    def error(self, node: cst.CSTNode, message: str) -> None:
        where: CodeRange = self.positions[node]
        self.diagnostics.append(
            Diagnostic(self.path, where.start.line, where.start.column + 1, message)
        )

    # -- classes ------------------------------------------------------------------------

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

    def _process(self, node: cst.ClassDef, decorator: cst.Decorator) -> None:
        cls = node.name.value
        errors_before = len(self.diagnostics)
        if node.type_parameters is not None:
            self.error(node.name, f"generic async class {cls!r} is not supported yet")
        if len(node.decorators) > 1:
            self.error(
                decorator,
                f"async class {cls!r} has other decorators; @async_class must be its only one",
            )
        class_names = _class_body_names(node)
        init_params: tuple[Param, ...] = ()
        has_init = False
        messages: list[MessageSpec] = []
        by_class_name: dict[str, str] = {}
        for method in _methods(node):
            name = method.name.value
            if name == "__init__":
                has_init = True
                init_params = self._params(cls, method, class_names)
                continue
            if name.startswith("_") or self._is_not_message(method):
                continue
            if method.asynchronous is not None:
                self.error(
                    method.asynchronous,
                    f"message {cls}.{name} is 'async def'; messages run on threads, "
                    "so write a plain 'def'",
                )
                continue
            if method.decorators:
                self.error(
                    method.decorators[0],
                    f"message {cls}.{name} is decorated; decorated messages are not supported "
                    "(call a decorated private method from a plain one)",
                )
                continue
            if name in names.RESERVED_MEMBERS:
                self.error(
                    method.name,
                    f"message {cls}.{name} has the name of a facade method "
                    f"({', '.join(sorted(names.RESERVED_MEMBERS))} are reserved); rename it",
                )
                continue
            class_name = names.message_class_name(cls, name)
            if class_name in by_class_name:
                self.error(
                    method.name,
                    f"messages {cls}.{by_class_name[class_name]} and {cls}.{name} would both "
                    f"generate {class_name}; rename one",
                )
                continue
            by_class_name[class_name] = name
            params = self._params(cls, method, class_names)
            reply = self._reply(cls, method, class_names)
            messages.append(MessageSpec(name, class_name, params, reply, method.get_docstring()))
        if not has_init and node.bases:
            self.error(
                node.name,
                f"async class {cls!r} inherits __init__; define __init__ in the class "
                "so that spawn() knows its parameters",
            )
        if not messages and len(self.diagnostics) == errors_before:
            self.error(node.name, f"async class {cls!r} has no message methods (public methods)")
        if len(self.diagnostics) > errors_before:
            return
        self.imports.add(ImportSpec(self.source_module, cls))
        self.imported_names.setdefault(cls, node.name)
        taken = {p.name for p in init_params}
        self.processes.append(
            ProcessSpec(
                name=cls,
                doc=node.get_docstring(),
                init_params=init_params,
                messages=tuple(messages),
                message_union=names.union_name(cls),
                dispatch=names.dispatch_name(cls),
                process=names.process_name(cls),
                cluster=names.cluster_name(cls),
                spawn_count=names.unused_name("n", taken),
            )
        )

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

    # -- signatures ---------------------------------------------------------------------

    def _params(
        self, cls: str, method: cst.FunctionDef, class_names: set[str]
    ) -> tuple[Param, ...]:
        where = f"{cls}.{method.name.value}"
        params = method.params
        positional = [*params.posonly_params, *params.params]
        if not positional:
            self.error(method.name, f"{where} has no 'self' parameter")
            return ()
        result: list[Param] = []
        for index, param in enumerate(positional[1:], start=1):
            kind = (
                ParamKind.POSITIONAL_ONLY
                if index < len(params.posonly_params)
                else ParamKind.POSITIONAL_OR_KEYWORD
            )
            result.append(self._param(where, param, kind, class_names))
        if isinstance(params.star_arg, cst.Param):
            result.append(
                self._param(where, params.star_arg, ParamKind.VAR_POSITIONAL, class_names)
            )
        for param in params.kwonly_params:
            result.append(self._param(where, param, ParamKind.KEYWORD_ONLY, class_names))
        if params.star_kwarg is not None:
            result.append(self._param(where, params.star_kwarg, ParamKind.VAR_KEYWORD, class_names))
        return tuple(result)

    def _param(self, where: str, param: cst.Param, kind: ParamKind, class_names: set[str]) -> Param:
        annotation = None
        if param.annotation is not None:
            annotation = self._annotation(where, param.annotation.annotation, class_names)
        default = None
        if param.default is not None:
            default = _code(param.default)
            self._require_names(where, param.default, class_names, runtime=True)
        self.parameters.append((param.name, where))
        return Param(param.name.value, kind, annotation, default)

    def _reply(self, cls: str, method: cst.FunctionDef, class_names: set[str]) -> str | None:
        if method.returns is None:
            return None
        expression = method.returns.annotation
        unquoted = _unquote(expression)
        if isinstance(unquoted, cst.Name) and unquoted.value == "None":
            return None
        return self._annotation(f"{cls}.{method.name.value}", expression, class_names)

    def _annotation(self, where: str, expression: cst.BaseExpression, class_names: set[str]) -> str:
        """The annotation's text for the generated module, with its names made available."""
        for forward in _forward_references(expression):
            parsed = _parse_forward(forward)
            if parsed is None:
                self.error(forward, f"cannot read the string annotation {forward.value} in {where}")
            else:
                self._require_names(where, parsed, class_names, runtime=False, at=forward)
        self._require_names(where, expression, class_names, runtime=False)
        unquoted = _unquote(expression)
        # The generated module has `from __future__ import annotations`: a whole-string
        # annotation can be written without its quotes.
        return _code(unquoted if unquoted is not expression else expression)

    def _require_names(
        self,
        where: str,
        expression: cst.CSTNode,
        class_names: set[str],
        *,
        runtime: bool,
        at: cst.CSTNode | None = None,
    ) -> None:
        for name, node in root_names(expression):
            position = at if at is not None else node
            if name in class_names:
                self.error(
                    position,
                    f"{name!r} in the signature of {where} is defined in the class body; "
                    "move it to module level",
                )
                continue
            binding = self.scope.bindings.get(name)
            if binding is None:
                if name in BUILTINS:
                    continue
                hint = ""
                if self.scope.star_imports:
                    star = self.scope.star_imports[0]
                    hint = f" (import it by name instead of 'from {star} import *')"
                self.error(position, f"cannot resolve {name!r} in the signature of {where}{hint}")
                continue
            if runtime and binding.type_checking_only:
                self.error(
                    position,
                    f"{name!r} in a default of {where} is only imported under TYPE_CHECKING",
                )
                continue
            target = self.type_checking_imports if binding.type_checking_only else self.imports
            target.update(binding.imports)
            self.imported_names.setdefault(name, position)

    # -- names ----------------------------------------------------------------------------

    def _check_module_names(self) -> None:
        """Generated names must not collide with imported ones or shadow parameters."""
        generated: dict[str, str] = {}
        for process in self.processes:
            for name in process.exported:
                generated[name] = process.name
        fixed = {*names.HELPER_MODULES, "annotations"}
        for name, node in self.imported_names.items():
            if name in generated or name in fixed:
                self.error(
                    node,
                    f"{name!r} is also a name the generated module defines "
                    f"(for async class {generated.get(name, 'helpers')}); rename or alias it",
                )
        body_names = {*generated, *fixed, *(p.name for p in self.processes), "self", "cls", "range"}
        for param, where in self.parameters:
            if param.value in body_names:
                self.error(
                    param,
                    f"parameter {param.value!r} of {where} would shadow a name the generated "
                    "code uses; rename it",
                )


def _definitions(module: cst.Module) -> Iterator[tuple[cst.ClassDef | cst.FunctionDef, bool]]:
    """Every class and function in the module, and whether it is at module level."""
    found: list[tuple[cst.ClassDef | cst.FunctionDef, bool]] = []

    class Finder(cst.CSTVisitor):
        depth = 0

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            found.append((node, self.depth == 0))
            self.depth += 1

        def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
            self.depth -= 1

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.append((node, self.depth == 0))
            self.depth += 1

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            self.depth -= 1

    module.visit(Finder())
    return iter(found)


def _methods(node: cst.ClassDef) -> Iterator[cst.FunctionDef]:
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        for statement in body.body:
            if isinstance(statement, cst.FunctionDef):
                yield statement


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
    return found


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
        elements = expression.slice
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
