# ruff: noqa: RUF001, RUF002 - the tables and plots print typographic signs on purpose
"""Turns `Results` into ``results.md`` (tables and targets), ``results.json`` and PNG plots.

Every figure is the median over the repeats. Ratios are *paired*: for each repeat the
variant's figure is divided by the reference's figure from the same repeat (they ran
moments apart), and the table shows the median of those ratios. It can differ a little
from the ratio of the two medians; it is the one that cancels drift between repeats.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .harness import Measurement, Results, Sizes
from .variants import BASELINE, DEFAULT_CLUSTER, PYKKA
from .workload import WORKERS, lower_bound

__all__ = [
    "Target",
    "Versus",
    "default_cluster",
    "load_results",
    "strategy_comparison",
    "targets",
    "write_report",
]

Pick = Callable[[Iterable[float]], float]


def median(values: Iterable[float]) -> float | None:
    listed = list(values)
    return statistics.median(listed) if listed else None


def paired_ratios(
    results: Results,
    variant: str,
    reference: str | tuple[str, ...],
    phase: str,
    metric: str,
    pick: Pick = max,
) -> list[float]:
    """variant / reference for every repeat that measured both, each pair from that repeat.

    With several reference rows (Pykka's two), the one `pick` chooses in each repeat is
    used: `max` of rates (the faster competitor), `min` of latencies.
    """
    mine = results.values(variant, phase, metric)
    references = (reference,) if isinstance(reference, str) else reference
    theirs = [results.values(key, phase, metric) for key in references]
    ratios = []
    for repeat, value in mine.items():
        candidates = [row[repeat] for row in theirs if repeat in row]
        if candidates:
            ratios.append(value / pick(candidates))
    return ratios


def paired_ratio(
    results: Results,
    variant: str,
    reference: str | tuple[str, ...],
    phase: str,
    metric: str,
    pick: Pick = max,
) -> float | None:
    """The median of `paired_ratios`: what the tables and the targets show."""
    return median(paired_ratios(results, variant, reference, phase, metric, pick))


# -- formatting ------------------------------------------------------------------------------


def fmt_rate(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 1e6:
        return f"{value / 1e6:.2f} M"
    if value >= 1e5:
        return f"{value / 1e3:.0f} k"
    if value >= 1e3:
        return f"{value / 1e3:.1f} k"
    return f"{value:.0f}"


def fmt_ratio(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if value < 0.095:  # a far slower row (Ray): keep two significant digits
        return f"{value:.2g}×"
    return f"{value:.{digits}f}×"


def fmt_num(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "–" if value is None else f"{value:,.{digits}f}{unit}"


def fmt_bytes(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} B"


def table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """A Markdown table; `align` has one letter per column, l or r."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


# -- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One performance goal, with the measured value and whether it is met."""

    name: str
    required: str
    measured: float | None
    shown: str  # the measured value as it is printed
    met: bool | None  # None: not measured

    @property
    def status(self) -> str:
        return "not measured" if self.met is None else "**met**" if self.met else "**not met**"


def _target(
    name: str, measured: float | None, op: str, bound: float, unit: str = "×", extra: str = ""
) -> Target:
    if unit == "×":
        # A bound near 1 (makespan within 2%) needs a third decimal to be read.
        required, shown = f"{op} {bound:g}×", fmt_ratio(measured, 3 if abs(bound - 1) < 0.1 else 2)
    else:
        required, shown = f"{op} {bound:,.0f} {unit}", fmt_num(measured, 0, f" {unit}")
    met = None
    if measured is not None:
        met = (
            measured >= bound if op == "≥" else measured <= bound if op == "≤" else measured < bound
        )
    return Target(name, required, measured, shown + extra, met)


def heap_share(results: Results) -> dict[int, float]:
    """Median runtime heap share per idle process, by process count."""
    by_count: dict[int, list[float]] = {}
    for run in results.spawn:
        if "heap_runtime_share_bytes" in run:
            by_count.setdefault(run["count"], []).append(run["heap_runtime_share_bytes"])
    return {count: statistics.median(values) for count, values in sorted(by_count.items())}


def default_cluster(results: Results) -> str:
    """The cluster row of the default strategy when `results` were measured."""
    if results.default_cluster:
        return results.default_cluster
    # An older results.json: the default strategy's row was the first cluster row.
    keys = [v["key"] for v in results.variants]
    if DEFAULT_CLUSTER in keys:
        return DEFAULT_CLUSTER
    return next((key for key in keys if key.startswith("actorgen-cluster-")), DEFAULT_CLUSTER)


def targets(results: Results) -> list[Target]:
    cluster = default_cluster(results)
    over_bound = median(results.values(cluster, "skew", "over_bound").values())
    shares = heap_share(results)
    worst_share = max(shares.values()) if shares else None
    largest = f" (largest of {', '.join(f'{c:,}' for c in shares)} processes)" if shares else ""

    def of(key: str | tuple[str, ...], phase: str, metric: str) -> float | None:
        keys = (key,) if isinstance(key, str) else key
        medians = [median(results.values(k, phase, metric).values()) for k in keys]
        found = [m for m in medians if m is not None]
        return (max(found) if metric == "rate" else min(found)) if found else None

    def versus(reference: str | tuple[str, ...], phase: str, metric: str) -> str:
        mine, theirs = of(cluster, phase, metric), of(reference, phase, metric)
        if mine is None or theirs is None:
            return ""
        if metric == "rate":
            return f" ({fmt_rate(mine)}/s vs {fmt_rate(theirs)}/s)"
        if metric == "p50_us":
            return f" ({mine:.1f} vs {theirs:.1f} µs)"
        return f" ({mine * 1e3:.1f} vs {theirs * 1e3:.1f} ms; {over_bound or 0:.3f}× the bound)"

    # (goal, reference, phase, metric, rule, bound): one row per ratio target.
    ratio_goals: list[tuple[str, str | tuple[str, ...], str, str, str, float]] = [
        ("cluster tells/s vs the hand-written pattern", BASELINE, "tells", "rate", "≥", 0.9),
        (
            "cluster asks/s (many outstanding) vs hand-written with cf.Future replies",
            BASELINE,
            "asks",
            "rate",
            "≥",
            3,
        ),
        ("cluster ask round trip p50 vs hand-written", BASELINE, "latency", "p50_us", "≤", 1.2),
        ("cluster tells/s vs Pykka (faster of its two rows)", PYKKA, "tells", "rate", "≥", 5),
        ("cluster asks/s vs Pykka (faster of its two rows)", PYKKA, "asks", "rate", "≥", 5),
        (
            "skewed makespan, default strategy, vs the hand-written shared queue",
            BASELINE,
            "skew",
            "makespan",
            "≤",
            1.02,
        ),
    ]
    return [
        *(
            _target(
                goal,
                paired_ratio(results, cluster, reference, phase, metric),
                rule,
                bound,
                extra=versus(reference, phase, metric),
            )
            for goal, reference, phase, metric, rule, bound in ratio_goals
        ),
        _target(
            "Python heap per idle process beyond the user's own object",
            worst_share,
            "<",
            1024,
            unit="B",
            extra=largest,
        ),
    ]


# -- cluster strategies ----------------------------------------------------------------------

CLUSTER_PREFIX = "actorgen-cluster-"

# The figures that decide the default strategy: (phase, metric, name, higher is better,
# tie margin). A strategy is *clearly* better or worse on a figure when the median of its
# paired ratios to the default row is beyond the margin and at least `CLEAR_SHARE` of the
# repeats lean the same way; anything else is a tie.
DECIDING: tuple[tuple[str, str, str, bool, float], ...] = (
    ("tells", "rate", "tells/s", True, 0.05),
    ("asks", "rate", "asks/s", True, 0.05),
    ("skew", "makespan", "skewed makespan", False, 0.02),
)
CLEAR_SHARE = 0.75


@dataclass(frozen=True)
class Versus:
    """One strategy row against the default strategy's row on one figure."""

    figure: str
    ratios: list[float]  # this row / the default row, one per repeat that measured both
    higher_is_better: bool
    margin: float

    @property
    def median(self) -> float | None:
        return median(self.ratios)

    @property
    def outcome(self) -> str:
        """``better``, ``worse``, ``tie`` or ``not measured`` (for this row)."""
        mid = self.median
        if mid is None:
            return "not measured"
        ups = sum(ratio > 1 for ratio in self.ratios) / len(self.ratios)
        downs = sum(ratio < 1 for ratio in self.ratios) / len(self.ratios)
        if mid >= 1 + self.margin and ups >= CLEAR_SHARE:
            return "better" if self.higher_is_better else "worse"
        if mid <= 1 - self.margin and downs >= CLEAR_SHARE:
            return "worse" if self.higher_is_better else "better"
        return "tie"

    def shown(self, digits: int = 2) -> str:
        if self.median is None:
            return "–"
        spread = f"{min(self.ratios):.{digits}f}–{max(self.ratios):.{digits}f}"
        return f"{fmt_ratio(self.median, digits)} ({spread})"


def strategy_rows(results: Results) -> list[dict[str, Any]]:
    """The cluster rows, one per strategy, in row order."""
    return [v for v in results.variants if v["key"].startswith(CLUSTER_PREFIX)]


def strategy_comparison(results: Results, key: str) -> list[Versus]:
    """Row `key` against the default strategy's row on every deciding figure."""
    default = default_cluster(results)
    return [
        Versus(
            name,
            paired_ratios(results, key, default, phase, metric),
            higher,
            margin,
        )
        for phase, metric, name, higher, margin in DECIDING
    ]


def _strategy_name(key: str) -> str:
    return key.removeprefix(CLUSTER_PREFIX).replace("-", "_")


def strategy_verdict(results: Results) -> list[str]:
    """Which strategy the measurements support as the default, and why, as paragraphs."""
    default = default_cluster(results)
    name = _strategy_name(default)
    others = [v["key"] for v in strategy_rows(results) if v["key"] != default]
    measured = results.values(default, "tells", "rate") or results.values(
        default, "skew", "makespan"
    )
    if not others or not measured:
        return ["_Not enough cluster rows measured to compare strategies._"]
    lines = []
    winners: dict[str, list[str]] = {}
    losers: dict[str, list[str]] = {}
    for key in others:
        versus = strategy_comparison(results, key)
        failed = results.failures.get(key, {})
        parts = []
        for (phase, *_), v in zip(DECIDING, versus, strict=True):
            if phase in failed:
                parts.append(f"{v.figure}: **FAILED** ({failed[phase]})")
            else:
                parts.append(f"{v.figure} {v.shown(3 if v.margin < 0.05 else 2)}: {v.outcome}")
        repeated = results.repeated.get(key, {})
        if repeated:
            runs = ", ".join(f"{len(whys)} {phase}" for phase, whys in repeated.items())
            parts.append(f"runs repeated after a runtime failure (see Notes): {runs}")
        lines.append(f"- `{_strategy_name(key)}` ÷ `{name}`: " + "; ".join(parts) + ".")
        winners[key] = [v.figure for v in versus if v.outcome == "better"]
        # A figure a strategy failed counts against it: it is no default as measured.
        losers[key] = [
            v.figure if phase not in failed else f"{v.figure} (failed)"
            for (phase, *_), v in zip(DECIDING, versus, strict=True)
            if v.outcome == "worse" or phase in failed
        ]
    clear = [key for key in others if winners[key] and not losers[key]]
    mixed = [key for key in others if winners[key] and losers[key]]
    if clear:
        who = ", ".join(f"`{_strategy_name(k)}` (on {', '.join(winners[k])})" for k in clear)
        verdict = (
            f"**{who} clearly beat{'s' if len(clear) == 1 else ''} `{name}` and lose"
            f"{'s' if len(clear) == 1 else ''} on nothing.** By the rule below `{name}` should "
            "not stay the default; the runtime still uses it until its owner changes the "
            "default in `runtime/_cluster.py` (this report never does)."
        )
    elif mixed:
        who = "; ".join(
            f"`{_strategy_name(k)}` is better on {', '.join(winners[k])} and worse on "
            f"{', '.join(losers[k])}"
            for k in mixed
        )
        verdict = (
            f"**Mixed: {who}.** `{name}` stays the default until the runtime's owner weighs "
            "the trade-off; no strategy wins on every figure."
        )
    else:
        differ = any(losers.values())
        verdict = (
            f"**`{name}` stays the default:** no other strategy is clearly better on any of "
            f"{', '.join(figure for _, _, figure, _, _ in DECIDING)}"
            + (
                f"; where they differ clearly, `{name}` is the better one."
                if differ
                else "; they tie on every one."
            )
        )
    rule = (
        f"The rule: `{name}` stays the default only if it wins or ties on every deciding "
        "figure. Clearly better or worse means the median of the paired ratios is beyond "
        + ", ".join(f"±{margin:.0%} ({figure})" for _, _, figure, _, margin in DECIDING)
        + f" and at least {CLEAR_SHARE:.0%} of the repeats lean the same way; anything else is "
        "a tie."
    )
    return [verdict, "", *lines, "", rule]


def _over(results: Results, key: str) -> float | None:
    return median(results.values(key, "skew", "over_bound").values())


def _strategies(results: Results) -> list[str]:
    default = default_cluster(results)
    rows = []
    for v in strategy_rows(results):
        key = v["key"]
        if v["skipped"] is not None:
            rows.append([v["label"], f"skipped: {v['skipped']}", "", "", "", ""])
            continue
        if key == default:
            rows.append([v["label"], *(["reference"] * 4), fmt_ratio(_over(results, key), 3)])
            continue
        failed = results.failures.get(key, {})
        versus = strategy_comparison(results, key)
        cells = [
            "**FAILED**" if phase in failed else figure.shown(3 if phase == "skew" else 2)
            for (phase, *_), figure in zip(DECIDING, versus, strict=True)
        ]
        p50 = paired_ratios(results, key, default, "latency", "p50_us", min)
        p50_cell = Versus("p50", p50, False, 0).shown() if "latency" not in failed else "**FAILED**"
        over = _over(results, key)
        rows.append([v["label"], cells[0], cells[1], p50_cell, cells[2], fmt_ratio(over, 3)])
    header = [
        "Strategy",
        "tells/s ÷ default",
        "asks/s ÷ default",
        "ask p50 ÷ default",
        "makespan ÷ default",
        "makespan ÷ bound",
    ]
    return table(header, rows, "lrrrrr")


# -- the Markdown ----------------------------------------------------------------------------


def _labels(results: Results) -> dict[str, str]:
    return {v["key"]: v["label"] for v in results.variants}


def _rows_for(results: Results, phase: str) -> list[dict[str, Any]]:
    """The variants a phase table lists: measured, failed or skipped (in row order)."""
    return [v for v in results.variants if phase in v["phases"]]


def _status(results: Results, key: str, phase: str, skipped: str | None) -> str | None:
    if skipped is not None:
        return f"skipped: {skipped}"
    failure = results.failures.get(key, {}).get(phase)
    if failure is not None:
        return f"**FAILED verification, not reported**: {failure}"
    if not results.values(key, phase, _METRIC[phase]):
        return "not measured"
    return None


_METRIC = {"tells": "rate", "asks": "rate", "latency": "p50_us", "skew": "makespan"}


def _throughput(results: Results, phase: str) -> list[str]:
    rows = []
    for v in _rows_for(results, phase):
        key = v["key"]
        status = _status(results, key, phase, v["skipped"])
        if status is not None:
            rows.append([v["label"], status, "", "", "", ""])
            continue
        values = list(results.values(key, phase, "rate").values())
        rows.append(
            [
                v["label"],
                fmt_rate(median(values)),
                f"{fmt_rate(min(values))} – {fmt_rate(max(values))}",
                fmt_ratio(paired_ratio(results, key, BASELINE, phase, "rate")),
                fmt_ratio(paired_ratio(results, key, PYKKA, phase, "rate")),
                f"{results.messages(key, phase):,}",
            ]
        )
    baseline = "× hand-written" + (" (cf.Future)" if phase == "asks" else "")
    header = ["Variant", "messages/s", "min – max", baseline, "× Pykka", "per run"]
    return table(header, rows, "lrrrrr")


def _latency(results: Results) -> list[str]:
    rows = []
    for v in _rows_for(results, "latency"):
        key = v["key"]
        status = _status(results, key, "latency", v["skipped"])
        if status is not None:
            rows.append([v["label"], status, "", "", "", ""])
            continue
        rows.append(
            [
                v["label"],
                fmt_num(median(results.values(key, "latency", "p50_us").values()), 1),
                fmt_num(median(results.values(key, "latency", "p99_us").values()), 1),
                fmt_ratio(paired_ratio(results, key, BASELINE, "latency", "p50_us", min)),
                fmt_ratio(paired_ratio(results, key, BASELINE, "latency", "p99_us", min)),
                f"{results.messages(key, 'latency'):,}",
            ]
        )
    header = ["Variant", "p50 µs", "p99 µs", "p50 × hand-written", "p99 × hand-written", "asks"]
    return table(header, rows, "lrrrrr")


def _skew(results: Results) -> list[str]:
    rows = []
    for v in _rows_for(results, "skew"):
        key = v["key"]
        status = _status(results, key, "skew", v["skipped"])
        if status is not None:
            rows.append([v["label"], status, "", "", ""])
            continue
        makespans = list(results.values(key, "skew", "makespan").values())
        rows.append(
            [
                v["label"],
                fmt_num(statistics.median(makespans) * 1e3, 1),
                fmt_ratio(median(results.values(key, "skew", "over_bound").values()), 3),
                fmt_ratio(paired_ratio(results, key, BASELINE, "skew", "makespan", min), 3),
                fmt_num(median(results.values(key, "skew", "sleep_overshoot_us").values()), 0),
            ]
        )
    header = ["Variant", "makespan ms", "÷ lower bound", "÷ hand-written", "sleep overshoot µs/job"]
    return table(header, rows, "lrrrr")


def _spawn(results: Results) -> list[str]:
    by_count: dict[int, list[dict[str, Any]]] = {}
    for run in results.spawn:
        by_count.setdefault(run["count"], []).append(run)

    def med(runs: list[dict[str, Any]], name: str) -> float | None:
        return median(run[name] for run in runs if run.get(name) is not None)

    rows = []
    for count, runs in sorted(by_count.items()):
        threads = med(runs, "threads_idle")
        rows.append(
            [
                f"{count:,}",
                str(len(runs)),
                fmt_rate(med(runs, "spawn_per_second")),
                fmt_bytes(med(runs, "heap_runtime_share_bytes")),
                fmt_bytes(med(runs, "heap_bare_object_bytes")),
                fmt_bytes(med(runs, "heap_after_one_ask_bytes")),
                fmt_bytes(med(runs, "rss_per_process_bytes")),
                fmt_rate(med(runs, "ask_replied_per_second")),
                "–" if threads is None else f"{threads:.0f}",
            ]
        )
    header = [
        "Processes",
        "runs",
        "spawned/s",
        "heap/process: runtime",
        "user's object",
        "after one ask",
        "RSS/process",
        "one ask each, /s",
        "OS threads idle",
    ]
    return table(header, rows, "rrrrrrrrr")


def _stats_cost(results: Results) -> list[str]:
    """The figures of `stats_cost.py --json`: what reading the stats costs."""
    data = results.stats_cost
    if data is None:
        return [f"_{results.stats_cost_note or 'not measured'}_"]
    lost = data.get("lost_per_poll_us")
    rows = [
        [
            f"cluster tells/s polled every {data['interval_s'] * 1e3:g} ms ÷ not polled "
            f"({data['strategy']}, {WORKERS} members, {data['tells']:,} tells per run)",
            f"{data['polled_over_plain']:.3f}×",
            f"{data['polled_over_plain_min']:.3f}× – {data['polled_over_plain_max']:.3f}×",
        ],
        [
            "CPU time per tell (every thread, the poller's too), polled ÷ not polled",
            f"{data['cpu_polled_over_plain']:.3f}×",
            f"{data['cpu_polled_over_plain_min']:.3f}× – {data['cpu_polled_over_plain_max']:.3f}×",
        ]
        if "cpu_polled_over_plain" in data
        else ["CPU time per tell, polled ÷ not polled", "not measured", ""],
        [
            "polls the thread really made while the cluster was busy, per second",
            f"{data['polls_per_second']:,.0f}",
            "",
        ],
        [
            "workload time lost per poll ÷ one idle runtime_stats() + cluster_stats()",
            "–"
            if lost is None
            else f"{lost / (data['runtime_stats_us'] + data['cluster_stats_us']):.2f}×"
            if lost > 0
            else "none: the polled runs were not slower",
            "",
        ],
        [
            f"one runtime_stats(), {data['clusters']} clusters × {data['members']} members, "
            "in cluster tells (sent and handled)",
            f"{data['runtime_stats_in_tells']:,.0f} tells",
            f"{data['runtime_stats_us']:,.0f} µs",
        ],
        [
            f"one cluster_stats() of {data['members']} members, in cluster tells",
            f"{data['cluster_stats_in_tells']:,.1f} tells",
            f"{data['cluster_stats_us']:,.1f} µs",
        ],
    ]
    return table(["Figure", f"median of {data['repeats']}", "spread / absolute"], rows, "lrr")


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            pairs.extend(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        pairs = []
        for index, item in enumerate(value):
            name = item.get("name", item.get("label", index)) if isinstance(item, dict) else index
            pairs.extend(_flatten(item, f"{prefix}[{name}]"))
        return pairs
    if isinstance(value, float):
        return [(prefix, f"{value:,.4g}")]
    return [(prefix, json.dumps(value) if not isinstance(value, str) else value)]


def _generator(results: Results) -> list[str]:
    """Whatever `generator_speed.py --json` printed, as a table of (flattened) fields."""
    if results.generator is None:
        return [f"_{results.generator_note or 'not measured'}_"]
    data = results.generator
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        columns = list(dict.fromkeys(key for row in data for key in row))
        if len(columns) > 6 >= len(data):
            # Few rows of many fields (one per tree): one column per row reads better.
            names = [_cell(next(iter(row.values()), index)) for index, row in enumerate(data)]
            header = ["", *names]
            rows = [[column, *(_cell(row.get(column)) for row in data)] for column in columns[1:]]
            return table(header, rows, "l" + "r" * len(data))
        rows = [[_cell(row.get(column)) for column in columns] for row in data]
        return table(columns, rows, "l" + "r" * (len(columns) - 1))
    rows = [[name, shown] for name, shown in _flatten(data)]
    return table(["Field", "Value"], rows, "lr")


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value) if not isinstance(value, (dict, list)) else json.dumps(value)


def markdown(results: Results, plots: list[str], command: str) -> str:
    sizes = results.sizes
    default = _strategy_name(default_cluster(results))
    env = results.environment
    durations = results.durations
    lines = [
        "# Benchmark results: actorgen side by side with the usual ways",
        "",
        f"Written by `{command}` on {env.get('date', '?')}. Every figure is the median of "
        f"{sizes.repeats} repeats; in each repeat every variant runs once per figure, back to "
        "back, in an order that rotates from repeat to repeat. Ratios are medians of "
        "per-repeat ratios (see `bench/README.md`). Rates are machine-dependent; the ratios "
        "are the result.",
        "",
        "## Machine",
        "",
        *table(["", ""], [[k, v] for k, v in env.items() if k != "command"], "ll"),
        "",
        "## Targets",
        "",
        *table(
            ["Target", "required", "measured", ""],
            [[t.name, t.required, t.shown, t.status] for t in targets(results)],
            "lrrl",
        ),
        "",
        "The baseline of every ratio is the hand-written pattern (one `queue.SimpleQueue`, "
        f"frozen dataclass messages, {WORKERS} threads looping `match q.get()`); for asks, "
        "with a `concurrent.futures.Future` in each ask. The actorgen row compared is the "
        f"cluster with the runtime's default strategy, `{default}`.",
        "",
        f"## Tells: `foo(a)`, {sizes.tells:,} per run, until all are handled",
        "",
        "Sent as fast as the sender can, timed from the first send until the variant knows "
        "every one was handled. Higher is better.",
        "",
        *_throughput(results, "tells"),
        "",
        f"## Asks: `bar(b) -> int`, {sizes.asks:,} outstanding at once, until every reply is in",
        "",
        "All asks are sent before the first reply is collected. Higher is better.",
        "",
        *_throughput(results, "asks"),
        "",
        f"## Ask round trip, one at a time ({sizes.latency:,} per run)",
        "",
        "Send one ask, wait for its reply, repeat: the time of each round trip. Lower is "
        "better; a thread wake-up on each side is the floor for every thread-based design.",
        "",
        *_latency(results),
        "",
        f"## Skewed jobs: {len(durations)} jobs of `time.sleep(d)` on {WORKERS} workers",
        "",
    ]
    if durations:
        bound = lower_bound(durations)
        lines += [
            f"Durations from a seeded Pareto(α = 1.5) distribution: shortest "
            f"{min(durations) * 1e3:.2f} ms, median {statistics.median(durations) * 1e3:.2f} ms, "
            f"mean {statistics.mean(durations) * 1e3:.2f} ms, longest "
            f"{max(durations) * 1e3:.1f} ms; Σd = {sum(durations):.3f} s. All sent at once, "
            "timed until the last one is done. Lower bound max(Σd / "
            f"{WORKERS}, max d) = {bound * 1e3:.1f} ms; greedy first-come scheduling cannot "
            "reach it, and `time.sleep` overshoots each job a little (last column), which "
            "the bound does not include. Sending round-robin fixes each job's worker in "
            "advance, so a long job delays everything queued behind it.",
            "",
        ]
    lines += [
        *_skew(results),
        "",
        "## Cluster strategies: work stealing vs the shared queue",
        "",
        "The actorgen cluster rows of the tables above, each divided by the default "
        f"strategy's row (`{default}`) from the same repeat: the median of the paired "
        "ratios, with the lowest and highest repeat in brackets. `balanced`: one shared "
        "queue, the next free member takes the next message. `work_stealing`: a queue per "
        "member, filled in turn; a member with nothing to do takes the oldest waiting message "
        "of another. `round_robin`: members in turn, no balancing at all, the reference for "
        "what balancing buys on the skewed jobs. Higher is better for tells/s and asks/s, "
        "lower for the round trip and the makespan.",
        "",
        *_strategies(results),
        "",
        *strategy_verdict(results),
        "",
        "## Processes: spawn rate and heap per idle process (`bench/spawn_many.py`)",
        "",
        "Spawning processes of a tiny async class on an explicit runtime (timing without "
        "tracemalloc), then the Python heap per idle process with tracemalloc: the runtime's "
        "share is the heap per process minus the user's bare object.",
        "",
        *(_spawn(results) if results.spawn else []),
        *([f"_spawn_many.py failed: {results.spawn_error}_"] if results.spawn_error else []),
        *([] if results.spawn or results.spawn_error else ["_not measured_"]),
        "",
        "## Stats cost (`bench/stats_cost.py`)",
        "",
        "The per-message counters are always on; what costs is reading them. Each repeat "
        "runs the cluster tells phase once plain and once while a thread calls "
        "`runtime_stats()` and `cluster_stats()` every millisecond (which of the two goes "
        "first alternates), then times single calls on an idle runtime. A call is also "
        "given in cluster tells: the time of one tell of that repeat's plain run.",
        "",
        *_stats_cost(results),
        "",
        "## Generator speed (`bench/generator_speed.py --json`)",
        "",
        *_generator(results),
        "",
    ]
    notes = [
        *(
            f"{_labels(results)[key]}: {phase} failed verification or raised: {why}"
            for key, phases in results.failures.items()
            for phase, why in phases.items()
        ),
        *(
            f"{_labels(results)[key]}: {len(whys)} {phase} run(s) were run again after {whys[0]}"
            for key, phases in results.repeated.items()
            for phase, whys in phases.items()
        ),
        *results.warnings,
        *(
            f"{v['label']}: skipped, {v['skipped']}"
            for v in results.variants
            if v["skipped"] is not None
        ),
    ]
    if notes:
        lines += ["## Notes", "", *(f"- {note}" for note in notes), ""]
    if plots:
        lines += ["## Plots", "", *(f"![{name}]({name})" for name in plots), ""]
    return "\n".join(lines).rstrip() + "\n"


# -- plots -----------------------------------------------------------------------------------

_ACTORGEN = "#1f77b4"
_BASELINE = "#555555"
_HANDWRITTEN = "#9a9a9a"
_OTHER = "#b8c4d6"
_TARGET = "#d62728"


def _color(key: str) -> str:
    if key.startswith("actorgen"):
        return _ACTORGEN
    if key == BASELINE:
        return _BASELINE
    if key.startswith("handwritten"):
        return _HANDWRITTEN
    return _OTHER


def _wrap(label: str) -> str:
    return "\n".join(textwrap.wrap(label, 34, break_on_hyphens=False))


def plots(results: Results, out: Path) -> list[str]:
    """Write the PNGs; returns their file names (none if matplotlib is missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        results.warnings.append("matplotlib is not installed: no plots")
        return []
    written = []
    labels = _labels(results)

    def measured(phase: str, metric: str) -> list[tuple[str, list[float]]]:
        rows = []
        for v in results.variants:
            values = list(results.values(v["key"], phase, metric).values())
            if values:
                rows.append((v["key"], values))
        return rows

    def relative(phase: str, metric: str) -> list[tuple[str, list[float]]]:
        """Paired ratios to the baseline, per row: what the tables and targets show."""
        rows = []
        for v in results.variants:
            ratios = paired_ratios(results, v["key"], BASELINE, phase, metric)
            if ratios:
                rows.append((v["key"], ratios))
        return rows

    def absolute(phase: str, metric: str, fmt: Callable[[float], str]) -> dict[str, str]:
        notes = {}
        for v in results.variants:
            value = median(results.values(v["key"], phase, metric).values())
            if value is not None:
                notes[v["key"]] = f"  ({fmt(value)})"
        return notes

    def bars(
        ax: Any,
        rows: list[tuple[str, list[float]]],
        fmt: Callable[[float], str],
        tick: Callable[[float], str] | None = None,
        dots_from: float | None = None,
        notes: dict[str, str] | None = None,
    ) -> None:
        """Medians as bars (or as dots, on an axis starting at `dots_from`), min–max whiskers."""
        rows = rows[::-1]  # barh draws bottom-up: keep the table's order top-down
        names = [_wrap(labels[key]) for key, _ in rows]
        meds = [statistics.median(values) for _, values in rows]
        lows = [m - min(values) for m, (_, values) in zip(meds, rows, strict=True)]
        highs = [max(values) - m for m, (_, values) in zip(meds, rows, strict=True)]
        colors = [_color(key) for key, _ in rows]
        right = max((max(values) for _, values in rows), default=1.0)
        left = 0.0 if dots_from is None else dots_from
        if dots_from is None:
            ax.barh(names, meds, xerr=[lows, highs], color=colors, capsize=3)
        else:
            ax.set_yticks(range(len(names)), names)
            for y, (value, low, high, color) in enumerate(
                zip(meds, lows, highs, colors, strict=True)
            ):
                ax.errorbar(
                    value, y, xerr=[[low], [high]], fmt="o", color=color, markersize=8, capsize=3
                )
            ax.set_ylim(-0.6, len(names) - 0.4)
        span = right - left
        for y, (value, (key, values)) in enumerate(zip(meds, rows, strict=True)):
            text = fmt(value) + (notes or {}).get(key, "")
            ax.text(max(values) + span * 0.02, y, text, va="center", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlim(left, left + span * 1.35)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: (tick or fmt)(x)))

    def legend(ax: Any) -> None:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)

    def target_lines(ax: Any, base: float, factor: float, what: str) -> None:
        ax.axvline(base, color=_BASELINE, linestyle="--", linewidth=1, label="hand-written")
        ax.axvline(base * factor, color=_TARGET, linestyle=":", linewidth=1.5, label=what)
        legend(ax)

    def ratio(value: float) -> str:
        return f"{value:.2f}×" if value >= 0.095 else f"{value:.2g}×"

    def axis_ratio(value: float) -> str:
        return f"{value:.4g}×"

    def per_second(value: float) -> str:
        return f"{fmt_rate(value)}/s"

    def micros(value: float) -> str:
        return f"{value:.1f} µs"

    repeats = results.sizes.repeats
    paired = "median of per-repeat ratios; whiskers: min–max"

    # Throughput, relative to the hand-written pattern
    tells, asks = relative("tells", "rate"), relative("asks", "rate")
    if tells or asks:
        fig, axes = plt.subplots(1, 2, figsize=(14, 0.55 * max(len(tells), len(asks), 4) + 1.5))
        for ax, rows, phase, factor, title in (
            (axes[0], tells, "tells", 0.9, "Tells: foo(a)"),
            (axes[1], asks, "asks", 3.0, "Asks: bar(b) -> int, many outstanding"),
        ):
            bars(ax, rows, ratio, axis_ratio, notes=absolute(phase, "rate", per_second))
            target_lines(ax, 1.0, factor, f"actorgen target: {factor:g}× hand-written")
            ax.set_title(f"{title}: messages/s × hand-written (higher is better)", fontsize=10)
        fig.suptitle(
            f"Throughput of {WORKERS} workers relative to the hand-written pattern "
            f"({paired}; {repeats} repeats). In brackets: median messages/s"
        )
        fig.tight_layout()
        fig.savefig(out / "throughput.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append("throughput.png")

    # Latency, relative to the hand-written pattern
    p50, p99 = relative("latency", "p50_us"), relative("latency", "p99_us")
    if p50:
        fig, axes = plt.subplots(1, 2, figsize=(14, 0.55 * max(len(p50), 4) + 1.5), sharey=True)
        bars(axes[0], p50, ratio, axis_ratio, notes=absolute("latency", "p50_us", micros))
        target_lines(axes[0], 1.0, 1.2, "actorgen target: 1.2× hand-written")
        axes[0].set_title("p50 × hand-written (lower is better)", fontsize=10)
        bars(axes[1], p99, ratio, axis_ratio, notes=absolute("latency", "p99_us", micros))
        axes[1].axvline(1.0, color=_BASELINE, linestyle="--", linewidth=1)
        axes[1].set_title("p99 × hand-written", fontsize=10)
        fig.suptitle(
            f"Ask round trip, one at a time, relative to the hand-written pattern ({paired}; "
            f"{repeats} repeats). In brackets: median µs"
        )
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append("latency.png")

    # Makespan
    over = measured("skew", "over_bound")
    if over:
        fig, ax = plt.subplots(figsize=(10, 0.55 * max(len(over), 4) + 1.5))
        low = min(min(values) for _, values in over)
        bars(ax, over, lambda v: f"{v:.3f}×", lambda v: f"{v:.4g}×", min(0.98, low - 0.02))
        ax.axvline(1.0, color="black", linewidth=1, label="lower bound max(Σd/4, max d)")
        base = median(results.values(BASELINE, "skew", "over_bound").values())
        if base is not None:
            target_lines(ax, base, 1.02, "actorgen target: 1.02× hand-written")
        else:
            legend(ax)
        ax.set_title(
            f"Skewed jobs: makespan ÷ lower bound ({len(results.durations)} jobs, lower is better)",
            fontsize=10,
        )
        fig.tight_layout()
        fig.savefig(out / "makespan.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append("makespan.png")

    # Spawn and memory
    if results.spawn:
        counts = sorted({run["count"] for run in results.spawn})

        def series(name: str) -> list[float]:
            return [
                statistics.median(
                    r[name] for r in results.spawn if r["count"] == c and r.get(name) is not None
                )
                for c in counts
            ]

        fig, axes = plt.subplots(1, 2, figsize=(12, 4))
        axes[0].plot(counts, series("spawn_per_second"), marker="o", color=_ACTORGEN)
        axes[0].set_title("Processes spawned per second", fontsize=10)
        axes[0].set_ylim(bottom=0)
        axes[0].yaxis.set_major_formatter(FuncFormatter(lambda y, _: fmt_rate(y)))
        if all("heap_runtime_share_bytes" in r for r in results.spawn):
            axes[1].plot(
                counts,
                series("heap_runtime_share_bytes"),
                marker="o",
                color=_ACTORGEN,
                label="runtime's share per idle process",
            )
            axes[1].plot(
                counts,
                series("heap_bare_object_bytes"),
                marker="s",
                color=_OTHER,
                label="the user's object",
            )
            axes[1].axhline(1024, color=_TARGET, linestyle=":", label="target: < 1 KB")
            axes[1].set_ylim(0, 1200)
            axes[1].legend(fontsize=8)
        axes[1].set_title("Python heap per idle process, bytes", fontsize=10)
        for ax in axes:
            ax.set_xscale("log")
            ax.minorticks_off()
            ax.set_xticks(counts, [f"{c:,}" for c in counts])
            ax.set_xlabel("processes")
            ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / "spawn.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append("spawn.png")
    return written


def load_results(path: Path) -> Results:
    """Read back a results.json written by `write_report`."""
    data = json.loads(path.read_text())
    data["sizes"] = Sizes(**{**data["sizes"], "spawn_counts": tuple(data["sizes"]["spawn_counts"])})
    data["measurements"] = [Measurement(**m) for m in data["measurements"]]
    return Results(**data)


def write_report(results: Results, out: Path, command: str) -> Path:
    """Write results.md, results.json and the plots into `out`; return results.md's path."""
    out.mkdir(parents=True, exist_ok=True)
    written = plots(results, out)
    (out / "results.json").write_text(json.dumps(dataclasses.asdict(results), indent=1) + "\n")
    path = out / "results.md"
    # The sections other scripts write (bench/freethreaded.py, bench/ray_backend.py,
    # bench/asyncio_cluster.py's results) come last and are kept as they were.
    kept = ""
    if path.exists():
        previous = path.read_text()
        starts = [previous.find(mark) for mark in KEPT if mark in previous]
        if starts:
            kept = "\n" + previous[min(starts) :]
    path.write_text(markdown(results, written, command) + kept)
    return path


FREE_THREADED = "<!-- free-threaded: begin"
RAY_BACKEND = "<!-- ray-backend: begin"
ASYNCIO_CLUSTER = "<!-- asyncio-cluster: begin"
KEPT = (FREE_THREADED, RAY_BACKEND, ASYNCIO_CLUSTER)

