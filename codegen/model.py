"""The intermediate model between the LibCST pass (`parse.py`) and the templates.

Everything a template prints is a field or a property here; templates only loop and
print. All classes are frozen and hold tuples, so a model is hashable, comparable in tests
and renders the same way every time.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

from actorgen.runtime._contract import send_method

from .names import runtime_helper

__all__ = [
    "Generics",
    "ImportSpec",
    "MessageSpec",
    "ModuleSpec",
    "Param",
    "ParamKind",
    "ProcessSpec",
    "RouteSpec",
    "Signature",
    "TypeParam",
]


class ParamKind(enum.Enum):
    POSITIONAL_ONLY = "positional-only"
    POSITIONAL_OR_KEYWORD = "positional-or-keyword"
    VAR_POSITIONAL = "*args"
    KEYWORD_ONLY = "keyword-only"
    VAR_KEYWORD = "**kwargs"


_ANY = "_typing.Any"
# ``A | B | ...`` is a chain of nested operators, and CPython's compiler recurses once per
# operator: a union of a few thousand messages fails to compile (RecursionError). Longer
# unions are written ``Union[A, B, ...]``, a flat list.
_LONGEST_OPERATOR_UNION = 200
_OWN_DEFAULT = runtime_helper("OWN_DEFAULT")


@dataclass(frozen=True)
class Param:
    """One parameter of a message method or of `__init__`, as the user wrote it."""

    name: str
    kind: ParamKind
    annotation: str | None  # as the facade writes it; None when unannotated
    default: str | None  # as the facade writes it; None when there is none to copy
    # The type of the message dataclass field, when it cannot be written as `field_type`
    # writes it: an earlier field of the dataclass is named like a type it uses
    # (``type: str, kind: type[Event]``: in a class body the field would shadow the
    # builtin, so the second field reads ``kind: _builtins.type[Event]``).
    field: str | None = None
    # The default is the method's own (``into: list[int] = []``, see `defaults`): the
    # facades say ``= _actorgen.OWN_DEFAULT`` and the method gets its own default object.
    own_default: bool = False

    @property
    def declared(self) -> str:
        """The parameter in a `def` line: ``a: int = 3``, ``*args: str``, ``**kw: Any``."""
        star = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}.get(self.kind, "")
        text = f"{star}{self.name}: {self.annotation or _ANY}"
        if self.own_default:
            return f"{text} = {_OWN_DEFAULT}"
        return text if self.default is None else f"{text} = {self.default}"

    @property
    def field_type(self) -> str:
        """The type of the message dataclass field that carries this argument."""
        if self.field is not None:
            return self.field
        annotation = self.annotation or _ANY
        if self.kind is ParamKind.VAR_POSITIONAL:
            return f"tuple[{annotation}, ...]"
        if self.kind is ParamKind.VAR_KEYWORD:
            return f"dict[str, {annotation}]"
        return annotation

    def passed_from(self, source: str) -> str:
        """This argument in a call that takes it from ``{source}{name}``."""
        return self._passed(f"{source}{self.name}")

    def handed_to(self, method: str, source: str) -> str:
        """This argument in the call of the user's `method` itself, which takes it from
        ``{source}{name}``: there `OWN_DEFAULT` becomes the method's own default object."""
        value = f"{source}{self.name}"
        if self.own_default:
            value = f'{runtime_helper("or_own_default")}({value}, {method}, "{self.name}")'
        return self._passed(value)

    def _passed(self, value: str) -> str:
        if self.kind is ParamKind.VAR_POSITIONAL:
            return f"*{value}"
        if self.kind is ParamKind.VAR_KEYWORD:
            return f"**{value}"
        if self.kind is ParamKind.KEYWORD_ONLY:
            return f"{self.name}={value}"
        return value


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


def _signature(params: tuple[Param, ...]) -> str:
    """Parameters as declared, joined for a `def`."""
    return _with_markers(params, lambda param: param.declared)


_STARS = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}


def _shape(params: tuple[Param, ...]) -> str:
    """``a, b=, /, c, *args, d=, **kw``: parameters as the import-time freshness check
    compares them (``actorgen.runtime._freshness.shape_of``): names, kinds and which
    have a default, not types."""

    def spell(param: Param) -> str:
        has_default = param.default is not None or param.own_default
        return f"{_STARS.get(param.kind, '')}{param.name}{'=' if has_default else ''}"

    return _with_markers(params, spell)


