"""Small shims so generated code runs on every supported Python (3.10+)."""

from __future__ import annotations

import sys
from typing import NoReturn

__all__ = ["assert_never"]

if sys.version_info >= (3, 11):
    from typing import assert_never as assert_never
else:

    def assert_never(arg: NoReturn, /) -> NoReturn:
        """Fail loudly if a `match` that type checkers saw as exhaustive is not."""
        raise AssertionError(f"Expected code to be unreachable, but got: {arg!r}")
