"""Run the shop's ordering bug on a few seeds: ``python -m examples.shop``."""

from __future__ import annotations

from actorgen.runtime.testing import DeterministicRuntime

from .shop_actors import StockProcess, SupplierProcess, TillProcess


def open_and_sell(seed: int) -> bool:
    """Deliver one apple, then sell one, as two processes do it: True if the sale went
    through. Which process runs first is the seed's choice."""
    with DeterministicRuntime(seed=seed):
        stock = StockProcess.spawn()
        supplier = SupplierProcess.spawn(stock)
        till = TillProcess.spawn(stock)
        supplier.deliver("apple", 1)
        return till.sell("apple").result()


def main() -> None:
    outcomes = {seed: open_and_sell(seed) for seed in range(10)}
    sold = [seed for seed, ok in outcomes.items() if ok]
    unsold = [seed for seed, ok in outcomes.items() if not ok]
    print(f"sold on seeds {sold}; no apple yet on seeds {unsold}")


if __name__ == "__main__":
    main()
