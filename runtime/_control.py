"""Changing clusters and processes while work flows: membership and stopping.

Functions rather than facade methods, so that `add`, `remove` and `stop` stay free as
message names.
"""

from __future__ import annotations

from typing import TypeVar

from ._handles import ClusterHandle, ProcessHandle

__all__ = ["add_member", "remove_member", "stop_process"]

_P = TypeVar("_P", bound=ProcessHandle)


def add_member(cluster: ClusterHandle[_P], process: _P) -> None:
    """Make `process` a member of `cluster`; it starts taking cluster work at once.

    A process can be a member of several clusters (it shares its time between them and
    its own mailbox, one message from each in turn). Raises `ValueError` if it is a member
    already or runs on another runtime, and `ProcessStopped` if it has stopped.
    """
    _check(cluster, process)
    cluster._core.add(process._core)


def remove_member(cluster: ClusterHandle[_P], process: _P) -> None:
    """Take `process` out of `cluster`, at once and without waiting.

    It finishes the message it is handling. The cluster messages waiting for it go to the
    other members (key-routed ones to the members that now own their keys); broadcast
    copies addressed to it stay with it, as direct messages. Its direct mailbox is
    untouched and it stays addressable. Raises `ValueError` if it is not a member.
    """
    _check(cluster, process)
    cluster._core.remove(process._core)


def stop_process(process: ProcessHandle) -> None:
    """Stop `process` for good; returns at once. Safe to call more than once.

    It finishes the message it is handling, then leaves every cluster (their waiting work
    goes to the other members) and handles nothing more: the asks in its mailbox fail
    with `ProcessStopped`, its tells go to the runtime's `on_error` with it, and later
    sends to it raise `ProcessStopped`.
    """
    process._core.stop("stop_process() was called")


def _check(cluster: ClusterHandle[_P], process: _P) -> None:
    expected = cluster._process_type
    if not isinstance(process, expected):
        raise TypeError(
            f"members of {type(cluster).__name__} are {expected.__name__}, "
            f"not {type(process).__name__}"
        )
