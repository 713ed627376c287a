"""The examples run, are up to date with the generator, and type-check."""

from __future__ import annotations

import pytest
from helpers import REPO, run_cli, run_python


def test_the_examples_are_up_to_date_with_the_generator() -> None:
    run = run_cli(REPO / "examples", "--check")
    assert run.code == 0, run.out + run.err


def test_the_inko_worker_example_runs_as_documented() -> None:
    done = run_python("-m", "examples.inko_workers", timeout=60)
    assert "cluster.bar(50) replied" in done.stdout
    assert "Worker-1 handled" in done.stdout and "Worker-2 handled" in done.stdout


def test_the_job_batch_example_runs_and_checks_its_results() -> None:
    if not (REPO / "examples" / "job_batch").exists():
        pytest.skip("no job_batch example")
    run_python("-m", "examples.job_batch", timeout=120)


def test_the_examples_pass_mypy_strict() -> None:
    # As packages of `examples`, so that one example may import another (the demo
    # reuses job_batch's).
    packages = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "__init__.py").exists())
    options = [arg for name in packages for arg in ("-p", f"examples.{name}")]
    run_python("-m", "mypy", "--strict", *options, timeout=300, cwd=REPO)


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in quickstart.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[1] in (REPO / ".ci" / "run").read_text().splitlines()


def test_the_spawn_benchmark_runs_on_a_tiny_count() -> None:
    run_python("bench/spawn_many.py", "--count", "500", timeout=120)


def test_the_sessions_example_reshards_without_losing_a_visit() -> None:
    done = run_python("-m", "examples.sessions", timeout=120)
    assert "60000 visits from 2000 users, 0 lost" in done.stdout


def test_the_shop_example_finds_its_ordering_bug_on_some_seeds() -> None:
    done = run_python("-m", "examples.shop", timeout=60)
    assert "sold on seeds [1, 2, 3, 4, 6, 8]; no apple yet on seeds [0, 5, 7, 9]" in done.stdout


def test_the_crawler_example_fetches_every_page_once() -> None:
    done = run_python("-m", "examples.crawler", timeout=120)
    assert "crawled 200 pages (200 ok)" in done.stdout
    assert "the fetchers fetched 200 pages in all" in done.stdout
    assert all(f"fetcher-{n}:" in done.stdout for n in range(1, 9)), done.stdout


# The tests of docs/testing.md, as written there.


@pytest.mark.parametrize("seed", range(10))
def test_a_delivered_apple_can_be_sold_when_the_sale_waits_for_the_delivery(seed: int) -> None:
    from actorgen.runtime.testing import DeterministicRuntime

    from examples.shop.shop_actors import StockProcess, TillProcess

    with DeterministicRuntime(seed=seed):
        stock = StockProcess.spawn()
        till = TillProcess.spawn(stock)
        delivered = stock.restock("apple", 1)
        assert till.sell_after(delivered, "apple").result()


def test_the_buggy_sale_fails_on_some_seeds_and_the_same_seeds_every_time() -> None:
    from actorgen.runtime.testing import DeterministicRuntime

    from examples.shop.shop_actors import StockProcess, SupplierProcess, TillProcess

    def sold(seed: int) -> bool:
        with DeterministicRuntime(seed=seed):
            stock = StockProcess.spawn()
            supplier = SupplierProcess.spawn(stock)
            till = TillProcess.spawn(stock)
            supplier.deliver("apple", 1)
            return till.sell("apple").result()

    outcomes = [sold(seed) for seed in range(10)]
    assert True in outcomes and False in outcomes
    assert [sold(seed) for seed in range(10)] == outcomes


def test_the_asyncio_benchmark_runs_quickly() -> None:
    run_python("bench/asyncio_cluster.py", "--quick", "--repeats", "1", timeout=120)
