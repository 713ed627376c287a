"""bench/generator_speed.py runs and prints the JSON its header documents (on a tiny tree:
nothing here measures or asserts a time)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO

SCRIPT = REPO / "bench" / "generator_speed.py"


def test_the_generator_benchmark_runs_on_a_tiny_tree(tmp_path: Path) -> None:
    source = tmp_path / "tiny"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "__init__.py").write_text("")
    (source / "plain.py").write_text("x = 1\n")
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--json",
            "--source",
            str(source),
            "--added",
            "0,2",
            "--repeat",
            "1",
            "--sizes",
            "0.01",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    *rows, size = json.loads(done.stdout)
    assert [(r["tree"], r["async_classes"], r["generated"]) for r in rows] == [
        ("tiny", 0, 0),
        ("tiny+2", 2, 2),
    ]
    text = SCRIPT.read_text()
    documented = set(re.findall(r"^``(\w+)``\s", text, re.MULTILINE))
    assert all(set(row) == documented for row in rows)
    assert all(row["naive_parse_s"] is not None for row in rows)
    assert [r["analysed"] for r in rows] == [0, 2]
    assert rows[1]["serial_over_parse"] is not None
    assert set(size) == set(re.findall(r"^  ``(\w+)``\s", text, re.MULTILINE))
    assert size["tree"] == "module of 0.01 MB" and size["analysis_s"] > 0
