"""The benchmark suite: actorgen side by side with the usual ways of running workers.

Run from the repository root::

    .venv/bin/python bench/run.py            # the full suite, several minutes
    .venv/bin/python bench/run.py --quick    # tiny sizes, seconds (what the smoke test runs)

Writes ``results.md`` (tables, with a Targets table saying met / not met), ``results.json``
(every measurement) and PNG plots into ``bench/results/`` (or ``--out``). Exits 1 if a
variant's totals did not add up (its figures are then left out of the tables) or a
benchmark script failed. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import platform
import shlex
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from suite.harness import (
    FULL,
    QUICK,
    Results,
    run_generator,
    run_spawn,
    run_stats_cost,
    run_suite,
)
from suite.report import load_results, write_report
from suite.variants import PHASES, all_variants

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    """Where and with what the figures were measured."""
    from actorgen.runtime import Runtime

    with Runtime(name="probe") as runtime:
        pool = runtime.threads
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu}, {os.cpu_count()} logical CPUs, {platform.machine()}",
        "system": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "actorgen": f"{version('actorgen')}, commit {git_commit()}",
        "runtime sources": runtime_sources(),
        "actorgen pool threads": f"{pool} (the default Runtime)",
        "pykka": version("pykka"),
        "ray": version("ray"),
        "matplotlib": version("matplotlib"),
        "libcst": version("libcst"),
        "load average (1 min) at start": f"{os.getloadavg()[0]:.2f}",
    }


def runtime_sources() -> str:
    """A digest of runtime/*.py as measured, and when the newest of them last changed."""
    files = sorted((REPO / "runtime").glob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    newest = max((path.stat().st_mtime for path in files), default=0.0)
    changed = datetime.datetime.fromtimestamp(newest, datetime.timezone.utc)
    return f"sha256 {digest.hexdigest()[:12]} (newest file {changed:%Y-%m-%d %H:%M:%S} UTC)"


def git_commit() -> str:
    """The checked-out commit, and whether the tree had changes (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} + uncommitted changes" if dirty else head


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 2 repeats (seconds)")
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="output folder")
    parser.add_argument("--repeats", type=int, help="repeats of every figure (9; 2 with --quick)")
    parser.add_argument(
        "--only", action="append", metavar="KEY", help="run only these variants (repeatable)"
    )
    parser.add_argument(
        "--phase", action="append", choices=PHASES, help="run only these figures (repeatable)"
    )
    parser.add_argument("--skip-spawn", action="store_true", help="do not run spawn_many.py")
    parser.add_argument("--skip-stats", action="store_true", help="do not run stats_cost.py")
    parser.add_argument(
        "--skip-generator", action="store_true", help="do not run generator_speed.py"
    )
    parser.add_argument(
        "--rewrite-report",
        action="store_true",
        help="measure nothing: rewrite results.md and the plots from --out's results.json",
    )
    args = parser.parse_args(argv)
    if args.rewrite_report:
        old = load_results(args.out / "results.json")
        command = old.environment.get("command", "python bench/run.py")
        log(f"rewrote {write_report(old, args.out, command)}")
        return 0
    sizes = QUICK if args.quick else FULL
    if args.repeats is not None:
        if args.repeats < 1:
            parser.error("--repeats must be at least 1")
        sizes = type(sizes)(**{**sizes.__dict__, "repeats": args.repeats})
    variants = all_variants()
    if args.only:
        unknown = set(args.only) - {variant.key for variant in variants}
        if unknown:
            keys = ", ".join(variant.key for variant in variants)
            parser.error(f"unknown variant(s) {', '.join(sorted(unknown))}; known: {keys}")
        variants = [variant for variant in variants if variant.key in args.only]
    phases = tuple(args.phase or PHASES)

    command = "python bench/run.py" + "".join(
        f" {shlex.quote(arg)}" for arg in (sys.argv[1:] if argv is None else argv)
    )
    started = time.perf_counter()
    env = environment()
    log(f"{command}: {sizes.repeats} repeats, variants and phases interleaved")
    results: Results = run_suite(variants, sizes, phases, log)
    if not args.skip_spawn:
        log("processes: spawn rate and heap per idle process")
        run_spawn(sizes, results, log)
    if not args.skip_stats:
        log("stats cost: cluster tells polled vs not, the price of runtime_stats()")
        run_stats_cost(args.quick, results, log)
    if args.quick and not args.skip_generator:
        results.generator_note = "not run with --quick"
    elif not args.skip_generator:
        log("generator speed")
        run_generator(results, log)
    env["load average (1 min) at end"] = f"{os.getloadavg()[0]:.2f}"
    env["command"] = command
    env["suite duration"] = f"{time.perf_counter() - started:.0f} s"
    results.environment = env
    path = write_report(results, args.out, command)
    log(f"wrote {path} ({time.perf_counter() - started:.0f} s)")
    failed = (
        bool(results.failures)
        or results.spawn_error is not None
        or results.stats_cost_note is not None
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
