"""Fixtures of the runtime behaviour tests.

Every test gets its own runtime (entered, so the processes it spawns run on it) and a
list of the `Failure`s its error handler received. Nothing here uses the default
runtime. Teardown drains the runtime, so work a test leaves behind is finished, or the
test fails, instead of leaking into the next test.

One behaviour suite, every backend: a test that takes the `runtime` fixture runs once per
backend in `BACKENDS` (``test_x[threads]``, ``test_x[deterministic]``, ``test_x[ray]``). A
test that only makes sense on some backends says which, and why, with
``@only_on("threads", why=...)``.

The Ray row runs against one local Ray for the whole session (`ray_session`: 2 CPUs,
127.0.0.1, no dashboard, no usage stats, its files under the session's temporary
directory, and HOME, where it writes `~/.ray`, too: tests/conftest.py), started by the
first test that needs it. Its processes'
instances live in Ray actors, so what the tests share with handlers must cross processes:
the journal and the gate are then `SharedJournal` and `SharedGate` (a file each).

The test application (`app/`) is imported as the top-level package `app`: pytest puts
this folder on `sys.path` because it has no `__init__.py`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from actorgen.runtime import Failure, Runtime
from actorgen.runtime.testing import DeterministicRuntime
from app.journal import Journal, SharedGate, SharedJournal

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
DEADLOCK_TIMEOUT = float(os.environ.get("ACTORGEN_TEST_DEADLOCK_TIMEOUT", "60"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(
                pytest.mark.timeout(
                    DEADLOCK_TIMEOUT,
                    method=os.environ.get("ACTORGEN_TEST_TIMEOUT_METHOD", "thread"),
                )
            )


# The backends the behaviour suite runs on; the deterministic one with a few seeds.
BACKENDS = ("threads", "deterministic", "ray")
# Ray has no wheels for every interpreter the suite runs on (free-threaded ones).
try:
    import ray  # noqa: F401
except ImportError:
    RAY_MISSING: str | None = "Ray is not installed for this interpreter"
else:
    RAY_MISSING = None


def only_on(*backends: str, why: str) -> pytest.MarkDecorator:
    """Run a test on these backends only; `why` says what makes it backend-specific."""
    unknown = set(backends) - set(BACKENDS)
    assert not unknown and why, f"unknown backends {unknown} or no reason given"
    return pytest.mark.only_on(backends, why)


# Why a test does not run on Ray: its handlers act on the test's own objects (processes,
# clusters, the runtime, an event), and an actor would get copies in another OS process.
IN_PROCESS = "a handler acts on the test's own objects; a Ray actor would get copies"


def in_process(why: str = IN_PROCESS) -> pytest.MarkDecorator:
    """Run a test on the backends whose handlers run in the test's own process."""
    return only_on("threads", "deterministic", why=why)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("only_on")
    backends = marker.args[0] if marker is not None else BACKENDS
    metafunc.parametrize(
        "backend",
        [
            pytest.param(b, marks=pytest.mark.skip(reason=RAY_MISSING))
            if b == "ray" and RAY_MISSING
            else b
            for b in backends
        ],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "only_on(backends, why): run a runtime test on these backends only"
    )


