"""The demo of the README's first command: plain output when piped, the live view on a
terminal (a pseudo-terminal here), and a clean stop on Ctrl-C."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import pytest
from helpers import REPO, interruptible_module, run_python

# A small batch: the demo's logic, not its length, is under test.
SMALL = ("--blobs", "60")


def test_the_demo_prints_plain_lines_when_piped_and_compares_the_two_clusters() -> None:
    done = run_python("-m", "examples.demo", *SMALL, timeout=120)
    out = done.stdout
    assert "\x1b[" not in out  # no terminal codes in a pipe
    assert "balanced: every free worker pulls the next blob" in out
    assert "round_robin: blob i goes to worker i mod n" in out
    assert "60/60 done" in out
    summary = out.split("\nsummary\n", 1)[1]
    rows = {line.split()[0]: line.split() for line in summary.splitlines()[1:3]}
    assert set(rows) == {"balanced", "round_robin"}
    for row in rows.values():
        assert float(row[1]) > 0  # a makespan in seconds
        assert row[2].endswith("x")
        # One "conn-i handled / busy" share per worker; the handled counts add up.
        handled = [int(row[i + 1]) for i, word in enumerate(row) if word.startswith("conn-")]
        assert len(handled) == 4 and sum(handled) == 60
    assert "round robin took" in out
    assert "all 60 digests matched the manifest, on both clusters" in out


def _read_until_exit(fd: int, child: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, int]:
    """Everything the child writes to the terminal `fd`, and its exit code."""
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the child closed the terminal: it has ended
                break
            if not data:
                break
            out += data
    return out, child.wait(timeout=10)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_the_demo_draws_its_live_view_on_a_terminal() -> None:
    import pty

    # The demo's standard streams on a pseudo-terminal. Started as a subprocess, not by
    # pty.fork(): forking this process, which runs threads, is not safe (Python 3.13 warns).
    fd, terminal = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "examples.demo", *SMALL],
        cwd=REPO,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)  # the child's copies stay: the terminal ends when the child does
    try:
        out, code = _read_until_exit(fd, child, timeout=120)
    finally:
        os.close(fd)
        if child.poll() is None:
            child.kill()
            child.wait()
    text = out.decode("utf-8", "replace")
    assert code == 0, text
    assert "\x1b[" in text  # drawn with terminal codes, redrawn in place
    assert "━" in text  # the progress bar
    assert "busy" in text and "on" in text  # the workers' table
    assert "Load per worker" in text and "Same blobs, same order" in text
    assert "all 60 digests matched the manifest, on both clusters" in text


def test_ctrl_c_stops_the_demo_within_a_second_without_a_traceback() -> None:
    child = subprocess.Popen(
        # A SIGABRT (sent below if it hangs) prints every thread's stack.
        interruptible_module("examples.demo", "--blobs", "2000"),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait for the batch to be under way: its first progress line.
        assert child.stdout is not None
        while "done" not in child.stdout.readline():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
        time.sleep(0.3)
        interrupted = time.monotonic()
        child.send_signal(signal.SIGINT)
        try:
            _, err = child.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGABRT)
            _, err = child.communicate(timeout=10)
            pytest.fail(f"the demo still ran 10 s after Ctrl-C; its threads:\n{err}")
        took = time.monotonic() - interrupted
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted: the batch was stopped" in err
    assert took < 1.5, f"the demo took {took:.2f} s to stop"
