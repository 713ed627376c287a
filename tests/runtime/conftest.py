"""Fixtures of the runtime behaviour tests.

Every test gets its own `Runtime` (entered, so the processes it spawns run on it) and a
list of the `Failure`s its error handler received. Nothing here uses the default
runtime. Teardown drains the runtime, so work a test leaves behind is finished, or the
test fails, instead of leaking into the next test.

The test application (`app/`) is imported as the top-level package `app`: pytest puts
this folder on `sys.path` because it has no `__init__.py`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from actorgen.runtime import Failure, Runtime
from app.journal import Journal

# How long a test waits for something that should happen at once before it fails.
# Only ever an upper bound for failing: no test asserts that something was fast.
PATIENCE = 10.0


@pytest.fixture
def failures() -> list[Failure]:
    """What the runtime's `on_error` handler received, in order."""
    return []


# A deadlocked test must not hang the suite. pytest-timeout's default (signal) method
# interrupts the test once, but the runtime's teardown then waits for the stuck handler
# forever; the thread method dumps every thread's stack (just what a deadlock needs)
# and ends the run instead.
DEADLOCK_TIMEOUT = 60.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(DEADLOCK_TIMEOUT, method="thread"))


@pytest.fixture
def runtime(failures: list[Failure]) -> Iterator[Runtime]:
    """A 4-thread runtime, entered for the test and drained at teardown.

    If the runtime cannot drain (a handler is stuck), teardown fails the test after
    PATIENCE seconds instead of waiting forever.
    """
    rt = Runtime(threads=4, name="test-pool", on_error=failures.append)
    rt.__enter__()
    yield rt
    drainer = threading.Thread(target=rt.shutdown, kwargs={"drain": True, "timeout": PATIENCE})
    drainer.start()
    drainer.join(PATIENCE + 5)
    if drainer.is_alive():
        # Leave the runtime entered: it is stopping, so nothing spawns on it any more.
        pytest.fail(f"{rt!r} did not shut down: a handler is stuck")
    rt.__exit__(None, None, None)


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def gate(runtime: Runtime) -> Iterator[threading.Event]:
    """An event handlers can wait on; opened at teardown (before the runtime drains)
    so that a failing test cannot leave a handler blocked."""
    event = threading.Event()
    yield event
    event.set()


class Waiter:
    """Polls for something that should happen soon; fails the test after PATIENCE s."""

    def __call__(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"gave up waiting until {what}")
            time.sleep(0.001)


@pytest.fixture
def wait_until() -> Waiter:
    """`wait_until(condition, what)`: wait until `condition()` is true, or fail."""
    return Waiter()
