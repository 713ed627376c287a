"""What the first step of the parse pass finds: the async classes and their messages.

The first step fixes every name the generated module defines (`Draft.generated`); the
second reads the signatures of these drafts into the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from . import names
from .model import RouteSpec

__all__ = ["Draft", "Message"]


@dataclass
class Message:
    """A message method found in the first step: its definitions (overloads first)."""

    name: str
    class_name: str
    definitions: list[cst.FunctionDef]
    route: RouteSpec | None = None  # its ``@route(...)``, read in the first step
    owner: cst.ClassDef | None = None  # the base it is inherited from; None: the class's own


@dataclass
class Draft:
    """An async class found in the first step, with the names generated for it."""

    node: cst.ClassDef
    init: cst.FunctionDef | None
    messages: list[Message]
    generic: bool
    init_owner: cst.ClassDef | None = None  # the base __init__ is inherited from, if any

    @property
    def name(self) -> str:
        return self.node.name.value

    def generated(self) -> dict[str, cst.CSTNode]:
        """Every name the generated module defines for this class, with where it comes from."""
        cls = self.name
        found: dict[str, cst.CSTNode] = {
            m.class_name: m.definitions[-1].name for m in self.messages
        }
        for name in (
            names.union_name(cls),
            names.dispatch_name(cls),
            names.process_name(cls),
            names.cluster_name(cls),
            *(names.spawn_base_names(cls) if self.generic else ()),
        ):
            found[name] = self.node.name
        return found
