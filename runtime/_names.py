"""`Names`: how a runtime names its processes and clusters, and keeps user names unique.

Without a name a process is called ``<Class>-<number>`` (a cluster ``<Class>Cluster-<n>``),
numbered per kind. A name the user gives (`spawn_options(name=...)`) must be unique among
the runtime's live processes, and may not look like one the runtime numbered itself;
``{}`` in it is replaced by the next number for that pattern.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import ref

from ._errors import UsageError
from ._locks import new_lock

if TYPE_CHECKING:
    from ._process import ProcessCore

__all__ = ["Names"]


class Names:
    """The names of one runtime's processes and clusters, and how many were spawned."""

    def __init__(self, runtime: str) -> None:
        self._runtime = runtime
        self._lock = new_lock()
        self._numbers: dict[str, int] = {}  # the last number given, per kind or pattern
        # Names users gave to live processes (None: reserved, the process is being made).
        self._named: dict[str, ref[ProcessCore] | None] = {}
        self.spawned = 0  # processes ever given a name: spawned, or being spawned

    def for_process(self, kind: str, pattern: str | None = None) -> str:
        """A unique name for a new process of class `kind`: ``Worker-3``, or `pattern`
        with its ``{}`` replaced by the next number for that pattern."""
        return self.unique(pattern or kind, process=True)

    def claim(self, name: str) -> None:
        """Reserve a name the user gave; `UsageError` if a live process has it."""
        with self._lock:
            for kind, count in self._numbers.items():
                number = _number_in(name, kind)
                if number is not None and 1 <= number <= count:
                    raise UsageError(
                        f"{name!r} is the name of a process the runtime numbered itself "
                        f"({kind!r}); give this one another name"
                    )
            if name in self._named:
                holder = self._named[name]
                process = holder() if holder is not None else None
                if holder is None or (process is not None and not process.stopped):
                    raise UsageError(
                        f"a process named {name!r} is already running on runtime "
                        f"{self._runtime}; names must be unique (put '{{}}' in the name to "
                        "number them)"
                    )
            self._named[name] = None  # reserved while the process is being made
            self.spawned += 1

    def release(self, name: str, process: ProcessCore | None) -> None:
        """Free `name` if it is still reserved for `process` (None: still being made)."""
        with self._lock:
            if name not in self._named:
                return
            holder = self._named[name]
            if process is None and holder is None:
                del self._named[name]
                self.spawned -= 1
            elif process is not None and holder is not None and holder() is process:
                del self._named[name]

    def unique(self, kind: str, process: bool = False) -> str:
        """``kind-<n>``, or `kind` with ``{}`` replaced by `n`: the next number for `kind`
        whose name no process the user named has taken."""
        with self._lock:
            number = self._numbers.get(kind, 0)
            while True:
                number += 1
                name = kind.replace("{}", str(number)) if "{}" in kind else f"{kind}-{number}"
                if name not in self._named:
                    break
            self._numbers[kind] = number
            self.spawned += process
        return name

    def taken_by(self, process: ProcessCore) -> None:
        """`process` was given its name by the user: keep it taken while it lives."""
        with self._lock:
            self._named[process.name] = ref(process)


def _number_in(name: str, kind: str) -> int | None:
    """The number in `name` if it has the form `unique` gives names of `kind`."""
    prefix, _, suffix = kind.partition("{}") if "{}" in kind else (f"{kind}-", "", "")
    middle = name[len(prefix) : len(name) - len(suffix)]
    ok = name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix)
    return int(middle) if ok and middle.isdigit() else None
