"""What only the deterministic runtime does: orders drawn from a seed, replayed exactly,
waits that run the scheduler, and deadlocks reported instead of hung.

(The behaviour every backend shares is checked by the rest of this folder, which runs
on the deterministic runtime too.)
"""

from __future__ import annotations

import enum
import os
import subprocess
import sys
import textwrap
from concurrent.futures import CancelledError
from pathlib import Path

import pytest
from actorgen.runtime import (
    Failure,
    QueueFull,
    RuntimeStopped,
    UsageError,
    process_stats,
    runtime_stats,
    spawn_options,
)
from actorgen.runtime.testing import DeterministicRuntime, stable_hash
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.shards_actors import ShardCluster, ShardProcess
from app.workers_actors import WorkerCluster, WorkerProcess

HERE = Path(__file__).parent


def handled_order(seed: int, senders: int = 4, each: int = 5) -> list[tuple[str, object]]:
    """Who handled what, in order: `senders` processes each tell a cluster of 3 `each`
    messages, from inside their own handlers, so that their sends interleave."""
    journal = Journal()
    with DeterministicRuntime(seed):
        cluster = RecorderCluster.spawn(3, "r", journal)
        starters = [WorkerProcess.spawn(f"s{n}") for n in range(senders)]
        for n, starter in enumerate(starters):
            for i in range(each):
                starter.do(lambda n=n, i=i: cluster.note((n, i)))
    return [(entry.who, entry.item) for entry in journal.entries()]


def test_the_same_seed_gives_the_same_order_and_other_seeds_other_orders() -> None:
    first = handled_order(seed=7)
    assert len(first) == 20
    assert handled_order(seed=7) == first
    orders = {tuple(handled_order(seed)) for seed in range(8)}
    assert len(orders) > 4, "different seeds should explore different interleavings"


def test_per_sender_order_holds_in_every_interleaving() -> None:
    for seed in range(10):
        journal = Journal()
        with DeterministicRuntime(seed):
            recorder = RecorderProcess.spawn("r", journal)
            senders = [WorkerProcess.spawn(f"s{n}") for n in range(3)]
            for n, sender in enumerate(senders):
                sender.do(lambda n=n, to=recorder: [to.note((n, i)) for i in range(5)])
        for n in range(3):
            mine = [item for item in journal.log("r") if isinstance(item, tuple) and item[0] == n]
            assert [item[1] for item in mine] == list(range(5))


