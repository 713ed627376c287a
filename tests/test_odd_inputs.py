"""Every input gets a correct module or a located diagnostic, and then no output.

The inputs here are those a run over real trees (site-packages, the standard library)
meets: file names that are not module names, ``__init__.py``, namespace packages, very
large classes, and paths that cannot be read. The machine running the tests may be root,
which reads everything, so unreadable paths are made so by `locked`: it makes the file
system calls the generator makes fail for a folder as a folder without permissions does.
"""

from __future__ import annotations

import builtins
import dataclasses
import errno
import io
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import actorgen.codegen.cli
import pytest
from actorgen.codegen.parse import analyze
from actorgen.codegen.render import render
from actorgen.runtime import StaleModuleWarning
from helpers import errors, run_cli, run_python

SOURCE = textwrap.dedent(
    """\
    from actorgen.runtime import async_class


    @async_class
    class Audit:
        def run(self, a: int) -> int:
            return a
    """
)


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def write(path: Path, text: str = SOURCE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- file names and packages ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["audit-tests.py", "class.py", "2fast.py"])
def test_a_file_whose_name_is_no_module_name_gets_a_diagnostic_and_no_output(
    tmp_path: Path, name: str
) -> None:
    source = write(tmp_path / "pkg" / name)
    write(tmp_path / "pkg" / "__init__.py", "")
    run = run_cli(tmp_path)
    stem = name.removesuffix(".py")
    assert errors(run) == [
        f"{source}:5:7: error: the generated module cannot import 'Audit' from {name}: "
        f"{stem!r} is not a module name Python can import (letters, digits and '_', not a "
        "keyword); rename the file"
    ]
    assert run.code == 1
    assert sorted(p.name for p in source.parent.iterdir()) == sorted([name, "__init__.py"])


