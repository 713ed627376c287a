"""What the command prints, in colour on a terminal and plain everywhere else.

Colour follows the usual conventions: never when ``NO_COLOR`` is set (https://no-color.org),
always when ``FORCE_COLOR`` is set (to anything but ``0``), else only on a terminal whose
``TERM`` is not ``dumb``. Each stream is decided on its own: ``actorgen src 2>log`` keeps
colour on stdout. Diagnostics, errors and the summary go to stderr; the list of files
written, removed or out of date, and diffs, go to stdout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .diagnostics import Diagnostic

__all__ = ["Printer", "Summary", "use_colour"]

_RESET = "\033[0m"
_BOLD = "\033[1m"
_RED = "\033[31m"
_GREEN = "\033[32m"
_YELLOW = "\033[33m"
_CYAN = "\033[36m"


def use_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


@dataclass
class Summary:
    """The counts of one run, for its summary line."""

    scanned: int
    generated: int
    errors: int
    seconds: float
    written: int = 0
    removed: int = 0
    failed: int = 0  # outputs that could not be written (or removed): errors, not unchanged
    out_of_date: int | None = None  # set by --check and --diff


class Printer:
    """Prints one run's report; ``quiet`` keeps only diagnostics, errors and what
    ``--check``/``--diff`` report."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        quiet: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.out = out
        self.err = err
        self.quiet = quiet
        self._colour_out = use_colour(out, environ)
        self._colour_err = use_colour(err, environ)

    def _paint(self, text: str, *codes: str, err: bool) -> str:
        if not (self._colour_err if err else self._colour_out) or not codes:
            return text
        return "".join(codes) + text + _RESET

    def diagnostic(self, diagnostic: Diagnostic) -> None:
        where = f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}:"
        print(
            f"{self._paint(where, _BOLD, err=True)} {self._paint('error:', _BOLD, _RED, err=True)}"
            f" {diagnostic.message}",
            file=self.err,
            flush=True,
        )

    def error(self, message: str) -> None:
        """A problem with the command itself (usage, configuration, writing)."""
        label = self._paint("error:", _BOLD, _RED, err=True)
        print(f"actorgen: {label} {message}", file=self.err, flush=True)

    def info(self, message: str) -> None:
        if not self.quiet:
            print(f"actorgen: {message}", file=self.err, flush=True)

    def wrote(self, path: Path) -> None:
        if not self.quiet:
            print(f"{self._paint('wrote', _GREEN, err=False)} {path}", file=self.out, flush=True)

    def removed(self, path: Path) -> None:
        if not self.quiet:
            label = self._paint("removed", _YELLOW, err=False)
            print(f"{label} {path} (its source has no async class now)", file=self.out, flush=True)

    def out_of_date(self, kind: str, path: Path, note: str = "") -> None:
        """``missing:``, ``stale:`` or ``extra:`` under --check and --diff."""
        label = self._paint(f"{kind}:", _BOLD, _YELLOW, err=False)
        print(f"{label} {path}{note}", file=self.out, flush=True)

    def diff(self, text: str) -> None:
        if self._colour_out:
            text = "".join(self._diff_line(line) for line in text.splitlines(keepends=True))
        self.out.write(text)
        self.out.flush()

    def _diff_line(self, line: str) -> str:
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        if line.startswith(("+++", "---")):
            return self._paint(body, _BOLD, err=False) + end
        if line.startswith("@@"):
            return self._paint(body, _CYAN, err=False) + end
        if line.startswith("+"):
            return self._paint(body, _GREEN, err=False) + end
        if line.startswith("-"):
            return self._paint(body, _RED, err=False) + end
        return line

    def summary(self, s: Summary) -> None:
        """``actorgen: 1790 files scanned, 5 generated (1 written, 4 unchanged), 0 errors
        in 0.12s``."""
        if self.quiet:
            return
        if s.out_of_date is None:
            unchanged = s.generated - s.written - s.failed
            status = f"{s.written} written, {unchanged} unchanged"
            if s.removed:
                status += f", {s.removed} removed"
            if s.failed:
                status += ", " + self._paint(f"{s.failed} failed", _BOLD, _RED, err=True)
        elif s.out_of_date:
            status = self._paint(f"{s.out_of_date} file(s) out of date", _YELLOW, err=True)
        else:
            status = self._paint("up to date", _GREEN, err=True)
        errors = f"{s.errors} errors"
        if s.errors:
            errors = self._paint(errors, _BOLD, _RED, err=True)
        print(
            f"actorgen: {s.scanned} files scanned, {s.generated} generated ({status}), "
            f"{errors} in {s.seconds:.2f}s",
            file=self.err,
            flush=True,
        )
