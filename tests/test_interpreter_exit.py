"""The default runtime starts on first use and drains at interpreter exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from helpers import REPO


def test_messages_sent_just_before_exit_are_all_handled() -> None:
    script = textwrap.dedent(
        """
        import time
        from examples.inko_workers.workers_actors import WorkerCluster

        cluster = WorkerCluster.spawn(3, "w")
        for i in range(200):
            cluster.foo(i)
        # No join, no shutdown: the default runtime must drain before the interpreter exits.
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    handled = sorted(int(line.split("foo(")[1].split(")")[0]) for line in done.stdout.splitlines())
    assert handled == list(range(200))
