"""The Ray backend against the thread runtime, a process pool and hand-written Ray code.

Run from the repository root (needs the `bench` extra, which installs Ray)::

    .venv/bin/python bench/ray_backend.py --write   # ~3 minutes; updates results/results.md
    .venv/bin/python bench/ray_backend.py --quick   # seconds (the smoke test)

One local Ray (2 CPUs, no dashboard) serves every Ray row; each row is the median of
`--repeats`, the rows interleaved in every repeat so that they share what the machine does.

CPU-bound handlers (`spinners.spin`, pure Python, `--jobs` jobs): the time a 2-member
cluster takes for all of them, as a speed-up over the thread runtime's 2-member cluster
(which the GIL keeps on one core), beside ``ceiling``: two plain OS processes doing half
the jobs each against one doing all (what the machine gives two workers now), and
`concurrent.futures.ProcessPoolExecutor(2)` on the same jobs.

Small messages (`suite/worker.py`'s `Worker`: `foo` a tell, `bar` an ask), 2 actors:
actorgen on Ray (a balanced `WorkerCluster` of 2) against the same 2 actors' worth of
hand-written Ray code with `ray.util.ActorPool` (``pool.submit(lambda a, v:
a.foo.remote(v), v)`` and collecting every result: the pool has no fire-and-forget; for
asks ``pool.map_unordered``); and one ask at a time, round trip, against a plain
``ray.get(actor.bar.remote(1))``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from cores import processes  # noqa: E402 - bench/ is not a package
from results_section import write_section  # noqa: E402
from spinners import spin  # noqa: E402

BEGIN = "<!-- ray-backend: begin (bench/ray_backend.py --write) -->"
END = "<!-- ray-backend: end -->"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- CPU-bound -------------------------------------------------------------------------


def spinners(runtime_factory: Callable[[], Any], jobs: int, rounds: int) -> float:
    """Seconds until a 2-member `SpinnerCluster` on the runtime has replied to `jobs`."""
    from spinners_actors import SpinnerCluster

    with runtime_factory():
        cluster = SpinnerCluster.spawn(2)
        for reply in [cluster.spin(1) for _ in range(4)]:  # warm: both members answer
            reply.result()
        began = time.perf_counter()
        for reply in [cluster.spin(rounds) for _ in range(jobs)]:
            reply.result()
        return time.perf_counter() - began


def pool_of_processes(executor: ProcessPoolExecutor, jobs: int, rounds: int) -> float:
    began = time.perf_counter()
    list(executor.map(spin, [rounds] * jobs))
    return time.perf_counter() - began


# -- small messages ------------------------------------------------------------------------


def actorgen_small(tells: int, asks: int, trips: int) -> dict[str, float]:
    from actorgen.runtime.ray import RayRuntime
    from suite.worker_actors import WorkerCluster, WorkerProcess

    with RayRuntime(name="bench"):
        cluster = WorkerCluster.spawn(2)
        cluster.bar(1).result()
        cluster.join()
        began = time.perf_counter()
        for a in range(tells):
            cluster.foo(a)
        cluster.join()
        tell_s = time.perf_counter() - began
        began = time.perf_counter()
        replies = [cluster.bar(b) for b in range(asks)]
        assert [r.result() for r in replies] == [b + 1 for b in range(asks)]
        ask_s = time.perf_counter() - began
        trip_us, plain_us = round_trips(WorkerProcess.spawn(), trips)
    return {
        "tells": tells / tell_s,
        "asks": asks / ask_s,
        "trip_us": trip_us,
        "plain_trip_us": plain_us,
    }


def round_trips(alone: Any, trips: int) -> tuple[float, float]:
    """Mean µs of one ask at a time to `alone` (a `WorkerProcess` on Ray) and of a plain
    ``ray.get(actor.bar.remote(b))`` to an actor of the same class, alternating message by
    message so that both meet the same moments of the machine's load."""
    import ray
    from suite.worker import Worker

    plain: Any = ray.remote(Worker).remote()
    for b in range(50):
        alone.bar(b).result()
        ray.get(plain.bar.remote(b))
    clock = time.perf_counter_ns
    ours = theirs = 0
    for b in range(trips):
        began = clock()
        alone.bar(b).result()
        middle = clock()
        ray.get(plain.bar.remote(b))
        ours += middle - began
        theirs += clock() - middle
    ray.kill(plain)
    return ours / trips / 1e3, theirs / trips / 1e3


