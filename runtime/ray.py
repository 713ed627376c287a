"""`RayRuntime`: every process on a Ray actor, the semantics on the driver.

Entered like `Runtime` (``with RayRuntime(): ...``), it places each process spawned
inside on a Ray actor, which holds the class's instance; the generated facades and the
user's class do not change. What a process *is* stays on the driver, in the same
`ProcessCore` and `ClusterCore` objects as on the thread runtime: its mailbox, its seats,
the routers, supervision, stats. Only the handlers run in the actors.

A turn of a process
-------------------
One dispatcher thread takes processes from the run queue. A turn `take_batch`es up to a
batch of the messages waiting for the process (its mailbox and one cluster, alternating,
as the thread runtime's run does), pickles them together and ships them in ONE actor
call; the actor runs the generated dispatch for each in order and returns each one's
outcome (the reply, or the exception), which is `settle`d in order before the turn
`end`s. A process has at most one batch in flight, so per-sender order and one
message at a time hold; it takes work only when its turn starts, so a busy member is never
given more (balance). A batch is sized from the process's handlers' measured time: about
`TARGET_BATCH_SECONDS` of work, one message while nothing is known, at most `max_batch`.
Small messages then cost a fraction of an actor call each; long handlers go one at a time.

A batch that comes back is settled by one of two threads. The *watcher* waits on one
batch at a time with a blocking `ray.wait`, which is 10-15 % quicker than Ray's
completion callback (`ObjectRef.future()`): what an ask sent one at a time pays on every
round trip. Batches started while the watcher waits on another get a callback, which
puts them on the dispatcher's queue.

Supervision inside a batch is the actor's: after a handler raised it restarts the
instance from the spawn arguments (``"restart"``) or runs nothing more (``"stop"``; the
rest go back to their clusters, or fail as the stopped process's mailbox does).

Failures of the actor
---------------------
An actor that dies (``ray.kill``, its worker killed, its node lost) fails the batch it
was running: asks with `ProcessStopped` (whose ``__cause__`` is Ray's error), tells to
the error handler. With ``supervision="restart"`` a fresh actor is made from the spawn
arguments and the process goes on with its queued work; otherwise it stops, and its
queued cluster work goes to the other members. A death is noticed when the next call to
the actor fails, never later.

Actors are reused
-----------------
Creating an actor starts a worker process (about a second here). When a process stops,
or its runtime ends while Ray stays up, its actor drops the instance and waits, idle, for
the next spawn with the same actor options on the same Ray session (at most `IDLE_ACTORS`
of each kind); a runtime that started Ray stops it, and its actors with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future as ConcurrentFuture
from functools import partial
from queue import SimpleQueue
from types import CoroutineType
from typing import Any

import ray
import ray.exceptions
from ray import cloudpickle

from ._core import DRAIN_TIMEOUT, RuntimeCore
from ._errors import ProcessStopped, RuntimeStopped, UsageError
from ._failures import ErrorHandler, describe, log, log_internal
from ._marker import OPTIONS_ATTRIBUTE
from ._options import ProcessOptions, with_overrides
from ._process import ProcessCore, Taken
from ._worker import Worker

__all__ = ["IDLE_ACTORS", "TARGET_BATCH_SECONDS", "RayRuntime", "RemoteTraceback"]

# A batch carries about this much handler time (from each process's measured handlers).
TARGET_BATCH_SECONDS = 0.002
# Idle actors kept for reuse, per kind of actor (its options) and Ray session.
IDLE_ACTORS = 16
# What a Ray actor of ours must be: one call at a time, in the order sent, and never
# brought back by Ray behind our back (supervision is actorgen's).
_OWN_OPTIONS = frozenset(
    {"max_concurrency", "max_restarts", "max_task_retries", "name", "lifetime", "get_if_exists"}
)

_OK, _RAISED, _RESTART_FAILED = 0, 1, 2


# -- the actor ---------------------------------------------------------------------------


class Host:
    """The Ray actor that holds one process's instance and runs its handlers."""

    def __init__(self) -> None:
        self.instance: object = None
        self.make: Callable[[], object] | None = None
        self.dispatch: Callable[[Any, Any], object] | None = None
        self.supervision = "resume"

    def start(self, blob: bytes) -> tuple[Any, ...]:
        """Make the instance from the spawn's pickled `(make, dispatch, supervision)`."""
        try:
            make, dispatch, supervision = pickle.loads(blob)
        except BaseException as error:
            return ("import", f"{type(error).__name__}: {error}")
        try:
            instance = make()
        except BaseException as error:
            return ("raised", _Raised(_portable(error)))
        self.instance, self.make, self.dispatch = instance, make, dispatch
        self.supervision = supervision
        options = getattr(type(instance), OPTIONS_ATTRIBUTE, None)
        return ("ok", options, os.getpid(), ray.get_runtime_context().get_node_id())

    def run(self, blob: bytes) -> bytes:
        """Handle the pickled messages in order; their outcomes, pickled: (kind, value, ns)
        each; a handler failure that stopped the instance ends the list early."""
        try:
            messages = pickle.loads(blob)
        except Exception as unreadable:  # a class of an argument the worker cannot import
            return pickle.dumps(f"{type(unreadable).__name__}: {unreadable}")
        dispatch = self.dispatch
        assert dispatch is not None, "a batch for an actor without an instance"
        outcomes: list[tuple[int, Any, int]] = []
        clock = time.perf_counter_ns
        for message in messages:
            started = clock()
            try:
                reply = dispatch(self.instance, message)
                if reply.__class__ is CoroutineType:  # an `async def` message: run it here
                    reply = self._loop().run_until_complete(reply)
            except BaseException as raised:
                ns = clock() - started
                error = _Raised(raised)
                if self.supervision == "restart":
                    try:
                        assert self.make is not None
                        self.instance = self.make()
                    except BaseException as broken:
                        outcomes.append((_RESTART_FAILED, (error, _Raised(broken)), ns))
                        break
                    outcomes.append((_RAISED, error, ns))
                    continue
                outcomes.append((_RAISED, error, ns))
                if self.supervision == "stop":
                    break
                continue
            outcomes.append((_OK, reply, clock() - started))
        try:
            return pickle.dumps(outcomes, protocol=5)
        except Exception:
            return _dumps_outcomes(messages, outcomes)

    def _loop(self) -> asyncio.AbstractEventLoop:
        """The actor's own event loop, for `async def` handlers: one at a time, in order."""
        loop = getattr(self, "loop", None)
        if loop is None:
            loop = self.loop = asyncio.new_event_loop()
        return loop

    def reset(self) -> None:
        """Drop the instance: the actor waits for the next spawn."""
        self.instance = self.make = self.dispatch = None

    def pid(self) -> int:
        return os.getpid()


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a Ray actor, set as its `__cause__` on the
    driver (as `concurrent.futures.ProcessPoolExecutor` does): pickling drops tracebacks."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class _Raised:
    """An exception on its way back from an actor, with its traceback as text."""

    __slots__ = ("error", "text")

    def __init__(self, error: BaseException) -> None:
        self.error = error
        tb = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.text = f"in a Ray actor (pid {os.getpid()}):\n{tb.rstrip()}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_raised, (self.error, self.text))


