"""Glob patterns for ``include`` and ``exclude``, matched against project-relative paths.

The rules (documented for users in docs/cli.md):

- Paths are matched relative to the project folder (the folder of the ``pyproject.toml``
  in use, else the current folder), with ``/`` between parts, case-sensitively.
- ``*`` matches any run of characters within one part, ``?`` one character, ``[abc]`` and
  ``[!abc]`` a character class, and a ``**`` part any number of parts (none included).
- A pattern without a ``/`` (``vendor``, ``*_pb2.py``) matches a file or folder name at
  any depth, like a ``.gitignore`` line. A pattern with a ``/`` (``src/legacy``,
  ``tests/**/fixtures``) is anchored at the project folder; a leading ``/`` or ``./``
  anchors a pattern without other slashes, and a trailing ``/`` is ignored.
- A pattern that matches a folder matches everything below it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["PathFilter", "PatternError", "compile_patterns"]


class PatternError(ValueError):
    """A pattern that cannot be used (an empty one)."""


def compile_patterns(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One regular expression matching a relative path when any of `patterns` does, or
    ``None`` for no patterns."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{_translate(p)})" for p in patterns))


def _translate(pattern: str) -> str:
    stripped = pattern.strip("/") if not pattern.startswith("./") else pattern[2:].strip("/")
    if not stripped:
        raise PatternError(f"empty pattern {pattern!r}")
    parts = stripped.split("/")
    anchored = len(parts) > 1 or pattern.startswith(("/", "./"))
    if len(parts) > 1 and parts[-1] == "**":
        parts.pop()  # `src/gen/**` is `src/gen`: the walk can skip the folder whole
    body: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            body.append(".*" if last else "(?:.*/)?")
        else:
            body.append(_translate_part(part) + ("" if last else "/"))
    prefix = "" if anchored else "(?:.*/)?"
    # `(?:/.*)?`: a pattern that matches a folder matches everything below it.
    return f"{prefix}{''.join(body)}(?:/.*)?"


def _translate_part(part: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(part):
        char = part[i]
        i += 1
        if char == "*":
            while i < len(part) and part[i] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            # Find the closing bracket the way fnmatch does: a "!" and then a "]" right
            # after the opening bracket belong to the class.
            end = i
            if end < len(part) and part[end] == "!":
                end += 1
            if end < len(part) and part[end] == "]":
                end += 1
            end = part.find("]", end)
            if end < 0:  # no closing bracket: a literal "[", as in fnmatch
                out.append(re.escape(char))
                continue
            inner = part[i:end]
            i = end + 1
            negate = inner.startswith("!")
            if negate:
                inner = inner[1:]
            # Everything but "-" is literal inside a class (and escaping "[", "&", "~"
            # and "|" keeps `re` from reading set operations into it).
            inner = "".join(f"\\{c}" if c in "\\^[]&~|" else c for c in inner)
            out.append(f"[{'^/' if negate else ''}{inner}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


@dataclass(frozen=True)
class PathFilter:
    """Which project-relative paths to scan: ``include`` (empty: every ``.py`` file) minus
    ``exclude``."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    _include: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _exclude: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_include", compile_patterns(self.include))
        object.__setattr__(self, "_exclude", compile_patterns(self.exclude))

    def excludes(self, relative: str) -> bool:
        """True if `relative` (a file or folder) matches an ``exclude`` pattern."""
        return self._exclude is not None and self._exclude.fullmatch(relative) is not None

    def includes_file(self, relative: str) -> bool:
        """True if the file at `relative` is to be scanned."""
        if self._include is not None and self._include.fullmatch(relative) is None:
            return False
        return not self.excludes(relative)
