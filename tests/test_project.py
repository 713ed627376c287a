"""Project-wide promises: layering, public surface, type-checking and lint."""

from __future__ import annotations

import ast
import subprocess
import sys
import typing

import actorgen.runtime
import pytest
from helpers import REPO

# Optional modules of the runtime, each the bridge to one extra; nothing else imports them.
OPTIONAL = {"prometheus.py": "prometheus_client", "ray.py": "ray"}


def test_runtime_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names)
    for file in (REPO / "runtime").glob("*.py"):
        extra = {OPTIONAL[file.name]} if file.name in OPTIONAL else set()
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] in allowed | extra, f"{file.name} imports {module}"


def test_importing_the_runtime_loads_no_generator_dependency() -> None:
    code = (
        "import sys, actorgen.runtime; "
        "bad = [m for m in ('libcst', 'jinja2', 'actorgen.codegen', 'prometheus_client', "
        "'rich', 'actorgen.runtime.prometheus', 'ray', 'actorgen.runtime.ray') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_runtime_exports_a_small_documented_surface() -> None:
    assert sorted(actorgen.runtime.__all__) == [
        "ActorgenError",
        "ClusterHandle",
        "ClusterStats",
        "Failure",
        "Future",
        "HandlerCancelled",
        "Histogram",
        "LatencySeries",
        "NoMembers",
        "OWN_DEFAULT",
        "ProcessHandle",
        "ProcessOptions",
        "ProcessStats",
        "ProcessStopped",
        "QueueFull",
        "Route",
        "Runtime",
        "RuntimeStats",
        "RuntimeStopped",
        "StaleModuleWarning",
        "Strategy",
        "Supervision",
        "UsageError",
        "WhenFull",
        "add_member",
        "assert_never",
        "async_class",
        "cluster_stats",
        "default_runtime",
        "joined",
        "log_failure",
        "new_process",
        "or_own_default",
        "process_stats",
        "remove_member",
        "room",
        "route",
        "runtime_stats",
        "spawn_members",
        "spawn_options",
        "stop_process",
        "warn_if_stale",
    ]
    for name in actorgen.runtime.__all__:
        value = getattr(actorgen.runtime, name)
        if typing.get_origin(value) is typing.Literal:
            continue  # a type alias (`Supervision`): documented where it is defined
        assert value.__doc__, f"{name} has no docstring"


def test_nothing_is_installed_as_a_bare_codegen_or_runtime_package() -> None:
    code = "import importlib.util as u; print(u.find_spec('codegen'), u.find_spec('runtime'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "None None"


def test_facades_reserve_only_spawn_join_and_members() -> None:
    public = {
        name
        for cls in (actorgen.runtime.ProcessHandle, actorgen.runtime.ClusterHandle)
        for name in dir(cls)
        if not name.startswith("_")
    }
    assert public == {"join", "members"}  # `spawn` is generated per class


@pytest.mark.parametrize(
    "command",
    [
        ["mypy", "--strict", "-p", "actorgen.runtime", "-p", "actorgen.codegen"],
        ["ruff", "check", "."],
    ],
    ids=["mypy-strict", "ruff"],
)
def test_the_package_passes_its_checkers(command: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
