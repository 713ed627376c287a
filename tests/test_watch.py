"""``actorgen --watch``: regenerate on change, survive bad input, stop cleanly.

No test sleeps for a fixed time: each waits (polling, with a generous bound) for what it
expects to appear, so a slow machine makes them slower, not flaky.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from actorgen.codegen.cli import main
from actorgen.codegen.watch import ours, relevant

pytest.importorskip("watchfiles")

GOOD = textwrap.dedent(
    """\
    from actorgen.runtime import async_class


    @async_class
    class Worker:
        def foo(self, a: int) -> None:
            pass
    """
)
MORE = GOOD + "\n    def bar(self, b: int) -> int:\n        return b\n"
BROKEN = GOOD + "\n    async def bad(self) -> None:\n        yield\n"
PATIENCE = 30.0  # seconds; only a broken watcher waits this long


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTORGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


class Watching:
    """`actorgen --watch` running in a thread, stopped by an event."""

    def __init__(self, *args: str | Path) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        self.stop = threading.Event()
        self.codes: list[int] = []
        argv = ["--watch", *(str(a) for a in args)]
        self.thread = threading.Thread(
            target=lambda: self.codes.append(main(argv, self.out, self.err, stop=self.stop))
        )

    def summaries(self) -> int:
        return sum(line.startswith("actorgen: ") for line in self.err.getvalue().splitlines()) - (
            "watching" in self.err.getvalue()
        )


@pytest.fixture
def watching() -> Iterator[Callable[..., Watching]]:
    started: list[Watching] = []

    def start(*args: str | Path) -> Watching:
        run = Watching(*args)
        started.append(run)
        run.thread.start()
        wait_for(lambda: "watching" in run.err.getvalue(), "the watcher to start")
        return run

    yield start
    for run in started:
        run.stop.set()
        run.thread.join(PATIENCE)
        assert not run.thread.is_alive()
        assert run.codes == [0]


def test_watch_generates_then_regenerates_what_changes(
    tmp_path: Path, watching: Callable[..., Watching]
) -> None:
    source = tmp_path / "mod.py"
    source.write_text(GOOD)
    output = tmp_path / "mod_actors.py"
    run = watching(tmp_path)
    assert "def foo" in text(output)  # the first run happens at once

    source.write_text(MORE)
    wait_for(lambda: "def bar" in text(output), "the output to be regenerated")

    (tmp_path / "new.py").write_text(GOOD)
    wait_for(lambda: (tmp_path / "new_actors.py").exists(), "a new source to be generated")

    source.write_text("x = 1\n")
    wait_for(lambda: not output.exists(), "an output without a source to be removed")
    assert "Traceback" not in run.err.getvalue()


def test_watch_reports_errors_and_goes_on(
    tmp_path: Path, watching: Callable[..., Watching]
) -> None:
    source = tmp_path / "mod.py"
    source.write_text(GOOD)
    run = watching(tmp_path)
    source.write_text(BROKEN)
    wait_for(
        lambda: "message Worker.bad is an async generator" in run.err.getvalue(), "a diagnostic"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.actorgen\n")
    wait_for(lambda: "cannot read" in run.err.getvalue(), "the configuration error")
    (tmp_path / "pyproject.toml").write_text('[tool.actorgen]\nsuffix = "_gen"\n')
    source.write_text(MORE)
    wait_for(lambda: "def bar" in text(tmp_path / "mod_gen.py"), "the run after the fixes")
    assert "Traceback" not in run.err.getvalue()


def test_watch_does_not_rerun_for_its_own_writes(
    tmp_path: Path, watching: Callable[..., Watching]
) -> None:
    source = tmp_path / "mod.py"
    source.write_text(GOOD)
    run = watching(tmp_path)
    assert run.summaries() == 1
    source.write_text(MORE)
    wait_for(lambda: "def bar" in text(tmp_path / "mod_actors.py"), "the output")
    # A change of our own, then a marker change: had the first caused a run, there would
    # be a summary line more before the marker's.
    (tmp_path / "marker.py").write_text("x = 1\n")
    wait_for(lambda: run.summaries() >= 3, "the marker's run")
    assert run.summaries() == 3


def test_own_writes_are_recognised_by_content(tmp_path: Path) -> None:
    mine = tmp_path / "mod_actors.py"
    mine.write_text("generated\n")
    written: dict[Path, str | None] = {mine: "generated\n", tmp_path / "gone.py": None}
    assert ours({str(mine), str(tmp_path / "gone.py")}, written)
    assert not ours({str(mine), str(tmp_path / "mod.py")}, written)
    mine.write_text("edited since\n")
    assert not ours({str(mine)}, written)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/p/mod.py", True),
        ("/p/pyproject.toml", True),
        ("/p/package", True),
        ("/p/.mod_actors.py.abc123.tmp", False),
        ("/p/notes.txt", False),
    ],
)
def test_which_changes_count(path: str, expected: bool) -> None:
    assert relevant(path) is expected


def test_without_watchfiles_watch_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # makes `import watchfiles` fail
    out, err = io.StringIO(), io.StringIO()
    assert main(["--watch", str(tmp_path)], out, err) == 2
    assert "--watch needs the watchfiles package: pip install 'actorgen[watch]'" in err.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_stops_the_watch_quietly(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(GOOD)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "actorgen.codegen", "--watch", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(process.stderr or []), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("watching" in line for line in err), "the watcher to start")
        source.write_text(MORE)
        wait_for(lambda: "def bar" in text(tmp_path / "mod_actors.py"), "the regeneration")
        process.send_signal(signal.SIGINT)
        assert process.wait(PATIENCE) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(PATIENCE)
    assert "Traceback" not in "".join(err)