def test_a_top_level_module_named_future_gets_a_diagnostic_and_no_output(tmp_path: Path) -> None:
    source = write(tmp_path / "__future__.py")
    run = run_cli(tmp_path)
    assert errors(run) == [
        f"{source}:5:7: error: the generated module cannot import 'Audit' from __future__.py: "
        "'from __future__ import ...' is a future statement, not an import; rename the file"
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["__future__.py"]


def test_an_init_module_is_imported_from_its_package_which_runs_once(tmp_path: Path) -> None:
    write(tmp_path / "shop" / "__init__.py", SOURCE + "RUNS = globals().get('RUNS', 0) + 1\n")
    run = run_cli(tmp_path / "shop")
    assert run.code == 0, run.err
    generated = (tmp_path / "shop" / "__init___actors.py").read_text()
    assert "\nfrom . import Audit\n" in generated
    run_python(
        "-c",
        "import sys, shop, shop.__init___actors as facades\n"
        "from actorgen.runtime import Runtime\n"
        "assert facades.Audit is shop.Audit and shop.RUNS == 1\n"
        "assert [m for m in sys.modules if m.startswith('shop.')] == ['shop.__init___actors']\n"
        "with Runtime(threads=1):\n"
        "    assert facades.AuditProcess.spawn().run(3).result() == 3\n",
        timeout=60,
        cwd=tmp_path,
    )


def test_a_namespace_package_inside_a_package_is_imported_relatively(tmp_path: Path) -> None:
    write(tmp_path / "shop" / "__init__.py", "")
    write(tmp_path / "shop" / "parts" / "audit.py")  # parts/ has no __init__.py
    run = run_cli(tmp_path / "shop")
    assert run.code == 0, run.err
    generated = (tmp_path / "shop" / "parts" / "audit_actors.py").read_text()
    assert "\nfrom .audit import Audit\n" in generated
    run_python(
        "-c",
        "from shop.parts import audit, audit_actors\n"
        "from actorgen.runtime import Runtime\n"
        "assert audit_actors.Audit is audit.Audit\n"
        "with Runtime(threads=1):\n"
        "    assert audit_actors.AuditCluster.spawn(2).run(4).result() == 4\n",
        timeout=60,
        cwd=tmp_path,
    )


def test_a_folder_outside_any_package_is_imported_by_plain_name(tmp_path: Path) -> None:
    write(tmp_path / "scripts" / "audit.py")
    assert run_cli(tmp_path).code == 0
    generated = (tmp_path / "scripts" / "audit_actors.py").read_text()
    assert "\nfrom audit import Audit\n" in generated


def test_a_class_of_thousands_of_messages_gives_a_module_that_compiles() -> None:
    """``A | B | ...`` over thousands of classes overflows CPython's compiler."""
    spec, found = analyze("audit.py", SOURCE, ".audit")
    assert spec is not None and found == []
    (process,) = spec.processes
    (message,) = process.messages
    many = tuple(
        dataclasses.replace(message, method=f"run{i}", class_name=f"AuditRun{i}Message")
        for i in range(4000)
    )
    text = render(
        dataclasses.replace(spec, processes=(dataclasses.replace(process, messages=many),))
    )
    assert "AuditMessage: _typing.TypeAlias = _typing.Union[\n    AuditRun0Message,\n" in text
    code = compile(text.replace("from .audit import Audit", "Audit = object"), "a", "exec")
    namespace: dict[str, object] = {"__file__": "audit_actors.py"}
    with pytest.warns(StaleModuleWarning):  # `object` stands in for the class: no messages
        exec(code, namespace)
    assert len(namespace["__all__"]) == 4000 + 4  # type: ignore[arg-type]


# -- what cannot be read --------------------------------------------------------------------


def locked(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make `folder` behave as one without permissions: nothing in or below it can be
    listed, looked at or opened."""
    prefix = str(folder)

    def inside(path: object) -> bool:
        text = os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else ""
        return text == prefix or text.startswith(prefix + os.sep)

    def refuse(path: object) -> OSError:
        return PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))  # type: ignore[arg-type]

    def guard(real: Callable[..., object], *, below_only: bool = False) -> Callable[..., object]:
        def guarded(path: object, *args: object, **kwargs: object) -> object:
            if inside(path) and not (below_only and os.fsdecode(path) == prefix):  # type: ignore[arg-type]
                raise refuse(path)
            return real(path, *args, **kwargs)

        return guarded

    # The folder itself can still be stat()ed (its parent is readable); what is below
    # it cannot, and it cannot be listed.
    monkeypatch.setattr(os, "stat", guard(os.stat, below_only=True))
    monkeypatch.setattr(os, "scandir", guard(os.scandir))
    monkeypatch.setattr(builtins, "open", guard(builtins.open, below_only=True))
    monkeypatch.setattr(io, "open", guard(io.open, below_only=True))


def test_an_unreadable_path_on_the_command_line_is_a_diagnostic_and_the_rest_is_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = write(tmp_path / "locked" / "audit.py")
    readable = write(tmp_path / "open" / "audit.py")
    locked(monkeypatch, tmp_path / "locked")
    run = run_cli(hidden, tmp_path / "open")
    assert run.code == 1
    assert errors(run) == [f"{hidden}:1:1: error: cannot read: Permission denied"]
    assert "Traceback" not in run.err
    assert (readable.parent / "audit_actors.py").exists()


def test_an_unreadable_folder_holding_the_settings_is_a_diagnostic_of_its_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "project" / "pyproject.toml", "[tool.actorgen]\n")
    inner = write(tmp_path / "project" / "src" / "audit.py")
    other = write(tmp_path / "other" / "audit.py")
    locked(monkeypatch, tmp_path / "project")
    run = run_cli(inner, other)
    assert run.code == 1
    assert f"{tmp_path / 'project'}" in errors(run)[0]
    assert ": error: cannot read: Permission denied" in errors(run)[0]
    assert len(errors(run)) == 1
    assert "Traceback" not in run.err
    assert (other.parent / "audit_actors.py").exists()


def test_an_unreadable_folder_in_a_tree_is_reported_and_check_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a" / "audit.py")
    write(tmp_path / "b" / "audit.py")
    assert run_cli(tmp_path).code == 0
    locked(monkeypatch, tmp_path / "b")
    expected = [
        f"{tmp_path / 'b'}:1:1: error: cannot read: Permission denied; nothing below it is scanned"
    ]
    check = run_cli(tmp_path, "--check")
    assert (check.code, errors(check)) == (1, expected)
    run = run_cli(tmp_path)
    assert (run.code, errors(run)) == (1, expected)
    assert "1 generated (0 written, 1 unchanged), 1 errors" in run.err


def test_a_failed_write_counts_as_failed_not_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a" / "audit.py")
    write(tmp_path / "b" / "audit.py")
    real = actorgen.codegen.cli.write_atomic

    def refuse_b(path: Path, text: str) -> None:
        if path.parent.name == "b":
            raise PermissionError(errno.EACCES, "Permission denied")
        real(path, text)

    monkeypatch.setattr(actorgen.codegen.cli, "write_atomic", refuse_b)
    run = run_cli(tmp_path)
    assert run.code == 1
    assert "2 generated (1 written, 0 unchanged, 1 failed), 1 errors" in run.err
