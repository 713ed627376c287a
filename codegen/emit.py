"""The emitter: from the model (`model`) to the strings the template prints.

`emit` turns a `ModuleSpec` into a `ModuleView`, a tree of frozen dataclasses of strings
that the template (``templates/module.py.jinja``) prints in place and only lays out: every
signature, statement, docstring literal and import line of the generated module is made
here, and only here. While it writes them, the `Emitter` records what the written code
uses: the imports of each user expression it prints (`model.Expr`), and each helper
module (``_typing``, ``_builtins``, ``_dataclasses``, the runtime's ``_actorgen``) it names.
The import statements are written last, from those records, so the module imports what
its code uses and nothing else; nothing edits rendered text afterwards.

Names of the runtime are spelled through `names.runtime_helper` (only what the runtime's
contract offers generated modules), and the cluster core's send methods through the
contract's `send_method`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from actorgen.runtime._contract import KEY_ROUTE, send_method

from .header import header
from .model import (
    Expr,
    Generics,
    ImportSpec,
    MessageSpec,
    ModuleSpec,
    Param,
    ParamKind,
    ProcessSpec,
    RouteSpec,
    Signature,
    TypeParam,
)
from .names import BUILTINS_MODULE, HELPER_MODULES, RUNTIME_MODULE, runtime_helper

__all__ = [
    "ClusterSpawn",
    "DispatchCase",
    "Emitter",
    "FacadeMethod",
    "MessageClass",
    "MethodDef",
    "ModuleView",
    "ProcessSpawn",
    "ProcessView",
    "docstring",
    "emit",
    "import_lines",
]

# ``A | B | ...`` is a chain of nested operators, and CPython's compiler recurses once per
# operator: a union of a few thousand messages fails to compile (RecursionError). Longer
# unions are written ``Union[A, B, ...]``, a flat list.
_LONGEST_OPERATOR_UNION = 200
_STARS = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}
_DATACLASSES = "_dataclasses"
_TYPING = "_typing"
# The helper modules of the standard library, in the order they are imported.
_STANDARD_HELPERS = (BUILTINS_MODULE, _DATACLASSES, _TYPING)


# -- what the template prints ------------------------------------------------------------------


@dataclass(frozen=True)
class MethodDef:
    """A ``def`` line: its decorators (without ``@``) and what follows ``def``."""

    decorators: tuple[str, ...]
    signature: str  # ``visit(self, user: str) -> None``


@dataclass(frozen=True)
class FacadeMethod:
    """One method of a facade: its overloads, its definition, docstring and body."""

    overloads: tuple[MethodDef, ...]
    definition: MethodDef
    doc: str  # the docstring literal
    send: str  # the body's one statement


@dataclass(frozen=True)
class MessageClass:
    """The frozen dataclass of one message."""

    decorator: str
    header: str  # what follows ``class``
    doc: str
    fields: tuple[str, ...]  # ``user: str``


@dataclass(frozen=True)
class DispatchCase:
    pattern: str  # ``WorkerFooMessage()``
    statements: tuple[str, ...]


@dataclass(frozen=True)
class ProcessSpawn:
    """`XProcess.spawn`: a lambda makes the instance, or for a generic class a local
    function (`make`, its ``def`` line; `instance`, what it returns)."""

    signature: str
    doc: str
    target: str  # what wraps the new process: ``cls``, or the facade
    core: str  # the ``new_process(...)`` call
    make: str | None = None
    instance: str | None = None


@dataclass(frozen=True)
class ClusterSpawn:
    signature: str
    doc: str
    returns: str


@dataclass(frozen=True)
class ProcessView:
    """Everything the template prints for one async class."""

    messages: tuple[MessageClass, ...]
    union_declaration: str
    union: str
    union_doc: str
    dispatch_signature: str
    dispatch_doc: str
    dispatch_cases: tuple[DispatchCase, ...]
    dispatch_fallback: str
    process_spawn_base: str | None  # the base class that holds a generic class's spawn
    process_spawn_base_doc: str
    process_header: str
    process_doc: str
    process_spawn: ProcessSpawn
    process_methods: tuple[FacadeMethod, ...]
    cluster_spawn_base: str | None
    cluster_spawn_base_doc: str
    cluster_header: str
    cluster_doc: str
    process_class: str  # the cluster's ``_process_type``
    routes: tuple[str, ...]  # the entries of the cluster's ``_routes``
    cluster_spawn: ClusterSpawn
    cluster_methods: tuple[FacadeMethod, ...]
    reference: str  # the user's class, for the import-time check
    shapes: tuple[tuple[str, str], ...]  # what that check compares


@dataclass(frozen=True)
class ModuleView:
    """Everything the template prints for one generated module."""

    header: str
    doc: str
    standard_imports: tuple[str, ...]
    runtime_imports: tuple[str, ...]
    import_lines: tuple[str, ...]
    type_checking: str  # the guard of `type_checking_import_lines` ("" when there are none)
    type_checking_import_lines: tuple[str, ...]
    exported: tuple[str, ...]
    processes: tuple[ProcessView, ...]
    stale_check: str
    helpers: frozenset[str]  # the helper modules the code names, by their aliases


def emit(module: ModuleSpec) -> ModuleView:
    """What the template prints for `module`."""
    return Emitter().module(module)


# -- text that needs no records ------------------------------------------------------------------


def docstring(text: str, indent: int) -> str:
    """`text` as a triple-quoted docstring literal whose later lines are indented."""
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    lines = escaped.splitlines()
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    pad = " " * indent
    body = "\n".join(pad + line if line.strip() else "" for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{pad}"""'


