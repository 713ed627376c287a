"""Finding the Python files to look at under the paths given on the command line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .patterns import PathFilter

__all__ = ["OnError", "find_files", "relative_to", "source_module"]

# Folders never worth scanning when walking. Virtual environments are recognised by their
# pyvenv.cfg. A folder named on the command line is scanned even if it is one of these.
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})

# Told about each folder that cannot be read while walking (its path, the error).
OnError = Callable[[str, OSError], None]


def _ignore(path: str, error: OSError) -> None:
    pass


def find_files(
    paths: Iterable[Path],
    path_filter: PathFilter | None = None,
    folder: Path | None = None,
    seen: set[str] | None = None,
    on_error: OnError = _ignore,
) -> Iterator[tuple[Path, str]]:
    """Every ``.py`` file named or found below the folders named, with its resolved path
    (as a string), each once.

    `path_filter` patterns are matched against paths relative to `folder` (the project
    folder, default the current one); folders they exclude are not walked, and neither are
    hidden folders, ``__pycache__``, ``node_modules``, ``site-packages`` and virtual
    environments, unless named in `paths`. `seen` (resolved paths) lets several calls find
    each file once overall. A folder that cannot be read is passed to `on_error` and
    skipped; a path of `paths` that cannot be looked at raises `OSError`.
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
        for name, key in _walk(str(path), str(resolved), relative, path_filter, on_error):
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
    root: str, resolved_root: str, relative_root: str, path_filter: PathFilter, on_error: OnError
) -> Iterator[tuple[str, str]]:
    """(path to show, resolved path) of every file to scan below `root`. Works on strings:
    on a tree of thousands of files `pathlib` objects are most of the cost of a walk."""
    prefix = "" if relative_root in ("", ".") else relative_root + "/"

    def unreadable(error: OSError) -> None:
        on_error(str(error.filename) if error.filename is not None else root, error)

    for current, dirs, names in os.walk(root, onerror=unreadable):
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
    """How the generated module beside `path` imports it.

    - A package's ``__init__.py`` is the package itself: ``.`` (``from . import Worker``).
    - A module inside a package is imported relatively (``.workers``). A folder without
      ``__init__.py`` inside a package is a namespace package, part of that package, so
      its modules are imported relatively too.
    - Otherwise the folder is taken for one on ``sys.path`` (a folder of scripts), and the
      module is imported by its plain name (``workers``).
    """
    if path.name == "__init__.py":
        return "."
    if _in_package(path.parent):
        return f".{path.stem}"
    return path.stem


def _in_package(folder: Path) -> bool:
    """Whether `folder` is a package or a namespace package inside one: it or a folder
    above it has an ``__init__.py``, and the folders between are valid package names."""
    while True:
        try:
            if (folder / "__init__.py").exists():
                return True
        except OSError:  # a folder above that cannot be looked into
            return False
        parent = folder.parent
        if parent == folder or not folder.name.isidentifier():
            return False
        folder = parent
