"""Golden case: a message named `tuple` next to a broadcast ask. The cluster facade's
body binds `tuple`, so the broadcast's reply spells the builtin `_builtins.tuple`."""

from actorgen.runtime import async_class, route


@async_class(dedicated_thread=True)
class Odd:
    def __init__(self) -> None:
        self.calls = 0

    def tuple(self) -> None:
        self.calls += 1

    @route("broadcast")
    def calls_so_far(self) -> int:
        return self.calls