def import_lines(imports: Iterable[ImportSpec]) -> tuple[str, ...]:
    """Import statements as isort would write them: absolute modules first, then relative
    ones after a blank line; names from one module share one ``from`` statement, the
    plain import of a name before its aliases."""
    groups: list[list[str]] = [[], []]
    merged: dict[str, list[str]] = {}
    ordered = sorted(
        imports,
        key=lambda s: (s.module.startswith("."), s.module, s.name or "", s.alias or ""),
    )
    for spec in ordered:
        group = groups[spec.module.startswith(".")]
        target = spec.name if spec.name is not None else spec.module
        bound = f"{target} as {spec.alias}" if spec.alias else target
        if spec.name is None:
            group.append(f"import {bound}")
            continue
        if spec.module not in merged:
            merged[spec.module] = []
            group.append(spec.module)  # placeholder, filled in below
        merged[spec.module].append(bound)
    lines: list[str] = []
    for group in groups:
        if group and lines:
            lines.append("")
        for entry in group:
            if entry in merged:
                lines.append(f"from {entry} import {', '.join(merged[entry])}")
            else:
                lines.append(entry)
    return tuple(lines)


def _with_markers(params: tuple[Param, ...], spell: Callable[[Param], str]) -> str:
    """`spell(param)` for each parameter, joined for a `def`, with the `/` and `*` markers
    in their places."""
    parts: list[str] = []
    for index, param in enumerate(params):
        previous = params[index - 1].kind if index else None
        if previous is ParamKind.POSITIONAL_ONLY and param.kind is not previous:
            parts.append("/")
        if param.kind is ParamKind.KEYWORD_ONLY and previous not in (
            ParamKind.KEYWORD_ONLY,
            ParamKind.VAR_POSITIONAL,
        ):
            parts.append("*")
        parts.append(spell(param))
    if params and params[-1].kind is ParamKind.POSITIONAL_ONLY:
        parts.append("/")
    return ", ".join(parts)


def shape(params: tuple[Param, ...]) -> str:
    """``a, b=, /, c, *args, d=, **kw``: parameters as the import-time freshness check
    compares them (``actorgen.runtime._freshness.shape_of``): names, kinds and which
    have a default, not types."""
    return _with_markers(
        params,
        lambda p: f"{_STARS.get(p.kind, '')}{p.name}{'=' if p.has_default else ''}",
    )