def _with_reply(shape: str, is_ask: bool) -> str:
    """A message's shape followed by ``-> ask`` or ``-> tell``."""
    return f"{shape + ' ' if shape else ''}-> {'ask' if is_ask else 'tell'}"


@dataclass(frozen=True)
class TypeParam:
    """A type parameter of an async class or of one of its message methods."""

    name: str
    declaration: str  # as PEP 695 declares it (``K: Hashable``); the name for a TypeVar
    method_level: bool = False  # a parameter of the method, not of the class


@dataclass(frozen=True)
class Generics:
    """The type parameters of a generated class or function, in order.

    With `pep695` they are declared in brackets (``class CacheProcess[K: Hashable, V]``),
    as the source declares them; otherwise they are TypeVars imported like any other
    name, and a class lists them in a ``_typing.Generic[...]`` base.
    """

    params: tuple[TypeParam, ...] = ()
    pep695: bool = False

    @property
    def declaration(self) -> str:
        """``[K: Hashable, V]`` after a PEP 695 class or function name, else nothing."""
        if not (self.pep695 and self.params):
            return ""
        return "[" + ", ".join(p.declaration for p in self.params) + "]"

    @property
    def arguments(self) -> str:
        """``[K, V]``: the parameters as type arguments, or nothing."""
        return "[" + ", ".join(p.name for p in self.params) + "]" if self.params else ""

    @property
    def bases(self) -> tuple[str, ...]:
        """The ``_typing.Generic[...]`` base a TypeVar-generic class needs."""
        if self.pep695 or not self.params:
            return ()
        return (f"_typing.Generic{self.arguments}",)

    def header(self, name: str, bases: tuple[str, ...]) -> str:
        """What follows ``class`` in a class statement: name, type parameters, bases."""
        listed = (*bases, *self.bases)
        return f"{name}{self.declaration}" + (f"({', '.join(listed)})" if listed else "")


@dataclass(frozen=True)
class Signature:
    """The ``def`` line of one facade method (or of one of its overloads)."""

    receiver: str  # ``self``, unless a parameter has that name
    params: tuple[Param, ...]
    returns: str  # the facade's return annotation
    generics: Generics = Generics()  # PEP 695 type parameters of the method
    decorators: tuple[str, ...] = ()  # copied from the source, e.g. ``deprecated("...")``

    @property
    def parameters(self) -> str:
        """The whole parameter list, receiver first."""
        return ", ".join([self.receiver, _signature(self.params)]) if self.params else self.receiver

    def returning(self, returns: str) -> Signature:
        """The same method with another return annotation."""
        return replace(self, returns=returns)


@dataclass(frozen=True)
class RouteSpec:
    """A message's ``@route(...)``: how its cluster facade hands it to the members.

    `strategy` is ``balanced``, ``round_robin``, ``broadcast`` or, for ``@route(key=...)``,
    ``key``; then `key` is the parameter whose value is the key.
    """

    strategy: str
    key: str | None = None

    @property
    def core_arguments(self) -> tuple[str, ...]:
        """What the cluster core's send method takes after the message: the key's value,
        which is the facade method's parameter of that name."""
        return (self.key,) if self.key is not None else ()

    @property
    def value(self) -> str:
        """The runtime's `Route` for this message, as the cluster facade's `_routes` has it."""
        arguments = [f'"{self.strategy}"', *(f'"{k}"' for k in self.core_arguments)]
        return f"{runtime_helper('Route')}({', '.join(arguments)})"

    def note(self, is_ask: bool) -> str:
        """The paragraph the cluster facade method's docstring adds about the route."""
        if self.strategy == "key":
            return (
                f"Routed by `{self.key}`: messages with equal `{self.key}` go to the same member."
            )
        if self.strategy == "round_robin":
            return "Routed to the members in turn (round robin)."
        if self.strategy == "balanced":
            return "Routed to the next free member (balanced)."
        if is_ask:
            return (
                "Sent to every member (broadcast); the reply is a tuple with one future\n"
                "per member, in member order."
            )
        return "Sent to every member (broadcast)."


