"""Render a `ModuleSpec` into the text of a generated module, through Jinja templates."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .header import header
from .model import ModuleSpec

if TYPE_CHECKING:
    import jinja2

__all__ = ["render"]


def render(module: ModuleSpec) -> str:
    text = _template().render(module=module, header=header(module.source_name))
    return text.rstrip("\n") + "\n"


def docstring(text: str, indent: int) -> str:
    """`text` as a triple-quoted docstring literal whose later lines are indented."""
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    lines = escaped.splitlines()
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    pad = " " * indent
    body = "\n".join(pad + line if line.strip() else "" for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{pad}"""'


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
    environment.filters["docstring"] = docstring
    return environment.get_template("module.py.jinja")
