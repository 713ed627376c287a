"""What an async class inherits: the bases whose methods become its messages.

The public methods an async class inherits are messages too, as they are methods of its
instances. The generator reads them from source, so it can only follow bases it can see:
classes defined at module level in the same module (and, through them, their own bases).
A base that names no such class (an imported one, an expression) is reported, because the
messages it would bring could not be generated; so is a generic base used as a base (its
type arguments would have to be substituted into the inherited signatures).

``Generic[...]``, ``Protocol``, ``ABC`` and ``object`` bring no messages and are passed over.
The order is Python's own (C3 linearization), so an override in a nearer class wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from .syntax import base_name

__all__ = ["PLAIN_BASES", "Ancestry", "BaseProblem", "ancestry", "module_classes"]

# Bases that bring neither messages nor an __init__ worth knowing about.
PLAIN_BASES = frozenset({"Generic", "Protocol", "ABC", "object"})


@dataclass(frozen=True)
class BaseProblem:
    """A base the generator cannot follow, and why."""

    node: cst.CSTNode
    message: str


@dataclass(frozen=True)
class Ancestry:
    """The bases of an async class whose methods it inherits, nearest first (its method
    resolution order without itself and the plain bases), or the problems that stop it."""

    bases: tuple[cst.ClassDef, ...]
    problems: tuple[BaseProblem, ...] = ()


def module_classes(module: cst.Module) -> dict[str, cst.ClassDef]:
    """The classes defined at module level, outside any block, by name (the last wins)."""
    return {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}


def ancestry(node: cst.ClassDef, classes: dict[str, cst.ClassDef]) -> Ancestry:
    problems: list[BaseProblem] = []
    linear = _linearize(node, classes, problems, ())
    if problems:
        return Ancestry((), tuple(problems))
    if linear is None:
        return Ancestry(
            (),
            (
                BaseProblem(
                    node.name,
                    f"the bases of {node.name.value!r} have no consistent method resolution "
                    "order (Python rejects the class too)",
                ),
            ),
        )
    return Ancestry(tuple(linear[1:]))


def _linearize(
    node: cst.ClassDef,
    classes: dict[str, cst.ClassDef],
    problems: list[BaseProblem],
    inside: Sequence[str],
) -> list[cst.ClassDef] | None:
    """C3: `node`, then the merge of its bases' linearizations and its bases."""
    cls = node.name.value
    bases: list[cst.ClassDef] = []
    for base in node.bases:
        name = base_name(base.value)
        if name in PLAIN_BASES:
            continue
        if isinstance(base.value, cst.Subscript):
            problems.append(
                BaseProblem(
                    base.value,
                    f"{cls!r} inherits from a generic class ({name}[...]): messages inherited "
                    "from a generic base are not generated; define them in the class (or "
                    "make the base non-generic)",
                )
            )
            continue
        found = classes.get(name) if isinstance(base.value, cst.Name) else None
        if found is None or found is node or name in inside:
            problems.append(
                BaseProblem(
                    base.value,
                    f"{cls!r} inherits from {name or 'a base'}, which is not a class defined "
                    "at module level in this module: the generator cannot see which messages "
                    "it would inherit; define the base here or the messages in the class",
                )
            )
            continue
        if _is_generic(found):
            problems.append(
                BaseProblem(
                    base.value,
                    f"{cls!r} inherits from the generic class {name}: messages inherited "
                    "from a generic base are not generated; define them in the class",
                )
            )
            continue
        bases.append(found)
    if problems:
        return None
    lines = [_linearize(b, classes, problems, (*inside, cls)) for b in bases]
    if problems or any(line is None for line in lines):
        return None
    return _merge([node], [*(line for line in lines if line is not None), bases])


def _is_generic(node: cst.ClassDef) -> bool:
    return node.type_parameters is not None or any(
        isinstance(b.value, cst.Subscript) and base_name(b.value) in ("Generic", "Protocol")
        for b in node.bases
    )


def _merge(
    head: list[cst.ClassDef], sequences: list[list[cst.ClassDef]]
) -> list[cst.ClassDef] | None:
    result = list(head)
    pending = [list(s) for s in sequences if s]
    while pending:
        for sequence in pending:
            candidate = sequence[0]
            if not any(candidate is c for other in pending for c in other[1:]):
                break
        else:
            return None
        result.append(candidate)
        pending = [[c for c in s if c is not candidate] for s in pending]
        pending = [s for s in pending if s]
    return result
