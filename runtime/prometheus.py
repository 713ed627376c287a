"""The runtime's stats as Prometheus metrics (``pip install 'actorgen[prometheus]'``).

::

    from prometheus_client import start_http_server
    import actorgen.runtime.prometheus

    actorgen.runtime.prometheus.register()   # prometheus_client's default registry
    start_http_server(9464)                  # http://localhost:9464/metrics

`register` adds one collector that reads `runtime_stats()` of every live runtime (or of
the one given) each time the registry is scraped: nothing is added to the message path,
and a runtime that nobody scrapes pays nothing. Every metric name, type and label is in
docs/metrics.md. Labels are of bounded cardinality: `runtime`, `cluster` and `class`;
one series per cluster member (`member`) only with ``register(members=True)``. The
latency histograms and the per-cluster handled counter exist only for runtimes made with
``latency_histograms=True``.

This is the one module of `actorgen.runtime` that needs a package outside the standard
library (`prometheus_client`); nothing else imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

from . import _exit
from ._core import RuntimeCore
from ._latency import Histogram
from ._stats import ClusterStats, RuntimeStats, runtime_stats

__all__ = ["RuntimeCollector", "register"]

PREFIX = "actorgen"


class RuntimeCollector(Collector):
    """Reads the stats of `runtimes` (default: every runtime that is alive and not shut
    down, in name order) at scrape time. `members`: also one series per cluster member."""

    def __init__(
        self, runtimes: Iterable[RuntimeCore] | None = None, *, members: bool = False
    ) -> None:
        self._runtimes = None if runtimes is None else tuple(runtimes)
        self.members = members

    def runtimes(self) -> list[RuntimeCore]:
        """The runtimes the next scrape reads."""
        if self._runtimes is not None:
            return [runtime for runtime in self._runtimes if not runtime.closed]
        live = [runtime for runtime in list(_exit._live) if not runtime.closed]
        return sorted(live, key=lambda runtime: runtime.name)

    def describe(self) -> Iterator[Metric]:
        """The metric families, without samples: the registry checks names with them
        at registration, without reading any runtime."""
        return iter(_Families(self.members).all())

    def collect(self) -> Iterator[Metric]:
        families = _Families(self.members)
        for runtime in self.runtimes():
            families.add(runtime_stats(runtime))
        return iter(families.all())


def register(
    registry: CollectorRegistry | None = None,
    *,
    runtime: RuntimeCore | None = None,
    members: bool = False,
) -> RuntimeCollector:
    """Register a `RuntimeCollector` with `registry` (prometheus_client's default
    registry if None) and return it. It reads every live runtime, or only `runtime`;
    `members=True` adds per-member series (one per process of every cluster)."""
    collector = RuntimeCollector(None if runtime is None else [runtime], members=members)
    (REGISTRY if registry is None else registry).register(collector)
    return collector


class _Families:
    """The metric families of one scrape, filled runtime by runtime."""

    def __init__(self, members: bool) -> None:
        r = ["runtime"]
        c = ["runtime", "cluster"]
        m = ["runtime", "cluster", "member"]
        series = ["runtime", "class", "cluster"]

        def counter(name: str, doc: str, labels: list[str]) -> CounterMetricFamily:
            return CounterMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)

        def gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
            return GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)

        self.handled = counter(
            "handled_messages", "Messages handled by the runtime's processes (failed ones too).", r
        )
        self.failed = counter("failed_messages", "Messages whose handler raised.", r)
        self.busy = counter("busy_seconds", "Time the runtime's processes spent running.", r)
        self.processes = gauge("processes", "Processes alive (spawned, not stopped).", r)
        self.stopped = counter("stopped_processes", "Processes stopped for good.", r)
        self.scheduled = gauge(
            "scheduled_processes", "Processes with work: running or waiting for a thread.", r
        )
        self.run_queue = gauge("run_queue_processes", "Processes waiting for a thread.", r)
        self.threads = gauge("pool_threads", "Pool threads now, backup threads included.", r)
        self.backups = counter(
            "backup_threads_started", "Backup threads started while handlers blocked.", r
        )
        self.cluster_members = gauge("cluster_members", "Members of the cluster.", [*c, "strategy"])
        self.queued = gauge("cluster_queued_messages", "Cluster messages waiting for a member.", c)
        self.in_flight = gauge(
            "cluster_in_flight_messages", "Cluster messages a member is handling now.", c
        )
        self.cluster_handled = counter(
            "cluster_handled_messages",
            "Messages of the cluster handled by its members (latency histograms on).",
            c,
        )
        self.wait = HistogramMetricFamily(
            f"{PREFIX}_message_wait_seconds",
            "Time from a message's send until a handler took it (latency histograms on).",
            labels=series,
        )
        self.handler = HistogramMetricFamily(
            f"{PREFIX}_handler_seconds",
            "Time a message's handler ran (latency histograms on).",
            labels=series,
        )
        self.members = members
        self.member_families: list[Metric] = []
        if members:
            self.member_handled = counter(
                "member_handled_messages", "Messages the member handled, of every source.", m
            )
            self.member_failed = counter(
                "member_failed_messages", "Messages of the member whose handler raised.", m
            )
            self.member_busy = counter("member_busy_seconds", "Time the member ran.", m)
            self.member_queued = gauge(
                "member_queued_messages", "Messages in the member's own mailbox.", m
            )
            self.member_restarts = counter(
                "member_restarts", "Times supervision restarted the member.", m
            )
            self.member_families = [
                self.member_handled,
                self.member_failed,
                self.member_busy,
                self.member_queued,
                self.member_restarts,
            ]

    def all(self) -> list[Metric]:
        return [
            self.handled,
            self.failed,
            self.busy,
            self.processes,
            self.stopped,
            self.scheduled,
            self.run_queue,
            self.threads,
            self.backups,
            self.cluster_members,
            self.queued,
            self.in_flight,
            self.cluster_handled,
            self.wait,
            self.handler,
            *self.member_families,
        ]

    def add(self, stats: RuntimeStats) -> None:
        r = [stats.name]
        self.handled.add_metric(r, stats.handled)
        self.failed.add_metric(r, stats.failed)
        self.busy.add_metric(r, stats.busy_seconds)
        self.processes.add_metric(r, stats.processes)
        self.stopped.add_metric(r, stats.stopped)
        self.scheduled.add_metric(r, stats.scheduled)
        self.run_queue.add_metric(r, stats.run_queue)
        self.threads.add_metric(r, stats.pool_threads)
        self.backups.add_metric(r, stats.backup_threads_started)
        # Clusters of one name (names a program gives need not be unique) share a series.
        by_name: dict[str, list[ClusterStats]] = {}
        for cluster in stats.clusters:
            by_name.setdefault(cluster.name, []).append(cluster)
        for name, clusters in by_name.items():
            c = [stats.name, name]
            members = sum(len(cluster.members) for cluster in clusters)
            self.cluster_members.add_metric([*c, clusters[0].strategy], members)
            self.queued.add_metric(c, sum(cluster.queued for cluster in clusters))
            self.in_flight.add_metric(c, sum(cluster.in_flight for cluster in clusters))
            if self.members:
                self._add_members(c, clusters)
        handled: dict[str, int] = {}
        for series in stats.latency:
            labels = [stats.name, series.kind, series.cluster or ""]
            _add_histogram(self.wait, labels, series.wait)
            _add_histogram(self.handler, labels, series.handler)
            if series.cluster is not None:
                handled[series.cluster] = handled.get(series.cluster, 0) + series.handler.count
        for name, count in handled.items():
            self.cluster_handled.add_metric([stats.name, name], count)

    def _add_members(self, c: list[str], clusters: list[ClusterStats]) -> None:
        seen: set[str] = set()
        for cluster in clusters:
            for member in cluster.members:
                if member.name in seen:
                    continue
                seen.add(member.name)
                m = [*c, member.name]
                self.member_handled.add_metric(m, member.handled)
                self.member_failed.add_metric(m, member.failed)
                self.member_busy.add_metric(m, member.busy_seconds)
                self.member_queued.add_metric(m, member.queued)
                self.member_restarts.add_metric(m, member.restarts)


def _add_histogram(family: HistogramMetricFamily, labels: list[str], h: Histogram) -> None:
    buckets = [(_le(bound), count) for bound, count in h.cumulative()]
    family.add_metric(labels, buckets, h.sum)


def _le(bound: float) -> str:
    """A bucket's `le` label as Prometheus writes it: ``+Inf``, else the shortest repr."""
    return "+Inf" if bound == float("inf") else repr(bound)
