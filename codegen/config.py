"""Settings from ``[tool.actorgen]`` in ``pyproject.toml``, and command-line overrides.

The settings for a path on the command line come from the nearest ``pyproject.toml`` in
its folder or above that has a ``[tool.actorgen]`` table (a ``pyproject.toml`` without one,
such as a sub-project's, is passed over). Keys:

- ``suffix``: the generated module for ``workers.py`` is ``workers<suffix>.py``
  (default ``"_actors"``);
- ``include``: glob patterns; only ``.py`` files matching one are scanned (default: all);
- ``exclude``: glob patterns of files and folders never scanned (default: none, besides
  hidden folders, ``__pycache__``, ``node_modules``, ``site-packages`` and virtual
  environments, which are always skipped while walking folders).

Patterns are relative to the folder of that ``pyproject.toml`` (see `patterns`).
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .patterns import PathFilter, PatternError, compile_patterns

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "DEFAULT_SUFFIX",
    "Config",
    "ConfigError",
    "Overrides",
    "UnreadableConfig",
    "check_overrides",
    "check_patterns",
    "check_suffix",
    "load_config",
]

DEFAULT_SUFFIX = "_actors"
_KEYS = ("exclude", "include", "suffix")


class ConfigError(Exception):
    """``[tool.actorgen]`` or a command-line setting cannot be used as written."""


class UnreadableConfig(Exception):
    """The settings of a path cannot be looked up: a folder on the way to its
    ``pyproject.toml``, or that file, cannot be read (permissions). A problem of that one
    path, not of the command line: the run goes on with the other paths."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path = path
        self.reason = error.strerror or str(error)
        super().__init__(f"{path}: cannot read: {self.reason}")


@dataclass(frozen=True)
class Config:
    suffix: str = DEFAULT_SUFFIX
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    source: Path | None = None  # the pyproject.toml it came from

    @property
    def folder(self) -> Path:
        """The folder patterns are relative to: the pyproject's, else the current one."""
        return self.source.parent if self.source is not None else Path.cwd()

    @property
    def path_filter(self) -> PathFilter:
        return PathFilter(self.include, self.exclude)

    def overridden(
        self,
        suffix: str | None = None,
        include: tuple[str, ...] | None = None,
        exclude: tuple[str, ...] = (),
    ) -> Config:
        """These settings with the command line's: ``--suffix`` and ``--include`` replace
        the file's values, ``--exclude`` adds to them."""
        return replace(
            self,
            suffix=self.suffix if suffix is None else suffix,
            include=self.include if include is None else include,
            exclude=self.exclude + exclude,
        )


_SUFFIX = re.compile(r"[A-Za-z0-9_]+")


def check_suffix(suffix: str) -> str:
    if not _SUFFIX.fullmatch(suffix):
        raise ConfigError(
            f"suffix {suffix!r} must be letters, digits and underscores, like '_actors'"
        )
    return suffix


def check_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    try:
        compile_patterns(patterns)
    except (PatternError, re.error) as error:
        raise ConfigError(f"bad glob pattern: {error}") from None
    return patterns


Overrides = tuple[str | None, tuple[str, ...] | None, tuple[str, ...]]
"""Settings from the command line: suffix and include (None: the file's), exclude."""


def check_overrides(
    suffix: str | None, include: Sequence[str] | None, exclude: Sequence[str]
) -> Overrides:
    """The command line's settings, checked: the one place that checks them, for the
    command and for `pipeline.plan` alike. Raises `ConfigError`."""
    return (
        None if suffix is None else check_suffix(suffix),
        None if include is None else check_patterns(tuple(include)),
        check_patterns(tuple(exclude)),
    )


def load_config(start: Path) -> Config:
    """The settings for `start`: from the first ``pyproject.toml`` with a
    ``[tool.actorgen]`` table in `start` (or its folder, for a file) or above it.

    Raises `ConfigError` for settings that cannot be used, `UnreadableConfig` when a
    folder on the way or a ``pyproject.toml`` cannot be read.
    """
    folder = start.resolve()
    try:
        if not folder.is_dir():
            folder = folder.parent
    except OSError as error:
        raise UnreadableConfig(start, error) from None
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        try:
            found = pyproject.is_file()
        except OSError as error:
            raise UnreadableConfig(candidate, error) from None
        if found:
            section = _section(pyproject)
            if section is not None:
                return _config(pyproject, section)
    return Config()


def _section(pyproject: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as error:
        raise UnreadableConfig(pyproject, error) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from None
    tool = data.get("tool")
    if not isinstance(tool, dict) or "actorgen" not in tool:
        return None
    section = tool["actorgen"]
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.actorgen] must be a table")
    return section


def _config(pyproject: Path, section: dict[str, Any]) -> Config:
    def fail(message: str) -> ConfigError:
        return ConfigError(f"{pyproject}: [tool.actorgen] {message}")

    unknown = sorted(set(section) - set(_KEYS))
    if unknown:
        hints = [
            f"{key!r} (did you mean {close[0]!r}?)"
            if (close := difflib.get_close_matches(key, _KEYS, n=1))
            else repr(key)
            for key in unknown
        ]
        raise fail(f"has unknown setting(s): {', '.join(hints)}; known: {', '.join(_KEYS)}")
    suffix = section.get("suffix", DEFAULT_SUFFIX)
    if not isinstance(suffix, str):
        raise fail("suffix must be a string, like '_actors'")
    patterns: dict[str, tuple[str, ...]] = {}
    for key in ("include", "exclude"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{key} must be a list of glob patterns (strings), like ['src/**']")
        patterns[key] = tuple(value)
    try:
        return Config(
            suffix=check_suffix(suffix),
            include=check_patterns(patterns["include"]),
            exclude=check_patterns(patterns["exclude"]),
            source=pyproject,
        )
    except ConfigError as error:
        raise fail(str(error)) from None