@dataclass(frozen=True)
class MessageSpec:
    """One message method of an async class."""

    method: str  # the method's name, also the facade method's name
    class_name: str  # the generated frozen dataclass, e.g. ``WorkerFooMessage``
    params: tuple[Param, ...]  # the implementation's parameters: the dataclass's fields
    reply: str | None  # the return annotation of an ask; None for a tell
    doc: str | None  # the method's docstring, repeated on the facade methods
    facade: Signature  # the process facade's method (the implementation when overloaded)
    # The cluster facade's method: the process facade's, except that a broadcast ask
    # replies with ``tuple[Future[T], ...]`` where that says ``Future[T]``.
    cluster_facade: Signature
    overloads: tuple[Signature, ...] = ()  # the ``@overload`` variants, in source order
    cluster_overloads: tuple[Signature, ...] = ()  # the same, for the cluster facade
    generics: Generics = Generics()  # the type parameters the dataclass's fields use
    route: RouteSpec | None = None  # the method's ``@route``; None: the cluster's own strategy

    @property
    def is_ask(self) -> bool:
        return self.reply is not None

    @property
    def uses_typing(self) -> bool:
        """Whether this message's printed code names ``_typing``: ``overload`` and
        ``cast(Any, ...)`` for overloads, ``cast`` for a deprecated method, ``Any`` for an
        unannotated parameter or a method's own type parameter in the union, and
        ``Generic`` for a generic dataclass of TypeVars."""
        return (
            bool(self.overloads)
            or bool(self.facade.decorators)
            or any(p.annotation is None for p in self.params)
            or any(p.method_level for p in self.generics.params)
            or (bool(self.generics.params) and not self.generics.pep695)
        )

    @property
    def class_header(self) -> str:
        return self.generics.header(self.class_name, ())

    @property
    def dataclass_options(self) -> str:
        """A generic message has no ``__slots__``: before Python 3.13, a frozen dataclass
        with slots fails when made through its alias (``CacheGetMessage[str](key="a")``
        raises TypeError as `typing` sets ``__orig_class__``)."""
        return "frozen=True" if self.generics.params else "frozen=True, slots=True"

    @property
    def union_member(self) -> str:
        """The message class in the union: method-level type parameters become ``Any``."""
        if not self.generics.params:
            return self.class_name
        arguments = ("_typing.Any" if p.method_level else p.name for p in self.generics.params)
        return f"{self.class_name}[{', '.join(arguments)}]"

    @property
    def process_doc(self) -> str:
        return self.doc or f"Send `{self.method}` to this process; it handles it in its turn."

    @property
    def cluster_doc(self) -> str:
        if self.route is None:
            return self.doc or (
                f"Send `{self.method}` to the cluster; one member handles it (the cluster's "
                "strategy picks which)."
            )
        doc = self.doc or f"Send `{self.method}` to the cluster."
        return f"{doc}\n\n{self.route.note(self.is_ask)}"

    @property
    def process_send(self) -> str:
        """The statement of the process facade's method: ``self._core.tell(...)``, or
        ``return self._core.ask(...)``."""
        return self._send(None, ())

    @property
    def cluster_send(self) -> str:
        """The statement of the cluster facade's method: the process facade's, or for a
        routed message the core's method for its route (``tell_keyed(..., user)``...)."""
        if self.route is None:
            return self._send(None, ())
        return self._send(self.route.strategy, self.route.core_arguments)

    def _send(self, route: str | None, arguments: tuple[str, ...]) -> str:
        passed = ", ".join((self.construct, *arguments))
        call = f"{self.facade.receiver}._core.{send_method(self.is_ask, route)}({passed})"
        return f"return {call}" if self.is_ask else call

    @property
    def construct(self) -> str:
        """The call that builds the message inside the facade method.

        Positional: fields are in parameter order, and keyword arguments make a frozen
        dataclass's ``__init__`` about 40% slower on the hot path of every send.
        """
        fields = ", ".join(p.name for p in self.params)
        return f"{self.class_name}({fields})"

    @property
    def shape(self) -> str:
        """The message as the import-time freshness check compares it: its parameters'
        shape and whether it replies (``a, *, b= -> ask``). An overloaded message's
        reply is not compared: the overloads decide it, and only the implementation
        exists at run time."""
        shape = _shape(self.params)
        if self.overloads:
            return shape
        return _with_reply(shape, self.is_ask)

    @property
    def dispatch_call(self) -> str:
        """The call of the user's method inside the dispatch function.

        Some methods are called through ``Any``: an overloaded one, since the message
        carries the implementation's arguments, which need not match any one overload;
        one with unannotated parameters, which strict type checkers would not call; and
        a deprecated one, whose callers were warned already at the facade.
        """
        untyped = any(p.annotation is None for p in self.params)
        through_any = bool(self.overloads or self.facade.decorators) or untyped
        target = "_typing.cast(_typing.Any, instance)" if through_any else "instance"
        method = f"{target}.{self.method}"
        args = ", ".join(p.handed_to(method, "message.") for p in self.params)
        return f"{method}({args})"


