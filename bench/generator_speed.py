"""How fast `actorgen` goes over a big tree, against parsing every file with LibCST.

Run from the repository root, with actorgen installed in the interpreter::

    .venv/bin/python bench/generator_speed.py            # a table; ~5 minutes
    .venv/bin/python bench/generator_speed.py --json     # the same figures as JSON

The trees are copies, in a temporary folder, of this interpreter's standard library (without
site-packages and __pycache__; or ``--source DIR``), as is and with ``--added`` async
classes (default 0, 5 and 200: small modules of one async class of six messages each,
spread over the top-level packages). For each tree the script measures, side by side in the
same run, as wall time of a whole command (interpreter start-up included):

- ``cold``: ``actorgen -q TREE`` with no generated file and an empty cache;
- ``warm``: the same command again, nothing changed (the cache is warm);
- ``cold_serial``: ``cold`` with ``--jobs 1``: every file analysed in one process;
- ``naive_parse``: a script that reads every ``.py`` file and parses it with
  ``libcst.parse_module``, one after the other: the least a generator that parses every
  file must do (actorgen's analysis costs more than the parse itself);
- ``candidate_parse``: the same script over only the files actorgen analyses (those that
  mention ``async_class``): what LibCST alone takes to parse them, so that
  ``cold_serial / candidate_parse`` is what a cold run in one process costs against a
  bare parse of the same files (the project's target: at most 4x).

Then, for each size of ``--sizes`` (default 0.1 and 0.7 MB; ``--sizes 0.1,0.7,7`` adds a
7 MB module, which takes minutes), one module of that size (the plain code of the modules
above, repeated, and one async class at its end) is parsed, and analysed (parsed,
modelled, rendered: ``actorgen.codegen.analysis.analyze_one``, no cache), each in a fresh
interpreter that reports its time and how much its peak memory grew: time and memory
should grow linearly with the size, within a few times LibCST's bare parse.

``cold``, ``warm`` and ``cold_serial`` run ``--repeat`` times (default 3), interleaved;
``naive_parse``, which takes about a minute on the standard library, ``--naive-repeat``
times (default 1; 0 skips it). Figures are medians. Nothing asserts a time; the script
exits 1 if actorgen fails or does not generate one module per added async class.

``--json`` prints a list with one object per tree, then one per size, every value a number,
a string or ``null``. A tree's object:

====================== ================================================================
key                    meaning
====================== ================================================================
``tree``               ``stdlib`` (or the ``--source`` folder's name), ``+N`` if N added
``async_classes``      async classes added (N)
``files``              ``.py`` files in the tree
``megabytes``          their size, in MB (10**6 bytes)
``generated``          modules actorgen generated on the cold run
``cold_s``             median seconds of ``cold``
``warm_s``             median seconds of ``warm``
``cold_serial_s``      median seconds of ``cold_serial``
``naive_parse_s``      median seconds of ``naive_parse`` (``null`` when skipped)
``analysed``           files that mention ``async_class``: those a cold run analyses
``analysed_megabytes`` their size, in MB
``candidate_parse_s``  median seconds of ``candidate_parse`` (``null`` without such files)
``serial_over_parse``  ``cold_serial_s / candidate_parse_s``: a cold run in one process
                       against LibCST's bare parse of the same files
``naive_over_cold``    ``naive_parse_s / cold_s``: how many times faster a cold run is
``naive_over_warm``    ``naive_parse_s / warm_s``
``cold_over_warm``     ``cold_s / warm_s``: what the cache saves
``serial_over_cold``   ``cold_serial_s / cold_s``: what worker processes save
``repeats``            runs behind each of cold, warm and cold_serial
``naive_repeats``      runs behind naive_parse
``cpus``               CPUs this process may use
``python``             the Python version
====================== ================================================================

A size's object (its keys, indented here, are another table):

  ====================== ==============================================================
  ``tree``               ``module of N MB``
  ``megabytes``          the module's size, in MB
  ``parse_s``            seconds to parse it with ``libcst.parse_module``
  ``analysis_s``         seconds to analyse it (no cache, one process)
  ``analysis_over_parse`` ``analysis_s / parse_s``
  ``parse_s_per_mb``     ``parse_s / megabytes``
  ``analysis_s_per_mb``  ``analysis_s / megabytes``
  ``parse_peak_mb``      how much the parsing interpreter's peak memory grew, in MB
  ``analysis_peak_mb``   the same for the analysing one
  ``memory_over_parse``  ``analysis_peak_mb / parse_peak_mb``
  ``python``             the Python version
  ====================== ==============================================================
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

HEADER = b"# Generated by actorgen from "

WORKER = '''\
"""Benchmark module {i}: a key-value store, one async class among many."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from actorgen.runtime import async_class

