"""The runtime's layers, as docs/architecture.md draws them, checked on its imports.

- no import cycles between runtime modules at run time (imports under
  ``if TYPE_CHECKING:`` are for type checkers only and do not count; imports inside
  functions do);
- the semantics do not know the backends: no module but the backends themselves, the
  default runtime and the public entry points imports `_threads`, `_deterministic` or
  `ray`;
- the runtime imports nothing outside the standard library, but for its optional
  modules on one extra each (`prometheus` on prometheus_client, the `ray` backend on
  Ray), which no module imports: `import actorgen.runtime` never loads Ray.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

RUNTIME = Path(__file__).resolve().parent.parent / "runtime"
BACKENDS = {"_threads", "_deterministic", "ray"}
# Who may name a backend: the package's entry points, and the default runtime (a pool).
MAY_IMPORT_BACKENDS = {"__init__", "testing", "_default"}
# Optional modules and the one package outside the standard library each may import.
OPTIONAL = {"prometheus": "prometheus_client", "ray": "ray"}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def run_time_imports(path: Path) -> tuple[set[str], set[str]]:
    """(runtime modules, top-level outside packages) that `path` imports at run time."""
    inside: set[str] = set()
    outside: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom):
                if child.level == 1:
                    if child.module is None:
                        inside.update(alias.name for alias in child.names)
                    else:
                        inside.add(child.module.split(".")[0])
                elif child.level == 0 and child.module is not None:
                    outside.add(child.module.split(".")[0])
            elif isinstance(child, ast.Import):
                outside.update(alias.name.split(".")[0] for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text()))
    return inside, outside


def graph() -> dict[str, set[str]]:
    return {path.stem: run_time_imports(path)[0] for path in RUNTIME.glob("*.py")}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    path: list[str] = []

    def walk(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for target in sorted(edges.get(module, ())):
            cycle = walk(target)
            if cycle is not None:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(edges):
        cycle = walk(module)
        if cycle is not None:
            return cycle
    return None


def test_runtime_modules_import_each_other_without_cycles() -> None:
    edges = graph()
    assert len(edges) > 20  # the parse found the modules
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or ())


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_semantics_do_not_import_a_backend() -> None:
    wrong = {
        module: sorted(targets & BACKENDS)
        for module, targets in graph().items()
        if targets & BACKENDS and module not in BACKENDS | MAY_IMPORT_BACKENDS
    }
    assert not wrong, f"modules that import a backend: {wrong}"


def test_the_runtime_needs_only_the_standard_library() -> None:
    foreign = {
        path.name: sorted(
            name
            for name in run_time_imports(path)[1]
            if name not in sys.stdlib_module_names
            and name != "__future__"
            and name != OPTIONAL.get(path.stem)
        )
        for path in RUNTIME.glob("*.py")
    }
    assert not {name: found for name, found in foreign.items() if found}


def test_no_runtime_module_imports_an_optional_one() -> None:
    users = {module for module, targets in graph().items() if targets & set(OPTIONAL)}
    assert not users, f"modules that import an optional module: {sorted(users)}"


def test_importing_the_runtime_does_not_load_ray() -> None:
    import subprocess

    code = "import sys, actorgen.runtime, actorgen.runtime.testing; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
