# ruff: noqa: RUF001 - the report prints typographic signs on purpose
"""Did the runtime get faster or slower? The working tree's runtime against a git revision's.

Run from the repository root::

    .venv/bin/python bench/runtime_ab.py --rev 13ee547        # ~1 minute
    .venv/bin/python bench/runtime_ab.py --rev HEAD --quick   # seconds (the smoke test)
    .venv/bin/python bench/runtime_ab.py --rev HEAD --json

`--rev`'s ``runtime/`` is copied out of git (``git show``, read-only) into a temporary
``actorgen/runtime`` package that a child interpreter imports first; the other child
imports the working tree's. Children of the two runtimes alternate (A B, B A, ...) for
`--pairs` pairs, each measuring every workload `--rounds` times, so both share whatever
the machine is doing. The generated facades of ``bench/`` are used by both, so the two
runtimes must accept the same generated code.

Workloads (each round: a fresh `Runtime`, a short untimed warm-up, the timed part, totals
checked):

- ``cluster-tells``: `--tells` ``foo(a)`` to a `WorkerCluster` of 4 (its default strategy),
  until ``join()``;
- ``cluster-asks``: `--asks` ``bar(b)``, all outstanding, until every reply;
- ``cluster-trip``: `--trips` ``bar(b)`` to the same cluster, one at a time (each reply
  before the next send); its rate is one over the median round trip, bench/run.py's ask p50;
- ``direct-tells``: `--tells` ``foo(a)`` to the 4 processes in turn, until each replied to
  one ask;
- ``handwritten-tells``: the suite's hand-written pattern, which uses no runtime: the control,
  its ratio should be 1 up to noise;
- ``spawn``: `--spawn` processes of ``tiny.Counter`` spawned; then ``ask-each``: one ask to
  each, until every reply; then ``tell-each``: one tell to each, until the runtime drained.
  A message to an idle process pays for scheduling it and for one run of it.

For each: the median over the pairs of *working tree ÷ rev* of messages per second (each
pair's two children ran back to back), and the CPU time per message (``time.process_time``
of the whole interpreter: every thread, so contention for the GIL costs too) of each
runtime. CPU per message varies much less with background load than wall-clock rates do.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RUNS = (
    "cluster-tells",
    "cluster-asks",
    "cluster-trip",
    "direct-tells",
    "handwritten-tells",
    "spawn",
)
"""What a child runs each round, in rotating order; ``spawn`` also measures the next two."""
WORKLOADS = (*RUNS, "ask-each", "tell-each")
CONTROL = "handwritten-tells"
"""Uses no runtime: its ratio shows what the load did to one child and not the other."""
Figures = dict[str, tuple[float, float]]  # workload -> (messages per second, CPU ns each)


# -- the child: measure every workload on whichever runtime it imports ----------------------


def child(rounds: int, tells: int, asks: int, trips: int, spawn: int) -> dict[str, Any]:
    import actorgen.runtime as runtime_package
    from actorgen.runtime import Runtime
    from suite.variants.handwritten import Handwritten
    from suite.worker_actors import WorkerCluster, WorkerProcess
    from suite.workload import WORKERS, Expected, verify
    from tiny_actors import CounterProcess

    def cluster_run(phase: str, count: int) -> Figures:
        with Runtime(name="ab"):
            members = [WorkerProcess.spawn() for _ in range(WORKERS)]
            cluster = WorkerCluster(members)
            expected = Expected()
            warm = list(range(1, 1001))
            values = list(range(1, count + 1))
            if phase == "tells":
                for value in warm:
                    cluster.foo(value)
                cluster.join()
                expected.sent_tells(warm)
                begin = _clocks()
                for value in values:
                    cluster.foo(value)
                cluster.join()
                end = _clocks()
                expected.sent_tells(values)
            else:
                for future in [cluster.bar(value) for value in warm]:
                    future.result()
                expected.sent_asks(warm)
                begin = _clocks()
                futures = [cluster.bar(value) for value in values]
                replies = [future.result() for future in futures]
                end = _clocks()
                expected.sent_asks(values)
                if replies != [value + 1 for value in values]:
                    raise SystemExit("FAILED: wrong replies")
            verify(expected, [member.snapshot().result() for member in members])
        return {f"cluster-{phase}": _record(begin, end, count)}

    def trip_run(count: int) -> Figures:
        with Runtime(name="ab"):
            cluster = WorkerCluster([WorkerProcess.spawn() for _ in range(WORKERS)])
            for value in range(200):
                cluster.bar(value).result()
            clock = time.perf_counter_ns
            times = []
            begin = _clocks()
            for value in range(count):
                sent = clock()
                if cluster.bar(value).result() != value + 1:
                    raise SystemExit("FAILED: wrong replies")
                times.append(clock() - sent)
            end = _clocks()
        p50_s = statistics.median(times) / 1e9
        return {"cluster-trip": (1 / p50_s, _record(begin, end, count)[1])}

    def direct_run(count: int) -> Figures:
        with Runtime(name="ab"):
            members = [WorkerProcess.spawn() for _ in range(WORKERS)]
            expected = Expected()
            values = list(range(1, count + 1))
            for index, value in enumerate(range(1, 1001)):
                members[index % WORKERS].foo(value)
            expected.sent_tells(range(1, 1001))
            for future in [member.snapshot() for member in members]:
                future.result()
            begin = _clocks()
            for index, value in enumerate(values):
                members[index % WORKERS].foo(value)
            for future in [member.snapshot() for member in members]:
                future.result()
            end = _clocks()
            expected.sent_tells(values)
            verify(expected, [member.snapshot().result() for member in members])
        return {"direct-tells": _record(begin, end, count)}

    def handwritten_run(count: int) -> Figures:
        variant = Handwritten()
        variant.start(WORKERS)
        try:
            variant.tell_all(list(range(1, 1001)))
            values = list(range(1, count + 1))
            begin = _clocks()
            variant.tell_all(values)
            end = _clocks()
            expected = Expected()
            expected.sent_tells(range(1, 1001))
            expected.sent_tells(values)
            verify(expected, variant.totals())
        finally:
            variant.stop()
        return {"handwritten-tells": _record(begin, end, count)}

    def spawn_run(count: int) -> Figures:
        with Runtime(name="ab"):
            begin = _clocks()
            processes = [CounterProcess.spawn() for _ in range(count)]
            spawned = _clocks()
            futures = [process.ping(index) for index, process in enumerate(processes)]
            if any(future.result() != index + 1 for index, future in enumerate(futures)):
                raise SystemExit("FAILED: wrong replies")
            asked = _clocks()
            del futures
            for process in processes:
                process.bump()
        drained = _clocks()  # leaving the block drained the runtime: every tell handled
        return {
            "spawn": _record(begin, spawned, count),
            "ask-each": _record(spawned, asked, count),
            "tell-each": _record(asked, drained, count),
        }

    runs: dict[str, Callable[[], Figures]] = {
        "cluster-tells": lambda: cluster_run("tells", tells),
        "cluster-asks": lambda: cluster_run("asks", asks),
        "cluster-trip": lambda: trip_run(trips),
        "direct-tells": lambda: direct_run(tells),
        "handwritten-tells": lambda: handwritten_run(tells),
        "spawn": lambda: spawn_run(spawn),
    }
    figures: dict[str, Any] = {name: {"rate": [], "cpu_ns": []} for name in WORKLOADS}
    for round_ in range(rounds):
        shift = round_ % len(RUNS)
        for name in [*RUNS[shift:], *RUNS[:shift]]:
            gc.collect()
            for workload, (rate, cpu_ns) in runs[name]().items():
                figures[workload]["rate"].append(rate)
                figures[workload]["cpu_ns"].append(cpu_ns)
    figures["runtime"] = str(Path(runtime_package.__file__).parent)
    return figures


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _record(
    begin: tuple[float, float], end: tuple[float, float], count: int
) -> tuple[float, float]:
    """(messages per second, CPU ns per message) between two `_clocks()`."""
    return count / (end[0] - begin[0]), (end[1] - begin[1]) / count * 1e9


# -- the parent: extract the revision, alternate the children, compare ---------------------


def extract(rev: str, into: Path) -> str:
    """Write `rev`'s runtime/ as ``into/actorgen/runtime``; return the full commit id."""
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()
    package = into / "actorgen" / "runtime"
    package.mkdir(parents=True)
    names = _git("ls-tree", "--name-only", commit, "runtime/").split()
    if not names:
        raise SystemExit(f"{rev} has no runtime/ folder")
    for name in names:
        (package / Path(name).name).write_bytes(
            subprocess.run(
                ["git", "show", f"{commit}:{name}"], cwd=REPO, capture_output=True, check=True
            ).stdout
        )
    return commit


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def run_child(extracted: Path | None, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ)
    paths = [str(BENCH)] + ([str(extracted)] if extracted is not None else [])
    env["PYTHONPATH"] = os.pathsep.join(paths[::-1])  # the extracted runtime first
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__)),
            "--child",
            *("--rounds", str(args.rounds), "--tells", str(args.tells)),
            *("--asks", str(args.asks), "--trips", str(args.trips)),
            *("--spawn", str(args.spawn)),
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SystemExit("a child failed:\n" + "\n".join(tail))
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def compare(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="runtime-ab-") as folder:
        commit = extract(args.rev, Path(folder))
        children: dict[str, list[dict[str, Any]]] = {"rev": [], "tree": []}
        for pair in range(args.pairs):
            order = ("rev", "tree") if pair % 2 == 0 else ("tree", "rev")
            for side in order:
                data = run_child(Path(folder) if side == "rev" else None, args)
                children[side].append(data)
            tree, rev = (_med(children[side][-1]["cluster-tells"]["rate"]) for side in order)
            if order[0] == "rev":
                tree, rev = rev, tree
            log(f"  [{pair + 1}/{args.pairs}] cluster-tells tree ÷ rev {tree / rev:.3f}")
    if not children["rev"][0]["runtime"].startswith(tempfile.gettempdir()):
        raise SystemExit(f"the rev's child imported {children['rev'][0]['runtime']}")
    pairs = list(zip(children["rev"], children["tree"], strict=True))

    def per_pair(name: str, figure: str) -> list[float]:
        """tree ÷ rev of a workload's median `figure`, one per pair of children."""
        return [_med(tree[name][figure]) / _med(rev[name][figure]) for rev, tree in pairs]

    control = {figure: per_pair(CONTROL, figure) for figure in ("rate", "cpu_ns")}
    workloads = {}
    for name in WORKLOADS:
        ratios, cpus = per_pair(name, "rate"), per_pair(name, "cpu_ns")
        workloads[name] = {
            "tree_over_rev": _med(ratios),
            "tree_over_rev_min": min(ratios),
            "tree_over_rev_max": max(ratios),
            # Divided by the control's ratio of the same pair: what load did to both children
            # of a pair alike cancels out.
            "tree_over_rev_by_control": _med(
                [r / c for r, c in zip(ratios, control["rate"], strict=True)]
            ),
            "rev_rate": _med([x for child in children["rev"] for x in child[name]["rate"]]),
            "tree_rate": _med([x for child in children["tree"] for x in child[name]["rate"]]),
            "rev_cpu_ns": _med([x for child in children["rev"] for x in child[name]["cpu_ns"]]),
            "tree_cpu_ns": _med([x for child in children["tree"] for x in child[name]["cpu_ns"]]),
            "cpu_tree_over_rev": _med(cpus),
            "cpu_tree_over_rev_by_control": _med(
                [r / c for r, c in zip(cpus, control["cpu_ns"], strict=True)]
            ),
        }
    return {
        "rev": args.rev,
        "commit": commit,
        "pairs": args.pairs,
        "rounds": args.rounds,
        "tells": args.tells,
        "asks": args.asks,
        "spawn": args.spawn,
        "workloads": workloads,
    }


