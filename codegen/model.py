"""The intermediate model between the LibCST pass (`parse.py`) and the templates.

Everything a template prints is a field or a property here; templates only loop and
print. All classes are frozen and hold tuples, so a model is hashable, comparable in tests
and renders the same way every time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "ImportSpec",
    "MessageSpec",
    "ModuleSpec",
    "Param",
    "ParamKind",
    "ProcessSpec",
]


class ParamKind(enum.Enum):
    POSITIONAL_ONLY = "positional-only"
    POSITIONAL_OR_KEYWORD = "positional-or-keyword"
    VAR_POSITIONAL = "*args"
    KEYWORD_ONLY = "keyword-only"
    VAR_KEYWORD = "**kwargs"


_ANY = "_typing.Any"


@dataclass(frozen=True)
class Param:
    """One parameter of a message method or of `__init__`, as the user wrote it."""

    name: str
    kind: ParamKind
    annotation: str | None  # source text, None when unannotated
    default: str | None  # source text, None when there is no default

    @property
    def declared(self) -> str:
        """The parameter in a `def` line: ``a: int = 3``, ``*args: str``, ``**kw: Any``."""
        star = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}.get(self.kind, "")
        text = f"{star}{self.name}: {self.annotation or _ANY}"
        return text if self.default is None else f"{text} = {self.default}"

    @property
    def field_type(self) -> str:
        """The type of the message dataclass field that carries this argument."""
        annotation = self.annotation or _ANY
        if self.kind is ParamKind.VAR_POSITIONAL:
            return f"tuple[{annotation}, ...]"
        if self.kind is ParamKind.VAR_KEYWORD:
            return f"dict[str, {annotation}]"
        return annotation

    def passed_from(self, source: str) -> str:
        """This argument in a call that takes it from ``{source}{name}``."""
        value = f"{source}{self.name}"
        if self.kind is ParamKind.VAR_POSITIONAL:
            return f"*{value}"
        if self.kind is ParamKind.VAR_KEYWORD:
            return f"**{value}"
        if self.kind is ParamKind.KEYWORD_ONLY:
            return f"{self.name}={value}"
        return value


def _signature(params: tuple[Param, ...]) -> str:
    """Parameters joined for a `def`, with the `/` and `*` markers in their places."""
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
        parts.append(param.declared)
    if params and params[-1].kind is ParamKind.POSITIONAL_ONLY:
        parts.append("/")
    return ", ".join(parts)


@dataclass(frozen=True)
class MessageSpec:
    """One message method of an async class."""

    method: str  # the method's name, also the facade method's name
    class_name: str  # the generated frozen dataclass, e.g. ``WorkerFooMessage``
    params: tuple[Param, ...]
    reply: str | None  # the return annotation of an ask; None for a tell
    doc: str | None  # the method's docstring, repeated on the facade method

    @property
    def is_ask(self) -> bool:
        return self.reply is not None

    @property
    def signature(self) -> str:
        """The facade method's parameters after the receiver, as the user wrote them."""
        return _signature(self.params)

    @property
    def def_params(self) -> str:
        """The facade method's whole parameter list, receiver first."""
        return ", ".join(["self", self.signature]) if self.params else "self"

    @property
    def process_doc(self) -> str:
        return self.doc or f"Send `{self.method}` to this process; it handles it in its turn."

    @property
    def cluster_doc(self) -> str:
        return self.doc or f"Send `{self.method}` to the cluster; the next free member handles it."

    @property
    def facade_return(self) -> str:
        return "None" if self.reply is None else f"_actorgen.Future[{self.reply}]"

    @property
    def construct(self) -> str:
        """The call that builds the message inside the facade method."""
        fields = ", ".join(f"{p.name}={p.name}" for p in self.params)
        return f"{self.class_name}({fields})"

    @property
    def dispatch_call(self) -> str:
        """The call of the user's method inside the dispatch function."""
        args = ", ".join(p.passed_from("message.") for p in self.params)
        return f"instance.{self.method}({args})"


@dataclass(frozen=True)
class ProcessSpec:
    """One `@async_class` and the names generated for it."""

    name: str  # the user's class
    doc: str | None
    init_params: tuple[Param, ...]
    messages: tuple[MessageSpec, ...]
    message_union: str  # ``WorkerMessage``
    dispatch: str  # ``dispatch_worker``
    process: str  # ``WorkerProcess``
    cluster: str  # ``WorkerCluster``
    spawn_count: str  # ``n``, unless __init__ has a parameter of that name

    @property
    def init_signature(self) -> str:
        return _signature(self.init_params)

    @property
    def spawn_params(self) -> str:
        """`XProcess.spawn`'s whole parameter list: ``cls`` and __init__'s."""
        return ", ".join(["cls", self.init_signature]) if self.init_params else "cls"

    @property
    def process_doc(self) -> str:
        intro = f"A process that owns one `{self.name}`; each method sends it a message."
        return f"{intro}\n\n{self.doc}" if self.doc else intro

    @property
    def cluster_doc(self) -> str:
        intro = (
            f"A cluster of `{self.name}` processes: each message is handled by exactly one\n"
            "member, the next one that is free. Members stay directly addressable."
        )
        return f"{intro}\n\n{self.doc}" if self.doc else intro

    @property
    def init_call(self) -> str:
        """``Worker(name, size=size)``: the constructor call inside `spawn`."""
        args = ", ".join(p.passed_from("") for p in self.init_params)
        return f"{self.name}({args})"

    @property
    def cluster_spawn_params(self) -> str:
        """`XCluster.spawn`'s parameters: ``cls``, a positional-only count, then __init__'s."""
        count = f"cls, {self.spawn_count}: int"
        if self.init_params and self.init_params[0].kind is ParamKind.POSITIONAL_ONLY:
            return f"{count}, {self.init_signature}"
        return ", ".join([count, "/", *([self.init_signature] if self.init_params else [])])

    @property
    def init_forward(self) -> str:
        """The arguments `XCluster.spawn` passes on to `XProcess.spawn`."""
        return ", ".join(p.passed_from("") for p in self.init_params)

    @property
    def union(self) -> str:
        """The union of the message classes, wrapped one per line when it is long."""
        members = [m.class_name for m in self.messages]
        line = " | ".join(members)
        if len(line) + len(self.message_union) <= 60:
            return line
        return "(\n    " + "\n    | ".join(members) + "\n)"

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
    for spec in sorted(imports, key=lambda s: (s.module.startswith("."), s.module, s.name or "")):
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

    @property
    def exported(self) -> tuple[str, ...]:
        """``__all__``, sorted as isort and ruff sort it: classes first, then functions."""
        names = (name for p in self.processes for name in p.exported)
        return tuple(sorted(names, key=lambda name: (not name[:1].isupper(), name)))

    @property
    def import_lines(self) -> tuple[str, ...]:
        return import_lines(self.imports)

    @property
    def type_checking_import_lines(self) -> tuple[str, ...]:
        return import_lines(self.type_checking_imports)
