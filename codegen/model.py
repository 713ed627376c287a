"""The model between the LibCST pass (`parse`) and the emitter (`emit`): what the source
means, not the text of the generated module.

The pass reads each async class into a `ProcessSpec`: its messages, their parameters,
replies, routes and type parameters, and the names generated for them. What the model
keeps of the user's code is the user's own expressions (annotations, defaults, copied
decorators, bounds), each an `Expr`: the expression as the generated module writes it
(its names respelled to what that module binds) together with the imports those names
need. Everything else the generated module prints — signatures, sends, dispatch calls,
import statements, docstrings — is made from the model by `emit`, which also collects the
imports of the expressions it prints.

All classes are frozen and hold tuples and frozensets, so a model is hashable, comparable
in tests and emits the same text every time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Expr",
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


@dataclass(frozen=True, order=True)
class ImportSpec:
    """One import the generated module makes.

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


@dataclass(frozen=True)
class Expr:
    """An expression of the user's (an annotation, a default, a decorator, a bound), as
    the generated module writes it, and what its names need there.

    `text` is the user's expression with each name it starts from spelled as the generated
    module binds it (an alias where a generated name would hide it, ``Worker.Config`` for
    a name of the class body; string annotations unquoted). `imports` bind those names at
    run time, `checking_imports` under ``if TYPE_CHECKING:`` (the source imports them only
    there); `builtins` says that a builtin is written ``_builtins.name``, because a
    parameter hides it.
    """

    text: str
    imports: frozenset[ImportSpec] = frozenset()
    checking_imports: frozenset[ImportSpec] = frozenset()
    builtins: bool = False


@dataclass(frozen=True)
class Param:
    """One parameter of a message method or of `__init__`, as the user wrote it."""

    name: str
    kind: ParamKind
    annotation: Expr | None  # None when unannotated
    default: Expr | None = None  # a default the facades repeat (see `defaults`)
    # The default is the method's own (``into: list[int] = []``, see `defaults`): the
    # facades take `OWN_DEFAULT` for it and the method gets its own default object.
    own_default: bool = False
    # The annotation as the message dataclass's field writes it, when it differs: an
    # earlier field of the dataclass is named like a name it uses (``type: str, kind:
    # type[Event]``: in a class body the field would shadow the builtin, so the second
    # field's annotation is ``_builtins.type[Event]``).
    field: Expr | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not None or self.own_default


@dataclass(frozen=True)
class TypeParam:
    """A type parameter of an async class or of one of its message methods.

    Declared the PEP 695 way, it may have a `bound` and a `default`. A TypeVar's `name`
    is how the generated module spells it, and `imports` make it available there.
    """

    name: str
    bound: Expr | None = None
    default: Expr | None = None
    method_level: bool = False  # a parameter of the method, not of the class
    imports: frozenset[ImportSpec] = frozenset()


@dataclass(frozen=True)
class Generics:
    """The type parameters of a generated class or function, in order.

    With `pep695` they are declared in brackets (``class CacheProcess[K: Hashable, V]``),
    as the source declares them; otherwise they are TypeVars imported like any other
    name, and a class lists them in a ``Generic[...]`` base.
    """

    params: tuple[TypeParam, ...] = ()
    pep695: bool = False


@dataclass(frozen=True)
class Signature:
    """One facade method's signature (or one of its overloads'), as the source declares it."""

    receiver: str  # ``self``, unless a parameter has that name
    params: tuple[Param, ...]
    reply: Expr | None  # the return annotation; None when there is none or it says None
    generics: Generics = Generics()  # PEP 695 type parameters of the method
    decorators: tuple[Expr, ...] = ()  # copied from the source, e.g. ``deprecated("...")``


@dataclass(frozen=True)
class RouteSpec:
    """A message's ``@route(...)``: how its cluster facade hands it to the members.

    `strategy` is one of the contract's ``ROUTE_STRATEGIES`` or, for ``@route(key=...)``,
    its ``KEY_ROUTE`` (``"key"``); then `key` is the parameter whose value is the key.
    """

    strategy: str
    key: str | None = None


@dataclass(frozen=True)
class MessageSpec:
    """One message method of an async class."""

    method: str  # the method's name, also the facade methods' name
    class_name: str  # the generated frozen dataclass, e.g. ``WorkerFooMessage``
    params: tuple[Param, ...]  # the implementation's parameters: the dataclass's fields
    is_ask: bool  # it replies (the implementation or an overload returns something)
    doc: str | None  # the method's docstring, repeated on the facade methods
    facade: Signature  # the implementation's signature
    overloads: tuple[Signature, ...] = ()  # the ``@overload`` variants, in source order
    generics: Generics = Generics()  # the type parameters the dataclass's fields use
    route: RouteSpec | None = None  # the method's ``@route``; None: the cluster's own strategy
    # ``async def``: the dispatch returns the coroutine, which the runtime awaits on an
    # event loop; the facades are the same as for a plain ``def``.
    is_async: bool = False


@dataclass(frozen=True)
class ProcessSpec:
    """One `@async_class` and the names generated for it."""

    name: str  # the user's class, as the docs name it
    reference: Expr  # the class as the generated code refers to it, and its import
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


@dataclass(frozen=True)
class ModuleSpec:
    """Everything the generated module of one source file holds."""

    source_name: str  # the source file's name, for the header: ``workers.py``
    source_module: str  # how the generated module imports it: ``.workers`` or ``workers``
    processes: tuple[ProcessSpec, ...]