def _raised(error: BaseException, text: str) -> BaseException:
    if error.__cause__ is None:
        error.__cause__ = RemoteTraceback(text)
    return error


def _portable(error: BaseException) -> BaseException:
    """`error`, or an exception that says what it was if it cannot be pickled."""
    try:
        pickle.loads(_cloud_dumps(error))
    except Exception as why:
        return RuntimeError(f"{type(error).__qualname__}: {describe(error, str)} ({why})")
    return error


def _dumps_outcomes(messages: list[Any], outcomes: list[tuple[int, Any, int]]) -> bytes:
    """The outcomes, each reply or exception that cannot be pickled replaced by an error
    that names the message and the type."""
    fixed: list[tuple[int, Any, int]] = []
    for message, (kind, value, ns) in zip(messages, outcomes, strict=False):
        try:
            _cloud_dumps(value)
        except Exception as why:
            if kind == _OK:
                value = TypeError(
                    f"the reply of {type(message).__name__} is a {type(value).__qualname__}, "
                    f"which cannot be pickled to go back from its Ray actor: {why}"
                )
                kind = _RAISED
            elif kind == _RAISED:
                value = _portable(value.error)
            else:
                value = (_portable(value[0].error), _portable(value[1].error))
        fixed.append((kind, value, ns))
    return _cloud_dumps(fixed)


# -- the driver's side -------------------------------------------------------------------


