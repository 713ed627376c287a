"""The driver of `test_ray_cluster.py`: joins the two-node Ray cluster the test formed,
spreads a cluster's work over members on both nodes, then (once the test has stopped the
second node) sends more and reports where it ran. Prints one JSON line per phase."""

from __future__ import annotations

import json
import os
import sys
import time

import ray
from actorgen.runtime import ProcessStopped, spawn_options
from actorgen.runtime.ray import RayRuntime
from app.workers_actors import WorkerCluster, WorkerProcess


def node_after(seconds: float) -> str:
    time.sleep(seconds)
    return str(ray.get_runtime_context().get_node_id())


def main() -> None:
    began = time.monotonic()
    with RayRuntime(address=sys.argv[1], _node_ip_address="127.0.0.1", log_to_driver=False):
        with spawn_options(ray_options={"num_cpus": 1}):  # one per node: each has 1 CPU
            members = [WorkerProcess.spawn(f"w{i}") for i in range(2)]
        cluster = WorkerCluster(members)
        homes = [m.call(lambda: node_after(0)).result(60) for m in members]
        pids = [m.call(os.getpid).result(60) for m in members]
        ran = [cluster.call(lambda: node_after(0.02)).result(60) for _ in range(1)]
        ran += [f.result(60) for f in [cluster.call(lambda: node_after(0.02)) for _ in range(60)]]
        print(
            json.dumps(
                {
                    "homes": homes,
                    "pids": pids,
                    "ran": ran,
                    "head": ray.get_runtime_context().get_node_id(),
                    "s": time.monotonic() - began,
                }
            ),
            flush=True,
        )
        began = time.monotonic()
        sys.stdin.readline()  # the test stops the second node
        while sum(node["Alive"] for node in ray.nodes()) > 1:  # until Ray knows it
            time.sleep(0.1)
        later = [cluster.call(lambda: node_after(0.01)) for _ in range(40)]
        outcomes = []
        for future in later:
            try:
                outcomes.append(future.result(120))
            except ProcessStopped as error:
                outcomes.append(f"stopped: {type(error.__cause__).__name__}")
        cluster.join(120)
        print(
            json.dumps(
                {"later": outcomes, "members": len(cluster.members), "s": time.monotonic() - began}
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
