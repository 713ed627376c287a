"""``actorgen PATH...``: generate (or check) the facades of every async class found.

Exit codes: 0 all good; 1 diagnostics, or stale output under ``--check``/``--diff``;
2 the command line or the configuration is wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .config import ConfigError, check_suffix, load_config
from .pipeline import Plan, plan
from .write import unified_diff, write_atomic

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actorgen",
        description="Generate typed process and cluster facades for @async_class classes.",
    )
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="files or folders to scan"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list stale, missing and extra generated files and exit 1 if any",
    )
    parser.add_argument(
        "--diff", action="store_true", help="like --check, and print a diff of each change"
    )
    parser.add_argument(
        "--suffix", help="output module suffix (default from [tool.actorgen], else _actors)"
    )
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        parser.print_usage(err)
        print(f"actorgen: error: no such file or folder: {', '.join(missing)}", file=err)
        return 2
    try:
        config = load_config(args.paths[0])
        suffix = check_suffix(args.suffix) if args.suffix is not None else config.suffix
    except ConfigError as error:
        print(f"actorgen: error: {error}", file=err)
        return 2
    started = time.perf_counter()
    result = plan(list(args.paths), suffix)
    for diagnostic in result.diagnostics:
        print(diagnostic, file=err)
    if args.check or args.diff:
        changed = _check(result, args.diff, out)
        status = "up to date" if not changed else f"{changed} file(s) out of date"
        written = 0
    else:
        written = _write(result, out)
        status = f"{written} written, {len(result.outputs) - written} unchanged"
        changed = 0
    elapsed = time.perf_counter() - started
    print(
        f"actorgen: {result.scanned} files scanned, {len(result.outputs)} generated ({status}), "
        f"{len(result.diagnostics)} errors in {elapsed:.2f}s",
        file=err,
    )
    return 1 if result.diagnostics or changed else 0


def _check(result: Plan, show_diff: bool, out: TextIO) -> int:
    changed = 0
    for output in result.outputs:
        old = _read(output.target)
        if old == output.text:
            continue
        changed += 1
        print(f"{'missing' if old is None else 'stale'}: {output.target}", file=out)
        if show_diff:
            out.write(unified_diff(output.target, old or "", output.text))
    for path in result.extra:
        changed += 1
        print(f"extra: {path} (its source has no async class now)", file=out)
        if show_diff:
            out.write(unified_diff(path, _read(path) or "", ""))
    return changed


def _write(result: Plan, out: TextIO) -> int:
    written = 0
    for output in result.outputs:
        if _read(output.target) == output.text:
            continue
        write_atomic(output.target, output.text)
        written += 1
        print(f"wrote {output.target}", file=out)
    for path in result.extra:
        path.unlink()
        print(f"removed {path} (its source has no async class now)", file=out)
    return written


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
