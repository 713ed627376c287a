# ruff: noqa: RUF001 - the report prints typographic signs on purpose
"""The figures of free-threaded CPython beside the default interpreters, in one run.

Run from the repository root, naming each interpreter (a virtual environment with the
runtime installed; `.ci/freethreaded-python` builds a 3.13t)::

    .venv/bin/python bench/freethreaded.py --python 3.13t=.venv-ft/bin/python \\
        --python 3.11=.venv/bin/python --python 3.13=.venv-313/bin/python --write

For each interpreter, one after the other in the same run: `cores.py` (CPU-bound handlers,
a cluster of 2 against 1, beside the machine's ceiling and plain threads) and the message
figures of `run.py` (tells, asks, ask p50, skewed makespan) for the hand-written pattern,
the cluster's two balancing strategies and the hand-written pattern with the generated
dispatch (what the calling convention costs without any runtime), each as a ratio to the
hand-written pattern measured in the same repeat on the same interpreter. `--write` puts
the tables into the "Free-threaded CPython" section of ``results/results.md`` (which
`run.py` keeps when it rewrites the rest); without it they are printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from results_section import write_section  # noqa: E402 - bench/ is not a package

REPO = BENCH.parent
BEGIN = "<!-- free-threaded: begin (bench/freethreaded.py --write) -->"
END = "<!-- free-threaded: end -->"
VARIANTS = (
    "handwritten",
    "handwritten-dispatch",
    "actorgen-cluster-balanced",
    "actorgen-cluster-work-stealing",
)
# phase -> (metric, label, higher is better)
PHASES = {
    "tells": ("rate", "tells/s", True),
    "asks": ("rate", "asks/s", True),
    "latency": ("p50_us", "ask p50", False),
    "skew": ("makespan", "makespan", False),
}
TARGETS = {"tells": "≥ 0.9×", "asks": "≥ 3×", "latency": "≤ 1.2×", "skew": "≤ 1.02×"}


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cores(python: str, repeats: int, quick: bool) -> dict[str, Any]:
    size = ["--quick"] if quick else ["--repeats", str(repeats)]
    done = subprocess.run(
        [python, str(BENCH / "cores.py"), "--json", *size],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def messages(python: str, repeats: int, quick: bool) -> dict[str, Any]:
    """run.py's message figures: per variant and phase, the median of the per-repeat
    ratios to the hand-written pattern, and the medians of the raw values."""
    with tempfile.TemporaryDirectory() as out:
        only = [arg for key in VARIANTS for arg in ("--only", key)]
        subprocess.run(
            [python, str(BENCH / "run.py"), *only, "--skip-spawn", "--skip-stats",
             "--skip-generator", *(["--quick"] if quick else ["--repeats", str(repeats)]),
             "--out", out],
            cwd=REPO, capture_output=True, text=True, check=True,
        )
        results = json.loads((Path(out) / "results.json").read_text())
    values: dict[tuple[str, str], dict[int, float]] = {}
    for m in results["measurements"]:
        metric = PHASES[m["phase"]][0]
        values.setdefault((m["variant"], m["phase"]), {})[m["repeat"]] = m["metrics"][metric]
    figures: dict[str, Any] = {"python": results["environment"]["Python"], "rows": {}}
    for variant in VARIANTS:
        for phase in PHASES:
            mine, base = values.get((variant, phase), {}), values.get(("handwritten", phase), {})
            ratios = [mine[r] / base[r] for r in mine if r in base]
            figures["rows"].setdefault(variant, {})[phase] = {
                "median": statistics.median(mine.values()) if mine else None,
                "ratio": statistics.median(ratios) if ratios else None,
            }
    return figures


def _x(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}×"


def section(measured: dict[str, dict[str, Any]], repeats: int) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN,
        "## Free-threaded CPython (`bench/freethreaded.py`)",
        "",
        f"Measured {when}, {os.cpu_count()} logical CPUs, load average {load:.2f} at the "
        f"end, medians of {repeats} repeats; interpreters one after the other in one run.",
        "",
        "### CPU-bound handlers: two workers ÷ one (`bench/cores.py`, 64 jobs)",
        "",
        "| interpreter | GIL | ceiling (2 OS processes ÷ 1) | plain threads | cluster, balanced"
        " | cluster, work stealing | cluster balanced ÷ ceiling |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figures in measured.items():
        rows = figures["cores"]["rows"]
        lines.append(
            f"| {name} | {'on' if figures['cores']['gil'] else 'off'} "
            f"| {_x(rows['ceiling']['speedup'])} | {_x(rows['threads']['speedup'])} "
            f"| {_x(rows['cluster-balanced']['speedup'])} "
            f"| {_x(rows['cluster-work-stealing']['speedup'])} "
            f"| {_x(rows['cluster-balanced']['of_ceiling'])} |"
        )
    lines += [
        "",
        "### Messages: the cluster ÷ the hand-written pattern on the same interpreter "
        "(`bench/run.py`'s figures)",
        "",
        "| interpreter | strategy | tells/s | asks/s | ask p50 | skewed makespan |",
        "|---|---|---|---|---|---|",
        "| target | balanced (the default) | "
        + " | ".join(TARGETS[phase] for phase in PHASES) + " |",
    ]
    for name, figures in measured.items():
        rows = figures["messages"]["rows"]
        for variant, label in (
            ("actorgen-cluster-balanced", "balanced"),
            ("actorgen-cluster-work-stealing", "work stealing"),
            ("handwritten-dispatch", "*no runtime: the generated dispatch*"),
        ):
            cells = [_x(rows[variant][phase]["ratio"]) for phase in PHASES]
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The last row of each interpreter is not actorgen: it is the hand-written pattern"
        " with the workload's class behind its generated messages and dispatch function"
        " (`HandwrittenDispatch`), what the calling convention alone costs.",
        "",
        "Hand-written pattern itself, per interpreter: "
        + "; ".join(
            f"{name} {figures['messages']['rows']['handwritten']['tells']['median'] / 1000:.0f} k"
            f" tells/s, {figures['messages']['rows']['handwritten']['asks']['median'] / 1000:.0f}"
            f" k asks/s, p50 {figures['messages']['rows']['handwritten']['latency']['median']:.1f}"
            " µs"
            for name, figures in measured.items()
        )
        + ".",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--python", action="append", required=True, metavar="NAME=PATH",
        help="an interpreter to measure (repeatable), e.g. 3.13t=.venv-ft/bin/python",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--write", action="store_true", help="update results/results.md")
    args = parser.parse_args(argv)
    measured: dict[str, dict[str, Any]] = {}
    for item in args.python:
        name, _, python = item.partition("=")
        log(f"{name}: cores.py")
        measured[name] = {"cores": cores(python, args.repeats, args.quick)}
        log(f"{name}: run.py message figures")
        measured[name]["messages"] = messages(python, args.repeats, args.quick)
    text = section(measured, args.repeats)
    if args.write:
        log(f"wrote {write_section(text, BEGIN, END)}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