@dataclass(frozen=True)
class ProcessSpec:
    """One `@async_class` and the names generated for it."""

    name: str  # the user's class, as the docs name it
    spelling: str  # how the generated code refers to it (an alias when the name is taken)
    doc: str | None
    init_params: tuple[Param, ...]
    messages: tuple[MessageSpec, ...]
    message_union: str  # ``WorkerMessage``
    dispatch: str  # ``dispatch_worker``
    process: str  # ``WorkerProcess``
    cluster: str  # ``WorkerCluster``
    spawn_receiver: str  # ``cls``, unless __init__ has a parameter of that name
    spawn_make: str  # ``make``: the local function that makes a generic class's instance
    spawn_count: str  # ``n``, unless __init__ has a parameter of that name
    generics: Generics = Generics()  # the class's type parameters
    init_generics: Generics = Generics()  # PEP 695 type parameters of __init__ itself
    # The private bases that hold `spawn` of a generic class, see `names.spawn_base_names`.
    spawn_bases: tuple[str, str] | None = None

    # -- the user's class ---------------------------------------------------------------

    @property
    def init_signature(self) -> str:
        return _signature(self.init_params)

    @property
    def init_call(self) -> str:
        """``Worker(name, size=size)``: the constructor call inside `spawn`."""
        arguments = ", ".join(p.handed_to(self._init, "") for p in self.init_params)
        return f"{self.spelling}({arguments})"

    @property
    def _init(self) -> str:
        """__init__ as `or_own_default` reads its defaults: through ``Any`` when it has
        unannotated parameters, or its class is generic (``Box.__init__`` is then
        partially unknown): strict type checkers would not let either pass."""
        if self.generics.arguments or any(p.annotation is None for p in self.init_params):
            return f"_typing.cast(_typing.Any, {self.spelling}).__init__"
        return f"{self.spelling}.__init__"

    @property
    def instance_class(self) -> str:
        """``Cache[K, V]``: the type `spawn` makes. A generic class is made by a local
        function with this return type rather than by a lambda, so that type checkers
        solve the type parameters that __init__'s arguments leave open."""
        return f"{self.spelling}{self.generics.arguments}"

    @property
    def init_call_doc(self) -> str:
        """The constructor call as the docstrings show it, with the class's own name."""
        return f"{self.name}({self.init_forward})"

    @property
    def init_forward(self) -> str:
        """The arguments `spawn` passes on: to the class, or to `XProcess.spawn`."""
        return ", ".join(p.passed_from("") for p in self.init_params)

    # -- generics -----------------------------------------------------------------------

    @property
    def union_generics(self) -> Generics:
        """The type parameters of the message union: the class's parameters that some
        message uses. A PEP 695 alias declares them in the class's order; a TypeVar
        alias takes them in the order they first appear in it (the rule of generic type
        aliases), so that ``WorkerMessage[...]`` means what it says either way."""
        used = [p for m in self.messages for p in m.generics.params if not p.method_level]
        if self.generics.pep695:
            names = {p.name for p in used}
            return Generics(tuple(p for p in self.generics.params if p.name in names), True)
        first: dict[str, TypeParam] = {}
        for param in used:
            first.setdefault(param.name, param)
        return Generics(tuple(first.values()), False)

    @property
    def instance_type(self) -> str:
        """The user's class in the dispatch function: ``Cache[K, V]``; a parameter that no
        message uses is ``Any`` there, so that each type variable appears twice."""
        if not self.generics.params:
            return self.spelling
        used = {p.name for p in self.union_generics.params}
        arguments = (p.name if p.name in used else "_typing.Any" for p in self.generics.params)
        return f"{self.spelling}[{', '.join(arguments)}]"

    @property
    def union_declaration(self) -> str:
        """The left side of the union's definition."""
        if self.generics.pep695:
            return f"type {self.message_union}{self.union_generics.declaration}"
        return f"{self.message_union}: _typing.TypeAlias"

    @property
    def union_type(self) -> str:
        return f"{self.message_union}{self.union_generics.arguments}"

    @property
    def union(self) -> str:
        """The union of the message classes, wrapped one per line when it is long, and
        written ``Union[...]`` when it is too long for ``|`` (see `_LONGEST_OPERATOR_UNION`)."""
        members = [m.union_member for m in self.messages]
        if len(members) > _LONGEST_OPERATOR_UNION:
            return "_typing.Union[\n    " + ",\n    ".join(members) + ",\n]"
        line = " | ".join(members)
        if len(line) + len(self.message_union) <= 60:
            return line
        return "(\n    " + "\n    | ".join(members) + "\n)"

    @property
    def dispatch_signature(self) -> str:
        generics = self.union_generics.declaration
        return (
            f"{self.dispatch}{generics}(instance: {self.instance_type}, "
            f"message: {self.union_type}) -> object"
        )

    # -- the facades ----------------------------------------------------------------------

    @property
    def process_type(self) -> str:
        return f"{self.process}{self.generics.arguments}"

    @property
    def cluster_type(self) -> str:
        return f"{self.cluster}{self.generics.arguments}"

    @property
    def process_header(self) -> str:
        bases: tuple[str, ...] = (runtime_helper("ProcessHandle"),)
        if self.spawn_bases is not None:
            bases = (self.spawn_bases[0], *bases)
        return self.generics.header(self.process, bases)

    @property
    def cluster_header(self) -> str:
        bases: tuple[str, ...] = (f"{runtime_helper('ClusterHandle')}[{self.process_type}]",)
        if self.spawn_bases is not None:
            bases = (self.spawn_bases[1], *bases)
        return self.generics.header(self.cluster, bases)

    @property
    def spawn_generics(self) -> Generics:
        """The PEP 695 type parameters `spawn` declares: the class's, then __init__'s."""
        return Generics((*self.generics.params, *self.init_generics.params), self.generics.pep695)

    @property
    def spawn_params(self) -> str:
        """`XProcess.spawn`'s whole parameter list: ``cls`` and __init__'s."""
        if self.init_params:
            return f"{self.spawn_receiver}, {self.init_signature}"
        return self.spawn_receiver

    @property
    def spawn_target(self) -> str:
        """What `spawn` instantiates: ``cls``; in a spawn base, the facade itself (a
        generic class's `spawn` lives in a base class that is not generic, so that its
        type variables are the method's own and are inferred from the arguments: as a
        classmethod of the generic facade it would see them unsolved)."""
        return self.spawn_receiver if self.spawn_bases is None else self.process

    @property
    def cluster_spawn_params(self) -> str:
        """`XCluster.spawn`'s parameters: ``cls``, a positional-only count, then __init__'s."""
        count = f"{self.spawn_receiver}, {self.spawn_count}: int"
        if self.init_params and self.init_params[0].kind is ParamKind.POSITIONAL_ONLY:
            return f"{count}, {self.init_signature}"
        return ", ".join([count, "/", *([self.init_signature] if self.init_params else [])])

    @property
    def cluster_spawn_target(self) -> str:
        return self.spawn_receiver if self.spawn_bases is None else self.cluster

    @property
    def cluster_spawn_members(self) -> str:
        """The new members inside `XCluster.spawn`; `spawn_members` stops the ones it made
        if a later one fails to start."""
        spawn = f"{self.process}.spawn({self.init_forward})"
        return f"{runtime_helper('spawn_members')}({self.spawn_count}, lambda: {spawn})"

    @property
    def process_doc(self) -> str:
        intro = f"A process that owns one `{self.name}`; each method sends it a message."
        return f"{intro}\n\n{self.doc}" if self.doc else intro

    @property
    def cluster_doc(self) -> str:
        intro = (
            f"A cluster of `{self.name}` processes: each message is handled by exactly one\n"
            "member, picked by the cluster's strategy (by default the next free member).\n"
            "Members stay directly addressable."
        )
        if self.routes:
            intro = (
                f"A cluster of `{self.name}` processes: a message is handled by one member,\n"
                "picked by the cluster's strategy (by default the next free member), unless\n"
                "its method is routed otherwise (its docstring says how). Members stay\n"
                "directly addressable."
            )
        return f"{intro}\n\n{self.doc}" if self.doc else intro

    @property
    def routes(self) -> tuple[str, ...]:
        """The entries of the cluster facade's ``_routes``, one per routed message, in
        method order (none: the facade has no ``_routes`` of its own)."""
        return tuple(f"{m.class_name}: {m.route.value}" for m in self.messages if m.route)

    @property
    def uses_typing(self) -> bool:
        """Whether this class's printed code names ``_typing``: its messages', the
        ``TypeAlias`` of a union not declared the PEP 695 way, a long ``Union``, ``Any``
        for an unannotated parameter of ``__init__`` or a type parameter no message uses."""
        used = {p.name for p in self.union_generics.params}
        return (
            any(m.uses_typing for m in self.messages)
            or not self.generics.pep695
            or len(self.messages) > _LONGEST_OPERATOR_UNION
            or any(p.annotation is None for p in self.init_params)
            or any(p.name not in used for p in self.generics.params)
        )

    @property
    def shapes(self) -> tuple[tuple[str, str], ...]:
        """What the generated module checks its class against when it is imported:
        ``__init__``'s shape, then each message's (see `MessageSpec.shape`)."""
        return (
            ("__init__", _shape(self.init_params)),
            *((m.method, m.shape) for m in self.messages),
        )

    @property
    def exported(self) -> tuple[str, ...]:
        names = [m.class_name for m in self.messages]
        return (*names, self.message_union, self.dispatch, self.process, self.cluster)


