"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.parser_actors import ParserProcess


def misuse(process: ParserProcess) -> None:
    process.parse("a", encoding="ascii")  # E: No overload variant of "parse" of "ParserProcess" matches argument types "str", "str"
    process.feed("x")  # E: No overload variant of "feed" of "ParserProcess" matches argument type "str"
