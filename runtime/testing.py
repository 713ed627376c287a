"""Testing async classes: `DeterministicRuntime`, which runs every process on the calling
thread in an order drawn from a seed (see docs/testing.md).

::

    from actorgen.runtime.testing import DeterministicRuntime

    def test_totals_add_up() -> None:
        for seed in range(20):
            with DeterministicRuntime(seed=seed):
                ...   # the same code as with Runtime(); waits run the scheduler
"""

from ._deterministic import DeterministicRuntime as DeterministicRuntime
from ._deterministic import stable_hash as stable_hash

__all__ = ["DeterministicRuntime", "stable_hash"]
