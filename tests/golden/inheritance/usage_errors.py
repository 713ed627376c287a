"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.counters_actors import CounterProcess


def misuse(counter: CounterProcess) -> None:
    counter.add("1")  # E: Argument 1 to "add" of "CounterProcess" has incompatible type "str"; expected "int"
    counter.doubled()  # E: "CounterProcess" has no attribute "doubled"
