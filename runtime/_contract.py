"""What the generator and the runtime agree on, declared once.

The generator (`actorgen.codegen`) writes code that calls the runtime, and checks the
user's source against names the runtime reserves; both read these declarations from
here, and ``tests/test_contract.py`` checks that the runtime really has what they
promise. Adding a cluster strategy means a name here and a router in `_routers`.

This module imports nothing, so the generator can read it without starting anything.
"""

from __future__ import annotations

__all__ = [
    "ASYNC_CLASS",
    "CLUSTER_ATTRIBUTES",
    "CLUSTER_STRATEGIES",
    "GENERATED_USES",
    "KEY_ROUTE",
    "OPTION_NAMES",
    "RESERVED_MEMBERS",
    "ROUTE",
    "ROUTE_STRATEGIES",
    "SEND_SUFFIXES",
    "send_method",
]

# Where the decorators live, as the generator matches them in the user's imports.
ASYNC_CLASS = "actorgen.runtime.async_class"
ROUTE = "actorgen.runtime.route"

# Public names of the facades that are not messages: a message cannot take these names.
RESERVED_MEMBERS = frozenset({"spawn", "join", "members"})

# The class attributes of a generated cluster facade that `ClusterHandle` reads: the
# process facade that wraps its members, and the routes of its routed messages.
CLUSTER_ATTRIBUTES = frozenset({"_process_type", "_routes"})

# The names of `actorgen.runtime` that generated modules use.
GENERATED_USES = frozenset(
    {
        "ClusterHandle",
        "Future",
        "OWN_DEFAULT",
        "ProcessHandle",
        "Route",
        "assert_never",
        "new_process",
        "or_own_default",
        "spawn_members",
        "warn_if_stale",
    }
)

# How a cluster routes messages that have no `@route` (`XCluster(strategy=...)`).
CLUSTER_STRATEGIES = ("balanced", "round_robin", "work_stealing")

# The strategies `@route("...")` takes; the other kind of route is `@route(key=...)`.
ROUTE_STRATEGIES = ("balanced", "round_robin", "broadcast")
KEY_ROUTE = "key"

# The options of `@async_class(...)` and `spawn_options(...)`: `ProcessOptions`' fields.
OPTION_NAMES = (
    "supervision",
    "capacity",
    "when_full",
    "full_timeout",
    "dedicated_thread",
    "ray_options",
)

# The send methods of the process and cluster cores that generated facades call: ``tell``
# and ``ask`` (a process, or a cluster's own strategy), and for a routed cluster message
# the method of its route. A keyed send takes the key as a second argument.
SEND_SUFFIXES: dict[str | None, str] = {
    None: "",
    "balanced": "_balanced",
    "round_robin": "_round_robin",
    "broadcast": "_broadcast",
    KEY_ROUTE: "_keyed",
}


def send_method(is_ask: bool, route: str | None = None) -> str:
    """The core's method a facade calls: ``tell``, ``ask_keyed``, ``tell_broadcast``..."""
    return ("ask" if is_ask else "tell") + SEND_SUFFIXES[route]
