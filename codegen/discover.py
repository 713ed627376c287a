"""Finding the Python files to look at under the paths given on the command line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["python_files", "source_module"]

# Folders never worth scanning. Virtual environments are recognised by pyvenv.cfg.
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every ``.py`` file named or found below the folders named, each once, sorted."""
    seen: set[Path] = set()
    for path in paths:
        found = [path] if path.is_file() else _walk(path)
        for file in found:
            resolved = file.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield file


def _walk(root: Path) -> list[Path]:
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIPPED_DIRS
            and not (Path(folder, d) / "pyvenv.cfg").exists()
        )
        files.extend(Path(folder, name) for name in sorted(names) if name.endswith(".py"))
    return files


def source_module(path: Path) -> str:
    """How the generated module beside `path` imports it: relatively inside a package
    (``.workers``), by its plain name otherwise (``workers``)."""
    if (path.parent / "__init__.py").exists():
        return f".{path.stem}"
    return path.stem
