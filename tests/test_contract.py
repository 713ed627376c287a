"""The contract between generator and runtime (``actorgen.runtime._contract``) holds: the
runtime has every name, strategy, option and send method the contract promises, and the
generated modules use nothing the contract does not declare.

The runtime's cores are looked up through real facades (a tiny async class, generated and
imported here), not through the private modules that define them.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import inspect
import sys
import textwrap
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import actorgen.runtime as runtime
import pytest
from actorgen.codegen.parse import analyze
from actorgen.codegen.render import render
from actorgen.codegen.write import is_generated
from actorgen.runtime._contract import (
    CLUSTER_ATTRIBUTES,
    CLUSTER_STRATEGIES,
    GENERATED_USES,
    KEY_ROUTE,
    OPTION_NAMES,
    RESERVED_MEMBERS,
    ROUTE_STRATEGIES,
    SEND_SUFFIXES,
    send_method,
)
from helpers import GOLDEN, REPO

ROUTES: tuple[str | None, ...] = (None, *ROUTE_STRATEGIES, KEY_ROUTE)


def process_sends() -> frozenset[str]:
    """Every send method the contract can name for a process: ``tell`` and ``ask``."""
    return frozenset(send_method(is_ask) for is_ask in (False, True))


def cluster_sends() -> frozenset[str]:
    """Every send method the contract can name for a cluster, over all routes."""
    return frozenset(send_method(is_ask, r) for is_ask in (False, True) for r in ROUTES)


SOURCE = """\
from actorgen.runtime import async_class


@async_class
class Probe:
    def __init__(self, name: str) -> None:
        self.name = name

    def poke(self) -> None: ...

    def name_of(self) -> str:
        return self.name
"""


@pytest.fixture(scope="module")
def facades(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated facades of `SOURCE`, imported as the package ``contract_probe``."""
    folder = tmp_path_factory.mktemp("contract") / "contract_probe"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "probe.py").write_text(SOURCE)
    spec, found = analyze("probe.py", SOURCE, ".probe")
    assert found == [] and spec is not None
    (folder / "probe_actors.py").write_text(render(spec))
    package = importlib.util.spec_from_file_location(
        "contract_probe", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert package is not None and package.loader is not None
    sys.modules["contract_probe"] = importlib.util.module_from_spec(package)
    package.loader.exec_module(sys.modules["contract_probe"])
    try:
        yield importlib.import_module("contract_probe.probe_actors")
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "contract_probe"]:
            del sys.modules[name]


# -- names -----------------------------------------------------------------------------------


def test_the_runtime_exports_every_name_generated_modules_use() -> None:
    missing = sorted(name for name in GENERATED_USES if name not in runtime.__all__)
    assert missing == []
    assert all(hasattr(runtime, name) for name in GENERATED_USES)


@pytest.mark.parametrize("handle", [runtime.ProcessHandle, runtime.ClusterHandle])
def test_the_handles_add_no_public_name_beyond_the_reserved_ones(handle: type) -> None:
    """Every public name of a handle is one a message cannot take; the generated `spawn`
    is reserved too."""
    public = {name for name in dir(handle) if not name.startswith("_")}
    assert public <= RESERVED_MEMBERS
    assert "spawn" in RESERVED_MEMBERS


def test_the_cluster_handle_reads_the_attributes_the_contract_names() -> None:
    """`ClusterHandle` declares the class attributes that generated clusters set."""
    assert set(runtime.ClusterHandle.__annotations__) >= CLUSTER_ATTRIBUTES


# -- strategies and options ------------------------------------------------------------------


def _literal(hint: object) -> tuple[object, ...]:
    """The values of a ``Literal[...]``, also inside ``Literal[...] | None``."""
    if typing.get_origin(hint) is typing.Literal:
        return typing.get_args(hint)
    (literal,) = (a for a in typing.get_args(hint) if typing.get_origin(a) is typing.Literal)
    return typing.get_args(literal)


def test_cluster_strategies_are_the_runtimes() -> None:
    assert typing.get_args(runtime.Strategy) == CLUSTER_STRATEGIES


