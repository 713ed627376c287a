"""The model itself: a source snippet gives the `ModuleSpec` expected — data, not Python
text — beside the golden files that show what the emitter makes of it."""

from __future__ import annotations

import textwrap

import pytest
from actorgen.codegen.emit import cluster_doc, cluster_method_doc, emit, process_method_doc
from actorgen.codegen.model import (
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
from actorgen.codegen.parse import analyze
from actorgen.codegen.render import render
from helpers import GOLDEN

POK = ParamKind.POSITIONAL_OR_KEYWORD


def model(source: str, module: str = ".mod") -> ModuleSpec:
    spec, found = analyze("mod.py", textwrap.dedent(source), module)
    assert found == [], found
    assert spec is not None
    return spec


def only_message(source: str) -> MessageSpec:
    (process,) = model(source).processes
    (message,) = process.messages
    return message


def imported(module: str, name: str, alias: str | None = None) -> frozenset[ImportSpec]:
    return frozenset({ImportSpec(module, name, alias)})


# -- a snippet and its whole model ------------------------------------------------------------


def test_a_small_class_gives_exactly_this_model() -> None:
    spec = model(
        """\
        from actorgen.runtime import async_class, route

        LIMIT = 3


        @async_class
        class Worker:
            \"\"\"Does the work.\"\"\"

            def __init__(self, name: str) -> None: ...

            @route(key="a")
            def foo(self, a: int = LIMIT, /) -> None: ...

            def bar(self, *, into: list[int] = []) -> int:
                \"\"\"Bar.\"\"\"
                return 0
        """,
        ".workers",
    )
    limit = Expr("LIMIT", imported(".workers", "LIMIT"))
    a = Param("a", ParamKind.POSITIONAL_ONLY, Expr("int"), limit)
    into = Param("into", ParamKind.KEYWORD_ONLY, Expr("list[int]"), own_default=True)
    assert spec == ModuleSpec(
        source_name="mod.py",
        source_module=".workers",
        processes=(
            ProcessSpec(
                name="Worker",
                reference=Expr("Worker", imported(".workers", "Worker")),
                doc="Does the work.",
                init_params=(Param("name", POK, Expr("str")),),
                messages=(
                    MessageSpec(
                        method="foo",
                        class_name="WorkerFooMessage",
                        params=(a,),
                        is_ask=False,
                        doc=None,
                        facade=Signature("self", (a,), None),
                        route=RouteSpec("key", "a"),
                    ),
                    MessageSpec(
                        method="bar",
                        class_name="WorkerBarMessage",
                        params=(into,),
                        is_ask=True,
                        doc="Bar.",
                        facade=Signature("self", (into,), Expr("int")),
                    ),
                ),
                message_union="WorkerMessage",
                dispatch="dispatch_worker",
                process="WorkerProcess",
                cluster="WorkerCluster",
                spawn_receiver="cls",
                spawn_make="make",
                spawn_count="n",
            ),
        ),
    )
    (process,) = emit(spec).processes
    assert process.shapes == (
        ("__init__", "name"),
        ("foo", "a=, / -> tell"),
        ("bar", "*, into= -> ask"),
    )


# -- one kind of message at a time --------------------------------------------------------------


def test_a_tell_has_no_reply() -> None:
    message = only_message(
        """\
        from actorgen.runtime import async_class

        @async_class
        class W:
            def note(self, text: str) -> None: ...
        """
    )
    text = Param("text", POK, Expr("str"))
    assert message == MessageSpec(
        method="note",
        class_name="WNoteMessage",
        params=(text,),
        is_ask=False,
        doc=None,
        facade=Signature("self", (text,), None),
    )


def test_an_ask_keeps_its_generic_reply_and_the_type_parameters_it_uses() -> None:
    message = only_message(
        """\
        from typing import Generic, TypeVar
        from actorgen.runtime import async_class

        K = TypeVar("K")
        V = TypeVar("V")

        @async_class
        class Cache(Generic[K, V]):
            def get(self, key: K) -> list[V] | None: ...
        """
    )
    k = TypeParam("K", imports=imported(".mod", "K"))
    key = Param("key", POK, Expr("K", imported(".mod", "K")))
    assert message.is_ask
    assert message.facade.reply == Expr("list[V] | None", imported(".mod", "V"))
    assert message.params == (key,)
    # The dataclass carries the key only: of the class's parameters it is generic in K.
    assert message.generics == Generics((k,), pep695=False)


def test_a_keyed_route_names_its_parameter() -> None:
    message = only_message(
        """\
        from actorgen.runtime import async_class, route

        @async_class
        class Shard:
            @route(key="user")
            def visit(self, user: str, page: str) -> None: ...
        """
    )
    assert message.route == RouteSpec("key", "user")
    # What the facades print of it: a process takes it directly; a cluster sends it by
    # its key, the parameter's value.
    (process,) = emit(model_of(message)).processes
    assert process.process_methods[0].send == "self._core.tell(ShardVisitMessage(user, page))"
    assert process.cluster_methods[0].send == (
        "self._core.tell_keyed(ShardVisitMessage(user, page), user)"
    )
    assert process.routes == ('ShardVisitMessage: _actorgen.Route("key", "user")',)


def model_of(message: MessageSpec) -> ModuleSpec:
    """A module of one class with `message` only, to emit it."""
    return ModuleSpec(
        "mod.py",
        ".mod",
        (
            ProcessSpec(
                name="Shard",
                reference=Expr("Shard", imported(".mod", "Shard")),
                doc=None,
                init_params=(),
                messages=(message,),
                message_union="ShardMessage",
                dispatch="dispatch_shard",
                process="ShardProcess",
                cluster="ShardCluster",
                spawn_receiver="cls",
                spawn_make="make",
                spawn_count="n",
            ),
        ),
    )


def test_defaults_are_copied_or_left_to_the_method() -> None:
    message = only_message(
        """\
        from actorgen.runtime import async_class
        import enum

        class Color(enum.Enum):
            RED = 1

        @async_class
        class W:
            def paint(
                self, color: Color = Color.RED, times: int = -1, *, into: list[str] = [],
                name=None,
            ) -> None: ...
        """
    )
    color = imported(".mod", "Color")
    assert message.params == (
        Param("color", POK, Expr("Color", color), Expr("Color.RED", color)),
        Param("times", POK, Expr("int"), Expr("-1")),
        Param("into", ParamKind.KEYWORD_ONLY, Expr("list[str]"), own_default=True),
        Param("name", ParamKind.KEYWORD_ONLY, None, Expr("None")),
    )


def test_each_expression_carries_the_imports_its_names_need() -> None:
    message = only_message(
        """\
        from __future__ import annotations

        from typing import TYPE_CHECKING
        import collections.abc as abc
        from actorgen.runtime import async_class

        if TYPE_CHECKING:
            from decimal import Decimal

        @async_class
        class W:
            def total(self, items: abc.Sequence[int], type: str, kind: "type[Decimal]") -> Decimal:
                ...
        """
    )
    items, type_, kind = message.params
    assert items.annotation == Expr(
        "abc.Sequence[int]", frozenset({ImportSpec("collections.abc", alias="abc")})
    )
    assert type_.annotation == Expr("str")
    decimal = imported("decimal", "Decimal")
    # Unquoted; under TYPE_CHECKING only, as the source imports it.
    assert kind.annotation == Expr("type[Decimal]", checking_imports=decimal)
    # In the dataclass, after the field `type`, the builtin is reached through `_builtins`.
    assert kind.field == Expr("_builtins.type[Decimal]", checking_imports=decimal, builtins=True)
    assert message.facade.reply == Expr("Decimal", checking_imports=decimal)


def test_the_module_imports_what_the_emitted_code_uses() -> None:
    spec = model(
        """\
        from typing import TYPE_CHECKING
        from actorgen.runtime import async_class

        if TYPE_CHECKING:
            from decimal import Decimal

        @async_class
        class W:
            def total(self, type: str, kind: type[int]) -> Decimal: ...
        """
    )
    view = emit(spec)
    assert view.standard_imports == (
        "import builtins as _builtins",
        "import dataclasses as _dataclasses",
        "import typing as _typing",
    )
    assert view.runtime_imports == ("import actorgen.runtime as _actorgen",)
    assert view.import_lines == ("from .mod import W",)
    assert view.type_checking == "_typing.TYPE_CHECKING"
    assert view.type_checking_import_lines == ("from decimal import Decimal",)
    assert view.helpers == {"_actorgen", "_builtins", "_dataclasses", "_typing"}


def test_an_expression_that_is_not_printed_imports_nothing() -> None:
    """An overloaded message's facade returns a future of Any: its implementation's
    reply is in the model, but the printed code never names what it imports."""
    spec = model(
        """\
        from decimal import Decimal
        from typing import overload
        from actorgen.runtime import async_class

        @async_class
        class W:
            @overload
            def get(self, key: int) -> int: ...
            @overload
            def get(self, key: str) -> str: ...
            def get(self, key: int | str) -> int | str | Decimal: ...
        """
    )
    (process,) = spec.processes
    (message,) = process.messages
    assert message.facade.reply == Expr("int | str | Decimal", imported("decimal", "Decimal"))
    assert emit(spec).import_lines == ("from .mod import W",)
    assert "Decimal" not in render(spec)


# -- docstrings: true for every strategy and route ---------------------------------------------

ROUTED = """\
from actorgen.runtime import async_class, route

@async_class
class Shard:
    def plain(self) -> None: ...

    @route("balanced")
    def balanced(self) -> None: ...

    @route("round_robin")
    def turn(self) -> None: ...

    @route(key="user")
    def visit(self, user: str) -> None: ...

    @route("broadcast")
    def everyone(self) -> None: ...

    @route("broadcast")
    def names(self) -> str: ...
"""


@pytest.mark.parametrize(
    ("method", "says"),
    [
        # The cluster's own strategy may be balanced, round robin or work stealing.
        (
            "plain",
            "Send `plain` to the cluster; one member handles it (the cluster's strategy "
            "picks which).",
        ),
        (
            "balanced",
            "Send `balanced` to the cluster.\n\nRouted to the next free member (balanced).",
        ),
        ("turn", "Send `turn` to the cluster.\n\nRouted to the members in turn (round robin)."),
        (
            "visit",
            "Send `visit` to the cluster.\n\nRouted by `user`: messages with equal `user` "
            "go to the same member.",
        ),
        ("everyone", "Send `everyone` to the cluster.\n\nSent to every member (broadcast)."),
        (
            "names",
            "Send `names` to the cluster.\n\nSent to every member (broadcast); the reply "
            "is a tuple with one future\nper member, in member order.",
        ),
    ],
)
def test_each_cluster_method_says_how_its_message_is_routed(method: str, says: str) -> None:
    (process,) = model(ROUTED).processes
    (message,) = [m for m in process.messages if m.method == method]
    assert cluster_method_doc(message) == says
    assert (
        process_method_doc(message)
        == f"Send `{method}` to this process; it handles it in its turn."
    )


def test_a_cluster_docstring_names_the_strategy_not_one_way_of_picking() -> None:
    (plain,) = model(
        "from actorgen.runtime import async_class\n@async_class\nclass W:\n"
        "    def foo(self) -> None: ...\n"
    ).processes
    assert "picked by the cluster's strategy (by default the next free member)" in " ".join(
        cluster_doc(plain).split()
    )
    (routed,) = model(ROUTED).processes
    assert "unless its method is routed otherwise" in " ".join(cluster_doc(routed).split())


# -- decorators: recognised by what the module imports them as ---------------------------------


@pytest.mark.parametrize(
    ("imports", "marker", "by", "variant"),
    [
        (
            "from actorgen.runtime import async_class as a, route as r\n"
            "from typing import overload as o",
            "a",
            "r",
            "o",
        ),
        (
            "import actorgen.runtime as ag\nimport typing as t",
            "ag.async_class",
            "ag.route",
            "t.overload",
        ),
        (
            "import actorgen.runtime\nimport typing",
            "actorgen.runtime.async_class",
            "actorgen.runtime.route",
            "typing.overload",
        ),
        (
            "try:\n    from typing import overload\nexcept ImportError:\n"
            "    from typing_extensions import overload\n"
            "if True:\n    from actorgen.runtime import async_class, route",
            "async_class",
            "route",
            "overload",
        ),
    ],
)
def test_decorators_are_recognised_however_the_module_imports_them(
    imports: str, marker: str, by: str, variant: str
) -> None:
    source = (
        f"{imports}\n\n@{marker}\nclass W:\n"
        f"    @{variant}\n    def get(self, key: int) -> int: ...\n"
        f"    @{variant}\n    def get(self, key: str) -> str: ...\n"
        f'    @{by}(key="key")\n    def get(self, key: int | str) -> int | str:\n'
        "        return key\n"
    )
    (process,) = model(source).processes
    (message,) = process.messages
    assert len(message.overloads) == 2
    assert message.route is not None and message.route.key == "key"


def test_a_local_function_named_like_a_decorator_is_not_the_decorator() -> None:
    spec, found = analyze(
        "mod.py",
        "def async_class(cls):\n    return cls\n\n@async_class\nclass W:\n"
        "    def foo(self) -> None: ...\n",
        ".mod",
    )
    assert (spec, found) == (None, [])


# -- imports: the emitter records what the printed code uses ------------------------------------


@pytest.mark.parametrize(
    "source",
    sorted(
        str(p.relative_to(GOLDEN))
        for p in GOLDEN.rglob("*.py")
        if p.parent.name == "app" or p.parent.parent == GOLDEN
        if not p.name.endswith("_actors.py") and p.name not in ("__init__.py",)
        if not p.name.startswith("usage_")
    ),
)
def test_the_emitter_knows_which_helpers_the_printed_code_uses(source: str) -> None:
    """Nothing edits the rendered text: the module imports a helper module when the
    emitter recorded a use of it, and every golden module agrees with its own text."""
    path = GOLDEN / source
    spec, found = analyze(str(path), path.read_text(), f".{path.stem}")
    assert found == []
    if spec is None:
        return
    text = render(spec)
    helpers = emit(spec).helpers
    for helper, module in (
        ("_builtins", "builtins"),
        ("_dataclasses", "dataclasses"),
        ("_typing", "typing"),
        ("_actorgen", "actorgen.runtime"),
    ):
        assert (helper in helpers) == (f"{helper}." in text), helper
        assert (f"\nimport {module} as {helper}\n" in text) == (helper in helpers), helper
