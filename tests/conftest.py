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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the expected outputs under tests/golden/ from the current generator",
    )
