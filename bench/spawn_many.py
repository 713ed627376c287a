"""Processes are lightweight: spawn many, message each once, measure time and memory.

Run from the repository root::

    .venv/bin/python bench/spawn_many.py                 # 100,000 processes
    .venv/bin/python bench/spawn_many.py --count 1000    # a quick smoke run
    .venv/bin/python bench/spawn_many.py --json          # the figures as one JSON object

Two phases, each on its own explicit `Runtime`:

1. Timing, without tracemalloc (which slows every allocation down several times): spawn
   `count` processes of `tiny.Counter`, send each one ask and wait for every reply, then
   send each one tell and drain the runtime. Reports rates, OS threads and RSS. Python's
   cyclic GC runs as usual (it is a large share of spawning a million); `--no-gc` turns
   it off for this phase, to see the runtime's own cost.
2. Memory, with tracemalloc: the Python heap taken by `count` bare `Counter` instances
   (the user's own objects), then by `count` idle processes, which includes their
   `Counter`s. The difference is what the runtime adds per process.

Nothing here asserts on time: the figures are printed, and the only checks are that every
reply is right and every message was handled.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import sys
import threading
import time
import tracemalloc
from typing import Any

from actorgen.runtime import Future, Runtime, process_stats, runtime_stats
from tiny import Counter
from tiny_actors import CounterProcess


def rss_bytes() -> int | None:
    """The resident set size now (Linux only; None elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def peak_rss_bytes() -> int:
    """The peak resident set size of this process so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def traced() -> int:
    return tracemalloc.get_traced_memory()[0]


def mib(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


def rate(label: str, count: int, seconds: float) -> str:
    return f"{label:<20} {seconds:8.3f} s {count / seconds:>12,.0f} /s"


def time_phase(count: int, threads: int | None, quiet: bool = False) -> dict[str, Any]:
    """Spawn, one ask each, one tell each: rates, threads and RSS (printed unless `quiet`)."""
    threads_before = threading.active_count()
    rss_before = rss_bytes()
    with Runtime(threads, name="bench") as runtime:
        pool = runtime.threads
        started = time.perf_counter()
        processes = [CounterProcess.spawn() for _ in range(count)]
        spawned = time.perf_counter() - started
        rss_idle = rss_bytes()
        threads_idle = threading.active_count()
        stats = runtime_stats(runtime)
        pool_now = stats.pool_threads + stats.dedicated_threads
        processes_alive = stats.processes

        started = time.perf_counter()
        futures: list[Future[int]] = [process.ping(i) for i, process in enumerate(processes)]
        sent = time.perf_counter() - started
        wrong = sum(future.result() != i + 1 for i, future in enumerate(futures))
        asked = time.perf_counter() - started
        del futures

        started = time.perf_counter()
        for process in processes:
            process.bump()
        told = time.perf_counter() - started
    # Leaving the block drained the runtime: every tell has been handled.
    drained = time.perf_counter() - started
    unhandled = sum(process_stats(process).handled != 2 for process in processes)
    rss_grown = None if rss_before is None or rss_idle is None else rss_idle - rss_before
    figures: dict[str, Any] = {
        "spawn_seconds": spawned,
        "spawn_per_second": count / spawned,
        "ask_send_per_second": count / sent,
        "ask_replied_per_second": count / asked,
        "tell_send_per_second": count / told,
        "tell_drained_per_second": count / drained,
        "threads_before": threads_before,
        "threads_idle": threads_idle,
        "runtime_threads": threads_idle - threads_before,
        "pool_threads": pool,
        "pool_threads_idle": pool_now,
        "rss_grown_bytes": rss_grown,
        "rss_per_process_bytes": None if rss_grown is None else rss_grown / count,
        "peak_rss_bytes": peak_rss_bytes(),
    }

    if not quiet:
        print(rate("spawn", count, spawned))
        print(rate("ask, send only", count, sent))
        print(rate("ask, until replied", count, asked), "  (one ask each, then every result())")
        print(rate("tell, send only", count, told))
        print(rate("tell, until drained", count, drained), "  (one tell each, then shutdown)")
        others = threads_idle - threads_before - pool_now
        print(
            f"OS threads with {count:,} idle processes: {threads_idle} "
            f"({threads_before} before the runtime started, {pool_now} pool threads"
            + (f", {others} more of the runtime: its monitor" if others else "")
            + ")"
        )
        if rss_grown is not None:
            print(
                f"RSS grew by {mib(rss_grown)} while spawning: "
                f"{rss_grown / count:,.0f} bytes per process"
            )
        print(f"peak RSS after the timing phase: {mib(peak_rss_bytes())}")
    if wrong or unhandled or processes_alive != count:
        sys.exit(
            f"FAILED: {wrong} wrong replies, {unhandled} processes missed a message, "
            f"runtime_stats() counted {processes_alive:,} of {count:,} processes"
        )
    return figures


def memory_phase(count: int, threads: int | None, quiet: bool = False) -> dict[str, Any]:
    """Python heap per idle process, with and without the user's own object."""
    gc.collect()
    tracemalloc.start()

    before = traced()
    counters = [Counter() for _ in range(count)]
    bare = traced() - before
    del counters
    gc.collect()

    with Runtime(threads, name="bench-memory") as runtime:
        before = traced()
        processes = [CounterProcess.spawn() for _ in range(count)]
        spawned = traced() - before
        for future in [process.ping(i) for i, process in enumerate(processes)]:
            future.result()
        runtime.shutdown()  # wait until every process has gone idle again
    gc.collect()
    after_message = traced() - before
    tracemalloc.stop()
    del processes

    if not quiet:
        print("\nPython heap (tracemalloc), per object, each including its 8-byte list slot:")
        print(f"  bare Counter instance (the user's object): {bare / count:8,.0f} bytes")
        print(f"  idle process, including its Counter:       {spawned / count:8,.0f} bytes")
        print(
            f"  ... minus the Counter: the runtime's share {(spawned - bare) / count:8,.0f} bytes"
        )
        print(f"  idle process after handling one ask:       {after_message / count:8,.0f} bytes")
    return {
        "heap_bare_object_bytes": bare / count,
        "heap_idle_process_bytes": spawned / count,
        "heap_runtime_share_bytes": (spawned - bare) / count,
        "heap_after_one_ask_bytes": after_message / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="processes (100,000)")
    parser.add_argument("--threads", type=int, help="pool threads (the runtime's default)")
    parser.add_argument("--skip-memory", action="store_true", help="only the timing phase")
    parser.add_argument(
        "--no-gc", action="store_true", help="disable the cyclic GC during the timing phase"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object of the figures, nothing else"
    )
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    if not args.json:
        print(
            f"{args.count:,} processes; Python {platform.python_version()} on "
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs\n"
        )
    figures: dict[str, Any] = {"count": args.count, "gc": not args.no_gc}
    if args.no_gc:
        gc.disable()
    figures.update(time_phase(args.count, args.threads, quiet=args.json))
    gc.enable()
    if not args.skip_memory:
        figures.update(memory_phase(args.count, args.threads, quiet=args.json))
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
