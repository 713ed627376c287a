"""Every name the generator makes up, in one place, so that they stay predictable.

For class ``Worker`` with message ``get_item``:

==========================  ============================
``WorkerGetItemMessage``    the message dataclass
``WorkerMessage``           the union of all its messages
``dispatch_worker``         the `match`-based dispatch function
``WorkerProcess``           the process facade
``WorkerCluster``           the cluster facade
==========================  ============================
"""

from __future__ import annotations

import re

__all__ = [
    "HELPER_MODULES",
    "RESERVED_MEMBERS",
    "cluster_name",
    "dispatch_name",
    "message_class_name",
    "pascal",
    "process_name",
    "snake",
    "union_name",
    "unused_name",
]

# Public names of the facades that are not messages: a message cannot have these names.
RESERVED_MEMBERS = frozenset({"spawn", "join", "members"})

# Modules the generated code imports under private aliases.
HELPER_MODULES = {
    "_actorgen": "actorgen.runtime",
    "_dataclasses": "dataclasses",
    "_typing": "typing",
}


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


def unused_name(preferred: str, taken: set[str] | frozenset[str]) -> str:
    """`preferred`, or `preferred` with a number after it, whichever is not taken."""
    candidate, number = preferred, 1
    while candidate in taken:
        number += 1
        candidate = f"{preferred}{number}"
    return candidate
