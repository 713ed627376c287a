"""Does a cluster use more than one core? CPU-bound handlers, 2 members against 1.

Run from the repository root, on the interpreter to measure::

    .venv/bin/python bench/cores.py             # ~1 minute
    .venv-ft/bin/python bench/cores.py --json   # a free-threaded 3.13t, as JSON
    .venv/bin/python bench/cores.py --quick     # seconds (the smoke test)

The work is `--jobs` jobs (64) of pure-Python computing (`spinners.spin`, no I/O), the
same in every row. Each row is a *speed-up*: the time one worker takes for all of it,
divided by the time two workers take, measured side by side in each repeat:

- ``ceiling``: two plain OS processes of this interpreter, each doing half the jobs at
  once, against one doing all of them. What the machine gives two workers now: below 2
  where the cores are shared, hyper-threads, or busy with something else;
- ``threads``: two plain threads of this process, each with half the jobs, against one;
- ``cluster-balanced``, ``cluster-work-stealing``: a `SpinnerCluster` of 2 members against
  a cluster of 1, on a default `Runtime`, all jobs sent as asks at once, until the last
  reply.

Under the GIL only one thread computes at a time, so threads and clusters stay near 1;
on a free-threaded build they can reach the ceiling. Each row is the median over the
repeats (rows interleaved, so they share whatever the machine is doing), and
``÷ ceiling`` compares it with the ceiling measured in the same repeat.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from spinners import spin  # noqa: E402 - bench/ is not a package

ROWS = ("ceiling", "threads", "cluster-balanced", "cluster-work-stealing")


def _child(jobs: int, rounds: int) -> None:
    """An OS process of the ceiling row: wait for the go, compute, print the seconds."""
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    began = time.perf_counter()
    for _ in range(jobs):
        spin(rounds)
    sys.stdout.write(f"{time.perf_counter() - began}\n")
    sys.stdout.flush()


def processes(workers: int, jobs: int, rounds: int) -> float:
    """Seconds until `workers` OS processes have done `jobs` between them, started at once."""
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", str(jobs // workers), str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for child in children:  # each has started its interpreter: none pays for that below
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    seconds = []
    for child in children:
        out, _ = child.communicate()
        seconds.append(float(out))
    return max(seconds)


def threads(workers: int, jobs: int, rounds: int) -> float:
    """Seconds until `workers` plain threads have done `jobs` between them."""

    def work() -> None:
        for _ in range(jobs // workers):
            spin(rounds)

    pool = [threading.Thread(target=work) for _ in range(workers)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - began


def cluster(strategy: str) -> Callable[[int, int, int], float]:
    def run(members: int, jobs: int, rounds: int) -> float:
        """Seconds until a cluster of `members` has replied to `jobs` asks."""
        from actorgen.runtime import Runtime
        from spinners_actors import SpinnerCluster, SpinnerProcess

        with Runtime(name="cores"):
            workers = SpinnerCluster(
                [SpinnerProcess.spawn() for _ in range(members)],
                strategy=strategy,  # type: ignore[arg-type]
            )
            workers.spin(1).result()  # warm: every thread started
            began = time.perf_counter()
            replies = [workers.spin(rounds) for _ in range(jobs)]
            for reply in replies:
                reply.result()
            return time.perf_counter() - began

    return run


MEASURE: dict[str, Callable[[int, int, int], float]] = {
    "ceiling": processes,
    "threads": threads,
    "cluster-balanced": cluster("balanced"),
    "cluster-work-stealing": cluster("work_stealing"),
}


def measure(jobs: int, rounds: int, repeats: int) -> dict[str, object]:
    speedups: dict[str, list[float]] = {row: [] for row in ROWS}
    of_ceiling: dict[str, list[float]] = {row: [] for row in ROWS}
    one_worker: dict[str, list[float]] = {row: [] for row in ROWS}
    for repeat in range(repeats):
        order = ROWS[repeat % len(ROWS) :] + ROWS[: repeat % len(ROWS)]
        measured: dict[str, float] = {}
        for row in order:
            one = MEASURE[row](1, jobs, rounds)
            two = MEASURE[row](2, jobs, rounds)
            measured[row] = one / two
            one_worker[row].append(one)
            print(f"  [{repeat + 1}/{repeats}] {row:<22} {one:6.3f} s / {two:6.3f} s"
                  f" = {one / two:4.2f}x", file=sys.stderr, flush=True)
        for row in ROWS:
            speedups[row].append(measured[row])
            of_ceiling[row].append(measured[row] / measured["ceiling"])
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}"
        + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""),
        "gil": gil,
        "jobs": jobs,
        "rounds": rounds,
        "repeats": repeats,
        "rows": {
            row: {
                "speedup": statistics.median(speedups[row]),
                "of_ceiling": statistics.median(of_ceiling[row]),
                "one_worker_s": statistics.median(one_worker[row]),
                "speedups": speedups[row],
            }
            for row in ROWS
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=200_000, help="spin() rounds per job")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    if args.quick:
        args.jobs, args.rounds, args.repeats = 8, 20_000, 1
    figures = measure(args.jobs, args.rounds, args.repeats)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    gil = "with the GIL" if figures["gil"] else "without the GIL"
    print(f"{figures['python']} ({gil}), {args.jobs} jobs, median of {args.repeats}")
    print(f"{'row':<22} {'2 ÷ 1':>7} {'÷ ceiling':>10}")
    rows = figures["rows"]
    assert isinstance(rows, dict)
    for row, values in rows.items():
        print(f"{row:<22} {values['speedup']:6.2f}x {values['of_ceiling']:9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
