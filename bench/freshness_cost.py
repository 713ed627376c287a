"""What the import-time freshness check of generated modules costs.

Run from the repository root, with actorgen installed in the interpreter::

    .venv/bin/python bench/freshness_cost.py

Every generated module ends with ``_actorgen.warn_if_stale(__file__, Cls, {...})``,
which compares the shape of each message with the class (see
``actorgen.runtime._freshness``). For async classes of 6, 100 and 3,000 messages
(generated into a temporary folder), the script reports the median time of one check, per
class and per message, and the median time to import the generated module in a fresh
interpreter (``-X importtime``, the module's own time), so the check's share of an import.
Nothing asserts a time.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

from actorgen.codegen.pipeline import plan

SIZES = (6, 100, 3000)
REPEAT = 7


def source(messages: int) -> str:
    lines = [
        "from actorgen.runtime import async_class",
        "",
        "",
        "@async_class",
        "class Worker:",
        "    def __init__(self, name: str, size: int = 3) -> None:",
        "        self.name = name",
    ]
    for index in range(messages):
        lines += [
            f"    def job{index}(self, a: int, b: str = '', *, c: bool = False) -> int:",
            "        return a",
        ]
    return "\n".join(lines) + "\n"


def import_seconds(folder: Path, module: str) -> float:
    """The module's own import time in a fresh interpreter (its dependencies excluded)."""
    times = []
    for _ in range(REPEAT):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import actorgen.runtime, {module}"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(x for x in done.stderr.splitlines() if re.search(rf"\|\s+{module}$", x))
        times.append(int(line.split("|")[0].split(":")[1]) / 1e6)
    return statistics.median(times)


def check_seconds(folder: Path, module: str) -> float:
    sys.path.insert(0, str(folder))
    try:
        generated = __import__(module)
        shapes = _shapes(Path(generated.__file__).read_text())
        cls = generated.Worker
        from actorgen.runtime import warn_if_stale

        number = 20
        runs = timeit.repeat(
            lambda: warn_if_stale(generated.__file__, cls, shapes), number=number, repeat=REPEAT
        )
        return statistics.median(runs) / number
    finally:
        sys.path.remove(str(folder))


def _shapes(text: str) -> dict[str, str]:
    block = text.rsplit("_actorgen.warn_if_stale(", 1)[1]
    return dict(re.findall(r'^\s+"([^"]+)": "([^"]*)",$', block, re.MULTILINE))


def main() -> None:
    print(f"{'messages':>9} {'check':>10} {'per message':>12} {'import':>10} {'share':>7}")
    with tempfile.TemporaryDirectory() as temporary:
        for size in SIZES:
            folder = Path(temporary) / f"size{size}"
            folder.mkdir()
            module = f"workers{size}"
            (folder / f"{module}.py").write_text(source(size))
            for output in plan([folder]).outputs:
                output.target.write_text(output.text)
            check = check_seconds(folder, f"{module}_actors")
            imported = import_seconds(folder, f"{module}_actors")
            print(
                f"{size:>9} {check * 1e6:>8.1f}µs {check / (size + 1) * 1e6:>10.2f}µs "
                f"{imported * 1e3:>8.2f}ms {check / imported:>6.1%}"
            )


if __name__ == "__main__":
    main()
