"""`ProcessOptions`: supervision, mailbox bounds and threading of a process.

A process's options come from its class (``@async_class(...)``), overridden by the
innermost ``with spawn_options(...)`` around its `spawn`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

__all__ = [
    "ProcessOptions",
    "Supervision",
    "WhenFull",
    "check_bound",
    "options_for",
    "spawn_name",
    "spawn_options",
    "with_overrides",
]

Supervision = Literal["resume", "restart", "stop"]
WhenFull = Literal["block", "raise"]

_SUPERVISION = ("resume", "restart", "stop")
_WHEN_FULL = ("block", "raise")


def check_bound(capacity: int | None, when_full: str, full_timeout: float | None) -> None:
    """Raise `ValueError` for a queue bound that cannot work."""
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        raise ValueError(f"capacity must be a positive int or None, not {capacity!r}")
    if when_full not in _WHEN_FULL:
        raise ValueError(f"when_full must be 'block' or 'raise', not {when_full!r}")
    if full_timeout is not None and full_timeout < 0:
        raise ValueError(f"full_timeout must be >= 0 or None, not {full_timeout!r}")


@dataclass(frozen=True)
class ProcessOptions:
    """How a process is supervised, bounded and threaded.

    - `supervision`: when a handler raises, ``"resume"`` goes on with the same instance;
      ``"restart"`` replaces it with a fresh one made from the spawn arguments; ``"stop"``
      stops the process. In every case the failure is reported (an ask's future gets the
      exception, a tell goes to the runtime's `on_error`), never retried.
    - `capacity`: at most this many messages wait in the direct mailbox (None: unbounded).
      A sender to a full mailbox blocks (`when_full="block"`, for up to `full_timeout`
      seconds, forever if None) or gets `QueueFull` at once (`when_full="raise"`).
    - `dedicated_thread`: the process runs on a thread of its own instead of the shared
      pool, for handlers that block for long.
    - `ray_options`: what `RayRuntime` asks Ray for the actor that holds the instance
      (``{"num_cpus": 1, "num_gpus": 1, "resources": {...}}``: see docs/ray.md); the
      other runtimes ignore it.
    """

    supervision: Supervision = "resume"
    capacity: int | None = None
    when_full: WhenFull = "block"
    full_timeout: float | None = None
    dedicated_thread: bool = False
    ray_options: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.supervision not in _SUPERVISION:
            raise ValueError(
                f"supervision must be 'resume', 'restart' or 'stop', not {self.supervision!r}"
            )
        check_bound(self.capacity, self.when_full, self.full_timeout)
        ray = self.ray_options
        if ray is not None and (
            not isinstance(ray, Mapping) or not all(isinstance(k, str) for k in ray)
        ):
            raise ValueError(f"ray_options must be a mapping of option names, not {ray!r}")


DEFAULT_OPTIONS = ProcessOptions()
_overrides: ContextVar[dict[str, Any] | None] = ContextVar("actorgen_spawn_options", default=None)
_NAMES = frozenset(f.name for f in fields(ProcessOptions))
_name: ContextVar[str | None] = ContextVar("actorgen_spawn_name", default=None)


@contextmanager
def spawn_options(*, name: str | None = None, **overrides: Any) -> Iterator[None]:
    """Override the options of the processes spawned inside the block.

    ::

        with spawn_options(supervision="restart", capacity=100):
            pool = WorkerCluster.spawn(4, "w")
        with spawn_options(name="fetcher-{}"):      # fetcher-1, fetcher-2, ...
            fetchers = FetcherCluster.spawn(4)

    Takes the fields of `ProcessOptions`, and `name`: the name of the process spawned in
    the block, shown in stats, logs, errors and `repr`. A name must be unique among the
    runtime's live processes (a second process of that name raises `UsageError`); ``{}``
    in a name is replaced by a number, counted per name, so every process spawned in the
    block gets its own. Without a name a process is called ``<Class>-<number>``. Nested
    blocks combine, the inner one winning.
    """
    unknown = set(overrides) - _NAMES
    if unknown:
        known = sorted(_NAMES | {"name"})
        raise TypeError(f"unknown spawn options {sorted(unknown)}; known: {known}")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"a process name must be a non-empty str, not {name!r}")
    merged = {**(_overrides.get() or {}), **overrides}
    replace(DEFAULT_OPTIONS, **merged)  # validate now, at the `with`, not at each spawn
    token = _overrides.set(merged)
    name_token = _name.set(name) if name is not None else None
    try:
        yield
    finally:
        if name_token is not None:
            _name.reset(name_token)
        _overrides.reset(token)


def spawn_name() -> str | None:
    """The name `spawn_options` gives the processes spawned now, if any."""
    return _name.get()


_by_class: dict[type, ProcessOptions] = {}  # a miss of getattr() costs more than a spawn's lock


def options_for(instance: object) -> ProcessOptions:
    """The options of a new process that owns `instance`."""
    cls = type(instance)
    base = _by_class.get(cls)
    if base is None:
        base = _by_class[cls] = getattr(cls, "__actorgen_options__", DEFAULT_OPTIONS)
    overrides = _overrides.get()
    return replace(base, **overrides) if overrides else base


def with_overrides(base: ProcessOptions) -> ProcessOptions:
    """`base` (a class's options) as the innermost `spawn_options` block changes them: for
    a runtime whose instances are made elsewhere, which learns the class's options from
    there."""
    overrides = _overrides.get()
    return replace(base, **overrides) if overrides else base
