"""Reading a source file: the cheap test made on its bytes, then its text.

Most files of a big tree cannot define an async class, and finding that out must cost
little more than reading them: the test works on bytes (no decoding), with a substring
search first (fast) and a whole-word match only on the rare files that pass it.
"""

from __future__ import annotations

import io
import re
import tokenize

from .diagnostics import Diagnostic

__all__ = ["SourceError", "decode", "may_mention_decorator"]

_WORD = b"async_class"
# `async_class` as a whole identifier: not `async_class_method`, not `my_async_class`.
_WHOLE_WORD = re.compile(rb"(?<![A-Za-z0-9_])async_class(?![A-Za-z0-9_])")


def may_mention_decorator(data: bytes) -> bool:
    """False if the source in `data` cannot use ``@async_class``: every way to use the
    decorator (a plain or aliased import, ``module.async_class``) names it as a word."""
    return _WORD in data and _WHOLE_WORD.search(data) is not None


class SourceError(Exception):
    """A source file whose text cannot be decoded; carries its diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def decode(path: str, data: bytes) -> str:
    """The text of the source file `path` as Python reads it: in the encoding its coding
    declaration names (PEP 263), else UTF-8, with universal newlines."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        message = str(error.msg)
        if message.startswith("encoding problem"):
            message = "the coding declaration contradicts the UTF-8 byte order mark"
        if not message.startswith("invalid or missing encoding declaration"):
            raise SourceError(Diagnostic(path, 1, 1, message)) from None
        encoding = "utf-8"  # not UTF-8 in its first lines: say where, below
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SourceError(_decode_error(path, data, encoding, error)) from None
    except LookupError:  # pragma: no cover - detect_encoding checks the name already
        raise SourceError(Diagnostic(path, 1, 1, f"unknown encoding {encoding!r}")) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_error(path: str, data: bytes, encoding: str, error: UnicodeDecodeError) -> Diagnostic:
    line_start = data.rfind(b"\n", 0, error.start) + 1
    line = data.count(b"\n", 0, line_start) + 1
    column = len(data[line_start : error.start].decode(encoding, errors="replace")) + 1
    name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
    return Diagnostic(path, line, column, f"not {name} text: {error.reason}")
