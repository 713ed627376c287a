"""Replace one marked section of `results/results.md`, for the benchmarks that write their
own section (`--write`): the text from `begin` to `end` (both marker lines included in
`text`), or, the first time, appended at the end."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "results.md"


def write_section(text: str, begin: str, end: str, path: Path = RESULTS) -> Path:
    current = path.read_text()
    if begin in current:
        before, _, rest = current.partition(begin)
        after = rest.partition(end)[2].lstrip("\n")
        current = before + text + ("\n" + after if after else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)
    return path
