"""Base classes of the generated `XProcess` and `XCluster` facades.

They hold the runtime core and implement what is the same for every async class. The
only public names they add are the reserved ones (`spawn` is generated, `join`, `members`),
because every public name here is a name users cannot give to a message. Everything else
(membership, stopping, stats) is a function of `actorgen.runtime`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ._cluster import ClusterCore
from ._default import current_runtime
from ._errors import UsageError
from ._options import WhenFull, spawn_name
from ._process import ProcessCore, TimedProcessCore
from ._routers import Strategy

if TYPE_CHECKING:
    from ._marker import Route

__all__ = ["ClusterHandle", "ProcessHandle", "new_process", "spawn_members"]

_P = TypeVar("_P", bound="ProcessHandle")
_Q = TypeVar("_Q", bound="ProcessHandle")


def new_process(
    kind: str, make: Callable[[], object], dispatch: Callable[[Any, Any], object]
) -> ProcessCore:
    """Create the instance with `make()` now (so constructor errors reach the caller)
    and wrap it in a process on the current runtime, with the class's options and the
    name `spawn_options` gives, if any."""
    runtime = current_runtime()
    if runtime.closing:
        runtime.refuse("spawn", kind)
    name = spawn_name()
    instance, options, make = runtime.instantiate(kind, make, dispatch)
    # Chosen once per process: an untimed runtime's processes never look at the option.
    core_class = ProcessCore if runtime.latency is None else TimedProcessCore
    if name is None or "{}" in name:
        return core_class(
            runtime, runtime.names.for_process(kind, name), instance, dispatch, options, make
        )
    runtime.names.claim(name)
    try:
        core = core_class(runtime, name, instance, dispatch, options, make)
    except BaseException:
        runtime.names.release(name, None)
        raise
    runtime.names.taken_by(core)
    return core


def spawn_members(n: int, spawn: Callable[[], _Q]) -> list[_Q]:
    """`n` new processes from `spawn()`, for the generated `XCluster.spawn`: if one fails
    to start, the ones already made are stopped before the error reaches the caller."""
    if n < 0:
        raise ValueError(f"cannot spawn {n} processes")
    members: list[_Q] = []
    try:
        for _ in range(n):
            members.append(spawn())
    except BaseException:
        for member in members:
            member._core.stop("another member of the cluster being spawned failed to start")
        raise
    return members


class ProcessHandle:
    """A reference to one process. Cheap to copy; equal when it is the same process."""

    __slots__ = ("_core",)

    def __init__(self, core: ProcessCore) -> None:
        """Wrap an existing process; use the generated `spawn` to start a new one."""
        self._core = core

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._core.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProcessHandle) and other._core is self._core

    def __hash__(self) -> int:
        return id(self._core)


class ClusterHandle(Generic[_P]):
    """A cluster of processes of one async class; each message goes to exactly one member."""

    __slots__ = ("_core",)

    # The generated subclass names its process facade here, to wrap `members`.
    _process_type: ClassVar[type[ProcessHandle]]
    # ... and how its `@route` messages are routed, to re-route them when members leave.
    _routes: ClassVar[Mapping[type, Route]] = {}

    def __init__(
        self,
        members: Iterable[_P] = (),
        *,
        strategy: Strategy = "balanced",
        capacity: int | None = None,
        when_full: WhenFull = "block",
        full_timeout: float | None = None,
        name: str | None = None,
    ) -> None:
        """Form a cluster of running processes, which stay directly addressable.

        - `strategy`: how messages without a `@route` reach members: ``"balanced"`` (the
          next free member takes it), ``"round_robin"`` (members in turn) or
          ``"work_stealing"`` (members in turn; idle members take others' waiting work);
        - `capacity`: at most this many messages wait in each of the cluster's queues (its
          shared queue, and each member's routed messages). A sender to a full queue blocks
          (``when_full="block"``, for up to `full_timeout` seconds) or gets `QueueFull`
          (``when_full="raise"``);
        - `name`: how stats, logs and errors call the cluster (default
          ``<Class>Cluster-<number>``); unique among the runtime's clusters.

        A cluster may start empty and gain members with `add_member`.
        """
        cores = []
        for member in members:
            if not isinstance(member, self._process_type):
                raise TypeError(
                    f"{type(self).__name__} members must be {self._process_type.__name__}, "
                    f"not {type(member).__name__}"
                )
            cores.append(member._core)
        runtime = cores[0].runtime if cores else current_runtime()
        if name is None:
            name = runtime.names.unique(type(self).__name__)
        elif any(cluster.name == name for cluster in runtime.clusters()):
            raise UsageError(f"a cluster named {name!r} already exists on runtime {runtime.name}")
        self._core = ClusterCore(
            name,
            runtime,
            cores,
            strategy=strategy,
            capacity=capacity,
            when_full=when_full,
            full_timeout=full_timeout,
            routes=type(self)._routes,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._core.name} of {len(self._core.seats)}>"

    @property
    def members(self) -> tuple[_P, ...]:
        """The member processes, in the order they joined."""
        wrap: Callable[[ProcessCore], _P] = self._process_type  # type: ignore[assignment]
        return tuple(wrap(core) for core in self._core.members)

    def join(self, timeout: float | None = None) -> None:
        """Wait until every message sent to the cluster so far has been handled.

        Like `queue.Queue.join()`: messages sent while waiting are waited for too.
        Raises `TimeoutError` after `timeout` seconds, and `UsageError` when called from
        a handler of one of the members (it would wait for itself).
        """
        self._core.join(timeout)
