"""Analysing the source files that may define async classes: parse, model, render.

This is the expensive step (LibCST parses at well under 1 MB/s, and the parse is most of
an analysis), so many files are analysed in worker processes when there are enough of
them to pay for starting the processes.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

from .diagnostics import Diagnostic

__all__ = ["Analysis", "Job", "analyze_all", "analyze_one", "default_jobs", "in_processes"]

T = TypeVar("T")
R = TypeVar("R")

# Below this much source, starting worker processes costs more than it saves: a process
# starts in about 0.1-0.3 s (it imports LibCST), and 64 KB of source takes about as long
# to analyse.
_MIN_PARALLEL_FILES = 4
_MIN_PARALLEL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Job:
    path: str  # as shown in diagnostics
    text: str
    source_module: str  # how the generated module imports the source: ``.workers``
    output_module: str = ""  # the generated module's own name, ``workers_actors`` ("": default)

    @property
    def modules(self) -> str:
        """Both module names, as the cache compares them: each changes the output."""
        return f"{self.source_module} {self.output_module}"


@dataclass(frozen=True)
class Analysis:
    """What a source file generates: the module's text (``None`` when the file has no
    async class or has errors) and its diagnostics."""

    text: str | None
    diagnostics: tuple[Diagnostic, ...]


def analyze_one(job: Job) -> Analysis:
    """Analyse one file. A failure of the generator itself becomes a diagnostic for the
    file, so that one odd file cannot stop a run over a whole tree with a traceback."""
    # LibCST and Jinja load only when a file needs them.
    from .parse import analyze, may_define_async_class
    from .render import render

    if not may_define_async_class(job.text):
        return Analysis(None, ())
    try:
        spec, diagnostics = analyze(
            job.path, job.text, job.source_module, job.output_module or None
        )
        text = render(spec) if spec is not None and not diagnostics else None
    except (RecursionError, MemoryError):  # CPython's parser gave up (see `parse.analyze`)
        return _failed(job, _TOO_DEEP)
    except Exception as error:  # a bug in actorgen: say so, and go on with other files
        return _failed(job, f"internal error ({type(error).__name__}: {error}); please report it")
    return Analysis(text, tuple(diagnostics))


_TOO_DEEP = "the code is nested too deeply for Python and actorgen to parse"


def _failed(job: Job, message: str) -> Analysis:
    return Analysis(None, (Diagnostic(job.path, 1, 1, message),))


def _crashed(job: Job) -> Analysis:
    return _failed(
        job,
        "the parser crashed on this file (LibCST's native parser does on some very deeply "
        "nested code); please report it",
    )


def default_jobs() -> int:
    """The CPUs this process may use."""
    if sys.version_info >= (3, 13):  # pragma: no cover - newer Pythons only
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1  # pragma: no cover - platforms without affinity


def analyze_all(jobs: Sequence[Job], workers: int | None = None) -> list[Analysis]:
    """Analyse `jobs` in order, in up to `workers` processes (default: one per CPU) when
    there is enough work to pay for them, else in this process."""
    workers = min(default_jobs() if workers is None else workers, len(jobs))
    size = sum(len(job.text) for job in jobs)
    if workers < 2 or len(jobs) < _MIN_PARALLEL_FILES or size < _MIN_PARALLEL_BYTES:
        return [analyze_one(job) for job in jobs]
    return in_processes(analyze_one, jobs, workers, _crashed)


def in_processes(
    function: Callable[[T], R], items: Sequence[T], workers: int, crashed: Callable[[T], R]
) -> list[R]:
    """``[function(item) for item in items]`` in `workers` processes. An item whose
    process dies (a crash in native code) gets ``crashed(item)``; the others are still
    computed."""
    from concurrent.futures.process import BrokenProcessPool  # loaded only when needed

    results: list[R] = []
    try:
        with _pool(workers) as pool:
            # Chunks of a few files bound the messaging overhead; small ones keep the
            # workers evenly busy to the end (a small file takes some 8 ms).
            chunk = max(1, min(8, len(items) // (workers * 8)))
            results.extend(pool.map(function, items, chunksize=chunk))
        return results
    except BrokenProcessPool:
        pass
    except OSError:  # no process could start: do it here
        return [function(item) for item in items]
    # A worker died. Go on with one worker, one item at a time, so that the item that
    # kills it is known; this slow path is only taken after a crash.
    remaining = list(items[len(results) :])
    while remaining:
        try:
            with _pool(1) as pool:
                while remaining:
                    results.append(pool.submit(function, remaining[0]).result())
                    remaining.pop(0)
        except BrokenProcessPool:
            results.append(crashed(remaining.pop(0)))
    return results


def _pool(workers: int) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=_ignore_interrupts
    )


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    # "fork" copies whatever threads hold (a file watcher's, for one) and is deprecated in
    # threaded processes; "forkserver" forks workers from a clean single-threaded server
    # and is the default from Python 3.14. Windows and macOS only have or prefer "spawn".
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and stops the pool;
    # workers printing a traceback each would only bury the message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
