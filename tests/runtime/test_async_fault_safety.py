"""Interrupted sends to async processes (docs/lifecycle.md, "Interrupted sends").

As `test_fault_safety.py` does for pool processes: a trace function raises a
`KeyboardInterrupt` at every line of runtime code a send executes, in turn, and after each
case checks that the sender saw it, that the message was handled once or never, that later
sends are answered, and that `shutdown(drain=True)` returns True. The targets are async
processes and clusters of them, sent to

- from a plain thread (they run on the runtime's own loop thread), a tell, an ask, and an
  ask whose reply the sender waits for with `result()`;
- from the thread of the event loop they run on (inside `asyncio.run`), a tell and an
  ask, including sends to a full bounded queue, which wait in line for room there.

Each case runs on a runtime of its own.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from actorgen.runtime import Failure, Runtime, joined, spawn_options
from app.async_recorders_actors import AsyncRecorderCluster, AsyncRecorderProcess
from app.journal import Journal
from conftest import PATIENCE, only_on
from interrupts import Interrupt, traced

THREADS = "threads"
WHY = "the thread-pool runtime runs async processes; the deterministic one refuses them"


# Targets: made inside the case's runtime (on the loop of the thread that makes them).
Target = Callable[[Journal], Any]


def direct(journal: Journal) -> Any:
    return AsyncRecorderProcess.spawn("p", journal)


def balanced(journal: Journal) -> Any:
    return AsyncRecorderCluster.spawn(2, "c", journal)


def round_robin(journal: Journal) -> Any:
    members = [AsyncRecorderProcess.spawn(f"r{i}", journal) for i in range(2)]
    return AsyncRecorderCluster(members, strategy="round_robin")


def bounded(journal: Journal) -> Any:
    members = [AsyncRecorderProcess.spawn(f"b{i}", journal) for i in range(2)]
    return AsyncRecorderCluster(members, capacity=100)


def bounded_mailbox(journal: Journal) -> Any:
    with spawn_options(capacity=100):
        return AsyncRecorderProcess.spawn("m", journal)


TARGETS = [direct, bounded_mailbox, balanced, round_robin, bounded]


def send(target: Any, kind: str, item: object) -> None:
    if kind == "tell":
        target.note(item)
    elif kind == "ask":
        target.note_and_reply(item)
    else:  # "ask and wait"
        target.note_and_reply(item).result(timeout=PATIENCE)


def settle(runtime: Runtime, target: Any) -> None:
    """Wait until every process is idle again (members parked), so that each case's send
    finds its target in the same state and runs the same lines."""
    if isinstance(target, AsyncRecorderCluster):
        target.join(timeout=PATIENCE)
    pause = threading.Event()
    for _ in range(int(PATIENCE / 0.001)):
        if not runtime.active:
            return
        pause.wait(0.001)
    pytest.fail(f"{runtime!r} never went idle")


async def settle_on_loop(runtime: Runtime, target: Any) -> None:
    if isinstance(target, AsyncRecorderCluster):
        await joined(target, timeout=PATIENCE)
    for _ in range(int(PATIENCE / 0.001)):
        if not runtime.active:
            return
        await asyncio.sleep(0.001)
    pytest.fail(f"{runtime!r} never went idle")


def check(journal: Journal, at: int, outcome: bool, failures: list[Failure]) -> str:
    items = journal.items()
    handled = items.count("interrupted")
    assert handled in (0, 1), f"line {at}: the interrupted message was handled {handled} times"
    assert outcome is True, f"line {at}: shutdown(drain=True) did not drain"
    for later in ("after-0", "after-1", "after-2", "last"):
        assert items.count(later) == 1, f"line {at}: {later} handled {items.count(later)} times"
    assert not failures, f"line {at}: {failures}"
    return "sent" if handled else "not sent"


def check_outcomes(outcomes: list[str]) -> None:
    # Early lines come before the append, late ones after it: both occur, and once the
    # message is sent every later interruption leaves it sent.
    assert outcomes[0] == "not sent" and outcomes[-1] == "sent", outcomes
    first_sent = outcomes.index("sent")
    assert set(outcomes[first_sent:]) == {"sent"}, outcomes


# -- from a plain thread ---------------------------------------------------------------------------


def thread_case(target_of: Target, kind: str, at: int) -> str | int:
    """Interrupt a send from this (plain) thread at its `at`-th runtime line; with `at=0`
    count the lines instead."""
    journal = Journal()
    failures: list[Failure] = []
    runtime = Runtime(threads=2, on_error=failures.append)
    with runtime:
        target = target_of(journal)
        target.note_and_reply("warm-up").result(timeout=PATIENCE)
        settle(runtime, target)
        interrupt = Interrupt(at)
        raised = None
        try:
            with traced(interrupt):
                send(target, kind, "interrupted")
        except KeyboardInterrupt as caught:
            raised = caught
        if at == 0:
            runtime.shutdown(drain=True, timeout=PATIENCE)
            return interrupt.lines
        assert (interrupt.fired and raised is not None) or kind == "ask and wait", (
            f"line {at}: nothing was raised"
        )
        for i in range(3):
            reply = target.note_and_reply(f"after-{i}")
            assert isinstance(reply.result(timeout=PATIENCE), int), f"line {at}"
        send(target, "tell", "last")
        outcome = runtime.shutdown(drain=True, timeout=PATIENCE)
    return check(journal, at, outcome, failures)


@only_on(THREADS, why=WHY)
@pytest.mark.parametrize("kind", ["tell", "ask", "ask and wait"])
@pytest.mark.parametrize("target_of", TARGETS, ids=lambda t: t.__name__)
def test_a_KeyboardInterrupt_at_any_line_of_a_send_from_a_thread_leaves_the_runtime_whole(
    runtime: Runtime, target_of: Target, kind: str
) -> None:
    lines = thread_case(target_of, kind, 0)
    assert isinstance(lines, int) and lines > 3, "the trace function saw no runtime code"
    outcomes = [thread_case(target_of, kind, at) for at in range(1, lines + 1)]
    check_outcomes([str(o) for o in outcomes])


# -- from the loop's own thread -------------------------------------------------------------------


def full(journal: Journal) -> Any:
    """A bounded mailbox, full: the send under test waits in line (set up by `loop_case`)."""
    with spawn_options(capacity=2):
        return AsyncRecorderProcess.spawn("f", journal)


def full_cluster(journal: Journal) -> Any:
    members = [AsyncRecorderProcess.spawn("g", journal)]
    return AsyncRecorderCluster(members, capacity=2)


LOOP_TARGETS = [*TARGETS, full, full_cluster]


def loop_case(target_of: Target, kind: str, at: int) -> str | int:
    """Interrupt a send on the thread of the loop its target runs on."""
    journal = Journal()
    failures: list[Failure] = []

    async def main() -> str | int:
        runtime = Runtime(threads=2, on_error=failures.append)
        async with runtime:
            return await body(runtime, target_of(journal))

    async def body(runtime: Runtime, target: Any) -> str | int:
        await target.note_and_reply("warm-up")
        await settle_on_loop(runtime, target)
        gate = asyncio.Event()
        if target_of in (full, full_cluster):
            target.hold(gate)  # busy: what follows fills the queue, then waits in line
            await asyncio.sleep(0.001)
            for i in range(3):
                target.note(f"filler-{i}")
        interrupt = Interrupt(at)
        raised = None
        try:
            with traced(interrupt):
                send(target, kind, "interrupted")
        except KeyboardInterrupt as caught:
            raised = caught
        gate.set()
        if at == 0:
            await runtime.shutdown_async(drain=True, timeout=PATIENCE)
            return interrupt.lines
        assert interrupt.fired and raised is not None, f"line {at}: nothing was raised"
        for i in range(3):
            assert isinstance(await target.note_and_reply(f"after-{i}"), int), f"line {at}"
        send(target, "tell", "last")
        outcome = await runtime.shutdown_async(drain=True, timeout=PATIENCE)
        return check(journal, at, outcome, failures)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(asyncio.wait_for(main(), PATIENCE))


@only_on(THREADS, why=WHY)
@pytest.mark.parametrize("kind", ["tell", "ask"])
@pytest.mark.parametrize("target_of", LOOP_TARGETS, ids=lambda t: t.__name__)
def test_a_KeyboardInterrupt_at_any_line_of_a_send_on_the_loop_leaves_the_runtime_whole(
    runtime: Runtime, target_of: Target, kind: str
) -> None:
    lines = loop_case(target_of, kind, 0)
    assert isinstance(lines, int) and lines > 3, "the trace function saw no runtime code"
    outcomes = [loop_case(target_of, kind, at) for at in range(1, lines + 1)]
    check_outcomes([str(o) for o in outcomes])
    assert threading.current_thread() is threading.main_thread()
