"""Where does the time of a cluster tell or ask go? A workload to profile, and a summary.

Runs one of the suite's workloads in a loop for a few seconds, on every thread at once (the
sender and the pool), so a profiler sees the hot path as the benchmark exercises it::

    # cProfile in every thread (deterministic, counts calls, slows calls down ~2x):
    .venv/bin/python bench/profile_cluster.py cluster-tells --cprofile

    # py-spy (sampling; --gil keeps only samples of the thread holding the GIL, which is
    # what limits a thread-based runtime on CPython), then a summary by own time:
    py-spy record --gil -r 1000 -f raw -o /tmp/tells.txt -- \\
        .venv/bin/python bench/profile_cluster.py cluster-tells
    .venv/bin/python bench/profile_cluster.py --summarize /tmp/tells.txt

Workloads: ``cluster-tells``, ``cluster-asks`` (50,000 outstanding per round),
``direct-tells``, ``direct-asks`` and ``handwritten-tells``/``handwritten-asks`` for
comparison. The cluster workloads use the runtime's default strategy; ``--strategy KEY``
picks another row of the suite's `STRATEGIES` (``work-stealing``, ``round-robin``). Run from
the repository root.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from suite.variants import Variant
from suite.variants.actorgen_variant import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    ActorgenCluster,
    ActorgenDirect,
)
from suite.variants.handwritten import Handwritten
from suite.workload import WORKERS

STRATEGY_KEYS = {strategy.key: strategy for strategy in STRATEGIES}
strategy = STRATEGY_KEYS[DEFAULT_STRATEGY]  # --strategy changes it before the run


def _cluster() -> Variant:
    return ActorgenCluster(strategy)


WORKLOADS: dict[str, tuple[Callable[[], Variant], str]] = {
    "cluster-tells": (_cluster, "tells"),
    "cluster-asks": (_cluster, "asks"),
    "direct-tells": (ActorgenDirect, "tells"),
    "direct-asks": (ActorgenDirect, "asks"),
    "handwritten-tells": (Handwritten, "tells"),
    "handwritten-asks": (Handwritten, "asks"),
}


def run(workload: str, seconds: float, batch: int) -> int:
    """Run `workload` in rounds of `batch` messages for about `seconds`; return messages."""
    make, phase = WORKLOADS[workload]
    variant = make()
    variant.start(WORKERS)
    values = list(range(1, batch + 1))
    sent = 0
    deadline = time.perf_counter() + seconds
    try:
        while time.perf_counter() < deadline:
            if phase == "tells":
                variant.tell_all(values)
            else:
                variant.ask_all(values)
            sent += batch
    finally:
        variant.stop()
    return sent


def run_cprofiled(workload: str, seconds: float, batch: int, top: int) -> None:
    """Profile every thread with its own cProfile, then print the merged top functions."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_in_thread(frame: FrameType, event: str, arg: Any) -> None:
        # Called once in each new thread: replace this hook by a profiler of that thread.
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()

    threading.setprofile(start_in_thread)
    main = cProfile.Profile()
    main.enable()
    started = time.perf_counter()
    sent = run(workload, seconds, batch)
    elapsed = time.perf_counter() - started
    main.disable()
    threading.setprofile(None)
    print(f"{workload}: {sent:,} messages in {elapsed:.2f} s under cProfile\n")
    print("Sending thread, by own time:")
    pstats.Stats(main).sort_stats("tottime").print_stats(top)
    if profiles:
        print(f"{len(profiles)} other threads (the pool), merged, by own time:")
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.sort_stats("tottime").print_stats(top)


def summarize(path: Path, top: int) -> None:
    """Own and total time by function from a py-spy ``-f raw`` file (collapsed stacks)."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [_short(frame) for frame in stack.split(";")]
        # The first frame of a py-spy stack is the thread (with --threads) or the process.
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    print(f"{samples:,} samples in {path}\n")
    print(f"{'own %':>6} {'total %':>8}  function (file:line of the sampled line)")
    for frame, count in own.most_common(top):
        print(f"{100 * count / samples:6.1f} {100 * total[frame] / samples:8.1f}  {frame}")


def _short(frame: str) -> str:
    """``foo (path/to/file.py:12)`` -> ``foo (file.py)``: merge the lines of one function."""
    name, _, where = frame.partition(" (")
    file = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({Path(file).name})" if file else name


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("workload", nargs="?", choices=sorted(WORKLOADS), default="cluster-tells")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run (5)")
    parser.add_argument("--batch", type=int, default=50_000, help="messages per round (50,000)")
    parser.add_argument(
        "--strategy",
        choices=sorted(STRATEGY_KEYS),
        default=DEFAULT_STRATEGY,
        help=f"cluster strategy of the cluster workloads ({DEFAULT_STRATEGY})",
    )
    parser.add_argument("--cprofile", action="store_true", help="profile with cProfile")
    parser.add_argument("--top", type=int, default=25, help="functions to list (25)")
    parser.add_argument("--summarize", type=Path, help="summarize a py-spy raw file instead")
    args = parser.parse_args()
    global strategy
    strategy = STRATEGY_KEYS[args.strategy]
    if args.summarize is not None:
        summarize(args.summarize, args.top)
    elif args.cprofile:
        run_cprofiled(args.workload, args.seconds, args.batch, args.top)
    else:
        started = time.perf_counter()
        sent = run(args.workload, args.seconds, args.batch)
        elapsed = time.perf_counter() - started
        print(f"{args.workload}: {sent:,} messages in {elapsed:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
