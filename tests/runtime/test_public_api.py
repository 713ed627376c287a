"""`actorgen.runtime` exports what users and generated code need, and documents it."""

from __future__ import annotations

import re

import actorgen.runtime
from actorgen.runtime import ActorgenError, ProcessStopped, RuntimeStopped, UsageError

# What DESIGN.md promises, and what generated modules import.
CONTRACT = {
    "ActorgenError",
    "ClusterHandle",
    "Failure",
    "Future",
    "ProcessHandle",
    "ProcessStopped",
    "Runtime",
    "RuntimeStopped",
    "UsageError",
    "assert_never",
    "async_class",
    "cluster_stats",
    "new_process",
    "process_stats",
    "spawn_members",
}


def test_the_runtime_exports_what_the_contract_and_generated_code_need() -> None:
    assert set(actorgen.runtime.__all__) >= CONTRACT


def test_every_exported_name_exists_and_is_documented_in_the_package_docstring() -> None:
    doc = actorgen.runtime.__doc__ or ""
    for name in actorgen.runtime.__all__:
        assert hasattr(actorgen.runtime, name), name
        assert re.search(rf"\b{name}\b", doc), (
            f"{name} is exported but not listed in actorgen.runtime's docstring"
        )


def test_runtime_errors_form_one_hierarchy() -> None:
    assert issubclass(RuntimeStopped, ProcessStopped)
    assert issubclass(ProcessStopped, ActorgenError)
    assert issubclass(UsageError, ActorgenError)
    assert not issubclass(UsageError, ProcessStopped)


def test_async_class_returns_the_class_unchanged() -> None:
    from app.workers import Worker

    assert Worker("w").bar(2) == 2  # still a plain class, usable without any runtime