class Placement:
    """What stands for a process's instance on the driver: the actor that holds it."""

    __slots__ = ("actor", "dead", "key", "last", "node", "ns_per_message", "pid", "restart_error")

    def __init__(self, actor: Any, key: tuple[Any, ...]) -> None:
        self.actor = actor
        self.key = key
        self.dead = False
        self.node = ""
        self.pid = 0
        self.ns_per_message = 0.0  # measured in the actor; 0: nothing known yet
        self.last = 0  # messages in the last batch
        self.restart_error: BaseException | None = None

    def __repr__(self) -> str:
        return f"<instance in Ray actor pid {self.pid}>"

    def limit(self, max_batch: int, seconds: float) -> int:
        """How many messages the next batch may hold: about `seconds` of measured work,
        and at most twice the last batch (an estimate from small messages must not send
        a backlog of long ones to one actor)."""
        per = self.ns_per_message
        if per <= 0:
            return 1
        return max(1, min(max_batch, int(seconds * 1e9 / per), 2 * self.last))

    def measured(self, ns: int, count: int) -> None:
        self.last = count
        each = ns / count
        per = self.ns_per_message
        self.ns_per_message = each if per <= 0 else 0.5 * per + 0.5 * each


_kinds: dict[str, type[Placement]] = {}


def _placement_class(kind: str) -> type[Placement]:
    """A `Placement` class named after the async class: latency histograms and stats
    name a process's kind by its instance's type."""
    found = _kinds.get(kind)
    if found is None:
        found = _kinds[kind] = type(kind, (Placement,), {"__slots__": ()})
    return found


class _Remake:
    """What supervision calls to restart a process of ours: the actor has made the fresh
    instance already (a restart happens inside the batch), unless that raised. `spawn`
    is the generated spawn's own `make`, for a fresh actor when the old one died."""

    __slots__ = ("placement", "spawn")

    def __init__(self, spawn: Callable[[], object], placement: Placement) -> None:
        self.spawn = spawn
        self.placement = placement

    def __call__(self) -> object:
        placement = self.placement
        error, placement.restart_error = placement.restart_error, None
        if error is not None:
            raise error
        return placement


class _Turn:
    """A batch in flight: who sent it, what it holds, and (once back) Ray's reply."""

    __slots__ = ("batch", "dropped", "placement", "process", "reply")

    def __init__(self, process: ProcessCore, batch: list[Taken], placement: Placement) -> None:
        self.process = process
        self.batch = batch
        self.placement = placement
        self.reply: ConcurrentFuture[Any] | None = None
        self.dropped = False  # shutdown failed it already: the late reply is ignored

    def abandon(self) -> None:
        """Swept from the run queue after shutdown: settle it as it came back."""
        runtime = self.process.runtime
        assert isinstance(runtime, RayRuntime)
        runtime._complete(self, runtime._worker)


_idle: dict[tuple[Any, ...], list[Any]] = {}  # idle actors by (session, options)
_idle_lock = threading.Lock()