@dataclass(frozen=True, order=True)
class ImportSpec:
    """One import statement of the generated module.

    ``import a.b`` has module ``a.b`` and no name; ``import a.b as c`` adds ``alias="c"``;
    ``from .m import x as y`` has module ``.m``, name ``x`` and alias ``y``.
    """

    module: str
    name: str | None = None
    alias: str | None = None

    def __post_init__(self) -> None:
        # One spelling per import: ``from m import x as x`` is ``from m import x``.
        if self.alias is not None and self.alias == (self.name or self.module):
            object.__setattr__(self, "alias", None)

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """Module, then name, the plain import of a name before its aliases."""
        return (self.module, self.name or "", self.alias or "")

    @property
    def statement(self) -> str:
        target = self.name if self.name is not None else self.module
        bound = f"{target} as {self.alias}" if self.alias and self.alias != target else target
        if self.name is None:
            return f"import {bound}"
        return f"from {self.module} import {bound}"


def import_lines(imports: tuple[ImportSpec, ...]) -> tuple[str, ...]:
    """Import statements as isort would write them: absolute modules first, then relative
    ones after a blank line; names from one module share one ``from`` statement."""
    groups: list[list[str]] = [[], []]
    merged: dict[str, list[str]] = {}
    for spec in sorted(imports, key=lambda s: (s.module.startswith("."), *s.sort_key)):
        group = groups[spec.module.startswith(".")]
        if spec.name is None:
            group.append(spec.statement)
            continue
        bound = spec.statement.split(" import ", 1)[1]
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


