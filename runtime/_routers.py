"""Routers: where a cluster message waits, and where it goes when its member leaves.

A cluster has one router for its own strategy (`XCluster(strategy=...)`), which also
gives it its `tell` and `ask`, and one per `@route` kind its messages use. A router
decides only *where* a message waits; the cluster (`_cluster`) owns the queues, the
parked members and the waking. Where messages wait:

- ``balanced`` (the default): in the cluster's shared queue. Nobody picks a member; members
  take from it whenever they are free (as several consumers of one channel do), so a slow
  member never holds work that a free one could run;
- ``round_robin``: in the seat of the next member in turn;
- key affinity (``@route(key=...)``): in the seat of the member that owns the key, by
  rendezvous hashing: equal keys reach the same member while membership is stable, and a
  membership change only moves the keys of the member that joined or left;
- ``broadcast`` (``@route`` only): a copy in every member's seat; an ask gets one future
  per member. When a member leaves, its copies stay with it (they were its own);
- ``work_stealing``: in the seat of the next member in turn; a member with nothing to do
  takes the oldest message of another member's seat.

Adding a strategy: its name in `_contract`, a router here, and its name in `Strategy`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ._contract import CLUSTER_STRATEGIES, KEY_ROUTE
from ._future import Future

if TYPE_CHECKING:
    from ._cluster import ClusterCore, Seat
    from ._marker import Route

__all__ = [
    "CLUSTER_ROUTERS",
    "ROUTE_ROUTERS",
    "Router",
    "Strategy",
    "owner",
    "route_router",
    "salt",
]

Strategy = Literal["balanced", "round_robin", "work_stealing"]

Sends = tuple[Callable[[object], None], Callable[[object], "Future[Any]"]]


class Router:
    """Where one kind of cluster message waits (`place`) and goes when the member it
    waited for leaves (`rehome`). None means the cluster's shared queue."""

    __slots__ = ("cluster",)
    name: ClassVar[str]
    # Members' seats hold a share of the work that idle members may take.
    stealable: ClassVar[bool] = False
    # A removed member keeps its messages (handles them as direct messages).
    keeps: ClassVar[bool] = False

    def __init__(self, cluster: ClusterCore) -> None:
        self.cluster = cluster

    def sends(self) -> Sends:
        """The cluster's `tell` and `ask`, when this is its strategy's router."""
        raise TypeError(f"{self.name!r} is not a cluster strategy")

    def place(self, message: object) -> Seat | None:
        raise NotImplementedError

    def rehome(self, message: object) -> Seat | None:
        return self.place(message)


class Balanced(Router):
    __slots__ = ()
    name = "balanced"

    def sends(self) -> Sends:
        cluster = self.cluster
        # The lock-free path, the default and the fastest; `send` when messages are timed.
        if cluster.capacity is None and cluster.runtime.latency is None:
            return cluster.tell_shared, cluster.ask_shared
        return cluster.tell_balanced, cluster.ask_balanced

    def place(self, message: object) -> Seat | None:
        return None


class RoundRobin(Router):
    __slots__ = ()
    name = "round_robin"

    def sends(self) -> Sends:
        return self.cluster.tell_round_robin, self.cluster.ask_round_robin

    def place(self, message: object) -> Seat | None:
        return self.cluster.next_seat()


class WorkStealing(Router):
    __slots__ = ()
    name = "work_stealing"
    stealable = True

    def sends(self) -> Sends:
        return self.tell, self.ask

    def tell(self, message: object) -> None:
        cluster = self.cluster
        cluster.send(message, cluster.next_seat(), stealable=True)

    def ask(self, message: object) -> Future[Any]:
        cluster = self.cluster
        future: Future[Any] = Future(cluster, message)  # any member may steal it
        cluster.send(future, cluster.next_seat(), stealable=True)
        return future

    def place(self, message: object) -> Seat | None:
        return self.cluster.next_seat()

    def rehome(self, message: object) -> Seat | None:
        return None  # the shared queue, which every member takes from


class Broadcast(Router):
    __slots__ = ()
    name = "broadcast"
    keeps = True

    def place(self, message: object) -> Seat | None:
        raise TypeError("a broadcast goes to every member, not to one place")


class KeyAffinity(Router):
    __slots__ = ("key",)
    name = KEY_ROUTE

    def __init__(self, cluster: ClusterCore, key: str) -> None:
        super().__init__(cluster)
        self.key = key  # the message field whose value is the key

    def place(self, message: object) -> Seat | None:
        return self.cluster.owner(getattr(message, self.key))


CLUSTER_ROUTERS: dict[str, type[Router]] = {
    router.name: router for router in (Balanced, RoundRobin, WorkStealing)
}
assert tuple(CLUSTER_ROUTERS) == CLUSTER_STRATEGIES, "one router per strategy of _contract"
ROUTE_ROUTERS: dict[str, type[Router]] = {
    router.name: router for router in (Balanced, RoundRobin, Broadcast)
}


def route_router(cluster: ClusterCore, route: Route) -> Router:
    """The router of the messages that have `route` (their method's ``@route``)."""
    if route.strategy == KEY_ROUTE:
        assert route.key is not None
        return KeyAffinity(cluster, route.key)
    return ROUTE_ROUTERS[route.strategy](cluster)


_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    """A 64-bit finalizer (SplitMix64's): every input bit flips about half the output
    bits, so a member's scores for different keys are as good as independent."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def salt(name: str) -> int:
    """A member's salt for key scores. From the name, not from `hash()`: the same member
    gets the same keys in every run."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")


def owner(seats: tuple[Seat, ...], key_hash: int) -> Seat | None:
    """The seat that owns a key: rendezvous hashing, highest score wins.

    Each member scores every key with a hash of the key mixed with the member's own salt;
    removing a member moves only its own keys, and adding one takes only the keys it now
    wins.
    """
    if not seats:
        return None
    return max(seats, key=lambda seat: _mix(key_hash ^ seat.salt))
