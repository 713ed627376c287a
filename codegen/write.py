"""Putting generated text on disk safely, and comparing it with what is there."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from .header import is_header

__all__ = ["is_generated", "unified_diff", "write_atomic"]


def is_generated(path: Path) -> bool:
    """True if the file at `path` starts with actorgen's header."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as stream:
            return is_header(stream.readline())
    except OSError:
        return False


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename: readers see the old
    file or the new one, never half of one, and a crash leaves no partial output."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600 files; match open()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def unified_diff(path: Path, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{path} (on disk)",
            tofile=f"{path} (generated)",
        )
    )