def message_shape(message: MessageSpec) -> str:
    """The message as the import-time freshness check compares it: its parameters' shape
    and whether it replies (``a, *, b= -> ask``). An overloaded message's reply is not
    compared: the overloads decide it, and only the implementation exists at run time."""
    params = shape(message.params)
    if message.is_async:
        params = f"async {params}" if params else "async"
    if message.overloads:
        return params
    return f"{params + ' ' if params else ''}-> {'ask' if message.is_ask else 'tell'}"


def _passed(param: Param, value: str) -> str:
    """`param`'s argument `value` in a call."""
    if param.kind is ParamKind.VAR_POSITIONAL:
        return f"*{value}"
    if param.kind is ParamKind.VAR_KEYWORD:
        return f"**{value}"
    if param.kind is ParamKind.KEYWORD_ONLY:
        return f"{param.name}={value}"
    return value


def _route_note(route: RouteSpec, is_ask: bool) -> str:
    """The paragraph the cluster facade method's docstring adds about the route."""
    if route.strategy == KEY_ROUTE:
        return f"Routed by `{route.key}`: messages with equal `{route.key}` go to the same member."
    if route.strategy == "round_robin":
        return "Routed to the members in turn (round robin)."
    if route.strategy == "balanced":
        return "Routed to the next free member (balanced)."
    if is_ask:
        return (
            "Sent to every member (broadcast); the reply is a tuple with one future\n"
            "per member, in member order."
        )
    return "Sent to every member (broadcast)."


def process_method_doc(message: MessageSpec) -> str:
    """The docstring of the process facade's method (as text, not a literal)."""
    return message.doc or f"Send `{message.method}` to this process; it handles it in its turn."


def cluster_method_doc(message: MessageSpec) -> str:
    """The docstring of the cluster facade's method: says how its message is routed."""
    if message.route is None:
        return message.doc or (
            f"Send `{message.method}` to the cluster; one member handles it (the cluster's "
            "strategy picks which)."
        )
    doc = message.doc or f"Send `{message.method}` to the cluster."
    return f"{doc}\n\n{_route_note(message.route, message.is_ask)}"


def cluster_doc(process: ProcessSpec) -> str:
    """The docstring of the cluster facade (as text)."""
    intro = (
        f"A cluster of `{process.name}` processes: each message is handled by exactly one\n"
        "member, picked by the cluster's strategy (by default the next free member).\n"
        "Members stay directly addressable."
    )
    if any(m.route for m in process.messages):
        intro = (
            f"A cluster of `{process.name}` processes: a message is handled by one member,\n"
            "picked by the cluster's strategy (by default the next free member), unless\n"
            "its method is routed otherwise (its docstring says how). Members stay\n"
            "directly addressable."
        )
    return f"{intro}\n\n{process.doc}" if process.doc else intro


def exported(module: ModuleSpec) -> tuple[str, ...]:
    """``__all__``, sorted as isort and ruff sort it: classes first, then functions."""
    names = [
        name
        for p in module.processes
        for name in (
            *(m.class_name for m in p.messages),
            p.message_union,
            p.dispatch,
            p.process,
            p.cluster,
        )
    ]
    return tuple(sorted(names, key=lambda name: (not name[:1].isupper(), name)))


# -- text that uses something ----------------------------------------------------------------------


