"""Finding the Python files to look at under the paths given on the command line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .patterns import PathFilter

__all__ = ["find_files", "python_files", "relative_to", "source_module"]

# Folders never worth scanning when walking. Virtual environments are recognised by their
# pyvenv.cfg. A folder named on the command line is scanned even if it is one of these.
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})


def python_files(
    paths: Iterable[Path],
    path_filter: PathFilter | None = None,
    folder: Path | None = None,
) -> Iterator[Path]:
    """Every ``.py`` file named or found below the folders named, each once, in a stable
    order (sorted within each folder). See `find_files`."""
    for path, _ in find_files(paths, path_filter, folder):
        yield path


def find_files(
    paths: Iterable[Path],
    path_filter: PathFilter | None = None,
    folder: Path | None = None,
    seen: set[str] | None = None,
) -> Iterator[tuple[Path, str]]:
    """Every ``.py`` file named or found below the folders named, with its resolved path
    (as a string), each once.

    `path_filter` patterns are matched against paths relative to `folder` (the project
    folder, default the current one); folders they exclude are not walked, and neither are
    hidden folders, ``__pycache__``, ``node_modules``, ``site-packages`` and virtual
    environments, unless named in `paths`. `seen` (resolved paths) lets several calls find
    each file once overall.
    """
    path_filter = path_filter or PathFilter()
    folder = (folder or Path.cwd()).resolve()
    seen = set() if seen is None else seen
    for path in paths:
        resolved = path.resolve()
        relative = relative_to(resolved, folder)
        if path.is_file():
            # Only .py files are sources, even named ones (pre-commit also passes stubs
            # and scripts that it recognises as Python).
            if (
                path.suffix == ".py"
                and path_filter.includes_file(relative)
                and str(resolved) not in seen
            ):
                seen.add(str(resolved))
                yield path, str(resolved)
            continue
        for name, key in _walk(str(path), str(resolved), relative, path_filter):
            if key not in seen:
                seen.add(key)
                yield Path(name), key


def relative_to(path: Path, folder: Path) -> str:
    """`path` (resolved) relative to `folder` with ``/`` separators; a path outside
    `folder` is given whole, without its root, so that unanchored patterns still apply."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix().lstrip("/")


def _walk(
    root: str, resolved_root: str, relative_root: str, path_filter: PathFilter
) -> Iterator[tuple[str, str]]:
    """(path to show, resolved path) of every file to scan below `root`. Works on strings:
    on a tree of thousands of files `pathlib` objects are most of the cost of a walk."""
    prefix = "" if relative_root in ("", ".") else relative_root + "/"
    for current, dirs, names in os.walk(root):
        below = current[len(root) :].replace(os.sep, "/").lstrip("/")
        relative = prefix + below + "/" if below else prefix
        resolved = resolved_root + os.sep + below.replace("/", os.sep) if below else resolved_root
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIPPED_DIRS
            and not path_filter.excludes(relative + d)
            and not os.path.exists(os.path.join(current, d, "pyvenv.cfg"))
        )
        for name in sorted(names):
            if name.endswith(".py") and path_filter.includes_file(relative + name):
                yield os.path.join(current, name), os.path.join(resolved, name)


def source_module(path: Path) -> str:
    """How the generated module beside `path` imports it: relatively inside a package
    (``.workers``), by its plain name otherwise (``workers``)."""
    if (path.parent / "__init__.py").exists():
        return f".{path.stem}"
    return path.stem
