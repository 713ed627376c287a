"""Processes and clusters can be named; names show in stats, errors and `repr`."""

from __future__ import annotations

import pytest
from actorgen.runtime import (
    ProcessStopped,
    Runtime,
    RuntimeStopped,
    UsageError,
    cluster_stats,
    process_stats,
    runtime_stats,
    spawn_options,
    stop_process,
)
from app.workers_actors import WorkerCluster, WorkerProcess


def test_spawn_options_name_a_process(runtime: Runtime) -> None:
    with spawn_options(name="fetcher-0"):
        worker = WorkerProcess.spawn("w")
    assert process_stats(worker).name == "fetcher-0"
    assert repr(worker) == "<WorkerProcess fetcher-0>"
    stop_process(worker)
    with pytest.raises(ProcessStopped, match="process fetcher-0 stopped"):
        worker.bar(1)


def test_unnamed_processes_are_numbered_per_class(runtime: Runtime) -> None:
    first, second = WorkerProcess.spawn("a"), WorkerProcess.spawn("b")
    assert [process_stats(p).name for p in (first, second)] == ["Worker-1", "Worker-2"]


def test_a_name_in_use_is_refused_and_free_again_once_its_process_stopped(
    runtime: Runtime,
) -> None:
    with spawn_options(name="solo"):
        solo = WorkerProcess.spawn("w")
        with pytest.raises(UsageError, match="'solo' is already running"):
            WorkerProcess.spawn("w")
        stop_process(solo)
        again = WorkerProcess.spawn("w")
    assert process_stats(again).name == "solo"


def test_braces_in_a_name_number_the_processes_of_a_cluster(runtime: Runtime) -> None:
    with spawn_options(name="fetcher-{}"):
        cluster = WorkerCluster.spawn(3, "w")
    assert [m.name for m in cluster_stats(cluster).members] == [
        "fetcher-1",
        "fetcher-2",
        "fetcher-3",
    ]


def test_a_cluster_spawn_that_fails_half_way_stops_the_members_it_made(runtime: Runtime) -> None:
    with spawn_options(name="dup"), pytest.raises(UsageError):
        WorkerCluster.spawn(3, "w")  # the second member cannot have the same name
    assert runtime_stats().processes == 0 and runtime_stats().stopped == 1
    with pytest.raises(ValueError, match="refused to start"):
        WorkerCluster.spawn(3, "w", fail=True)  # every __init__ raises: nothing is left
    assert runtime_stats().processes == 0
    with spawn_options(name="dup"):
        WorkerProcess.spawn("w")  # the first one was stopped: its name is free again


def test_clusters_can_be_named_and_errors_call_them_clusters() -> None:
    with Runtime(threads=1):
        cluster = WorkerCluster([WorkerProcess.spawn("w")], name="fetchers")
        assert cluster_stats(cluster).name == "fetchers"
        assert repr(cluster) == "<WorkerCluster fetchers of 1>"
        with pytest.raises(UsageError, match="'fetchers' already exists"):
            WorkerCluster(name="fetchers")
    with pytest.raises(RuntimeStopped, match="the runtime of cluster fetchers was shut down"):
        cluster.bar(1)


def test_bad_names_are_refused_at_the_with() -> None:
    with pytest.raises(ValueError, match="non-empty str"), spawn_options(name=""):
        pass
    with pytest.raises(TypeError, match="unknown spawn options"), spawn_options(nmae="x"):  # type: ignore[arg-type]
        pass


def test_a_name_the_runtime_numbered_itself_cannot_be_given_again(runtime: Runtime) -> None:
    WorkerProcess.spawn("w")  # Worker-1
    with spawn_options(name="Worker-1"), pytest.raises(UsageError, match="numbered itself"):
        WorkerProcess.spawn("w")
    with spawn_options(name="job-{}"):
        WorkerProcess.spawn("w")  # job-1
    with spawn_options(name="job-1"), pytest.raises(UsageError, match="numbered itself"):
        WorkerProcess.spawn("w")


def test_numbering_skips_names_the_user_gave(runtime: Runtime) -> None:
    with spawn_options(name="job-2"):
        WorkerProcess.spawn("w")
    with spawn_options(name="job-{}"):
        names = [process_stats(WorkerProcess.spawn("w")).name for _ in range(2)]
    assert names == ["job-1", "job-3"]
