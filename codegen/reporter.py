"""The diagnostics of one analysis, and where in the source they point.

Every part of the pass reports through one `Reporter`. Positions come from LibCST's
metadata, which is resolved over the whole module and costs about as much as parsing it:
so they are resolved on the first diagnostic, and a file without problems never pays.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .diagnostics import Diagnostic

__all__ = ["Reporter"]


class Reporter:
    """Collects the diagnostics of the file at `path`, parsed into `module`."""

    def __init__(self, path: str, module: cst.Module) -> None:
        self.path = path
        self.module = module
        self.diagnostics: list[Diagnostic] = []
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None

    def position(self, node: cst.CSTNode) -> CodeRange:
        """Where `node` is in the source."""
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        return self._positions[node]

    def error(self, node: cst.CSTNode, message: str) -> None:
        start = self.position(node).start
        self.diagnostics.append(Diagnostic(self.path, start.line, start.column + 1, message))

    @property
    def count(self) -> int:
        """How many diagnostics so far: a part compares it to know whether it reported."""
        return len(self.diagnostics)