class Emitter:
    """Writes the code of one generated module and records what it uses: which helper
    modules it names (`helpers`) and which imports the user's expressions need
    (`imports` at run time, `checking_imports` under ``TYPE_CHECKING``)."""

    def __init__(self) -> None:
        self.helpers: set[str] = set()
        self.imports: set[ImportSpec] = set()
        self.checking_imports: set[ImportSpec] = set()

    # -- what is used ----------------------------------------------------------------

    def expr(self, expression: Expr) -> str:
        """The user's `expression`, noting the imports it needs."""
        self.imports.update(expression.imports)
        self.checking_imports.update(expression.checking_imports)
        if expression.builtins:
            self.helpers.add(BUILTINS_MODULE)
        return expression.text

    def typing(self, name: str) -> str:
        self.helpers.add(_TYPING)
        return f"{_TYPING}.{name}"

    def runtime(self, name: str) -> str:
        self.helpers.add(RUNTIME_MODULE)
        return runtime_helper(name)

    def builtin(self, name: str, shadowed: frozenset[str] = frozenset()) -> str:
        """The builtin `name`, through ``_builtins`` where a local name hides it."""
        if name not in shadowed:
            return name
        self.helpers.add(BUILTINS_MODULE)
        return f"{BUILTINS_MODULE}.{name}"

    def type_param(self, param: TypeParam) -> str:
        self.imports.update(param.imports)
        return param.name

    # -- parameters --------------------------------------------------------------------

    def annotation(self, param: Param) -> str:
        return self.typing("Any") if param.annotation is None else self.expr(param.annotation)

    def declared(self, param: Param) -> str:
        """The parameter in a `def` line: ``a: int = 3``, ``*args: str``, ``**kw: Any``."""
        text = f"{_STARS.get(param.kind, '')}{param.name}: {self.annotation(param)}"
        if param.own_default:
            return f"{text} = {self.runtime('OWN_DEFAULT')}"
        return text if param.default is None else f"{text} = {self.expr(param.default)}"

    def parameters(self, params: tuple[Param, ...]) -> str:
        return _with_markers(params, self.declared)

    def field(self, param: Param, earlier: frozenset[str]) -> str:
        """The message dataclass's field of `param`, after the fields `earlier` (which,
        in the class body, hide names of the same spelling)."""
        field = param.field
        annotation = self.annotation(param) if field is None else self.expr(field)
        if param.kind is ParamKind.VAR_POSITIONAL:
            annotation = f"{self.builtin('tuple', earlier)}[{annotation}, ...]"
        elif param.kind is ParamKind.VAR_KEYWORD:
            mapping, key = self.builtin("dict", earlier), self.builtin("str", earlier)
            annotation = f"{mapping}[{key}, {annotation}]"
        return f"{param.name}: {annotation}"

    def handed_to(self, param: Param, method: str, source: str) -> str:
        """`param`'s argument in the call of the user's `method` itself, which takes it
        from ``{source}{name}``: there `OWN_DEFAULT` becomes the method's own default."""
        value = f"{source}{param.name}"
        if param.own_default:
            value = f'{self.runtime("or_own_default")}({value}, {method}, "{param.name}")'
        return _passed(param, value)

    # -- generics -----------------------------------------------------------------------

    def declaration(self, generics: Generics) -> str:
        """``[K: Hashable, V]`` after a PEP 695 class or function name, else nothing."""
        if not (generics.pep695 and generics.params):
            return ""
        declared = []
        for param in generics.params:
            text = self.type_param(param)
            if param.bound is not None:
                text += f": {self.expr(param.bound)}"
            if param.default is not None:
                text += f" = {self.expr(param.default)}"
            declared.append(text)
        return "[" + ", ".join(declared) + "]"

    def arguments(self, generics: Generics) -> str:
        """``[K, V]``: the parameters as type arguments, or nothing."""
        if not generics.params:
            return ""
        return "[" + ", ".join(self.type_param(p) for p in generics.params) + "]"

    def class_header(self, name: str, bases: tuple[str, ...], generics: Generics) -> str:
        """What follows ``class``: the name, its PEP 695 type parameters, and its bases,
        with the ``Generic[...]`` base a class of TypeVars needs."""
        listed = list(bases)
        if generics.params and not generics.pep695:
            listed.append(f"{self.typing('Generic')}{self.arguments(generics)}")
        declared = f"{name}{self.declaration(generics)}"
        return declared + (f"({', '.join(listed)})" if listed else "")

    # -- messages -------------------------------------------------------------------------

    def message_class(self, process: ProcessSpec, message: MessageSpec) -> MessageClass:
        # A generic message has no ``__slots__``: before Python 3.13, a frozen dataclass
        # with slots fails when made through its alias (``CacheGetMessage[str](key="a")``
        # raises TypeError as `typing` sets ``__orig_class__``).
        options = "frozen=True" if message.generics.params else "frozen=True, slots=True"
        fields = []
        earlier: set[str] = set()
        for param in message.params:
            fields.append(self.field(param, frozenset(earlier)))
            earlier.add(param.name)
        self.helpers.add(_DATACLASSES)
        return MessageClass(
            decorator=f"{_DATACLASSES}.dataclass({options})",
            header=self.class_header(message.class_name, (), message.generics),
            doc=docstring(
                f"The message that stands for a call of `{process.name}.{message.method}`.", 4
            ),
            fields=tuple(fields),
        )

    def union_member(self, message: MessageSpec) -> str:
        """The message class in the union: method-level type parameters become ``Any``."""
        if not message.generics.params:
            return message.class_name
        arguments = (
            self.typing("Any") if p.method_level else self.type_param(p)
            for p in message.generics.params
        )
        return f"{message.class_name}[{', '.join(arguments)}]"

    def dispatch_case(self, message: MessageSpec) -> DispatchCase:
        """The call of the user's method inside the dispatch function.

        Some methods are called through ``Any``: an overloaded one, since the message
        carries the implementation's arguments, which need not match any one overload;
        one with unannotated parameters, which strict type checkers would not call; and
        a deprecated one, whose callers were warned already at the facade.
        """
        untyped = any(p.annotation is None for p in message.params)
        through_any = bool(message.overloads or message.facade.decorators) or untyped
        target = "instance"
        if through_any:
            target = f"{self.typing('cast')}({self.typing('Any')}, instance)"
        method = f"{target}.{message.method}"
        args = ", ".join(self.handed_to(p, method, "message.") for p in message.params)
        call = f"{method}({args})"
        # The coroutine of an ``async def`` is returned, tell or ask: the runtime awaits it.
        returns = message.is_ask or message.is_async
        statements = (f"return {call}",) if returns else (call, "return None")
        return DispatchCase(f"{message.class_name}()", statements)

    def _returns(self, message: MessageSpec, signature: Signature, overload: bool) -> str:
        """What a process facade's method returns: None for a tell, else a future of the
        reply; the implementation of overloads, which callers do not see, a future of Any."""
        if not message.is_ask:
            return "None"
        if message.overloads and not overload:
            return f"{self.runtime('Future')}[{self.typing('Any')}]"
        reply = "None" if signature.reply is None else self.expr(signature.reply)
        return f"{self.runtime('Future')}[{reply}]"

    def _method_def(
        self,
        message: MessageSpec,
        signature: Signature,
        overload: bool,
        tuple_: str | None,
    ) -> MethodDef:
        """One ``def`` of a facade method; `tuple_` (the spelling of ``tuple``) wraps the
        reply of a broadcast ask, which is one future per member."""
        returns = self._returns(message, signature, overload)
        if tuple_ is not None:
            returns = f"{tuple_}[{returns}, ...]"
        parameters = signature.receiver
        if signature.params:
            parameters += f", {self.parameters(signature.params)}"
        decorators = tuple(self.expr(d) for d in signature.decorators)
        if overload:
            decorators = (self.typing("overload"), *decorators)
        generics = self.declaration(signature.generics)
        return MethodDef(decorators, f"{message.method}{generics}({parameters}) -> {returns}")

    def _send(self, message: MessageSpec, route: RouteSpec | None) -> str:
        """The statement of a facade method: ``self._core.tell(...)``, or ``return
        self._core.ask(...)``; for a routed cluster message, the core's method for its
        route, with the key's value (the parameter of that name) after the message.

        The message is built positionally: fields are in parameter order, and keyword
        arguments make a frozen dataclass's ``__init__`` about 40% slower on the hot path
        of every send."""
        passed = [f"{message.class_name}({', '.join(p.name for p in message.params)})"]
        if route is not None and route.key is not None:
            passed.append(route.key)
        method = send_method(message.is_ask, None if route is None else route.strategy)
        call = f"{message.facade.receiver}._core.{method}({', '.join(passed)})"
        return f"return {call}" if message.is_ask else call

    def facade_method(
        self, message: MessageSpec, cluster: bool, members: frozenset[str]
    ) -> FacadeMethod:
        """The facade's method of `message`; `members` are the facade's other methods,
        which hide builtins of their names in its class body."""
        route = message.route if cluster else None
        broadcast_ask = message.is_ask and route is not None and route.strategy == "broadcast"
        wrap = self.builtin("tuple", members) if broadcast_ask else None
        overloads = tuple(self._method_def(message, s, True, wrap) for s in message.overloads)
        definition = self._method_def(message, message.facade, False, wrap)
        doc = cluster_method_doc(message) if cluster else process_method_doc(message)
        return FacadeMethod(overloads, definition, docstring(doc, 8), self._send(message, route))

    # -- a class ---------------------------------------------------------------------------

    def process(self, process: ProcessSpec) -> ProcessView:
        messages = tuple(self.message_class(process, m) for m in process.messages)
        union_declaration, union, union_type = self._union(process)
        dispatch_generics = self.declaration(self._union_generics(process))
        dispatch_signature = (
            f"{process.dispatch}{dispatch_generics}(instance: {self._instance_type(process)}, "
            f"message: {union_type}) -> object"
        )
        cases = tuple(self.dispatch_case(m) for m in process.messages)
        fallback = f"{self.runtime('assert_never')}(message)"
        spawn_bases = process.spawn_bases or (None, None)
        process_type = f"{process.process}{self.arguments(process.generics)}"
        process_bases: tuple[str, ...] = (self.runtime("ProcessHandle"),)
        cluster_bases: tuple[str, ...] = (f"{self.runtime('ClusterHandle')}[{process_type}]",)
        if process.spawn_bases is not None:
            process_bases = (process.spawn_bases[0], *process_bases)
            cluster_bases = (process.spawn_bases[1], *cluster_bases)
        process_spawn = self._process_spawn(process, process_type)
        process_header = self.class_header(process.process, process_bases, process.generics)
        intro = f"A process that owns one `{process.name}`; each method sends it a message."
        process_doc = f"{intro}\n\n{process.doc}" if process.doc else intro
        # A broadcast ask replies with a tuple; a message named `tuple` is a method of the
        # cluster facade, which hides the builtin in its class body.
        members = frozenset(m.method for m in process.messages)
        process_methods = tuple(self.facade_method(m, False, members) for m in process.messages)
        cluster_spawn = self._cluster_spawn(process)
        cluster_header = self.class_header(process.cluster, cluster_bases, process.generics)
        routes = tuple(
            f"{m.class_name}: {self._route_value(m.route)}" for m in process.messages if m.route
        )
        cluster_methods = tuple(self.facade_method(m, True, members) for m in process.messages)
        base_doc = (
            "`{}.spawn`, in a base class that is not generic: so its type\n"
            "    parameters are the method's own, inferred from each call's arguments."
        )
        return ProcessView(
            messages=messages,
            union_declaration=union_declaration,
            union=union,
            union_doc=docstring(f"Every message a `{process.name}` process handles.", 0),
            dispatch_signature=dispatch_signature,
            dispatch_doc=docstring(
                "Call the method of `instance` that `message` stands for and return its result.",
                4,
            ),
            dispatch_cases=cases,
            dispatch_fallback=fallback,
            process_spawn_base=spawn_bases[0],
            process_spawn_base_doc=f'"""{base_doc.format(process.process)}"""',
            process_header=process_header,
            process_doc=docstring(process_doc, 4),
            process_spawn=process_spawn,
            process_methods=process_methods,
            cluster_spawn_base=spawn_bases[1],
            cluster_spawn_base_doc=f'"""{base_doc.format(process.cluster)}"""',
            cluster_header=cluster_header,
            cluster_doc=docstring(cluster_doc(process), 4),
            process_class=process.process,
            routes=routes,
            cluster_spawn=cluster_spawn,
            cluster_methods=cluster_methods,
            reference=self.expr(process.reference),
            shapes=(
                ("__init__", shape(process.init_params)),
                *((m.method, message_shape(m)) for m in process.messages),
            ),
        )

    def _route_value(self, route: RouteSpec) -> str:
        """The runtime's `Route` for a message, as the cluster facade's `_routes` has it."""
        arguments = [f'"{route.strategy}"', *([f'"{route.key}"'] if route.key else [])]
        return f"{self.runtime('Route')}({', '.join(arguments)})"

    def _union_generics(self, process: ProcessSpec) -> Generics:
        """The type parameters of the message union: the class's parameters that some
        message uses. A PEP 695 alias declares them in the class's order; a TypeVar
        alias takes them in the order they first appear in it (the rule of generic type
        aliases), so that ``WorkerMessage[...]`` means what it says either way."""
        used = [p for m in process.messages for p in m.generics.params if not p.method_level]
        if process.generics.pep695:
            names = {p.name for p in used}
            return Generics(tuple(p for p in process.generics.params if p.name in names), True)
        first: dict[str, TypeParam] = {}
        for param in used:
            first.setdefault(param.name, param)
        return Generics(tuple(first.values()), False)

    def _union(self, process: ProcessSpec) -> tuple[str, str, str]:
        """The union's declared name, its members, and how annotations name it. Wrapped
        one member a line when it is long, and written ``Union[...]`` when it is too long
        for ``|`` (see `_LONGEST_OPERATOR_UNION`)."""
        generics = self._union_generics(process)
        if process.generics.pep695:
            declared = f"type {process.message_union}{self.declaration(generics)}"
        else:
            declared = f"{process.message_union}: {self.typing('TypeAlias')}"
        members = [self.union_member(m) for m in process.messages]
        if len(members) > _LONGEST_OPERATOR_UNION:
            union = f"{self.typing('Union')}[\n    " + ",\n    ".join(members) + ",\n]"
        else:
            union = " | ".join(members)
            if len(union) + len(process.message_union) > 60:
                union = "(\n    " + "\n    | ".join(members) + "\n)"
        return declared, union, f"{process.message_union}{self.arguments(generics)}"

    def _instance_type(self, process: ProcessSpec) -> str:
        """The user's class in the dispatch function: ``Cache[K, V]``; a parameter that no
        message uses is ``Any`` there, so that each type variable appears twice."""
        reference = self.expr(process.reference)
        if not process.generics.params:
            return reference
        used = {p.name for p in self._union_generics(process).params}
        arguments = (
            self.type_param(p) if p.name in used else self.typing("Any")
            for p in process.generics.params
        )
        return f"{reference}[{', '.join(arguments)}]"

    def _init_reference(self, process: ProcessSpec) -> str:
        """__init__ as `or_own_default` reads its defaults: through ``Any`` when it has
        unannotated parameters, or its class is generic (``Box.__init__`` is then
        partially unknown): strict type checkers would not let either pass."""
        reference = self.expr(process.reference)
        if process.generics.params or any(p.annotation is None for p in process.init_params):
            return f"{self.typing('cast')}({self.typing('Any')}, {reference}).__init__"
        return f"{reference}.__init__"

    def _init_doc(self, process: ProcessSpec) -> str:
        """The constructor call as the docstrings show it, with the class's own name."""
        return f"{process.name}({self._init_forward(process)})"

    def _init_forward(self, process: ProcessSpec) -> str:
        """The arguments `spawn` passes on: to the class, or to `XProcess.spawn`."""
        return ", ".join(_passed(p, p.name) for p in process.init_params)

    def _process_spawn(self, process: ProcessSpec, process_type: str) -> ProcessSpawn:
        """`XProcess.spawn`. A generic class's instance is made by a local function with
        the instance's type as its return type rather than by a lambda, so that type
        checkers solve the type parameters that __init__'s arguments leave open; that
        `spawn` lives in a base class that is not generic (see `ProcessSpec.spawn_bases`),
        and makes the facade itself rather than ``cls``."""
        spawn_generics = Generics(
            (*process.generics.params, *process.init_generics.params), process.generics.pep695
        )
        parameters = process.spawn_receiver
        if process.init_params:
            parameters += f", {self.parameters(process.init_params)}"
        signature = f"spawn{self.declaration(spawn_generics)}({parameters}) -> {process_type}"
        doc = docstring(f"Start a process that owns a new `{self._init_doc(process)}`.", 8)
        # Only an own default names __init__ in the call; unwritten, its ``_typing.cast``
        # is not recorded either (only what is printed may be).
        own = any(p.own_default for p in process.init_params)
        init = self._init_reference(process) if own else ""
        arguments = ", ".join(self.handed_to(p, init, "") for p in process.init_params)
        instance = f"{self.expr(process.reference)}({arguments})"
        new_process = self.runtime("new_process")
        if process.spawn_bases is None:
            core = f'{new_process}("{process.name}", lambda: {instance}, {process.dispatch})'
            return ProcessSpawn(signature, doc, process.spawn_receiver, core)
        instance_class = f"{self.expr(process.reference)}{self.arguments(process.generics)}"
        core = f'{new_process}("{process.name}", {process.spawn_make}, {process.dispatch})'
        return ProcessSpawn(
            signature,
            doc,
            process.process,
            core,
            make=f"{process.spawn_make}() -> {instance_class}",
            instance=instance,
        )

    def _cluster_spawn(self, process: ProcessSpec) -> ClusterSpawn:
        """`XCluster.spawn`: ``cls``, a positional-only count, then __init__'s parameters;
        `spawn_members` stops the members it made if a later one fails to start."""
        spawn_generics = Generics(
            (*process.generics.params, *process.init_generics.params), process.generics.pep695
        )
        count = f"{process.spawn_receiver}, {process.spawn_count}: int"
        init = self.parameters(process.init_params)
        if process.init_params and process.init_params[0].kind is ParamKind.POSITIONAL_ONLY:
            parameters = f"{count}, {init}"
        else:
            parameters = ", ".join([count, "/", *([init] if process.init_params else [])])
        cluster_type = f"{process.cluster}{self.arguments(process.generics)}"
        signature = f"spawn{self.declaration(spawn_generics)}({parameters}) -> {cluster_type}"
        doc = docstring(
            f"Start `{process.spawn_count}` processes that each own a new "
            f"`{self._init_doc(process)}`, as a cluster.",
            8,
        )
        target = process.spawn_receiver if process.spawn_bases is None else process.cluster
        spawn = f"{process.process}.spawn({self._init_forward(process)})"
        members = f"{self.runtime('spawn_members')}({process.spawn_count}, lambda: {spawn})"
        return ClusterSpawn(signature, doc, f"{target}({members})")

    # -- the module ------------------------------------------------------------------------

    def module(self, module: ModuleSpec) -> ModuleView:
        processes = tuple(self.process(p) for p in module.processes)
        stale_check = self.runtime("warn_if_stale")
        checking = self.checking_imports - self.imports
        type_checking = self.typing("TYPE_CHECKING") if checking else ""
        # Written last: by now every helper the code names has been recorded.
        standard = tuple(
            f"import {HELPER_MODULES[h]} as {h}" for h in _STANDARD_HELPERS if h in self.helpers
        )
        runtime = f"import {HELPER_MODULES[RUNTIME_MODULE]} as {RUNTIME_MODULE}"
        names = ", ".join(p.name for p in module.processes)
        return ModuleView(
            header=header(module.source_name),
            doc=(
                f'"""Processes and clusters for the async classes of {module.source_name}.\n\n'
                f"Generated from {names}: a frozen dataclass per message, their union,\n"
                "a `match`-based dispatch function, and the typed `...Process` and "
                '`...Cluster` facades.\n"""'
            ),
            standard_imports=standard,
            runtime_imports=(runtime,) if RUNTIME_MODULE in self.helpers else (),
            import_lines=import_lines(self.imports),
            type_checking=type_checking,
            type_checking_import_lines=import_lines(checking),
            exported=exported(module),
            processes=processes,
            stale_check=stale_check,
            helpers=frozenset(self.helpers),
        )
