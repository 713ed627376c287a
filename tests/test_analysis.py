"""Analysing many files: in worker processes when it pays, with the same results as in
one process, and a crash of the parser costs one file a diagnostic, not the run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from actorgen.codegen.analysis import Analysis, Job, analyze_all, analyze_one, in_processes

SOURCE = textwrap.dedent(
    """\
    from actorgen.runtime import async_class


    @async_class
    class Worker{i}:
        def foo(self, a: int) -> None:
            pass

        def bar(self, b: int) -> int:
            return b
    """
)
PADDING = "# " + "x" * 70 + "\n"


def jobs(count: int) -> list[Job]:
    # Enough text for the parallel path (it starts processes only for a sizeable batch).
    return [Job(f"w{i}.py", SOURCE.format(i=i) + PADDING * 200, f"w{i}") for i in range(count)]


def test_worker_processes_give_the_results_of_one_process() -> None:
    batch = [*jobs(6), Job("bad.py", "from actorgen.runtime import async_class\ndef f(:\n", "bad")]
    parallel = analyze_all(batch, workers=2)
    assert parallel == [analyze_one(job) for job in batch]
    assert all(a.text is not None for a in parallel[:-1])
    assert parallel[-1].diagnostics[0].message.startswith("syntax error")


def test_a_small_batch_is_analysed_in_this_process() -> None:
    assert analyze_all(jobs(1), workers=8) == [analyze_one(jobs(1)[0])]


def double_or_die(n: int) -> int:
    if n < 0:
        os._exit(70)  # what a segfault in native code looks like from the pool's side
    return 2 * n


def test_an_item_whose_process_dies_gets_its_own_result_and_the_others_go_on() -> None:
    results = in_processes(double_or_die, [1, 2, -1, 3, 4, -2, 5], 2, lambda n: n * 100)
    assert results == [2, 4, -100, 6, 8, -200, 10]


def test_code_nested_too_deeply_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    source = tmp_path / "deep.py"
    source.write_text("from actorgen.runtime import async_class\nx = " + "-" * 100_000 + "1\n")
    # In a process of its own: should the guard fail, LibCST would take pytest down.
    done = subprocess.run(
        [sys.executable, "-m", "actorgen.codegen", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert f"{source}:1:1: error: the code is nested too deeply" in done.stderr


def test_a_file_without_an_async_class_gives_nothing() -> None:
    assert analyze_one(Job("m.py", "x = 'async_class'\n", "m")) == Analysis(None, ())
