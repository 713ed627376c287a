"""Waiting from asyncio code: `joined` (a cluster's `join`) and `room` (a bounded queue).

Functions rather than facade methods, so that `join` and `room` stay free as message names
(a facade's methods are the class's messages). Both wait without blocking the event loop:
they look at the cluster or process between short sleeps on the loop (from 0.5 ms, doubling
up to 20 ms), so a cancelled or timed-out wait leaves nothing behind (no thread, no
registration), which a wait in a thread could not promise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ._current import running_process
from ._errors import UsageError
from ._handles import ClusterHandle, ProcessHandle

__all__ = ["joined", "room"]

# The first pause between two looks, and the longest.
_FIRST = 0.0005
_LONGEST = 0.02


async def joined(cluster: ClusterHandle[Any], timeout: float | None = None) -> None:
    """Wait until every message sent to `cluster` so far has been handled: `join` for
    asyncio code, which must not block its loop (``cluster.join()`` there would block the
    members that run on it, and raises `UsageError`).

    Raises `TimeoutError` after `timeout` seconds, and `UsageError` from a handler of one of
    the cluster's own members (it would wait for itself).
    """
    core = cluster._core
    _not_inside(core)

    def settled() -> bool:
        with core._lock:
            return bool(core._settled())

    if not await _until(settled, timeout):
        raise TimeoutError(
            f"cluster {core.name} still has {core.queued()} queued and "
            f"{core.in_flight()} running messages after {timeout} s"
        )


async def room(target: ClusterHandle[Any] | ProcessHandle, timeout: float | None = None) -> None:
    """Wait until a send to `target` (a cluster or a process) would not wait for room.

    On the thread of an event loop that runs async processes a send to a full bounded
    queue cannot block the loop, so its message waits in line for room and the send
    returns at once (docs/asyncio.md, "Bounded queues"). A producer of tells paces itself
    with ``await room(cluster)`` before each send (asks pace themselves: their reply comes
    only once they were admitted and handled). It returns once no message waits in line
    and the mailbox (a process) or the shared queue (a cluster) has room; a queue of one
    member (routed messages) may still be full. Raises `TimeoutError` after `timeout` s.
    """
    core = target._core
    if not await _until(core.has_room, timeout):
        raise TimeoutError(f"{core.name} had no room for {timeout} s")


async def _until(done: Callable[[], bool], timeout: float | None) -> bool:
    """Look at `done()` between sleeps on the loop; False if `timeout` passed first."""
    import asyncio  # here: thread-only programs never import it

    deadline = None if timeout is None else time.monotonic() + timeout
    pause = _FIRST
    while not done():
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            pause = min(pause, left)
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST)
    return True


def _not_inside(core: Any) -> None:
    current = running_process()
    if current is not None and current in core.members:
        raise UsageError(
            f"{current.name} cannot join its own cluster {core.name}: it would wait for itself"
        )
