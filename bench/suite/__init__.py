"""The comparison suite behind ``bench/run.py``: actorgen against the usual ways.

One concept per module:

- `workload`: the work every variant does (4 stateful workers, `foo`/`bar`/`job`), the
  seeded skewed job durations, and what the totals must add up to;
- `worker` (with its generated `worker_actors`): actorgen's side of the workload;
- `variants`: one module per way of doing the work, all behind the `Variant` interface;
- `harness`: the interleaved repeats, timing and verification;
- `report`: the Markdown table, the targets and the PNG plots.

``bench/`` is not a package: running ``python bench/run.py`` puts ``bench/`` on
``sys.path``, which makes this one importable as ``suite``.
"""