def _med(values: list[float]) -> float:
    return statistics.median(values)


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"working tree's runtime ÷ {figures['rev']} ({figures['commit'][:10]})'s: "
        f"{figures['pairs']} alternating pairs of children, {figures['rounds']} rounds each",
        "",
        f"{'':<18} {'messages/s, tree ÷ rev':^34} {'CPU time per message':^44}",
        f"{'workload':<18} {'median':>8} {'min – max':>13} {'÷ control':>11} "
        f"{'rev ns':>9} {'tree ns':>9} {'tree ÷ rev':>11} {'÷ control':>11}",
    ]
    for name, w in figures["workloads"].items():
        lines.append(
            f"{name:<18} {w['tree_over_rev']:>7.3f}× "
            f"{w['tree_over_rev_min']:>6.2f} – {w['tree_over_rev_max']:<4.2f} "
            f"{w['tree_over_rev_by_control']:>10.3f}× "
            f"{w['rev_cpu_ns']:>9,.0f} {w['tree_cpu_ns']:>9,.0f} "
            f"{w['cpu_tree_over_rev']:>10.3f}× {w['cpu_tree_over_rev_by_control']:>10.3f}×"
        )
    lines += [
        "",
        "messages/s: higher is better; CPU per message (spawn: per process): lower is better.",
        f"÷ control: each pair's ratio divided by the {CONTROL} ratio of the same pair "
        "(it uses no runtime).",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rev", default="HEAD", help="the git revision to compare with (HEAD)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 pair (seconds)")
    parser.add_argument("--pairs", type=int, help="pairs of children (6; 1 with --quick)")
    parser.add_argument("--rounds", type=int, help="rounds per child (3; 1 with --quick)")
    parser.add_argument("--tells", type=int, help="tells per round (200,000)")
    parser.add_argument("--asks", type=int, help="asks per round (50,000)")
    parser.add_argument("--trips", type=int, help="asks one at a time per round (3,000)")
    parser.add_argument("--spawn", type=int, help="processes spawned per round (100,000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object, no text")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    quick = {"pairs": 1, "rounds": 1, "tells": 5_000, "asks": 2_000, "trips": 200, "spawn": 2_000}
    full = {
        "pairs": 6,
        "rounds": 3,
        "tells": 200_000,
        "asks": 50_000,
        "trips": 3_000,
        "spawn": 100_000,
    }
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
        elif getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.child:
        print(json.dumps(child(args.rounds, args.tells, args.asks, args.trips, args.spawn)))
        return 0

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    log(f"runtime_ab.py: working tree vs {args.rev}, {args.pairs} pairs")
    figures = compare(args, log)
    print(json.dumps(figures) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
