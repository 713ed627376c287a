"""Do blocking handlers starve other processes? A fast ask's wait, as a ratio to the sleep.

Run from the repository root::

    .venv/bin/python bench/blocking.py            # ~30 s
    .venv/bin/python bench/blocking.py --quick    # a few seconds (the smoke test)

`--sleepers` processes each block their thread in a handler for `--sleep` seconds on a
runtime of `--threads` threads, and a fast process answers one ask. Its round trip is
reported as a fraction of the sleep, in two situations:

- *right behind*: the ask is sent just after the sleepers' messages, so it waits in the
  run queue behind them;
- *while they sleep*: the ask is sent once every sleeper is inside its handler.

Three set-ups run side by side: the default pool (backup threads start while handlers
block), the same pool without backup threads (``max_threads=threads``: the fast ask waits
for the pool to work through the sleeps ``threads`` at a time), and sleepers that each
have a dedicated thread (``spawn_options(dedicated_thread=True)``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from actorgen.runtime import Runtime, runtime_stats, spawn_options
from nappers_actors import NapperProcess


def _round_trip(process: NapperProcess) -> float:
    started = time.perf_counter()
    process.ping(1).result(timeout=60)
    return time.perf_counter() - started


def measure(
    threads: int, max_threads: int | None, sleepers: int, sleep: float, dedicated: bool
) -> dict[str, float]:
    options: Callable[[], AbstractContextManager[object]] = (
        (lambda: spawn_options(dedicated_thread=True)) if dedicated else nullcontext
    )
    with Runtime(threads=threads, max_threads=max_threads, name="blocking") as runtime:
        with options():
            nappers = [NapperProcess.spawn() for _ in range(sleepers)]
        fast = NapperProcess.spawn()
        fast.ping(0).result(timeout=60)
        naps = [napper.nap(sleep) for napper in nappers]
        behind = _round_trip(fast)
        for nap in naps:
            nap.result(timeout=60)
        naps = [napper.nap(sleep) for napper in nappers]
        time.sleep(min(sleep / 5, 0.1))  # let every sleeper reach its handler
        during = _round_trip(fast)
        backups = runtime_stats(runtime).backup_threads_started
        for nap in naps:
            nap.result(timeout=60)
    return {"behind": behind / sleep, "during": during / sleep, "backups": backups}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sleepers", type=int, default=50)
    parser.add_argument("--sleep", type=float, default=0.5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10 sleepers of 0.1 s, once")
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.sleepers, args.sleep, args.repeats = 10, 0.1, 1
    setups = {
        "backup threads (default)": (None, False),
        "no backup threads": (args.threads, False),
        "a dedicated thread per sleeper": (None, True),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in setups}
    for _ in range(args.repeats):  # interleaved: the set-ups share the machine's moods
        for name, (max_threads, dedicated) in setups.items():
            runs[name].append(
                measure(args.threads, max_threads, args.sleepers, args.sleep, dedicated)
            )
    medians = {
        name: {key: statistics.median(run[key] for run in results) for key in results[0]}
        for name, results in runs.items()
    }
    if args.json:
        print(json.dumps(medians, indent=2))
        return 0
    print(
        f"{args.sleepers} handlers sleeping {args.sleep} s on {args.threads} threads; "
        f"a fast ask's round trip ÷ the sleep (median of {args.repeats}):"
    )
    print(f"{'set-up':34} {'right behind':>13} {'while they sleep':>17} {'backups':>8}")
    for name, median in medians.items():
        print(
            f"{name:34} {median['behind']:>12.3f}x {median['during']:>16.4f}x "
            f"{median['backups']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
