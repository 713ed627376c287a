"""Render a `ModuleSpec` into the text of a generated module: the emitter (`emit`) writes
every piece of it, and one Jinja template lays them out after the header line."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .emit import emit
from .model import ModuleSpec

if TYPE_CHECKING:
    import jinja2

__all__ = ["render"]


def render(module: ModuleSpec) -> str:
    text = _template().render(module=emit(module))
    return text.rstrip("\n") + "\n"


@cache
def _template() -> jinja2.Template:
    # Imported on first use: few runs render anything.
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("actorgen.templates", ""),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails, never prints ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # we emit Python, not HTML
    )
    return environment.get_template("module.py.jinja")
