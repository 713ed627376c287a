"""A real two-node Ray cluster on this machine: `ray start --head` and a second
`ray start --address=...`, both on 127.0.0.1 with 1 CPU each. A driver (a subprocess:
this test process is connected to the session's own Ray) joins it with
``RayRuntime(address=...)``: a cluster's members sit on both nodes and both handle its
work; when the second node is stopped, its member's actor dies and the work goes on on
the first node."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RAY_MISSING

pytestmark = [
    pytest.mark.skipif(RAY_MISSING is not None, reason=str(RAY_MISSING)),
    pytest.mark.timeout(240, method="thread"),
]

HERE = Path(__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ray_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of every Ray process here: HOME (where Ray writes its token) under
    the test's directory, no usage stats, `app` importable by the workers."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env.update(
        # A cluster of this test's own, on 127.0.0.1 only: no token to hand around (the
        # session's Ray may have switched this process to token mode).
        RAY_AUTH_MODE="disabled",
        HOME=str(home),
        RAY_USAGE_STATS_ENABLED="0",
        # A stopped node is found dead in about 2 s instead of Ray's default ~30 s.
        RAY_health_check_initial_delay_ms="500",
        RAY_health_check_period_ms="500",
        RAY_health_check_timeout_ms="500",
        RAY_health_check_failure_threshold="3",
        PYTHONPATH=os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH")) if p),
    )
    yield env


def test_members_on_two_nodes_share_the_work_and_it_goes_on_when_one_node_stops(
    ray_env: dict[str, str], tmp_path: Path
) -> None:
    ray = str(Path(sys.executable).with_name("ray"))
    # Ray's socket paths must stay short: its temp dir is not under pytest's deep one.
    temp = tempfile.mkdtemp(prefix="agr")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats"]
    # `--block`, in a session of its own: each node is a process group of ours, which
    # stops that node alone (`ray stop` would stop every Ray on the machine).
    head = subprocess.Popen(
        [
            ray,
            "start",
            "--head",
            f"--port={port}",
            f"--temp-dir={temp}",
            "--include-dashboard=false",
            "--block",
            *common,
        ],
        env=ray_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    second: subprocess.Popen[bytes] | None = None
    driver: subprocess.Popen[str] | None = None
    try:
        second = subprocess.Popen(
            [ray, "start", f"--address={address}", "--block", *common],
            env=ray_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        driver = subprocess.Popen(
            [sys.executable, str(HERE / "ray_cluster" / "driver.py"), address],
            env=ray_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            stderr=(tmp_path / "driver.log").open("w"),
        )
        assert driver.stdin is not None and driver.stdout is not None
        lines = _lines_of(driver)
        first = _phase(lines, tmp_path)
        homes, head_node, ran = first["homes"], first["head"], Counter(first["ran"])
        assert set(homes) == {head_node, *homes} and len(set(homes)) == 2, homes
        assert set(ran) == set(homes), f"work ran on {dict(ran)}, members on {homes}"
        # The second node stops, as a crash would: its processes and its member's worker
        # (which runs in a session of its own) end at once; its actor dies.
        _stop(second)
        second = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(first["pids"][1 - homes.index(head_node)], signal.SIGKILL)
        driver.stdin.write("go\n")
        driver.stdin.flush()
        later = _phase(lines, tmp_path)
        assert driver.wait(120) == 0
        outcomes = Counter(later["later"])
        stopped = {o for o in outcomes if o.startswith("stopped")}
        # What the dead actor was sent failed, saying why; the rest ran on the head node,
        # and the member on the second node left the cluster.
        assert set(outcomes) - stopped == {head_node}, outcomes
        assert all("Actor" in o for o in stopped), outcomes
        assert sum(outcomes[o] for o in stopped) < 40 and later["members"] == 1
    finally:
        if driver is not None and driver.poll() is None:  # never leave it behind
            driver.kill()
            driver.wait(60)
        for node in (second, head):
            if node is not None:
                _stop(node)
        shutil.rmtree(temp, ignore_errors=True)


# How long a phase of the driver may take: it takes seconds; past this, the test fails with
# the driver's log rather than wait for the suite's timeout, which would end the whole run.
PHASE = 120.0


def _lines_of(driver: subprocess.Popen[str]) -> queue.SimpleQueue[str]:
    """The driver's output lines as they come ('' once it has ended), read by a thread."""
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()

    def read() -> None:
        assert driver.stdout is not None
        for line in driver.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    return lines


def _phase(lines: queue.SimpleQueue[str], tmp_path: Path) -> Any:
    """The driver's next report; its log if it had none, or none within `PHASE` s."""
    while True:
        try:
            line = lines.get(timeout=PHASE)
        except queue.Empty:
            line = ""
        assert line, (tmp_path / "driver.log").read_text()[-3000:]
        if line.startswith("{"):  # not a line Ray printed
            return json.loads(line)


def _stop(node: subprocess.Popen[bytes]) -> None:
    """End a node at once, as a crash would: every process of its group. (Asked politely,
    `ray start --block` takes 30 s to wind down.)"""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(node.pid, signal.SIGKILL)
    node.wait(60)
