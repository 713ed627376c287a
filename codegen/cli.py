"""``actorgen PATH...``: generate (or check) the facades of every async class found.

Exit codes: 0 all good; 1 diagnostics, a file that could not be written, or stale output
under ``--check``/``--diff``; 2 the command line or the configuration is wrong.
See docs/cli.md for every flag and setting.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .cache import Cache
from .config import ConfigError, UnreadableConfig, check_overrides, load_config
from .pipeline import Plan, plan
from .terminal import Printer, Summary
from .watch import Event, WatchUnavailable
from .write import unified_diff, write_atomic

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actorgen",
        description="Generate typed process and cluster facades for @async_class classes.",
        epilog="Settings also come from [tool.actorgen] in pyproject.toml; see docs/cli.md.",
    )
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="files or folders to scan"
    )
    mode = parser.add_argument_group("mode (default: write what changed)")
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list stale, missing and extra generated files and exit 1 if any",
    )
    mode.add_argument(
        "--diff", action="store_true", help="like --check, and print a diff of each change"
    )
    mode.add_argument(
        "--watch",
        action="store_true",
        help="generate, then regenerate whenever a file changes (Ctrl-C stops)",
    )
    settings = parser.add_argument_group("settings (override [tool.actorgen])")
    settings.add_argument(
        "--suffix", help="output module suffix (default from [tool.actorgen], else _actors)"
    )
    settings.add_argument(
        "--include",
        action="append",
        metavar="GLOB",
        help="scan only files matching GLOB (repeatable; replaces the configured include)",
    )
    settings.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files and folders matching GLOB (repeatable; adds to the configured exclude)",
    )
    run = parser.add_argument_group("running")
    run.add_argument("--no-cache", action="store_true", help="analyse every candidate file afresh")
    run.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="analyse in at most N processes (default: one per CPU, when worth it)",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="print only diagnostics and errors")
    run.add_argument("--version", action=_Version, help="print actorgen's version and exit")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 up, not {text!r}")
    return value


class _Version(argparse.Action):
    """``--version``, looked up only when asked for (importlib.metadata is slow to load)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help")))

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("actorgen")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            found = "unknown"
        print(f"actorgen {found}")
        parser.exit()


@dataclass
class _Options:
    paths: list[Path]
    suffix: str | None
    include: tuple[str, ...] | None
    exclude: tuple[str, ...]
    jobs: int | None
    check: bool
    diff: bool
    cache: Cache | None


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    stop: Event | None = None,
) -> int:
    """Run the command; `stop` (anything with ``is_set()``) ends ``--watch``."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    args = parser.parse_args(argv)
    printer = Printer(out, err, quiet=args.quiet)
    missing = [str(p) for p in args.paths if _missing(p)]
    if missing:
        parser.print_usage(err)
        printer.error(f"no such file or folder: {', '.join(missing)}")
        return 2
    if args.watch and (args.check or args.diff):
        parser.print_usage(err)
        printer.error("--watch writes files: it cannot be combined with --check or --diff")
        return 2
    try:
        for path in args.paths:
            # A bad pyproject.toml is a usage error, before anything runs; one that cannot
            # be read is a diagnostic of that path, which the run reports.
            with contextlib.suppress(UnreadableConfig):
                load_config(path)
        suffix, include, exclude = check_overrides(args.suffix, args.include, args.exclude)
        cache = None if args.no_cache else Cache.for_project(_project(args.paths[0]))
    except ConfigError as error:
        printer.error(str(error))
        return 2
    options = _Options(
        list(args.paths), suffix, include, exclude, args.jobs, args.check, args.diff, cache
    )
    try:
        if args.watch:
            return _watch(options, printer, stop)
        return _run(options, printer).code
    except KeyboardInterrupt:
        printer.error("interrupted")
        return 130


def _missing(path: Path) -> bool:
    """Whether `path` does not exist; one that cannot be looked at exists (the run
    reports it as unreadable)."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _project(path: Path) -> Path:
    """The folder whose cache a run uses: its pyproject's, else the path's own."""
    with contextlib.suppress(UnreadableConfig):
        config = load_config(path)
        if config.source is not None:
            return config.source.parent
    resolved = path.resolve()
    with contextlib.suppress(OSError):
        if resolved.is_dir():
            return resolved
    return resolved.parent


@dataclass
class _Run:
    code: int
    written: dict[Path, str | None] = field(default_factory=dict)  # None: removed


def _run(options: _Options, printer: Printer) -> _Run:
    """One pass: plan, then write or check; prints the report."""
    started = time.perf_counter()
    try:
        result = plan(
            options.paths,
            options.suffix,
            include=options.include,
            exclude=options.exclude,
            cache=options.cache,
            jobs=options.jobs,
        )
    except ConfigError as error:
        printer.error(str(error))
        return _Run(2)
    for diagnostic in result.diagnostics:
        printer.diagnostic(diagnostic)
    summary = Summary(
        scanned=result.scanned,
        generated=len(result.outputs),
        errors=len(result.diagnostics),
        seconds=0.0,
    )
    run = _Run(0)
    if options.check or options.diff:
        summary.out_of_date = _check(result, options.diff, printer)
    else:
        _write(result, printer, summary, run)
    summary.seconds = time.perf_counter() - started
    printer.summary(summary)
    run.code = 1 if summary.errors or summary.out_of_date else 0
    return run


def _check(result: Plan, show_diff: bool, printer: Printer) -> int:
    changed = 0
    for output in result.outputs:
        old = _read(output.target)
        if old == output.text:
            continue
        changed += 1
        printer.out_of_date("missing" if old is None else "stale", output.target)
        if show_diff:
            printer.diff(unified_diff(output.target, old or "", output.text))
    for path in result.extra:
        changed += 1
        printer.out_of_date("extra", path, " (its source has no async class now)")
        if show_diff:
            printer.diff(unified_diff(path, _read(path) or "", ""))
    return changed


def _write(result: Plan, printer: Printer, summary: Summary, run: _Run) -> None:
    for output in result.outputs:
        if _read(output.target) == output.text:
            continue
        try:
            write_atomic(output.target, output.text)
        except OSError as error:
            printer.error(f"cannot write {output.target}: {error.strerror or error}")
            summary.errors += 1
            summary.failed += 1
            continue
        run.written[output.target] = output.text
        summary.written += 1
        printer.wrote(output.target)
    for path in result.extra:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            printer.error(f"cannot remove {path}: {error.strerror or error}")
            summary.errors += 1
            summary.failed += 1
            continue
        run.written[path] = None
        summary.removed += 1
        printer.removed(path)


def _watch(options: _Options, printer: Printer, stop: Event | None) -> int:
    from .watch import loop

    roots = list(options.paths)

    def once() -> dict[Path, str | None]:
        return _run(options, printer).written

    def started() -> None:
        shown = " ".join(str(p) for p in roots)
        printer.info(f"watching {shown} for changes (Ctrl-C to stop)")

    # pyproject.toml files are re-read on every run; those outside the watched folders
    # are watched too, so that editing one regenerates at once.
    first = _configs(roots)
    watched = roots + [c for c in first if not any(_is_below(c, r) for r in roots)]
    try:
        loop(watched, once, started, stop)
    except WatchUnavailable as error:
        printer.error(str(error))
        return 2
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a watch ends
    return 0


def _configs(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        try:
            source = load_config(path).source
        except (ConfigError, UnreadableConfig):  # reported by the runs
            continue
        if source is not None and source not in found:
            found.append(source)
    return found


def _is_below(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
