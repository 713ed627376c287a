"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.fetchers_actors import BoxProcess, FetcherProcess


async def misuse(fetcher: FetcherProcess, box: BoxProcess[int]) -> None:
    fetcher.fetch(1)  # E: Argument 1 to "fetch" of "FetcherProcess" has incompatible type "int"; expected "str"
    text: str = await fetcher.fetch("a")  # E: Incompatible types in assignment (expression has type "bytes", variable has type "str")
    box.swap("x")  # E: Argument 1 to "swap" of "BoxProcess" has incompatible type "str"; expected "int"
