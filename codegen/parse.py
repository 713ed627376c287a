"""The LibCST pass: from one source file to a `ModuleSpec`, or diagnostics.

`analyze` builds the pass from parts, each passed what it needs, in the order they can
exist:

1. a `Reporter` of diagnostics (positions are resolved only when there is one to place);
2. what the module binds: its import table (`imports`), which `Decorators` are matched
   against, and its scope (`scope`: how the generated module gets each name);
3. the first step, `classes.ClassFinder`, with a `routing.RouteReader`: the async
   classes and their messages, which fixes every name the generated module defines;
4. those names (`names.ModuleNames`: which imports must be aliased), then the second
   step, `processes.ProcessReader`, with a `spelling.Speller` of annotations and defaults,
   a `generics.GenericsReader` and a `signatures.SignatureReader`: the model of each
   class, and the imports its spelled text needs.

`syntax` answers small questions about LibCST trees for all of them.
"""

from __future__ import annotations

import ast

import libcst as cst

from .classes import ClassFinder
from .config import DEFAULT_SUFFIX
from .decorators import Decorators
from .diagnostics import Diagnostic
from .generics import GenericsReader
from .imports import import_table
from .inheritance import module_classes
from .model import ModuleSpec
from .names import ModuleNames
from .processes import ProcessReader
from .reporter import Reporter
from .routing import RouteReader
from .scope import collect_scope
from .signatures import SignatureReader
from .spelling import Speller
from .syntax import all_params

__all__ = ["analyze", "may_define_async_class"]


def may_define_async_class(text: str) -> bool:
    """The cheap check made before parsing: every way to use the decorator names it."""
    return "async_class" in text


def analyze(
    path: str, text: str, source_module: str, output_module: str | None = None
) -> tuple[ModuleSpec | None, list[Diagnostic]]:
    """Parse `text` (the file at `path`) into a model of its async classes; the generated
    module is called `output_module` (by default the file's name with the default suffix).

    Returns ``(None, [])`` when the file has no async class, and ``(None, diagnostics)``
    when anything in it cannot be generated: a file is generated whole or not at all.
    """
    python_error = _python_syntax_error(path, text)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return None, [_syntax_error(path, python_error, error)]
    if output_module is None:
        output_module = _file_name(path).removesuffix(".py") + DEFAULT_SUFFIX
    reporter = Reporter(path, module)
    decorators = Decorators(import_table(module))
    scope = collect_scope(module, source_module)
    finder = ClassFinder(
        reporter,
        decorators,
        RouteReader(reporter, decorators),
        scope,
        module_classes(module),
        source_module,
    )
    drafts = finder.drafts(module)
    generated = finder.check_generated_names(drafts)
    avoid = {
        d.name
        for d in drafts
        if d.init is not None and d.name in {p.name.value for p in all_params(d.init)}
    }
    speller = Speller(
        reporter, scope, ModuleNames(generated, scope.bindings, avoid), source_module, output_module
    )
    generics = GenericsReader(reporter, speller)
    reader = ProcessReader(
        reporter, speller, generics, SignatureReader(reporter, speller, generics, decorators)
    )
    # Even with errors, every class is read, so that all problems of a file are reported
    # at once; a file with errors gets no output anyway.
    processes = [reader.process(draft, generated) for draft in drafts]
    if reporter.diagnostics:
        return None, sorted(set(reporter.diagnostics))
    if not processes:
        return None, []
    spec = ModuleSpec(
        source_name=_file_name(path),
        source_module=source_module,
        processes=tuple(p for p in processes if p is not None),
    )
    return spec, []


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _python_syntax_error(path: str, text: str) -> SyntaxError | None:
    """CPython's own parser, asked before LibCST's: it words syntax errors better, and on
    code nested so deeply that LibCST's native parser would overflow its stack and kill
    the process (LibCST issues 619, 1000), it gives up first, raising RecursionError or
    MemoryError (which the caller turns into a diagnostic). It is some 20 times faster
    than LibCST, and it may reject code that LibCST accepts: newer syntax than this
    Python's, which the generated module may still use."""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return error
    except (ValueError, OverflowError):  # a null byte, a literal too large
        return None
    return None


def _syntax_error(
    path: str, python_error: SyntaxError | None, error: cst.ParserSyntaxError
) -> Diagnostic:
    if python_error is not None:
        line = python_error.lineno or 1
        column = python_error.offset or 1
        return Diagnostic(path, line, column, f"syntax error: {python_error.msg}")
    message = str(error).splitlines()[0]
    return Diagnostic(path, error.editor_line, error.editor_column, f"syntax error: {message}")
