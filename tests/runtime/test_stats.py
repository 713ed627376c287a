"""Balance is observable: per process, messages handled and failed and time busy; per
cluster, messages queued and in flight, and each member's share."""

from __future__ import annotations

import threading
from collections.abc import Callable

from actorgen.runtime import Future, Runtime, cluster_stats, process_stats, runtime_stats
from app.journal import Journal
from app.recorders_actors import RecorderCluster, RecorderProcess
from app.workers_actors import WorkerCluster, WorkerProcess
from conftest import WhileBusy, only_on

Waiter = Callable[[Callable[[], bool], str], None]


def test_process_stats_count_handled_and_failed_messages_and_busy_time(
    runtime: Runtime,
) -> None:
    worker = WorkerProcess.spawn("w")
    for _ in range(3):
        worker.foo(1)
    worker.fail("bad")
    worker.explode("worse").exception()
    worker.sleep(0.001).result()
    runtime.shutdown(drain=True)  # after draining, the counters are final
    stats = process_stats(worker)
    assert stats.name.startswith("Worker-")
    assert (stats.handled, stats.failed, stats.queued) == (6, 2, 0)
    assert stats.busy_seconds > 0


def test_a_reply_is_seen_with_its_message_counted(runtime: Runtime) -> None:
    # A turn's last ask has its counts (and its thread's) settled before the reply is
    # sent: whoever has the reply sees the message counted, in every kind of stats.
    member, loner = WorkerProcess.spawn("member"), WorkerProcess.spawn("loner")
    cluster = WorkerCluster([member])
    for sent in range(1, 101):
        assert cluster.bar(1).result() == sent  # (the running total)
        assert process_stats(member).handled == sent
        assert cluster_stats(cluster).members[0].handled == sent
        assert loner.bar(1).result() == sent
        assert process_stats(loner).handled == sent
        assert runtime_stats().handled == 2 * sent
    cluster.join()
    assert cluster_stats(cluster).in_flight == 0


def test_process_names_are_unique_per_runtime(runtime: Runtime) -> None:
    names = {process_stats(WorkerProcess.spawn("same")).name for _ in range(5)}
    assert len(names) == 5


@only_on("threads", "ray", why="handlers block on a gate while the test reads the stats")
def test_cluster_stats_show_queued_and_in_flight_work(
    runtime: Runtime, journal: Journal, gate: threading.Event, wait_until: Waiter
) -> None:
    cluster = RecorderCluster([RecorderProcess.spawn(f"m{i}", journal) for i in range(2)])
    for _ in range(2):
        cluster.hold(gate)
    for job in range(7):
        cluster.note(job)
    wait_until(lambda: journal.items().count("hold") == 2, "both members hold")
    stats = cluster_stats(cluster)
    assert (stats.queued, stats.in_flight) == (7, 2)
    gate.set()
    cluster.join()
    stats = cluster_stats(cluster)
    assert (stats.queued, stats.in_flight) == (0, 0)
    assert [m.handled for m in stats.members] == [len(journal.log("m0")), len(journal.log("m1"))]
    assert sum(m.handled for m in stats.members) == 9


@only_on("deterministic", why="the stats are read from inside the second busy member")
def test_cluster_stats_show_queued_and_in_flight_work_deterministically(
    runtime: Runtime, journal: Journal
) -> None:
    """Both members busy at once on one thread: the first one's handler waits for the
    second hold, whose handler reads the stats."""
    cluster = RecorderCluster([RecorderProcess.spawn(f"m{i}", journal) for i in range(2)])
    seen: list[tuple[int, int]] = []

    def read_stats() -> None:
        stats = cluster_stats(cluster)
        seen.append((stats.queued, stats.in_flight))

    holds: list[Future[str]] = []
    holds.append(cluster.hold(WhileBusy(lambda: holds[1].result())))
    holds.append(cluster.hold(WhileBusy(read_stats)))
    for job in range(7):
        cluster.note(job)
    assert (cluster_stats(cluster).queued, cluster_stats(cluster).in_flight) == (9, 0)
    cluster.join()
    assert seen == [(7, 2)]
    assert sorted(hold.result() for hold in holds) == ["m0", "m1"]
    stats = cluster_stats(cluster)
    assert (stats.queued, stats.in_flight) == (0, 0)
    assert [m.handled for m in stats.members] == [len(journal.log("m0")), len(journal.log("m1"))]
    assert sum(m.handled for m in stats.members) == 9


def test_cluster_stats_show_each_members_share_and_busy_time(runtime: Runtime) -> None:
    cluster = WorkerCluster.spawn(3, "w")
    for _ in range(30):
        cluster.sleep(0.001)
    cluster.join()
    members = cluster_stats(cluster).members
    assert [m.name for m in members] == [process_stats(p).name for p in cluster.members]
    assert sum(m.handled for m in members) == 30
    assert all(m.handled > 0 and m.busy_seconds > 0 for m in members)


def test_runtime_stats_add_up_every_process_and_list_every_cluster(
    runtime: Runtime, backend: str
) -> None:
    from actorgen.runtime import runtime_stats, stop_process

    cluster = WorkerCluster.spawn(2, "w")
    loner = WorkerProcess.spawn("loner")
    for _ in range(10):
        cluster.foo(1)
    loner.fail("x")
    loner.bar(1).result()
    cluster.join()
    stop_process(loner)
    stats = runtime_stats()
    assert stats.name == "test-pool"
    if backend == "threads":  # the fixture's pool of 4
        assert (stats.threads, stats.dedicated_threads) == (4, 0)
        assert stats.pool_threads >= 4
    else:  # no pool: the calling thread, or Ray's dispatcher and watcher
        threads = 2 if backend == "ray" else 1
        assert (stats.threads, stats.dedicated_threads, stats.pool_threads) == (threads, 0, 0)
        assert stats.backup_threads_started == 0
    assert (stats.processes, stats.stopped) == (2, 1)
    assert (stats.handled, stats.failed) == (12, 1)
    assert stats.busy_seconds > 0
    assert [c.name for c in stats.clusters] == [cluster_stats(cluster).name]
    assert stats.clusters[0].strategy == "balanced"
    assert sum(m.handled for m in stats.clusters[0].members) == 10
    assert runtime_stats(runtime).handled == 12  # the runtime given, or the current one


def test_a_members_stats_show_restarts_and_that_it_stopped(runtime: Runtime) -> None:
    from actorgen.runtime import spawn_options

    with spawn_options(supervision="restart"):
        restarting = WorkerProcess.spawn("r")
    with spawn_options(supervision="stop"):
        stopping = WorkerProcess.spawn("s")
    restarting.explode("x").exception()
    stopping.explode("x").exception()
    assert (process_stats(restarting).restarts, process_stats(restarting).stopped) == (1, False)
    assert (process_stats(stopping).restarts, process_stats(stopping).stopped) == (0, True)
