"""Who waits on whom: a handler that would wait for ever gets `UsageError` instead.

A handler blocks when it waits on a reply (`future.result()`) or on a cluster
(`cluster.join()`). Before it does, the runtime looks at what it is about to wait on:

- a process: a deadlock if that process is the waiter itself, or is itself waiting on
  something that only the waiter can complete;
- a cluster message (an ask that any member may take): a deadlock if every member is the
  waiter or is, in turn, stuck on it; an empty cluster is not (a member may join);
- a cluster's `join`: a deadlock if a member busy with the cluster's work is stuck on the
  waiter, or work is queued and every member is.

So the handler that closes a cycle (A waits on B, which waits on A; or a chain through
clusters) raises `UsageError` naming the processes involved, at once, and the others go
on once it returns. Waits from threads that are not handlers (the main thread, say) are
not checked: they cannot be part of a cycle. What is not seen: a cycle formed later by a
membership change, and waits outside the runtime (a lock, a queue of your own).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Union, cast

from ._errors import UsageError

if TYPE_CHECKING:
    from ._cluster import ClusterCore
    from ._process import ProcessCore


Target = Union["ProcessCore", "ClusterCore"]

__all__ = ["describe_wait", "wait_begins", "wait_ends", "waits"]

_lock = threading.Lock()
# What each blocked handler waits on, and whether it is a cluster's join.
_waiting: dict[ProcessCore, tuple[Target, bool]] = {}


def wait_begins(waiter: ProcessCore, target: Target, join: bool = False) -> None:
    """`waiter`'s handler is about to block on `target`: record it, or raise
    `UsageError` if nothing but `waiter` itself could end the wait."""
    with _lock:
        chain = _stuck_on(target, join, waiter, ())
        if chain is not None:
            raise UsageError(_deadlock(waiter, target, join, chain))
        _waiting[waiter] = (target, join)


def wait_ends(waiter: ProcessCore) -> None:
    with _lock:
        _waiting.pop(waiter, None)


def _stuck_on(
    target: Target, join: bool, origin: ProcessCore, path: tuple[ProcessCore, ...]
) -> tuple[ProcessCore, ...] | None:
    """The chain of processes by which `target` waits on `origin`, or None if something
    else can complete it. Called with the lock held."""
    if not _is_cluster(target):
        if target is origin:
            return (target,)
        if target in path or target not in _waiting:
            return None  # it is free to handle the message (or part of another cycle)
        inner, inner_join = _waiting[target]
        chain = _stuck_on(inner, inner_join, origin, (*path, target))
        return None if chain is None else (target, *chain)
    target = cast("ClusterCore", target)
    members = target.members
    if join:
        for seat in target.seats:
            if seat.member.handling is target:
                chain = _stuck_on(seat.member, False, origin, path)
                if chain is not None:
                    return chain
        if not target.queued():
            return None
    if not members:
        return None
    first: tuple[ProcessCore, ...] | None = None
    for member in members:
        chain = _stuck_on(member, False, origin, path)
        if chain is None:
            return None  # this member can take the work
        first = first or chain
    return first


def _deadlock(
    waiter: ProcessCore, target: Target, join: bool, chain: tuple[ProcessCore, ...]
) -> str:
    what = f"join cluster {target.name}" if join else f"wait on {_kind(target)} {target.name}"
    if chain == (waiter,):
        return (
            f"{waiter.name} cannot {what}: only {waiter.name} itself could handle that work, "
            "so it would wait for ever"
        )
    names = " -> ".join(p.name for p in (waiter, *chain))
    return f"{waiter.name} cannot {what}: that would be a deadlock ({names} wait on each other)"


def _is_cluster(target: Target) -> bool:
    return hasattr(target, "seats")  # (an isinstance check would import the cluster module)


def _kind(target: Target) -> str:
    return "cluster" if _is_cluster(target) else "process"


def waits() -> list[tuple[ProcessCore, Target, bool]]:
    """Every handler that waits now: (the waiting process, what on, whether a join)."""
    with _lock:
        return [(waiter, target, join) for waiter, (target, join) in _waiting.items()]


def describe_wait(waiter: ProcessCore, target: Target, join: bool) -> str:
    what = f"joins cluster {target.name}" if join else f"waits on {_kind(target)} {target.name}"
    return f"{waiter.name} {what}"