@pytest.fixture(scope="session")
def ray_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One local Ray for every Ray test of the session, shut down at its end. (HOME, where
    `ray.init` writes an auth token, is the session's own: see tests/conftest.py.)"""
    import ray

    base = tmp_path_factory.mktemp("ray")
    # (`ray.init` sets RAY_AUTH_MODE in this process too: put back after.)
    saved = {key: os.environ.get(key) for key in ("RAY_USAGE_STATS_ENABLED", "RAY_AUTH_MODE")}
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    here = str(Path(__file__).parent)  # `app` and the test modules, for the workers
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _temp_dir=str(base / "t"),
        _node_ip_address="127.0.0.1",
        runtime_env={"env_vars": {"PYTHONPATH": path}},
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def make_runtime(backend: str, failures: list[Failure], seed: int = 0) -> Runtime:
    """A fresh runtime of `backend`; typed `Runtime`, whose API every backend offers.
    (A Ray runtime needs `ray_session` to have started Ray.)"""
    if backend == "deterministic":
        runtime: object = DeterministicRuntime(seed, name="test-pool", on_error=failures.append)
    elif backend == "ray":
        from actorgen.runtime.ray import RayRuntime

        runtime = RayRuntime(name="test-pool", on_error=failures.append)
    else:
        runtime = Runtime(threads=4, name="test-pool", on_error=failures.append)
    return runtime  # type: ignore[return-value]


@pytest.fixture
def runtime(
    backend: str, failures: list[Failure], request: pytest.FixtureRequest
) -> Iterator[Runtime]:
    """A runtime of `backend` (a 4-thread pool, the deterministic runtime with seed 0, or
    Ray actors), entered for the test and drained at teardown.

    If the runtime cannot drain (a handler is stuck), teardown fails the test after
    PATIENCE seconds instead of waiting forever.
    """
    if backend == "ray":
        request.getfixturevalue("ray_session")
    rt = make_runtime(backend, failures)
    rt.__enter__()
    yield rt
    if backend == "deterministic":  # it runs on this thread: nothing can be stuck elsewhere
        rt.__exit__(None, None, None)
        return
    drainer = threading.Thread(target=rt.shutdown, kwargs={"drain": True, "timeout": PATIENCE})
    drainer.start()
    drainer.join(PATIENCE + 5)
    if drainer.is_alive():
        # Leave the runtime entered: it is stopping, so nothing spawns on it any more.
        pytest.fail(f"{rt!r} did not shut down: a handler is stuck")
    rt.__exit__(None, None, None)


def _on_ray(request: pytest.FixtureRequest) -> bool:
    return "backend" in request.fixturenames and request.getfixturevalue("backend") == "ray"


@pytest.fixture
def journal(request: pytest.FixtureRequest, tmp_path: Path) -> Journal:
    if _on_ray(request):
        return SharedJournal(str(tmp_path / "journal"))
    return Journal()


CLOSED_GATE = "a handler waits on a closed gate: this test needs the thread runtime"


class _NoBlocking(threading.Event):
    """The `gate` of a deterministic runtime: a handler blocked on it would block the one
    thread that runs everything, so waiting on a closed one fails the test at once.

    The failure is raised inside the handler, where it becomes the handler's error (a
    future's exception, a report to `on_error`) that the test may never look at; so the
    gate remembers it, and fails the test at teardown too."""

    refused = False

    def wait(self, timeout: float | None = None) -> bool:
        if not self.is_set():
            self.refused = True
            pytest.fail(CLOSED_GATE)
        return True


@pytest.fixture
def gate(
    runtime: Runtime, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[threading.Event]:
    """An event handlers can wait on; opened at teardown (before the runtime drains)
    so that a failing test cannot leave a handler blocked."""
    event: threading.Event
    if isinstance(runtime, DeterministicRuntime):
        event = _NoBlocking()
    elif _on_ray(request):
        event = SharedGate(str(tmp_path / "gate"))
    else:
        event = threading.Event()
    yield event
    event.set()
    if isinstance(event, _NoBlocking) and event.refused:
        pytest.fail(CLOSED_GATE)


class WhileBusy(threading.Event):
    """What the deterministic runtime has instead of a gate: an object a handler can wait
    on like an event, whose `wait` runs `fn` and returns at once. ``recorder.hold(
    WhileBusy(fn))`` runs `fn` inside the recorder's handler: `fn` acts while the recorder
    is busy, and a wait in `fn` runs the other processes but never the recorder."""

    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self.fn = fn

    def wait(self, timeout: float | None = None) -> bool:
        self.fn()
        return True


class Waiter:
    """Polls for something that should happen soon; fails the test after PATIENCE s. On
    a runtime whose handlers run only while someone waits, it runs them meanwhile."""

    def __init__(self, runtime: object = None) -> None:
        self.runtime = runtime

    def __call__(self, condition: Callable[[], bool], what: str) -> None:
        if isinstance(self.runtime, DeterministicRuntime):
            if not self.runtime.run_until(condition, PATIENCE, None):
                pytest.fail(f"nothing left to run, and still not {what}")
            return
        deadline = time.monotonic() + PATIENCE
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"gave up waiting until {what}")
            time.sleep(0.001)


@pytest.fixture
def wait_until(runtime: Runtime) -> Waiter:
    """`wait_until(condition, what)`: wait until `condition()` is true, or fail."""
    return Waiter(runtime)