if TYPE_CHECKING:
    from decimal import Decimal


@dataclasses.dataclass(frozen=True)
class Record{i}:
    key: str
    value: int


def _checked(value: int) -> int:
    if value < 0:
        raise ValueError("negative value")
    return value


@async_class
class Store{i}:
    """Keeps records by key."""

    def __init__(self, name: str, *, capacity: int = 10) -> None:
        self.name = name
        self.capacity = capacity
        self._items: dict[str, int] = {{}}

    def put(self, record: Record{i}) -> None:
        """Store one record."""
        self._items[record.key] = _checked(record.value)

    def get(self, key: str, default: int | None = None) -> int | None:
        return self._items.get(key, default)

    def put_many(self, records: Sequence[Record{i}], /) -> int:
        for record in records:
            self.put(record)
        return len(records)

    def total(self) -> Decimal:
        from decimal import Decimal

        return Decimal(sum(self._items.values()))

    def keys(self, *, prefix: str = "") -> list[str]:
        return sorted(k for k in self._items if k.startswith(prefix))

    def clear(self) -> None:
        self._items.clear()
'''

# The naive approach, run as a script of its own: parse every file, one after the other.
NAIVE = """\
import os, sys
import libcst
parsed = failed = 0
for folder, dirs, names in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(names):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as stream:
                data = stream.read()
            try:
                libcst.parse_module(data)
                parsed += 1
            except Exception:
                failed += 1
print(parsed, failed)
"""


# The same parse, of only the files named on its standard input (one path a line).
CANDIDATE_PARSE = """\
import sys
import libcst
for line in sys.stdin.read().splitlines():
    with open(line, "rb") as stream:
        libcst.parse_module(stream.read())
"""

# One module of a given size, parsed or analysed in an interpreter of its own, which prints
# its seconds and how much its peak memory (ru_maxrss, KB on Linux) grew.
SIZED = """\
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
import libcst
from actorgen.codegen.analysis import Job, analyze_one
from generator_speed import sized_module
text = sized_module(float(sys.argv[2]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
if sys.argv[1] == "parse":
    libcst.parse_module(text)
else:
    result = analyze_one(Job("big.py", text, ".big"))
    assert result.text is not None and not result.diagnostics, result.diagnostics
seconds = time.perf_counter() - started
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"seconds": seconds, "megabytes": grown / 1024, "size": len(text)}))
"""


def sized_module(megabytes: float) -> str:
    """A module of about `megabytes` MB: the plain code of the benchmark modules (their
    async class undecorated), repeated, and one small async class at its end."""
    plain = WORKER.replace("@async_class\n", "")
    parts: list[str] = []
    size = 0
    index = 0
    while size < megabytes * 1e6:
        parts.append(plain.format(i=index))
        size += len(parts[-1])
        index += 1
    tail = "\n\n@async_class\nclass Last:\n    def ping(self, a: int) -> int:\n        return a\n"
    return "\n".join(parts) + tail


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_source() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def copy_tree(source: Path, target: Path) -> None:
    ignore = shutil.ignore_patterns("site-packages", "dist-packages", "__pycache__")
    shutil.copytree(source, target, ignore=ignore, symlinks=True)


def add_async_classes(tree: Path, count: int) -> None:
    packages = sorted(p.parent for p in tree.glob("*/__init__.py")) or [tree]
    for i in range(count):
        folder = packages[i % len(packages)]
        (folder / f"actorgen_bench_{i:03}.py").write_text(WORKER.format(i=i), encoding="utf-8")


def python_files(tree: Path) -> list[Path]:
    return [
        Path(folder, name)
        for folder, _, names in os.walk(tree)
        for name in names
        if name.endswith(".py")
    ]


def generated_files(tree: Path) -> list[Path]:
    found = []
    for path in python_files(tree):
        with open(path, "rb") as stream:
            if stream.read(len(HEADER)) == HEADER:
                found.append(path)
    return found


def remove_generated(tree: Path) -> None:
    for path in generated_files(tree):
        path.unlink()


def timed(
    command: list[str], env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - started, done


class Failure(Exception):
    pass


def actorgen(tree: Path, cache: Path, *flags: str) -> float:
    env = {**os.environ, "ACTORGEN_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    seconds, done = timed([sys.executable, "-m", "actorgen.codegen", "-q", *flags, str(tree)], env)
    if done.returncode != 0:
        raise Failure(f"actorgen {' '.join(flags)} {tree} exited {done.returncode}:\n{done.stderr}")
    return seconds


def cold(tree: Path, cache: Path, *flags: str) -> float:
    remove_generated(tree)
    shutil.rmtree(cache, ignore_errors=True)
    return actorgen(tree, cache, *flags)


def naive(tree: Path) -> float:
    seconds, done = timed([sys.executable, "-c", NAIVE, str(tree)], dict(os.environ))
    if done.returncode != 0:
        raise Failure(f"the naive parse of {tree} exited {done.returncode}:\n{done.stderr}")
    return seconds


def candidate_parse(files: list[Path]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CANDIDATE_PARSE],
        input="\n".join(str(p) for p in files),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Failure(f"the parse of the analysed files exited {done.returncode}:\n{done.stderr}")
    return time.perf_counter() - started


def candidates(files: list[Path]) -> list[Path]:
    """The files a run analyses: those that mention async_class as a word, by actorgen's
    own test (generated ones aside)."""
    from actorgen.codegen.sources import may_mention_decorator

    found = []
    for path in files:
        data = path.read_bytes()
        if may_mention_decorator(data) and not data.startswith(HEADER):
            found.append(path)
    return found


def sized(kind: str, megabytes: float) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", SIZED, kind, str(megabytes), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Failure(
            f"the {kind} of a {megabytes} MB module exited {done.returncode}:\n{done.stderr}"
        )
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def measure_sizes(sizes: list[float]) -> list[dict[str, Any]]:
    rows = []
    for megabytes in sizes:
        log(f"one module of {megabytes} MB: parse, then analysis")
        parse = sized("parse", megabytes)
        analysis = sized("analysis", megabytes)
        actual = parse["size"] / 1e6
        rows.append(
            {
                "tree": f"module of {megabytes:g} MB",
                "megabytes": round(actual, 2),
                "parse_s": round(parse["seconds"], 3),
                "analysis_s": round(analysis["seconds"], 3),
                "analysis_over_parse": ratio(analysis["seconds"], parse["seconds"]),
                "parse_s_per_mb": round(parse["seconds"] / actual, 2),
                "analysis_s_per_mb": round(analysis["seconds"] / actual, 2),
                "parse_peak_mb": round(parse["megabytes"]),
                "analysis_peak_mb": round(analysis["megabytes"]),
                "memory_over_parse": ratio(analysis["megabytes"], parse["megabytes"]),
                "python": platform.python_version(),
            }
        )
    return rows


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else round(a / b, 2)


def measure(source: Path, added: list[int], repeat: int, naive_repeat: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="actorgen-bench-") as scratch:
        work = Path(scratch)
        name = "stdlib" if source == default_source() else source.name
        for count in added:
            tree = work / f"{name}-{count}"
            log(f"copying {source} to {tree} and adding {count} async classes")
            copy_tree(source, tree)
            add_async_classes(tree, count)
            files = python_files(tree)
            size = sum(p.stat().st_size for p in files)
            cache = work / f"cache-{count}"
            analysed = candidates(files)
            runs: dict[str, list[float]] = {
                "cold": [],
                "warm": [],
                "cold_serial": [],
                "naive": [],
                "candidate_parse": [],
            }
            generated = 0
            for index in range(repeat):
                runs["cold"].append(cold(tree, cache))
                generated = len(generated_files(tree))
                runs["warm"].append(actorgen(tree, cache))
                runs["cold_serial"].append(cold(tree, cache, "--jobs", "1"))
                if analysed:
                    runs["candidate_parse"].append(candidate_parse(analysed))
                log(
                    f"  {name}+{count} repeat {index + 1}/{repeat}: cold {runs['cold'][-1]:.2f} s, "
                    f"warm {runs['warm'][-1]:.2f} s, cold serial {runs['cold_serial'][-1]:.2f} s"
                )
            if generated < count:
                raise Failure(f"{count} async classes added, {generated} modules generated")
            for index in range(naive_repeat):
                runs["naive"].append(naive(tree))
                log(
                    f"  {name}+{count} naive parse {index + 1}/{naive_repeat}: "
                    f"{runs['naive'][-1]:.2f} s"
                )
            median = {
                key: statistics.median(values) if values else None for key, values in runs.items()
            }
            rows.append(
                {
                    "tree": name if count == 0 else f"{name}+{count}",
                    "async_classes": count,
                    "files": len(files),
                    "megabytes": round(size / 1e6, 1),
                    "generated": generated,
                    "cold_s": round(median["cold"] or 0, 3),
                    "warm_s": round(median["warm"] or 0, 3),
                    "cold_serial_s": round(median["cold_serial"] or 0, 3),
                    "naive_parse_s": None if median["naive"] is None else round(median["naive"], 2),
                    "analysed": len(analysed),
                    "analysed_megabytes": round(sum(p.stat().st_size for p in analysed) / 1e6, 2),
                    "candidate_parse_s": None
                    if median["candidate_parse"] is None
                    else round(median["candidate_parse"], 3),
                    "serial_over_parse": ratio(median["cold_serial"], median["candidate_parse"]),
                    "naive_over_cold": ratio(median["naive"], median["cold"]),
                    "naive_over_warm": ratio(median["naive"], median["warm"]),
                    "cold_over_warm": ratio(median["cold"], median["warm"]),
                    "serial_over_cold": ratio(median["cold_serial"], median["cold"]),
                    "repeats": repeat,
                    "naive_repeats": naive_repeat,
                    "cpus": cpus(),
                    "python": platform.python_version(),
                }
            )
            shutil.rmtree(tree, ignore_errors=True)
    return rows


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}x" if value >= 10 else f"{value:.1f}x"


def table(rows: list[dict[str, Any]], sizes: list[dict[str, Any]]) -> str:
    lines = [
        "| tree | files | MB | generated | cold | warm | cold, 1 process | naive parse "
        "| naive / cold | naive / warm | cold / warm | 1 process / cold "
        "| analysed | their parse | 1 process / their parse |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['tree']} | {row['files']:,} | {row['megabytes']} | {row['generated']} "
            f"| {_seconds(row['cold_s'])} | {_seconds(row['warm_s'])} "
            f"| {_seconds(row['cold_serial_s'])} | {_seconds(row['naive_parse_s'])} "
            f"| {_times(row['naive_over_cold'])} | {_times(row['naive_over_warm'])} "
            f"| {_times(row['cold_over_warm'])} | {_times(row['serial_over_cold'])} "
            f"| {row['analysed']} | {_seconds(row['candidate_parse_s'])} "
            f"| {_times(row['serial_over_parse'])} |"
        )
    first = rows[0] if rows else {}
    lines.append("")
    lines.append(
        f"Medians of {first.get('repeats')} runs ({first.get('naive_repeats')} for the naive "
        f"parse); Python {first.get('python')}, {first.get('cpus')} CPUs."
    )
    if sizes:
        lines += [
            "",
            "| module | MB | parse | analysis | analysis / parse | parse per MB "
            "| analysis per MB | parse memory | analysis memory | memory / parse |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for row in sizes:
            lines.append(
                f"| {row['tree']} | {row['megabytes']} | {_seconds(row['parse_s'])} "
                f"| {_seconds(row['analysis_s'])} | {_times(row['analysis_over_parse'])} "
                f"| {_seconds(row['parse_s_per_mb'])} | {_seconds(row['analysis_s_per_mb'])} "
                f"| {row['parse_peak_mb']} MB | {row['analysis_peak_mb']} MB "
                f"| {_times(row['memory_over_parse'])} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--source",
        type=Path,
        default=default_source(),
        help="the tree to copy (default: this Python's standard library)",
    )
    parser.add_argument(
        "--added",
        default="0,5,200",
        help="comma-separated numbers of async classes to add (default 0,5,200)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of cold/warm (default 3)")
    parser.add_argument(
        "--naive-repeat",
        type=int,
        default=1,
        help="runs of the naive parse (default 1; 0 skips it)",
    )
    parser.add_argument(
        "--sizes",
        default="0.1,0.7",
        help="comma-separated sizes in MB of single modules to parse and analyse "
        "(default 0.1,0.7; empty skips them)",
    )
    args = parser.parse_args()
    added = [int(n) for n in args.added.split(",") if n.strip()]
    sizes = [float(n) for n in args.sizes.split(",") if n.strip()]
    try:
        rows = measure(args.source.resolve(), added, max(1, args.repeat), max(0, args.naive_repeat))
        size_rows = measure_sizes(sizes)
    except Failure as error:
        log(f"generator_speed.py: {error}")
        return 1
    print(json.dumps(rows + size_rows, indent=2) if args.json else table(rows, size_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