class RayRuntime(RuntimeCore):
    """Run every process on a Ray actor (see the module docstring and docs/ray.md).

    ::

        with RayRuntime():                         # a local Ray, stopped at the end
            pool = WorkerCluster.spawn(4, "w")
        with RayRuntime(address="auto"):           # join a running cluster
            ...

    Without `address`, and if this program is not connected to Ray yet, it starts a local
    Ray (`ray.init(**ray_init_options)`: ``num_cpus``, ``runtime_env``, ...) and stops it
    when the runtime ends; with `address` it joins that cluster and disconnects at the end.
    A program already connected (``ray.init`` called before) keeps its connection.

    `on_error`, `drain_timeout` and `latency_histograms` are as for `Runtime`.
    `max_batch` bounds how many messages one actor call carries, and `batch_seconds` is
    how much of their measured handler time a batch aims at.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        name: str = "ray",
        on_error: ErrorHandler | None = None,
        drain_timeout: float | None = DRAIN_TIMEOUT,
        latency_histograms: bool = False,
        max_batch: int = 1024,
        batch_seconds: float = TARGET_BATCH_SECONDS,
        **ray_init_options: Any,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        connected = False  # we called ray.init: ray.shutdown at the end
        if not ray.is_initialized():
            ray.init(address=address, **ray_init_options)  # before anything can need ending
            connected = True
        elif address is not None or ray_init_options:
            log.warning(
                "RayRuntime %s: this program is connected to Ray already; "
                "address and ray.init options are ignored",
                name,
            )
        self.runq: SimpleQueue[Any] = SimpleQueue()
        super().__init__(
            name=name,
            on_error=on_error,
            drain_timeout=drain_timeout,
            latency_histograms=latency_histograms,
        )
        self._connected = connected
        self.max_batch = max_batch
        self.batch_seconds = batch_seconds
        self.calls = 0  # batches shipped: actor calls made for messages (by the dispatcher)
        self._session = ray.get_runtime_context().get_job_id()
        self._worker = Worker(self.runq, batch=1)  # the counts of what the dispatcher settles
        self._flight: dict[ProcessCore, _Turn] = {}
        self._watched: SimpleQueue[tuple[_Turn, Any] | None] = SimpleQueue()
        self._watching = False  # the watcher has a batch: the next one gets a callback
        self._watcher_counts = Worker(self._watched, batch=1)  # ... and what the watcher does
        self._flown = threading.Condition(self._lock)  # a batch came back
        self._placements: set[Placement] = set()
        self._actor_classes: dict[tuple[Any, ...], Any] = {}
        self._dispatcher = threading.Thread(
            target=self._dispatch, name=f"{name}-dispatcher", daemon=True
        )
        self._dispatcher.start()
        self._watcher = threading.Thread(target=self._watch, name=f"{name}-watcher", daemon=True)
        self._watcher.start()

    def _describe(self) -> str:
        return f"actors={len(self._placements)} "

    @property
    def threads(self) -> int:
        return 2  # the dispatcher and the watcher

    def __enter__(self) -> RayRuntime:
        super().__enter__()
        return self

    # -- spawning ------------------------------------------------------------------------

    def instantiate(
        self, kind: str, make: Callable[[], object], dispatch: Callable[[Any, Any], object]
    ) -> tuple[object, ProcessOptions, Callable[[], object]]:
        cls = _class_of(kind, make)
        base = getattr(cls, OPTIONS_ATTRIBUTE, None) if cls is not None else None
        options = with_overrides(base or ProcessOptions())
        blob = _pickle_spawn(kind, make, dispatch, options)
        placement = self._place(kind, blob, options)
        if placement.restart_error is not None:  # its constructor raised
            error, placement.restart_error = placement.restart_error, None
            raise error
        remake = _Remake(make, placement)
        return placement, options, remake

    def _place(self, kind: str, blob: bytes, options: ProcessOptions) -> Placement:
        """An actor (an idle one of the same kind, or a new one) holding a new instance."""
        actor_options = _actor_options(kind, options)
        key = (self._session, _freeze(actor_options))
        with _idle_lock:
            spare = _idle.get(key)
            actor: Any = spare.pop() if spare else None
        reused = actor is not None
        if actor is None:
            actor_class = self._actor_classes.get(key)
            if actor_class is None:
                actor_class = ray.remote(Host).options(
                    **actor_options, max_concurrency=1, max_restarts=0, max_task_retries=0
                )
                self._actor_classes[key] = actor_class
            actor = actor_class.remote()
        placement = _placement_class(kind)(actor, key)
        try:
            outcome = ray.get(actor.start.remote(blob))
        except ray.exceptions.RayError as error:
            if isinstance(error, ray.exceptions.RayActorError) and reused:
                return self._place(kind, blob, options)  # an idle actor had died: another
            raise UsageError(f"Ray could not start an actor for {kind}: {error}") from error
        if outcome[0] == "import":
            self._release(placement)
            raise UsageError(
                f"the Ray workers cannot import {kind} ({outcome[1]}): its module must be "
                "importable there too; give RayRuntime a runtime_env that ships it, e.g. "
                "RayRuntime(runtime_env={'working_dir': '.'}) or {'py_modules': [...]} "
                "(docs/ray.md)"
            )
        if outcome[0] == "raised":
            self._release(placement)
            placement.restart_error = outcome[1]
            return placement
        _, _, placement.pid, placement.node = outcome
        with self._lock:
            self._placements.add(placement)
        return placement

    def _release(self, placement: Placement) -> None:
        """The process is done with its actor: keep it for reuse, or end it."""
        with self._lock:
            self._placements.discard(placement)
        if placement.dead:
            return
        placement.dead = True  # this process will not call it again
        actor = placement.actor
        with _idle_lock:
            spare = _idle.setdefault(placement.key, [])
            keep = not self._connected and len(spare) < IDLE_ACTORS
            if keep:
                spare.append(actor)
        try:
            if keep:
                actor.reset.remote()
            else:
                ray.kill(actor, no_restart=True)
        except Exception as error:  # Ray is gone already: so is the actor
            log.debug("could not release %r: %s", placement, error)

    def process_stopped(self, process: ProcessCore, idle: bool) -> None:
        super().process_stopped(process, idle)
        placement = process._instance
        if isinstance(placement, Placement) and idle:
            self._release(placement)
        # A process that was running releases its actor when its turn ends (`_complete`).

    # -- the dispatcher --------------------------------------------------------------------

    def _dispatch(self) -> None:
        queue = self.runq
        while True:
            item = queue.get()
            if item is None:
                if self.stopping and not self._flight:
                    return
                continue
            try:
                if item.__class__ is _Turn:
                    self._complete(item, self._worker)
                elif item.__class__ is partial:
                    self.finish(item)
                elif self.stopping:
                    item.abandon()
                else:
                    self._start_turn(item)
            except BaseException as error:  # pragma: no cover - turns deliver their errors
                log_internal(f"of {self!r}", error)

    def _start_turn(self, process: ProcessCore) -> None:
        if not process.begin():
            return
        placement = process._instance
        assert isinstance(placement, Placement)
        batch = process.take_batch(placement.limit(self.max_batch, self.batch_seconds))
        blob = b""
        if batch:
            batch, blob = self._shippable(process, batch)
        if not batch:
            if process.stopped:
                self._release(placement)
            process.end()
            return
        turn = _Turn(process, batch, placement)
        try:
            ref = placement.actor.run.remote(blob)
            self.calls += 1
        except BaseException as error:
            turn.reply = ConcurrentFuture()
            turn.reply.set_exception(error)
            self._complete(turn, self._worker)
            return
        with self._lock:
            self._flight[process] = turn
            watch = not self._watching
            self._watching = True
        if watch:
            self._watched.put((turn, ref))
            return
        reply = ref.future()
        turn.reply = reply
        reply.add_done_callback(lambda _: self.runq.put(turn))

    def _watch(self) -> None:
        """The watcher: settle each batch it is given as soon as its reply is in."""
        inbox = self._watched
        while True:
            item = inbox.get()
            if item is None:
                return
            turn, ref = item
            failed: BaseException | None = None
            try:
                # Not one endless wait: a batch that shutdown failed already is let go.
                while not ray.wait([ref], timeout=0.25)[0] and not turn.dropped:
                    pass
            except BaseException as error:  # Ray itself failed: so does the batch
                failed = error
            with self._lock:
                self._watching = False  # before settling: the next batch comes here
            if turn.dropped:
                continue
            reply: ConcurrentFuture[Any] = ConcurrentFuture()
            if failed is None:
                try:
                    reply.set_result(ray.get(ref))
                except BaseException as error:  # settled as the callback's would be
                    reply.set_exception(error)
            else:
                reply.set_exception(failed)
            turn.reply = reply
            try:
                self._complete(turn, self._watcher_counts)
            except BaseException as error:  # pragma: no cover - turns deliver their errors
                log_internal(f"of {self!r}", error)

    def _shippable(self, process: ProcessCore, batch: list[Taken]) -> tuple[list[Taken], bytes]:
        """The batch without the messages that cannot be pickled, which fail at once with
        a `TypeError` that names the message, the parameter and its type; and the rest,
        pickled."""
        try:
            return batch, _dumps([taken[0] for taken in batch])
        except Exception:
            pass
        kept = []
        for taken in batch:
            problem = _unpicklable(taken[0])
            if problem is None:
                kept.append(taken)
                continue
            process.settle(taken, None, problem, 0, keep_mark=True, supervised=False)
            self._worker.add(1, 1, 0)
        if not kept:
            self._end_marks(process, batch)
            return kept, b""
        return kept, _dumps([taken[0] for taken in kept])

    def _complete(self, turn: _Turn, counts: Worker) -> None:
        """A batch came back (or failed): settle its messages in order, end the turn.
        `counts` is the settling thread's own tally (the dispatcher's or the watcher's)."""
        process, batch, placement = turn.process, turn.batch, turn.placement
        with self._lock:
            if self._flight.get(process) is turn:
                del self._flight[process]
            self._flown.notify_all()
            if turn.dropped:
                return
            turn.dropped = True
        try:
            assert turn.reply is not None
            try:
                outcomes = pickle.loads(turn.reply.result())
            except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError) as error:
                self._lost(process, batch, placement, error, counts)
                return
            except BaseException as error:  # the call itself failed: nothing ran
                for taken in batch:
                    process.settle(taken, None, error, 0, keep_mark=True, supervised=False)
                counts.add(len(batch), len(batch), 0)
                return
            if isinstance(outcomes, str):  # the worker could not unpickle the batch
                unreadable = UsageError(
                    f"the Ray worker of {process.name} cannot read its messages ({outcomes}): "
                    "what they carry must be importable there too; see runtime_env in "
                    "docs/ray.md"
                )
                for taken in batch:
                    process.settle(taken, None, unreadable, 0, keep_mark=True, supervised=False)
                counts.add(len(batch), len(batch), 0)
                return
            self._settle(process, batch, placement, outcomes, counts)
        finally:
            self._end_marks(process, batch)
            if process.stopped:
                self._release(placement)
            process.end()

    def _settle(
        self,
        process: ProcessCore,
        batch: list[Taken],
        placement: Placement,
        outcomes: list[tuple[int, Any, int]],
        counts: Worker,
    ) -> None:
        handled = failed = total_ns = 0
        for index, taken in enumerate(batch):
            if index >= len(outcomes):  # the instance stopped on a failure: not handled
                process.give_back(batch[index:])
                break
            kind, value, ns = outcomes[index]
            total_ns += ns
            handled += 1
            if kind == _OK:
                process.settle(taken, value, None, ns, keep_mark=True)
                continue
            failed += 1
            if kind == _RESTART_FAILED:
                value, placement.restart_error = value
            process.settle(taken, None, value, ns, keep_mark=True)
        if handled:
            placement.measured(total_ns, handled)
            counts.add(handled, failed, total_ns)

    def _lost(
        self,
        process: ProcessCore,
        batch: list[Taken],
        placement: Placement,
        error: BaseException,
        counts: Worker,
    ) -> None:
        """The actor died: restart or stop the process, then fail what it was sent."""
        placement.dead = True
        with self._lock:
            self._placements.discard(placement)
        what = f"its Ray actor died ({type(error).__name__})"
        stopped = ProcessStopped(process.name, what)
        stopped.__cause__ = error
        if process.options.supervision == "restart" and not self.stopping:
            self._replace(process, placement, what)
        else:
            process.stop(what)
        for taken in batch:
            process.settle(taken, None, stopped, 0, keep_mark=True, supervised=False)
        counts.add(len(batch), len(batch), 0)

    def _replace(self, process: ProcessCore, dead: Placement, what: str) -> None:
        """A fresh actor and instance from the spawn arguments, for a process whose actor
        died; if that fails too, the process stops."""
        try:
            blob = _pickle_spawn(
                process.name, _spawned(process), _dispatch_of(process), process.options
            )
            fresh = self._place(process.name, blob, process.options)
            if fresh.restart_error is not None:
                error, fresh.restart_error = fresh.restart_error, None
                raise error
        except BaseException as broken:
            self.report(process.name, "restart", broken)
            process.stop(f"{what}, and a new one failed to start: {describe(broken, str)}")
            return
        process._instance = fresh
        if isinstance(process._make, _Remake):
            process._make.placement = fresh
        process.restarts += 1

    def _end_marks(self, process: ProcessCore, batch: list[Taken]) -> None:
        """The batch is settled: its cluster's `handling` mark goes (joiners hear of it)."""
        for taken in batch:
            if taken[2] is not None:
                process._skipped(taken[2])
                return

    # -- the backend's part of the seam (see `_core`) -------------------------------------

    def wait_for_room(
        self, room: threading.Condition, roomy: Callable[[], bool], timeout: float | None
    ) -> bool:
        return self._wait_on_room(room, roomy, timeout)

    def _stop_handlers(self, deadline: float | None) -> bool:
        """Wait for the batches in flight until `deadline`; fail what is still out (its
        actor is killed: it is stuck in a handler), end the dispatcher, let go of the
        actors and, if this runtime connected to Ray, disconnect (a local Ray stops)."""
        self._wake_rooms()
        with self._flown:
            self._flown.wait_for(lambda: not self._flight, _left(deadline))
            late = list(self._flight.values())
            self._flight.clear()
            for turn in late:
                turn.dropped = True
        for turn in late:
            process = turn.process
            error = RuntimeStopped(process.name)
            for taken in turn.batch:
                process.settle(taken, None, error, 0, keep_mark=True, supervised=False)
            self.abandoned(len(turn.batch))
            self._end_marks(process, turn.batch)
            turn.placement.dead = True
            with contextlib.suppress(Exception):
                ray.kill(turn.placement.actor, no_restart=True)
        self.runq.put(None)
        self._watched.put(None)
        for thread in (self._dispatcher, self._watcher):
            if thread is not threading.current_thread():
                thread.join(_left(deadline))
        with self._lock:
            placements = list(self._placements)
        for placement in placements:
            self._release(placement)
        if self._connected:
            with _idle_lock:
                for key in [key for key in _idle if key[0] == self._session]:
                    del _idle[key]
            with contextlib.suppress(Exception):
                ray.shutdown()
        return not late

    def _workers(self) -> list[Worker]:
        return [self._worker, self._watcher_counts]

    def _pool_counts(self) -> dict[str, int]:
        return {"pool_threads": 0, "dedicated_threads": 0, "backup_threads_started": 0}


