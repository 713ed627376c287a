"""The decorators the `actorgen` generator reads: `@async_class` and `@route`.

Both are cheap at run time. `@async_class` returns the class itself; with options
(``@async_class(supervision="restart")``) it records them on the class, where `spawn`
finds them. `@route` returns the method unchanged: the generator reads it from the source
and generates the cluster facade's method accordingly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, overload

from ._options import ProcessOptions, Supervision, WhenFull

__all__ = ["OPTIONS_ATTRIBUTE", "Route", "RouteStrategy", "async_class", "route"]

_C = TypeVar("_C", bound=type)
_F = TypeVar("_F", bound=Callable[..., Any])

# Where `@async_class(...)` keeps a class's options; read by `spawn`.
OPTIONS_ATTRIBUTE = "__actorgen_options__"

RouteStrategy = Literal["balanced", "round_robin", "broadcast"]


@overload
def async_class(cls: _C, /) -> _C: ...
@overload
def async_class(
    *,
    supervision: Supervision = "resume",
    capacity: int | None = None,
    when_full: WhenFull = "block",
    full_timeout: float | None = None,
    dedicated_thread: bool = False,
    ray_options: Mapping[str, Any] | None = None,
) -> Callable[[_C], _C]: ...
def async_class(
    cls: Any = None,
    /,
    *,
    supervision: Supervision = "resume",
    capacity: int | None = None,
    when_full: WhenFull = "block",
    full_timeout: float | None = None,
    dedicated_thread: bool = False,
    ray_options: Mapping[str, Any] | None = None,
) -> Any:
    """Mark `cls` as an async class: `actorgen` generates its process and cluster facades.

    ``@async_class`` returns the class unchanged, so it stays a plain class that can be
    instantiated and tested directly. ``@async_class(...)`` sets the defaults of every
    process of the class (see `ProcessOptions`; `spawn_options` overrides them per spawn):

    - `supervision`: what happens when a handler raises: ``"resume"`` (go on with the same
      instance), ``"restart"`` (a fresh instance from the spawn arguments) or ``"stop"``;
    - `capacity`, `when_full`, `full_timeout`: bound the direct mailbox; a sender to a
      full mailbox blocks (``"block"``, up to `full_timeout` seconds) or gets `QueueFull`;
    - `dedicated_thread`: run the process on a thread of its own, for handlers that block;
    - `ray_options`: what `RayRuntime` asks Ray for each process's actor (``num_cpus``,
      ``num_gpus``, ``resources``, ...; docs/ray.md); other runtimes ignore it.
    """
    options = ProcessOptions(
        supervision=supervision,
        capacity=capacity,
        when_full=when_full,
        full_timeout=full_timeout,
        dedicated_thread=dedicated_thread,
        ray_options=ray_options,
    )
    if cls is not None:
        return cls

    def mark(cls: _C) -> _C:
        setattr(cls, OPTIONS_ATTRIBUTE, options)
        return cls

    return mark


@dataclass(frozen=True, slots=True)
class Route:
    """How a cluster routes one message type, as a method's `@route` says.

    The generator writes one per routed message into the generated cluster facade's
    ``_routes`` (``{WorkerVisitMessage: Route("key", "user"), ...}``). `strategy` is the
    route's strategy, or ``"key"`` for ``@route(key=...)``, whose `key` is the name of the
    parameter (the message dataclass's field) whose value is the key.
    """

    strategy: Literal["balanced", "round_robin", "broadcast", "key"]
    key: str | None = None  # the parameter whose value is the key, for "key"


def route(strategy: RouteStrategy | None = None, *, key: str | None = None) -> Callable[[_F], _F]:
    """Choose how a cluster distributes this message, overriding the cluster's strategy.

    ::

        @route(key="user")        # equal `user` values reach the same member
        def visit(self, user: str, page: str) -> None: ...

        @route("broadcast")       # every member; an ask replies with one future per member
        def reload(self) -> int: ...

    ``"balanced"`` (the next free member) and ``"round_robin"`` (members in turn) are the
    other strategies. Direct sends to a process are not affected. The generator reads the
    arguments from the source, so they must be string literals, and checks them: one
    strategy or one `key`, which must name a parameter of the method (not the receiver,
    ``*args`` or ``**kwargs``). Put ``@route`` on messages only, and on an overloaded
    message's implementation, where it applies to every overload.
    """
    if (strategy is None) == (key is None):
        raise TypeError("route() takes a strategy or key=<parameter name>, not both or neither")

    def keep(method: _F) -> _F:
        return method

    return keep
