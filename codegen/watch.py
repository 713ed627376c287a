"""``actorgen --watch``: regenerate whenever a source changes, with `watchfiles`.

`watchfiles` (Rust ``notify`` underneath: inotify, FSEvents, ReadDirectoryChangesW) is an
optional dependency, ``pip install 'actorgen[watch]'``, imported only here and only when
``--watch`` is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

__all__ = ["WatchUnavailable", "changes", "loop", "ours", "relevant"]

# How long one wait inside watchfiles may last before it hands back an empty batch. The
# first batch is the sign that the watcher is running, so this is also the delay before
# the first run; later empty batches are skipped.
_WAIT_MS = 200


class WatchUnavailable(Exception):
    """``--watch`` needs the `watchfiles` package, which is not installed."""


class Event(Protocol):
    def is_set(self) -> bool: ...


def relevant(path: str) -> bool:
    """A change worth a new run: a Python file, a pyproject.toml, or a folder (a folder
    renamed or removed takes its files along without an event for each). Temporary files,
    such as those of our own atomic writes, end in ``.tmp`` and do not count."""
    name = os.path.basename(path)
    return name.endswith(".py") or name == "pyproject.toml" or not os.path.splitext(name)[1]


def changes(paths: Iterable[Path], stop: Event | None = None) -> Iterable[set[str]]:
    """Batches of changed paths under `paths`: an empty batch first, once the watcher
    runs, and empty batches now and then; ends when `stop` is set or on Ctrl-C (which
    raises KeyboardInterrupt)."""
    try:
        import watchfiles
    except ImportError:
        raise WatchUnavailable(
            "--watch needs the watchfiles package: pip install 'actorgen[watch]'"
        ) from None
    default = watchfiles.DefaultFilter()  # skips .git, __pycache__, .venv, editor files

    for batch in watchfiles.watch(
        *paths,
        watch_filter=lambda change, path: default(change, path) and relevant(path),
        stop_event=stop,
        rust_timeout=_WAIT_MS,
        yield_on_timeout=True,
        step=50,
        raise_interrupt=True,
    ):
        yield {path for _change, path in batch}


def ours(paths: set[str], written: Mapping[Path, str | None]) -> bool:
    """True if every changed path is a file this process just wrote (and it still holds
    what was written) or removed: our own writes need no new run."""
    for path in paths:
        expected = written.get(Path(path), "<not ours>")
        if expected == "<not ours>":
            return False
        try:
            current: str | None = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != expected:
            return False
    return True


def loop(
    paths: Iterable[Path],
    run: Callable[[], Mapping[Path, str | None]],
    on_start: Callable[[], None],
    stop: Event | None = None,
) -> None:
    """Call `run` once the watcher is up and again after every change that is not one
    of `run`'s own writes (`run` returns what it wrote: the text, ``None`` for a file it
    removed)."""
    written: Mapping[Path, str | None] = {}
    started = False
    for batch in changes(paths, stop):
        if not started:
            started = True
            written = run()
            on_start()
        elif batch and not ours(batch, written):
            written = run()