# -- pickling ------------------------------------------------------------------------------


def _cloud_dumps(value: object, protocol: int = 5) -> bytes:
    """`cloudpickle.dumps`, which pickles what Ray's own serializer does (lambdas too)."""
    blob: bytes = cloudpickle.dumps(value, protocol=protocol)  # type: ignore[no-untyped-call]
    return blob


def _dumps(messages: list[Any]) -> bytes:
    try:
        return pickle.dumps(messages, protocol=5)
    except Exception:  # lambdas, local classes: what Ray's own serializer takes
        return _cloud_dumps(messages, protocol=5)


def _unpicklable(message: object) -> TypeError | None:
    """Why `message` cannot go to an actor, naming the parameter and its type; None if it can."""
    try:
        _cloud_dumps(message)
        return None
    except Exception as why:
        error = why
    if dataclasses.is_dataclass(message):
        for field in dataclasses.fields(message):
            value = getattr(message, field.name)
            try:
                _cloud_dumps(value)
            except Exception as why:
                return TypeError(
                    f"cannot send {type(message).__name__} to a Ray actor: its argument "
                    f"{field.name!r} is a {type(value).__qualname__}, which cannot be "
                    f"pickled ({why})"
                )
    return TypeError(f"cannot send {type(message).__name__} to a Ray actor: {error}")