@dataclass(frozen=True)
class ModuleSpec:
    """Everything the generated module of one source file holds."""

    source_name: str  # the source file's name, for the header: ``workers.py``
    source_module: str  # how the generated module imports it: ``.workers`` or ``workers``
    imports: tuple[ImportSpec, ...]  # needed at run time, sorted
    type_checking_imports: tuple[ImportSpec, ...]  # needed by type checkers only, sorted
    processes: tuple[ProcessSpec, ...]
    needs_builtins: bool = False  # some builtin is spelled ``_builtins.name``

    @property
    def exported(self) -> tuple[str, ...]:
        """``__all__``, sorted as isort and ruff sort it: classes first, then functions."""
        names = (name for p in self.processes for name in p.exported)
        return tuple(sorted(names, key=lambda name: (not name[:1].isupper(), name)))

    @property
    def uses_typing(self) -> bool:
        """Whether the module imports ``typing as _typing``: strict pyright rejects an
        unused import, and PEP 695 classes may need none of it."""
        return bool(self.type_checking_imports) or any(p.uses_typing for p in self.processes)

    @property
    def import_lines(self) -> tuple[str, ...]:
        return import_lines(self.imports)

    @property
    def type_checking_import_lines(self) -> tuple[str, ...]:
        return import_lines(self.type_checking_imports)