def actor_pool_small(tells: int, asks: int) -> dict[str, float]:
    import ray
    from ray.util import ActorPool
    from suite.worker import Worker

    remote = ray.remote(Worker)
    actors = [remote.remote() for _ in range(2)]
    ray.get([a.bar.remote(1) for a in actors])
    pool = ActorPool(actors)
    began = time.perf_counter()
    for a in range(tells):
        pool.submit(lambda actor, v: actor.foo.remote(v), a)
    while pool.has_next():
        pool.get_next_unordered()
    tell_s = time.perf_counter() - began
    began = time.perf_counter()
    replies = sorted(pool.map_unordered(lambda actor, v: actor.bar.remote(v), range(asks)))
    assert replies == [b + 1 for b in range(asks)]
    ask_s = time.perf_counter() - began
    for actor in actors:
        ray.kill(actor)
    return {"tells": tells / tell_s, "asks": asks / ask_s}


# -- the run -------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import ray
    from actorgen.runtime import Runtime
    from actorgen.runtime.ray import RayRuntime

    home = tempfile.mkdtemp(prefix="agbench")  # Ray writes ~/.ray: not the user's
    os.environ["HOME"] = home
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    path = os.pathsep.join([str(BENCH), *filter(None, [os.environ.get("PYTHONPATH")])])
    began = time.perf_counter()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _temp_dir=os.path.join(home, "r"),
        _node_ip_address="127.0.0.1",
        runtime_env={"env_vars": {"PYTHONPATH": path}},
        log_to_driver=False,
    )
    init_s = time.perf_counter() - began
    cpu: dict[str, list[float]] = {"ceiling": [], "threads": [], "ray": [], "ppe": []}
    small: dict[str, list[dict[str, float]]] = {"actorgen": [], "pool": []}
    with ProcessPoolExecutor(2) as executor:
        list(executor.map(spin, [1, 1, 1, 1]))  # both processes started
        rows: list[tuple[str, Callable[[], Any]]] = [
            (
                "ceiling",
                lambda: processes(1, args.jobs, args.rounds) / processes(2, args.jobs, args.rounds),
            ),
            ("threads", lambda: spinners(lambda: Runtime(name="threads"), args.jobs, args.rounds)),
            ("ray", lambda: spinners(lambda: RayRuntime(name="ray"), args.jobs, args.rounds)),
            ("ppe", lambda: pool_of_processes(executor, args.jobs, args.rounds)),
            ("actorgen", lambda: actorgen_small(args.tells, args.asks, args.trips)),
            ("pool", lambda: actor_pool_small(args.pool_messages, args.pool_messages)),
        ]
        for repeat in range(args.repeats):
            shift = repeat % len(rows)
            for name, run in rows[shift:] + rows[:shift]:
                value = run()
                (cpu[name] if name in cpu else small[name]).append(value)  # type: ignore[arg-type]
                log(f"  [{repeat + 1}/{args.repeats}] {name:<9} {value}")
    ray.shutdown()
    shutil.rmtree(home, ignore_errors=True)
    med = statistics.median
    threads_s, ray_s, ppe_s = med(cpu["threads"]), med(cpu["ray"]), med(cpu["ppe"])
    ceiling = med(cpu["ceiling"])
    speedups = [t / r for t, r in zip(cpu["threads"], cpu["ray"], strict=True)]
    of_ceiling = [s / c for s, c in zip(speedups, cpu["ceiling"], strict=True)]

    def small_median(side: str, key: str) -> float:
        return med(r[key] for r in small[side])

    return {
        "repeats": args.repeats,
        "sizes": {
            k: getattr(args, k)
            for k in ("jobs", "rounds", "tells", "asks", "trips", "pool_messages")
        },
        "ray_init_s": init_s,
        "cpu": {
            "ceiling": ceiling,
            "threads_s": threads_s,
            "ray_s": ray_s,
            "ppe_s": ppe_s,
            "speedup": med(speedups),
            "of_ceiling": med(of_ceiling),
            "vs_ppe": med(r / p for r, p in zip(cpu["ray"], cpu["ppe"], strict=True)),
            "raw": cpu,
        },
        "small": {
            "actorgen": {k: small_median("actorgen", k) for k in ("tells", "asks", "trip_us")},
            "pool": {
                **{k: small_median("pool", k) for k in ("tells", "asks")},
                "trip_us": small_median("actorgen", "plain_trip_us"),
            },
            "tells_x": med(
                a["tells"] / p["tells"]
                for a, p in zip(small["actorgen"], small["pool"], strict=True)
            ),
            "asks_x": med(
                a["asks"] / p["asks"] for a, p in zip(small["actorgen"], small["pool"], strict=True)
            ),
            "trip_x": med(a["trip_us"] / a["plain_trip_us"] for a in small["actorgen"]),
            "raw": small,
        },
    }


