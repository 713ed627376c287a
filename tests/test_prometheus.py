"""`actorgen.runtime.prometheus`: the stats scraped over HTTP, as Prometheus reads them.

A real endpoint (`prometheus_client.start_http_server` on 127.0.0.1, a free port) is
scraped while a cluster works and after; the text is parsed with prometheus_client's own
parser and compared with `cluster_stats()` and `runtime_stats()`.
"""

from __future__ import annotations

import math
import urllib.request
from collections.abc import Iterator

import actorgen.runtime.prometheus as actorgen_prometheus
import pytest
from actorgen.runtime import Runtime, cluster_stats, runtime_stats
from actorgen.runtime.testing import DeterministicRuntime
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.parser import text_string_to_metric_families

from examples.job_batch.checksums import BlobRef
from examples.job_batch.checksums_actors import ChecksumWorkerCluster, ChecksumWorkerProcess

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape, by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def endpoint() -> Iterator[tuple[CollectorRegistry, str]]:
    """A registry served on 127.0.0.1 at a port the system picks, and its URL."""
    registry = CollectorRegistry()
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    try:
        yield registry, f"http://127.0.0.1:{server.server_port}/metrics"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def scrape(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return parse(response.read().decode("utf-8"))


def blobs(count: int, size: int = 4096) -> list[BlobRef]:
    return [BlobRef(f"blob-{i}", size, seed=i) for i in range(count)]


def test_a_scrape_while_the_cluster_works_and_after_agrees_with_cluster_stats(
    endpoint: tuple[CollectorRegistry, str],
) -> None:
    registry, url = endpoint
    with Runtime(threads=3, name="scraped", latency_histograms=True) as runtime:
        actorgen_prometheus.register(registry, runtime=runtime, members=True)
        cluster = ChecksumWorkerCluster(
            [ChecksumWorkerProcess.spawn(f"w{i}") for i in range(3)], name="checksums"
        )
        futures = [cluster.checksum(blob) for blob in blobs(300)]
        # While it works: every figure lies between what the stats said before and after.
        before = cluster_stats(cluster)
        during = scrape(url)
        after = cluster_stats(cluster)
        for b, a in zip(before.members, after.members, strict=True):
            handled = value(
                during,
                "actorgen_member_handled_messages_total",
                runtime="scraped",
                cluster="checksums",
                member=b.name,
            )
            assert b.handled <= handled <= a.handled
        queued = value(
            during, "actorgen_cluster_queued_messages", runtime="scraped", cluster="checksums"
        )
        assert after.queued <= queued <= before.queued
        assert (
            value(
                during,
                "actorgen_cluster_in_flight_messages",
                runtime="scraped",
                cluster="checksums",
            )
            <= 3
        )
        for future in futures:
            future.result(timeout=30)
        cluster.join()
        # Settled: every figure equals the stats exactly.
        stats = cluster_stats(cluster)
        totals = runtime_stats(runtime)
        done = scrape(url)
    c = {"runtime": "scraped", "cluster": "checksums"}
    assert value(done, "actorgen_cluster_queued_messages", **c) == stats.queued == 0
    assert value(done, "actorgen_cluster_in_flight_messages", **c) == stats.in_flight == 0
    assert value(done, "actorgen_cluster_members", strategy="balanced", **c) == 3
    for member in stats.members:
        m = {**c, "member": member.name}
        assert value(done, "actorgen_member_handled_messages_total", **m) == member.handled
        assert value(done, "actorgen_member_failed_messages_total", **m) == member.failed == 0
        assert math.isclose(
            value(done, "actorgen_member_busy_seconds_total", **m), member.busy_seconds
        )
    assert value(done, "actorgen_handled_messages_total", runtime="scraped") == totals.handled
    assert sum(m.handled for m in stats.members) == 300
    assert value(done, "actorgen_cluster_handled_messages_total", **c) == 300
    # The histograms: one series for the class and the cluster, counts as handled.
    s = {**c, "class": "ChecksumWorker"}
    assert stats.handler is not None and stats.wait is not None
    assert value(done, "actorgen_handler_seconds_count", **s) == stats.handler.count == 300
    assert value(done, "actorgen_message_wait_seconds_count", **s) == stats.wait.count == 300
    assert value(done, "actorgen_handler_seconds_bucket", le="+Inf", **s) == 300
    assert math.isclose(value(done, "actorgen_handler_seconds_sum", **s), stats.handler.sum)
    buckets = sorted(
        (float(dict(labels)["le"]), count)
        for (name, labels), count in done.items()
        if name == "actorgen_message_wait_seconds_bucket" and dict(labels)["cluster"] == "checksums"
    )
    assert [count for _, count in buckets] == sorted(count for _, count in buckets)  # cumulative
    assert [bound for bound, _ in buckets[:2]] == [1.024e-06, 2.048e-06]


def test_a_frozen_deterministic_cluster_reports_its_queue_exactly(
    endpoint: tuple[CollectorRegistry, str],
) -> None:
    registry, url = endpoint
    # Nothing runs on the deterministic runtime until someone waits: the queue holds.
    with DeterministicRuntime(seed=1, name="frozen", latency_histograms=True) as runtime:
        actorgen_prometheus.register(registry, runtime=runtime)
        cluster = ChecksumWorkerCluster.spawn(2, "w")
        name = cluster_stats(cluster).name
        runtime.run_until_idle()
        for blob in blobs(7):
            cluster.checksum(blob)
        queued = scrape(url)
        runtime.run_until_idle()
        done = scrape(url)
    c = {"runtime": "frozen", "cluster": name}
    assert value(queued, "actorgen_cluster_queued_messages", **c) == 7
    assert ("actorgen_cluster_handled_messages_total", tuple(sorted(c.items()))) not in queued
    assert value(done, "actorgen_cluster_queued_messages", **c) == 0
    assert value(done, "actorgen_cluster_handled_messages_total", **c) == 7
    assert value(done, "actorgen_handler_seconds_count", **c, **{"class": "ChecksumWorker"}) == 7
    # Per-member series only when asked for.
    assert not any(name.startswith("actorgen_member_") for name, _ in done)


def test_register_uses_the_default_registry_and_reads_only_live_runtimes() -> None:
    collector = actorgen_prometheus.register()
    try:
        with Runtime(threads=1, name="short-lived") as runtime:
            cluster = ChecksumWorkerCluster.spawn(1, "w")
            cluster.checksum(blobs(1)[0]).result(timeout=10)
            assert runtime in collector.runtimes()
            text = parse(
                "".join(
                    line + "\n"
                    for line in _generate(REGISTRY).splitlines()
                    if "short-lived" in line or line.startswith("#")
                )
            )
            assert value(text, "actorgen_handled_messages_total", runtime="short-lived") >= 1
            # Without histograms there is no per-cluster counter and no histogram series.
            assert not any(
                name.startswith(("actorgen_handler_seconds", "actorgen_cluster_handled"))
                for name, _ in text
            )
        assert runtime not in collector.runtimes()  # shut down: no longer read
    finally:
        REGISTRY.unregister(collector)


def _generate(registry: CollectorRegistry) -> str:
    from prometheus_client import generate_latest

    return generate_latest(registry).decode("utf-8")
