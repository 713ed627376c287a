"""Settings from ``[tool.actorgen]`` in the nearest ``pyproject.toml``."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["Config", "ConfigError", "load_config"]


class ConfigError(Exception):
    """``[tool.actorgen]`` cannot be used as written."""


@dataclass(frozen=True)
class Config:
    suffix: str = "_actors"
    source: Path | None = None  # the pyproject.toml it came from


_SUFFIX = re.compile(r"[A-Za-z0-9_]+")


def check_suffix(suffix: str) -> str:
    if not _SUFFIX.fullmatch(suffix):
        raise ConfigError(
            f"suffix {suffix!r} must be letters, digits and underscores, like '_actors'"
        )
    return suffix


def load_config(start: Path) -> Config:
    """Read the first ``pyproject.toml`` found in `start` or the folders above it."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return _read(pyproject)
    return Config()


def _read(pyproject: Path) -> Config:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from None
    section = data.get("tool", {}).get("actorgen", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.actorgen] must be a table")
    unknown = sorted(set(section) - {"suffix"})
    if unknown:
        raise ConfigError(
            f"{pyproject}: unknown setting(s) in [tool.actorgen]: {', '.join(unknown)}"
        )
    suffix = section.get("suffix", Config.suffix)
    if not isinstance(suffix, str):
        raise ConfigError(f"{pyproject}: [tool.actorgen] suffix must be a string")
    try:
        return Config(suffix=check_suffix(suffix), source=pyproject)
    except ConfigError as error:
        raise ConfigError(f"{pyproject}: {error}") from None