def section(f: dict[str, Any]) -> str:
    cpu, small = f["cpu"], f["small"]
    ag, pool = small["actorgen"], small["pool"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    s = f["sizes"]
    raw = cpu["raw"]
    vs = [r / p for r, p in zip(raw["ray"], raw["ppe"], strict=True)]
    lines = [
        BEGIN,
        "## The Ray backend (`bench/ray_backend.py`)",
        "",
        f"One local Ray (2 CPUs, `ray.init` took {f['ray_init_s']:.1f} s here), medians of "
        f"{f['repeats']} repeats with the rows interleaved; Ray {_ray_version()}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores (shared, noisy).",
        "",
        f"### CPU-bound handlers: {s['jobs']} jobs of `spin({s['rounds']:,})`, 2 members",
        "",
        "| row | wall time | speed-up over threads |",
        "|---|---:|---:|",
        f"| thread runtime, `SpinnerCluster` of 2 | {cpu['threads_s']:.2f} s | 1.00x |",
        f"| `RayRuntime`, `SpinnerCluster` of 2 | {cpu['ray_s']:.2f} s | {cpu['speedup']:.2f}x |",
        f"| `ProcessPoolExecutor(2)`, the same jobs | {cpu['ppe_s']:.2f} s | "
        f"{cpu['threads_s'] / cpu['ppe_s']:.2f}x |",
        f"| ceiling: 2 plain processes ÷ 1 | | {cpu['ceiling']:.2f}x |",
        "",
        "| target | figure | |",
        "|---|---:|---|",
        f"| Ray ÷ threads ≥ 0.8 x ceiling | {cpu['of_ceiling']:.2f} x ceiling | "
        f"{verdict(cpu['of_ceiling'] >= 0.8)} |",
        f"| Ray no slower than the process pool by more than 1.2x | {cpu['vs_ppe']:.2f}x its "
        f"time | {verdict(cpu['vs_ppe'] <= 1.2)} |",
        "",
        f"Per repeat, the ceiling ranged from {min(raw['ceiling']):.2f}x to "
        f"{max(raw['ceiling']):.2f}x and Ray's time ÷ the pool's from {min(vs):.2f}x to "
        f"{max(vs):.2f}x: how much the machine's other load moved them within this run.",
        "",
        "### Small messages: actorgen on Ray ÷ hand-written `ray.util.ActorPool`, 2 actors",
        "",
        f"actorgen: {s['tells']:,} tells, then {s['asks']:,} asks outstanding at once, to a "
        f"balanced cluster; the pool: {s['pool_messages']:,} of each (rates are per message). "
        f"Round trip: {s['trips']:,} asks one at a time to one process, against a plain "
        "`ray.get(actor.bar.remote(b))` to an actor of the same class, the two alternating "
        "message by message (mean times).",
        "",
        "| | actorgen on Ray | `ActorPool` / plain Ray | ratio | target | |",
        "|---|---:|---:|---:|---:|---|",
        f"| tells/s | {ag['tells']:,.0f} | {pool['tells']:,.0f} | {small['tells_x']:.1f}x | ≥ 5x "
        f"| {verdict(small['tells_x'] >= 5)} |",
        f"| asks/s | {ag['asks']:,.0f} | {pool['asks']:,.0f} | {small['asks_x']:.1f}x | ≥ 2x "
        f"| {verdict(small['asks_x'] >= 2)} |",
        f"| round trip | {ag['trip_us']:,.0f} µs | {pool['trip_us']:,.0f} µs | "
        f"{small['trip_x']:.2f}x the time | ≤ 1.2x | {verdict(small['trip_x'] <= 1.2)} |",
        "",
        "Batching is what makes the difference for small messages: while messages wait, one "
        'actor call carries many of them (docs/ray.md, "Batches").',
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def _ray_version() -> str:
    import ray

    return str(ray.__version__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--tells", type=int, default=50_000)
    parser.add_argument("--asks", type=int, default=20_000)
    parser.add_argument("--pool-messages", type=int, default=2_000)
    parser.add_argument("--trips", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--write", action="store_true", help="update results/results.md")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.rounds, args.repeats = 4, 10_000, 1
        args.tells, args.asks, args.pool_messages, args.trips = 200, 100, 50, 20
    figures = measure(args)
    text = section(figures)
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(text)
    if args.write:
        log(f"wrote {write_section(text, BEGIN, END)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
