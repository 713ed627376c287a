"""Analyses kept between runs, so that a run over unchanged sources parses nothing.

One JSON file per project (the folder of the ``pyproject.toml`` in use, else the first path
given) in the user's cache folder: ``$ACTORGEN_CACHE_DIR``, else
``$XDG_CACHE_HOME/actorgen``, else ``~/.cache/actorgen`` (``~/Library/Caches/actorgen`` on
macOS, ``%LOCALAPPDATA%\\actorgen\\Cache`` on Windows). Nothing is written into the tree.

Safety:

- an entry is used only for the same file bytes (a BLAKE2 digest), the same path as shown
  in diagnostics and the same import name of the source module, so it holds exactly what a
  fresh analysis would return: the same generated text and the same diagnostics;
- the whole file is keyed by a fingerprint of the generator (its own code and templates,
  the runtime's contract with it, LibCST, Jinja and the Python version): any change to
  them starts afresh;
- the file is replaced atomically; one that cannot be read or makes no sense is ignored,
  and failing to save is silent (the cache only ever saves time);
- the analysis step must stay a pure function of those inputs (see `analysis.Job`).

Only files that may define async classes have entries: the others are rejected by a
byte search that costs about as much as hashing them would.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
from functools import cache as memoize
from pathlib import Path
from typing import Any

from .analysis import Analysis
from .diagnostics import Diagnostic
from .write import write_atomic

__all__ = [
    "Cache",
    "cache_dir",
    "digest",
    "fingerprint",
    "generator_files",
    "generator_fingerprint",
]

_FORMAT = 1


def cache_dir() -> Path | None:
    """Where cache files go, or ``None`` if there is no such folder for this user."""
    explicit = os.environ.get("ACTORGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "actorgen"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "actorgen" / "Cache"
    try:
        home = Path.home()
    except RuntimeError:  # no home folder: no cache
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "actorgen"
    return home / ".cache" / "actorgen"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def generator_files() -> list[Path]:
    """The files whose content decides the generated code: actorgen's generator modules
    and templates, the runtime's contract with the generator, and the versions of LibCST
    and Jinja."""
    files = sorted(Path(__file__).parent.glob("*.py"))
    templates = importlib.util.find_spec("actorgen.templates")
    for folder in (templates.submodule_search_locations or []) if templates else []:
        files.extend(sorted(p for p in Path(folder).iterdir() if p.is_file()))
    runtime = importlib.util.find_spec("actorgen.runtime")  # found, not imported
    for folder in (runtime.submodule_search_locations or []) if runtime else []:
        files.append(Path(folder) / "_contract.py")
    for package, name in (("libcst", "_version.py"), ("jinja2", "__init__.py")):
        spec = importlib.util.find_spec(package)  # finds it without importing it
        for folder in (spec.submodule_search_locations or []) if spec else []:
            files.append(Path(folder) / name)
    return files


def fingerprint(files: list[Path]) -> str:
    """A digest of the content of `files`, with the cache format and Python's version
    (which words syntax errors)."""
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(f"{_FORMAT}\0{sys.version}\0".encode())
    for file in files:
        hasher.update(f"\0{file.name}\0".encode())
        try:
            hasher.update(file.read_bytes())
        except OSError:
            hasher.update(b"<unreadable>")
    return hasher.hexdigest()


@memoize
def generator_fingerprint() -> str:
    """Changes whenever anything that decides the generated code may have changed."""
    return fingerprint(generator_files())


class Cache:
    """The cached analyses of one project's source files, by absolute path."""

    def __init__(self, file: Path | None, entries: dict[str, Any] | None = None) -> None:
        self.file = file
        self._entries: dict[str, Any] = entries if entries is not None else {}
        self._dirty = False

    @classmethod
    def for_project(cls, project: Path, folder: Path | None = None) -> Cache:
        """The cache of the project in folder `project`, loaded from `folder` (default
        `cache_dir()`); an empty in-memory cache if there is nowhere to keep one."""
        folder = folder if folder is not None else cache_dir()
        if folder is None:
            return cls(None)
        project = project.resolve()
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", project.name or "root")[:40]
        key = hashlib.blake2b(str(project).encode(), digest_size=8).hexdigest()
        return cls.load(folder / f"{name}-{key}.json")

    @classmethod
    def load(cls, file: Path) -> Cache:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return cls(file)  # missing or unreadable: start afresh
        if (
            not isinstance(data, dict)
            or data.get("format") != _FORMAT
            or data.get("generator") != generator_fingerprint()
            or not isinstance(data.get("entries"), dict)
        ):
            return cls(file)
        return cls(file, data["entries"])

    def get(self, key: str, path: str, source_module: str, sha: str) -> Analysis | None:
        """The analysis stored for file `key` if it was made from the same inputs."""
        entry = self._entries.get(key)
        try:
            if (
                entry is None
                or entry["digest"] != sha
                or entry["path"] != path
                or entry["module"] != source_module
            ):
                return None
            text = entry["text"]
            if text is not None and not isinstance(text, str):
                return None
            diagnostics = tuple(
                Diagnostic(str(file), int(line), int(column), str(message))
                for file, line, column, message in entry["diagnostics"]
            )
        except (KeyError, TypeError, ValueError):  # an entry that makes no sense: a miss
            return None
        return Analysis(text, diagnostics)

    def put(self, key: str, path: str, source_module: str, sha: str, result: Analysis) -> None:
        self._entries[key] = {
            "digest": sha,
            "path": path,
            "module": source_module,
            "text": result.text,
            "diagnostics": [[d.path, d.line, d.column, d.message] for d in result.diagnostics],
        }
        self._dirty = True

    def save(self) -> None:
        """Write the cache if anything changed, dropping entries of deleted files."""
        if not self._dirty or self.file is None:
            return
        self._entries = {k: v for k, v in self._entries.items() if os.path.exists(k)}
        data = {"format": _FORMAT, "generator": generator_fingerprint(), "entries": self._entries}
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.file, json.dumps(data, separators=(",", ":")))
        except OSError:
            return  # a read-only home or a full disk: the next run just parses again
        self._dirty = False
