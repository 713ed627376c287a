from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_generator_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the generator's cache (and that of the CLI subprocesses tests start) out of
    the user's ~/.cache."""
    previous = os.environ.get("ACTORGEN_CACHE_DIR")
    os.environ["ACTORGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("actorgen-cache"))
    yield
    if previous is None:
        del os.environ["ACTORGEN_CACHE_DIR"]
    else:
        os.environ["ACTORGEN_CACHE_DIR"] = previous


@pytest.fixture(autouse=True, scope="session")
def _ray_kept_in_the_session() -> Iterator[None]:
    """Every Ray the tests start (the runtime tests' Ray row, the two-node cluster, the
    benchmark smoke test's Ray row) writes an auth token to ``~/.ray`` and its sessions to
    a temporary directory: for the whole session HOME and RAY_TMPDIR point into a
    directory of the session's own (short: Ray's socket paths must stay under ~107
    bytes), removed at its end; and none of them reports usage stats. The free-threaded
    leg's interpreter stays where the machine keeps it (`.ci/freethreaded-python` finds it
    by HOME): it is built once per machine, not once per session."""
    import shutil
    import tempfile

    base = tempfile.mkdtemp(prefix="agray")
    os.makedirs(os.path.join(base, "home"))
    keys = ("HOME", "RAY_TMPDIR", "RAY_USAGE_STATS_ENABLED", "ACTORGEN_PY313T_DIR")
    saved = {key: os.environ.get(key) for key in keys}
    if not os.environ.get("ACTORGEN_PY313T_DIR"):
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        os.environ["ACTORGEN_PY313T_DIR"] = os.path.join(cache, "actorgen-py313t")
    os.environ["HOME"] = os.path.join(base, "home")
    os.environ["RAY_TMPDIR"] = base
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(base, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the expected outputs under tests/golden/ from the current generator",
    )
