"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.cache_actors import CacheCluster, CacheProcess, PairProcess


def misuse(process: CacheProcess[str, int], cluster: CacheCluster[str, int]) -> None:
    process.put(1, 1)  # E: Argument 1 to "put" of "CacheProcess" has incompatible type "int"; expected "str"
    text: str = cluster.get("a").result()  # E: Incompatible types in assignment (expression has type "int", variable has type "str")
    PairProcess.spawn([1], 2)  # E: Value of type variable "K" of "spawn" of "_PairProcessSpawn" cannot be "list[int]"
    PairProcess.spawn("k", 1).swap("x")  # E: Argument 1 to "swap" of "PairProcess" has incompatible type "str"; expected "int"