def _pickle_spawn(
    kind: str,
    make: Callable[[], object],
    dispatch: Callable[[Any, Any], object],
    options: ProcessOptions,
) -> bytes:
    """What an actor needs to make the instance, pickled; a `TypeError` names the spawn
    argument that cannot be."""
    try:
        return _cloud_dumps((make, dispatch, options.supervision))
    except Exception as why:
        error = why
    code = getattr(make, "__code__", None)
    cells = getattr(make, "__closure__", None) or ()
    names = code.co_freevars if code is not None else ()
    for name, cell in zip(names, cells, strict=False):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        try:
            _cloud_dumps(value)
        except Exception as why:
            raise TypeError(
                f"cannot spawn {kind} on a Ray actor: its argument {name!r} is a "
                f"{type(value).__qualname__}, which cannot be pickled ({why})"
            ) from why
    raise TypeError(f"cannot spawn {kind} on a Ray actor: {error}") from error


def _class_of(kind: str, make: Callable[[], object]) -> type | None:
    """The async class a generated `spawn`'s ``lambda: Kind(...)`` makes, if it can tell."""
    found = getattr(make, "__globals__", {}).get(kind)
    return found if isinstance(found, type) else None


def _spawned(process: ProcessCore) -> Callable[[], object]:
    make = process._make
    if make is None:  # pragma: no cover - kept for every process that may restart
        raise UsageError(f"{process.name} cannot restart: its spawn arguments were not kept")
    return make.spawn if isinstance(make, _Remake) else make


def _dispatch_of(process: ProcessCore) -> Callable[[Any, Any], object]:
    return process._dispatch


def _actor_options(kind: str, options: ProcessOptions) -> dict[str, Any]:
    asked = dict(options.ray_options or {})
    own = sorted(set(asked) & _OWN_OPTIONS)
    if own:
        raise ValueError(
            f"ray_options of {kind} cannot set {', '.join(own)}: actorgen runs each actor one "
            "batch at a time and supervises it itself"
        )
    return asked


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())
