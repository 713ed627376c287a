"""The model itself: a source snippet gives the `ModuleSpec` expected, beside the golden
files that show what it prints."""

from __future__ import annotations

import textwrap

import pytest
from actorgen.codegen.model import (
    ImportSpec,
    MessageSpec,
    ModuleSpec,
    Param,
    ParamKind,
    ProcessSpec,
    RouteSpec,
    Signature,
)
from actorgen.codegen.parse import analyze
from actorgen.codegen.render import render
from helpers import GOLDEN


def model(source: str, module: str = ".mod") -> ModuleSpec:
    spec, found = analyze("mod.py", textwrap.dedent(source), module)
    assert found == [], found
    assert spec is not None
    return spec


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
    a = Param("a", ParamKind.POSITIONAL_ONLY, "int", "LIMIT")
    into = Param("into", ParamKind.KEYWORD_ONLY, "list[int]", None, own_default=True)
    foo = Signature("self", (a,), "None")
    bar = Signature("self", (into,), "_actorgen.Future[int]")
    assert spec == ModuleSpec(
        source_name="mod.py",
        source_module=".workers",
        imports=(ImportSpec(".workers", "LIMIT"), ImportSpec(".workers", "Worker")),
        type_checking_imports=(),
        processes=(
            ProcessSpec(
                name="Worker",
                spelling="Worker",
                doc="Does the work.",
                init_params=(Param("name", ParamKind.POSITIONAL_OR_KEYWORD, "str", None),),
                messages=(
                    MessageSpec(
                        method="foo",
                        class_name="WorkerFooMessage",
                        params=(a,),
                        reply=None,
                        doc=None,
                        facade=foo,
                        cluster_facade=foo,
                        route=RouteSpec("key", "a"),
                    ),
                    MessageSpec(
                        method="bar",
                        class_name="WorkerBarMessage",
                        params=(into,),
                        reply="int",
                        doc="Bar.",
                        facade=bar,
                        cluster_facade=bar,
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
    (process,) = spec.processes
    assert process.shapes == (
        ("__init__", "name"),
        ("foo", "a=, / -> tell"),
        ("bar", "*, into= -> ask"),
    )


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
    assert message.cluster_doc == says
    assert message.process_doc == f"Send `{method}` to this process; it handles it in its turn."


def test_a_cluster_docstring_names_the_strategy_not_one_way_of_picking() -> None:
    (plain,) = model(
        "from actorgen.runtime import async_class\n@async_class\nclass W:\n"
        "    def foo(self) -> None: ...\n"
    ).processes
    assert "picked by the cluster's strategy (by default the next free member)" in " ".join(
        plain.cluster_doc.split()
    )
    (routed,) = model(ROUTED).processes
    assert "unless its method is routed otherwise" in " ".join(routed.cluster_doc.split())


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


# -- imports: the model knows what the printed code uses ---------------------------------------


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
def test_the_model_knows_whether_the_printed_code_uses_typing(source: str) -> None:
    """Nothing edits the rendered text: the template imports `typing` when the model
    says its code needs it, and every golden module agrees with its own text."""
    path = GOLDEN / source
    spec, found = analyze(str(path), path.read_text(), f".{path.stem}")
    assert found == []
    if spec is None:
        return
    text = render(spec)
    assert spec.uses_typing == ("_typing." in text)
    assert ("import typing as _typing\n" in text) == spec.uses_typing
