# ruff: noqa: RUF001 - the report prints typographic signs on purpose
"""What the steps of a message cost on each interpreter: no runtime, one thread or two.

The runtime's path of a message is a few dozen single steps (attribute reads and stores,
calls, one `deque` append and pop). What each costs is the interpreter's business, and it
differs: the free-threaded 3.13t takes a lock around every container operation and, unlike
the default build, does not specialize attribute access and calls. Run from the repository
root, naming each interpreter::

    .venv/bin/python bench/interp_ops.py --python 3.13t=.venv-ft/bin/python \\
        --python 3.11=.venv/bin/python --python 3.13=.venv-313/bin/python --write

Each row is the best of `--repeats` timings of a loop of `--loops` steps (the least
disturbed by whatever else the machine runs), less the best of the empty loop, in
nanoseconds per step; the interpreters run one after the other. A second table has two
threads do a step at once, on one object they share or on one each: what sharing an
object between cores costs without the GIL. `--write` puts the table
into its section of ``results/results.md`` (after the free-threaded one, which `run.py` and
`freethreaded.py` keep), else it is printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from results_section import write_section  # noqa: E402 - bench/ is not a package

BEGIN = "<!-- interpreter steps: begin (bench/interp_ops.py --write) -->"
END = "<!-- interpreter steps: end -->"

# name -> (setup, one step): timed in a loop of `loops` steps, in the child.
STEPS: dict[str, tuple[str, str]] = {
    "read a slot": ("", "s.a"),
    "store a slot": ("", "s.b = None"),
    "`x.__class__ is C`": ("", "s.__class__ is S"),
    "call a function": ("", "f(1)"),
    "call a method": ("", "s.m(1)"),
    "`deque` append + popleft": ("", "d.append(1); d.popleft()"),
    "`SimpleQueue` put + get": ("", "q.put(1); q.get()"),
    "`Lock` acquire + release": ("", "lock.acquire(); lock.release()"),
    "make a frozen dataclass (1 field)": ("", "M(1)"),
}
# name -> one step on `o`, done by two threads at once, `o` either one object both use or
# each thread's own: the time of the first ÷ the second. Without the GIL every
# use of an object takes a reference, an atomic write to the object when another thread
# made it, and two cores writing one object take turns at it.
SHARED_STEPS: dict[str, tuple[str, str]] = {  # name -> (how to make `o`, the step)
    "read a slot": ("S()", "o.a"),
    "call a function": ("types.FunctionType(f.__code__, globals())", "o(1)"),
}
CHILD = """
import json, sys, time, timeit, threading, types, dataclasses
from collections import deque
from queue import SimpleQueue
class S:
    __slots__ = ("a", "b")
    def __init__(self): self.a = 1; self.b = None
    def m(self, a): return None
def f(a): return None
@dataclasses.dataclass(frozen=True, slots=True)
class M:
    a: int
s, d, q, lock = S(), deque(), SimpleQueue(), threading.Lock()
steps, shared_steps = json.loads(sys.argv[1]), json.loads(sys.argv[4])
loops, repeats = int(sys.argv[2]), int(sys.argv[3])
def best(stmt):
    return min(timeit.repeat(stmt, globals=globals(), number=loops, repeat=repeats)) / loops
empty = best("pass")
out = {name: (best(stmt) - empty) * 1e9 for name, (setup, stmt) in steps.items()}
def both(stmt, objects):
    space = {}
    exec(
        f"def run(o, gate, took):\\n    gate.wait()\\n    t = time.perf_counter()\\n"
        f"    for _ in range({loops * 5}):\\n        {stmt}\\n"
        f"    took.append(time.perf_counter() - t)",
        {"time": time}, space,
    )
    times = []
    for _ in range(repeats):
        gate, took = threading.Barrier(len(objects)), []
        threads = [
            threading.Thread(target=space["run"], args=(o, gate, took)) for o in objects
        ]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
        times.append(max(took))
    return min(times) / (loops * 5 * len(objects))
pairs = {}
for name, (make, stmt) in shared_steps.items():
    one, own = eval(make), (eval(make), eval(make))
    pairs[name] = {"one": both(stmt, (one, one)), "own": both(stmt, own)}
gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print(json.dumps({"steps": out, "pairs": pairs, "gil": gil, "version": sys.version.split()[0]}))
"""


def measure(python: str, loops: int, repeats: int) -> dict[str, object]:
    done = subprocess.run(
        [python, "-c", CHILD, json.dumps(STEPS), str(loops), str(repeats),
         json.dumps(SHARED_STEPS)],
        capture_output=True, text=True, check=True,
    )
    figures: dict[str, object] = json.loads(done.stdout)
    return figures


def table(measured: dict[str, dict[str, object]], repeats: int) -> str:
    names = list(measured)
    base = names[1] if len(names) > 1 else names[0]
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        BEGIN,
        "## The steps of a message, per interpreter (`bench/interp_ops.py`)",
        "",
        f"Measured {when}, one thread, load average {load:.2f} at the end, best of "
        f"{repeats} timings; ns per step (the empty loop subtracted), and each interpreter "
        f"÷ {base}.",
        "",
        "| step | " + " | ".join(
            f"{name} ({'GIL' if measured[name]['gil'] else 'no GIL'})" for name in names
        ) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for step in STEPS:
        cells = []
        for name in names:
            value = measured[name]["steps"][step]  # type: ignore[index]
            ref = measured[base]["steps"][step]  # type: ignore[index]
            ratio = "" if name == base or ref <= 0 else f" ({value / ref:.1f}×)"
            cells.append(f"{value:.0f}{ratio}")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Two threads at once, each doing the step in a loop on one object they both use,"
        " against each on an object of its own (a copy of the function): the time of the"
        " first ÷ the second (1.0×: sharing costs nothing; under the GIL the threads take"
        " turns, and the ratio is the noise of their switches).",
        "",
        "| step, two threads | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for step in SHARED_STEPS:
        cells = []
        for name in names:
            pair = measured[name]["pairs"][step]  # type: ignore[index]
            cells.append(f"{pair['one'] / pair['own']:.2f}×")
        lines.append(f"| {step}, one object ÷ own objects | " + " | ".join(cells) + " |")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--python", action="append", required=True, metavar="NAME=PATH",
        help="an interpreter to measure (repeatable); the second is the one compared with",
    )
    parser.add_argument("--loops", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="update results/results.md")
    args = parser.parse_args(argv)
    measured = {}
    for item in args.python:
        name, _, python = item.partition("=")
        print(f"{name}: measuring", file=sys.stderr, flush=True)
        measured[name] = measure(python, args.loops, args.repeats)
    text = table(measured, args.repeats)
    if args.write:
        print(f"wrote {write_section(text, BEGIN, END)}", file=sys.stderr)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
