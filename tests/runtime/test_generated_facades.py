"""The test application's generated modules are current, so the tests run what
`actorgen` produces today (and a template change shows up here as a stale file)."""

from __future__ import annotations

import io
from pathlib import Path

from actorgen.codegen.cli import main

APP = Path(__file__).resolve().parent / "app"


def test_the_generated_facades_of_the_test_app_are_up_to_date() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--check", str(APP)], out=out, err=err)
    assert code == 0, (
        f"run `actorgen tests/runtime/app` to regenerate:\n{out.getvalue()}{err.getvalue()}"
    )
    modules = len(list(APP.glob("*_actors.py")))
    assert modules >= 4
    assert f"{modules} generated" in err.getvalue()