REPLAY = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from actorgen.runtime.testing import DeterministicRuntime
    from app.shards_actors import ShardCluster, ShardProcess

    users = ["ann", "bob", "cy", "dee", "eve", "fay", "gus"]
    with DeterministicRuntime(seed=11):
        shards = ShardCluster([ShardProcess.spawn(f"shard{n}") for n in range(4)])
        relay = ShardCluster.spawn(2, "relay")
        for user in users:
            relay.call(lambda user=user: shards.visit(user, "home"))
            shards.visit(user, "away")
        print([(user, shards.owner(user).result()) for user in users])
        print([shards.pages(user).result() for user in users])
        print([shards.any_name().result() for _ in range(5)])
    """
)


def test_an_order_replays_byte_for_byte_in_another_interpreter() -> None:
    """str keys are routed by a hash that does not change with PYTHONHASHSEED."""
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", REPLAY, str(HERE)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1, outputs


def test_nothing_runs_until_someone_waits() -> None:
    with DeterministicRuntime() as runtime:
        worker = WorkerProcess.spawn("w")
        worker.foo(1)
        worker.foo(2)
        assert process_stats(worker).handled == 0
        assert process_stats(worker).queued == 2
        assert worker.bar(3).result() == 6  # runs the scheduler until the reply is there
        assert process_stats(worker).handled == 3
        runtime.run_until_idle()  # the worker looks once more for work, then goes idle
        assert runtime.run_until_idle() == 0


def test_run_until_idle_runs_what_handlers_send_and_counts_its_steps() -> None:
    with DeterministicRuntime() as runtime:
        cluster = WorkerCluster.spawn(2, "w")
        relay = WorkerProcess.spawn("relay")
        for i in range(5):
            relay.do(lambda i=i: cluster.foo(i))
        assert runtime.run_until_idle() >= 10
        assert runtime_stats(runtime).handled == 10
        assert runtime.run_until_idle() == 0


def test_handlers_that_keep_sending_are_stopped_by_max_steps() -> None:
    with DeterministicRuntime() as runtime:
        ping = WorkerProcess.spawn("ping")

        def again() -> None:
            ping.do(again)

        ping.do(again)
        with pytest.raises(UsageError, match="still had work after 100 steps"):
            runtime.run_until_idle(max_steps=100)
        runtime.shutdown(drain=False)


def test_two_processes_asking_each_other_are_a_deadlock_named_at_once() -> None:
    with DeterministicRuntime():
        a = WorkerProcess.spawn("a")
        b = WorkerProcess.spawn("b")
        reply = a.call(lambda: b.call(lambda: a.bar(1).result()).result())
        with pytest.raises(UsageError, match=r"deadlock \(Worker-2 -> Worker-1 -> Worker-2"):
            reply.result()


def test_waiting_on_a_process_that_is_busy_further_up_the_stack_is_reported() -> None:
    """a's handler waits on b; in some orders c's handler runs inside that wait and asks
    a, which cannot go on before c's wait ends. Threads would get through this; the one
    stack cannot, and says why instead of hanging."""
    errors: list[BaseException] = []
    for seed in range(30):
        with DeterministicRuntime(seed):
            a = WorkerProcess.spawn("a")
            b = WorkerProcess.spawn("b")
            c = WorkerProcess.spawn("c")
            replies = [
                a.call(lambda b=b: b.bar(1).result()),
                c.call(lambda a=a: a.bar(2).result()),
            ]
            errors += [e for e in (reply.exception() for reply in replies) if e is not None]
    assert errors, "no seed ran c inside a's wait"
    assert all(isinstance(error, UsageError) for error in errors), errors
    assert "Worker-1 is in the middle of a handler further up" in str(errors[0])


def test_a_reply_nothing_can_give_raises_or_times_out() -> None:
    with DeterministicRuntime():
        empty = WorkerCluster([])
        future = empty.bar(1)
        with pytest.raises(TimeoutError):
            future.result(timeout=5)
        with pytest.raises(UsageError, match="the caller waits on cluster WorkerCluster-1"):
            future.result()
        with pytest.raises(UsageError, match="deadlock"):
            empty.join()
        with pytest.raises(TimeoutError):
            empty.join(timeout=5)
        future.cancel()


def test_a_timeout_never_ends_a_wait_while_work_can_still_run() -> None:
    """Slow handlers do not make a reply late: the clock plays no part, so the outcome
    is the same on a fast machine and a slow one."""
    with DeterministicRuntime(seed=1):
        worker = WorkerProcess.spawn("w")
        for _ in range(5):
            worker.sleep(0.02)
        assert worker.bar(1).result(timeout=0.001) == 1


def test_a_full_mailbox_runs_the_scheduler_instead_of_blocking() -> None:
    journal = Journal()
    with DeterministicRuntime():
        with spawn_options(capacity=2):
            recorder = RecorderProcess.spawn("r", journal)
        for i in range(10):
            recorder.note(i)  # the third and later sends make room by running it
        assert process_stats(recorder).queued <= 2
    assert journal.log("r") == list(range(10))


def test_a_full_mailbox_that_nothing_can_empty_is_reported() -> None:
    with DeterministicRuntime() as runtime:
        with spawn_options(capacity=1):
            worker = WorkerProcess.spawn("w")
        reply = worker.call(lambda: [worker.foo(i) for i in range(3)])
        error = reply.exception()
        assert isinstance(error, UsageError), error
        assert "room in a full queue" in str(error)
        with spawn_options(capacity=1, full_timeout=1.0):
            bounded = WorkerProcess.spawn("b")
        reply = bounded.call(lambda: [bounded.foo(i) for i in range(3)])
        assert isinstance(reply.exception(), QueueFull)
        runtime.run_until_idle()


def test_a_bounded_cluster_queue_runs_the_scheduler_too() -> None:
    journal = Journal()
    with DeterministicRuntime():
        members = [RecorderProcess.spawn(f"r{n}", journal) for n in range(2)]
        cluster = RecorderCluster(members, capacity=1)
        for i in range(10):
            cluster.note(i)
        cluster.join()
    assert sorted(journal.items()) == list(range(10))  # type: ignore[type-var]


def test_shutdown_without_drain_fails_what_is_queued() -> None:
    failures: list[Failure] = []
    runtime = DeterministicRuntime(on_error=failures.append)
    with runtime:
        worker = WorkerProcess.spawn("w")
        worker.foo(1)
        reply = worker.bar(2)
        assert runtime.shutdown(drain=False) is False
    assert isinstance(reply.exception(), RuntimeStopped)
    assert [type(f.error) for f in failures] == [RuntimeStopped]


def test_awaiting_a_reply_runs_the_scheduler() -> None:
    import asyncio

    async def main() -> int:
        with DeterministicRuntime():
            worker = WorkerProcess.spawn("w")
            return await worker.bar(5)

    assert asyncio.run(main()) == 5


def test_a_cancelled_ask_is_skipped() -> None:
    with DeterministicRuntime():
        worker = WorkerProcess.spawn("w")
        withdrawn = worker.bar(1)
        kept = worker.bar(2)
        assert withdrawn.cancel()
        assert kept.result() == 2
        with pytest.raises(CancelledError):
            withdrawn.result()


class Colour(enum.IntEnum):
    RED = 1


class Size(enum.Enum):
    BIG = "big"


def test_stable_hash_agrees_with_equality_and_does_not_depend_on_the_interpreter() -> None:
    assert stable_hash(1) == stable_hash(1.0) == stable_hash(True) == stable_hash(Colour.RED)
    assert stable_hash(("a", 1)) == stable_hash(("a", 1))
    assert stable_hash("ann") != stable_hash("bob")
    assert stable_hash(Size.BIG) == stable_hash(Size.BIG)
    # A fixed value: the digest of the text, not `hash()`, which changes per interpreter.
    assert stable_hash("ann") == int.from_bytes(
        __import__("hashlib").blake2b(b"ann", digest_size=8).digest(), "big", signed=True
    )


def test_key_affinity_holds_on_the_deterministic_runtime() -> None:
    with DeterministicRuntime(seed=5):
        shards = ShardCluster([ShardProcess.spawn(f"s{n}") for n in range(3)])
        users = [f"user{n}" for n in range(12)]
        owners = {user: shards.owner(user).result() for user in users}
        assert len(set(owners.values())) > 1
        assert all(shards.owner(user).result() == owner for user, owner in owners.items())


def test_a_seed_must_be_an_int() -> None:
    with pytest.raises(TypeError, match="seed must be an int"):
        DeterministicRuntime("3")  # type: ignore[arg-type]