def test_route_strategies_are_the_ones_route_takes() -> None:
    """`@route`'s strategy (`RouteStrategy`) and the `Route` the generated clusters hold,
    read from their annotations."""
    assert _literal(typing.get_type_hints(runtime.route)["strategy"]) == ROUTE_STRATEGIES
    route_strategy = typing.get_type_hints(runtime.Route)["strategy"]
    assert _literal(route_strategy) == (*ROUTE_STRATEGIES, KEY_ROUTE)


def test_the_send_suffixes_cover_exactly_the_routes() -> None:
    assert set(SEND_SUFFIXES) == set(ROUTES)


def test_options_are_the_fields_of_process_options_and_async_class_takes_them() -> None:
    fields = tuple(f.name for f in dataclasses.fields(runtime.ProcessOptions))
    assert fields == OPTION_NAMES
    parameters = inspect.signature(runtime.async_class).parameters.values()
    keyword_only = tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY)
    assert keyword_only == OPTION_NAMES


# -- the cores have every send method the facades call ---------------------------------------


@pytest.mark.parametrize("strategy", CLUSTER_STRATEGIES)
def test_the_cluster_core_has_every_send_method(facades: ModuleType, strategy: str) -> None:
    with runtime.Runtime():
        core = facades.ProbeCluster([], strategy=strategy)._core
        missing = sorted(
            name for name in cluster_sends() if not callable(getattr(core, name, None))
        )
    assert missing == [], f"{type(core).__name__} lacks {missing}"


def test_the_process_core_has_tell_and_ask(facades: ModuleType) -> None:
    with runtime.Runtime():
        process = facades.ProbeProcess.spawn("p")
        core_type = type(process._core)
        assert process.name_of().result(timeout=10) == "p"
    missing = sorted(
        name for name in process_sends() if not callable(getattr(core_type, name, None))
    )
    assert missing == [], f"{core_type.__name__} lacks {missing}"


# -- generated modules use the contract only -------------------------------------------------


def _generated_modules() -> list[Path]:
    folders = (GOLDEN, REPO / "tests" / "runtime" / "app", REPO / "examples")
    return sorted(p for folder in folders for p in folder.rglob("*.py") if is_generated(p))


def uses(text: str) -> tuple[set[str], set[str]]:
    """The ``_core.<name>`` and ``_actorgen.<name>`` attributes that `text` reads."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        if sys.version_info >= (3, 12):
            raise
        return _uses_before_pep695(text)
    sends: set[str] = set()
    helpers: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr == "_core":
            sends.add(node.attr)
        elif isinstance(value, ast.Name) and value.id == "_actorgen":
            helpers.add(node.attr)
    return sends, helpers


def _uses_before_pep695(text: str) -> tuple[set[str], set[str]]:
    """`uses`, for a module with PEP 695 syntax that this Python's `ast` cannot read."""
    import libcst as cst

    sends: set[str] = set()
    helpers: set[str] = set()

    class Attributes(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            value = node.value
            if isinstance(value, cst.Attribute) and value.attr.value == "_core":
                sends.add(node.attr.value)
            elif isinstance(value, cst.Name) and value.value == "_actorgen":
                helpers.add(node.attr.value)

    cst.parse_module(text).visit(Attributes())
    return sends, helpers


def test_the_scan_of_generated_modules_finds_what_it_looks_for() -> None:
    """The check below would catch a send or a helper the contract does not declare."""
    text = textwrap.dedent(
        """\
        import actorgen.runtime as _actorgen
        class C(_actorgen.ProcessHandle):
            def m(self) -> None:
                self._core.tell_sideways(_actorgen.secret_helper)
        """
    )
    sends, helpers = uses(text)
    assert sends - cluster_sends() == {"tell_sideways"}
    assert helpers - GENERATED_USES == {"secret_helper"}


@pytest.mark.parametrize("path", _generated_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_a_generated_module_calls_only_what_the_contract_declares(path: Path) -> None:
    sends, helpers = uses(path.read_text(encoding="utf-8"))
    assert sends, "a generated module sends messages"
    assert sorted(sends - cluster_sends()) == []
    assert sorted(helpers - GENERATED_USES) == []
