"""Every name the generator makes up, in one place, so that they stay predictable.

For class ``Worker`` with message ``get_item``:

==========================  ============================
``WorkerGetItemMessage``    the message dataclass
``WorkerMessage``           the union of all its messages
``dispatch_worker``         the `match`-based dispatch function
``WorkerProcess``           the process facade
``WorkerCluster``           the cluster facade
==========================  ============================

A generic async class also gets two private base classes, ``_WorkerProcessSpawn`` and
``_WorkerClusterSpawn``, that hold the facades' `spawn` (see `ModuleNames`), and the
cluster facade has the private class attributes the runtime reads (`CLUSTER_ATTRIBUTES`
of ``actorgen.runtime._contract``, which also reserves the facades' other public names).

The public names above never change to dodge a collision: two async classes whose names
would collide are a diagnostic. Everything else the generated module binds is handed out
by one `ModuleNames` object, which aliases imported names that would collide
(``from .m import WorkerProcess as _WorkerProcess``) and picks local names
(``self``, ``cls``, ``n``) that no parameter uses.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable

from actorgen.runtime._contract import CLUSTER_ATTRIBUTES, GENERATED_USES

__all__ = [
    "BUILTINS",
    "BUILTINS_MODULE",
    "HELPER_MODULES",
    "RUNTIME_MODULE",
    "ModuleNames",
    "builtin_spelling",
    "cluster_name",
    "dispatch_name",
    "message_class_name",
    "pascal",
    "process_name",
    "receiver_name",
    "runtime_helper",
    "snake",
    "spawn_base_names",
    "union_name",
    "unused_name",
]

BUILTINS = frozenset(dir(builtins))

# Modules the generated code imports under private aliases. `builtins` is only imported
# by modules that need it, to name a builtin that a parameter shadows.
BUILTINS_MODULE = "_builtins"
RUNTIME_MODULE = "_actorgen"
HELPER_MODULES = {
    RUNTIME_MODULE: "actorgen.runtime",
    "_dataclasses": "dataclasses",
    "_typing": "typing",
    BUILTINS_MODULE: "builtins",
}

# Names the template itself uses at module level or in class bodies, besides the helper
# modules: an imported name must not take them over. The cluster facade's class body has
# the attributes `ClusterHandle` reads (messages are public, so they never take these
# names; an imported name that they would hide there is aliased).
_TEMPLATE_NAMES = frozenset(
    {"annotations", "dict", "int", "object", "str", "tuple", *CLUSTER_ATTRIBUTES}
)


def pascal(name: str) -> str:
    """``get_item`` and ``getItem`` -> ``GetItem``; ``url`` -> ``Url``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def snake(name: str) -> str:
    """``Worker`` -> ``worker``; ``HTTPServer`` -> ``http_server``."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced)
    return spaced.lower()


def message_class_name(cls: str, method: str) -> str:
    return f"{cls}{pascal(method)}Message"


def union_name(cls: str) -> str:
    return f"{cls}Message"


def dispatch_name(cls: str) -> str:
    return f"dispatch_{snake(cls)}"


def process_name(cls: str) -> str:
    return f"{cls}Process"


def cluster_name(cls: str) -> str:
    return f"{cls}Cluster"


def spawn_base_names(cls: str) -> tuple[str, str]:
    """The private bases that hold `spawn` of a generic class's process and cluster."""
    return f"_{process_name(cls)}Spawn", f"_{cluster_name(cls)}Spawn"


def unused_name(preferred: str, taken: Iterable[str]) -> str:
    """`preferred`, or `preferred` with underscores after it (PEP 8's way to avoid a
    clash), whichever is not taken."""
    taken = set(taken)
    candidate = preferred
    while candidate in taken:
        candidate += "_"
    return candidate


def receiver_name(preferred: str, taken: Iterable[str]) -> str:
    """The name of a method's ``self`` or ``cls``: `preferred`, or with underscores
    before it (type checkers accept ``_self`` as the receiver, not ``self_``)."""
    taken = set(taken)
    candidate = preferred
    while candidate in taken:
        candidate = f"_{candidate}"
    return candidate


class ModuleNames:
    """The names of one generated module: what it defines, and how it spells what it imports.

    `generated` are the names the module defines (public and private); `source_names` are
    the module-level names of the source module, the only names the generated module can
    import from there or the way the source does. A source name keeps its spelling unless
    it would collide with a generated name or a name the template uses, or unless it is
    listed in `avoid` (an async class whose `__init__` has a parameter of its own name);
    then it is imported under a private alias, ``_Name``.
    """

    def __init__(
        self, generated: Iterable[str], source_names: Iterable[str], avoid: Iterable[str] = ()
    ) -> None:
        self.generated = frozenset(generated)
        self.fixed = frozenset({*HELPER_MODULES, *_TEMPLATE_NAMES})
        self.source_names = frozenset(source_names)
        self._avoid = frozenset(avoid)
        self._aliases: dict[str, str] = {}

    def spelling(self, name: str) -> str:
        """How the generated module refers to the source's module-level `name`."""
        if name in self.generated or name in self.fixed or name in self._avoid:
            return self.alias(name)
        return name

    def alias(self, name: str) -> str:
        """The private alias under which `name` is imported when its own name cannot be
        used: ``_name``, with underscores after it until it is free."""
        if name not in self._aliases:
            taken = {*self.generated, *self.fixed, *self.source_names, *self._aliases.values()}
            self._aliases[name] = unused_name(f"_{name}", taken)
        return self._aliases[name]


def runtime_helper(name: str) -> str:
    """A name of the runtime as generated code spells it: ``_actorgen.Future``. Only the
    names the runtime promises to generated modules (`GENERATED_USES`) can be spelled."""
    if name not in GENERATED_USES:
        raise ValueError(f"actorgen.runtime does not offer {name!r} to generated modules")
    return f"{RUNTIME_MODULE}.{name}"


def builtin_spelling(name: str) -> str:
    """A builtin spelled so that no local name can shadow it: ``_builtins.list``."""
    return f"{BUILTINS_MODULE}.{name}"
