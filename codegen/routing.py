"""What the pass reads of the runtime's decorators: ``@route(...)`` and the options of
``@async_class(...)``.

``@route`` on a message chooses how its cluster facade hands it to the members:
``@route("balanced")``, ``@route("round_robin")``, ``@route("broadcast")`` (or the same
as ``strategy="..."``) and ``@route(key="<parameter>")``. Its arguments must be string
literals, since the generated code depends on them, and they are checked here: the
strategy must be one of the three, a key must name one parameter of the message. A route
belongs on a message's implementation (where it applies to every overload).

``@async_class(...)`` takes keyword options only. Their values are the runtime's
business (type checkers check them against its overloads), and the generated code is the
same with or without them.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from actorgen.runtime._contract import KEY_ROUTE, ROUTE_STRATEGIES

from .decorators import Decorators
from .model import ParamKind, RouteSpec
from .reporter import Reporter
from .syntax import receiver_and_parameters

__all__ = ["RouteReader"]

_STRATEGY = "strategy"
_KEY = "key"  # the argument of @route(key=...)
_KEY_HINT = 'key="<parameter>"'


def _listing(items: Sequence[str]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'``."""
    quoted = [repr(item) for item in items]
    if len(quoted) < 2:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


_STRATEGIES = _listing(ROUTE_STRATEGIES).replace(" and ", " or ")


def _string(node: cst.BaseExpression) -> str | None:
    """The value of a string literal (implicit concatenation included), else None."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class RouteReader:
    """The part of the parse pass that reads ``@route`` and ``@async_class`` options: it
    needs only to recognise decorators and to report."""

    def __init__(self, reporter: Reporter, decorators: Decorators) -> None:
        self.reporter = reporter
        self.decorators = decorators

    def error(self, node: cst.CSTNode, message: str) -> None:
        self.reporter.error(node, message)

    def check_options(self, call: cst.Call) -> None:
        """``@async_class(...)`` takes keyword arguments only."""
        for arg in call.args:
            if arg.star:
                self.error(
                    arg,
                    "@async_class options must be written out as keyword arguments, "
                    f"not unpacked with '{arg.star}'",
                )
            elif arg.keyword is None:
                self.error(
                    arg,
                    '@async_class takes keyword options only (such as supervision="restart"); '
                    "a positional argument is not an option",
                )

    def reject_routes(self, where: str, definitions: list[cst.FunctionDef], why: str) -> None:
        """Report each ``@route`` on method `where`, which is not a message (`why`)."""
        for definition in definitions:
            for decorator in definition.decorators:
                if self.decorators.is_route(decorator):
                    self.error(decorator, f"@route applies to messages, and {where} {why}")

    def route(self, where: str, definitions: list[cst.FunctionDef]) -> RouteSpec | None:
        """The route of message `where` (its definitions, overloads first), if it has one
        that can be generated; else None, after reporting what is wrong with it."""
        *_, implementation = definitions
        found: list[cst.Decorator] = []
        for definition in definitions:
            for decorator in definition.decorators:
                if not self.decorators.is_route(decorator):
                    continue
                if definition is implementation:
                    found.append(decorator)
                else:
                    self.error(
                        decorator,
                        f"@route on an @overload of {where}; put it on the implementation "
                        "(the definition without @overload), where it applies to every overload",
                    )
        for extra in found[1:]:
            self.error(extra, f"message {where} has more than one @route; keep one")
        if len(found) != 1:
            return None
        return self._read_route(where, found[0], implementation)

    def _read_route(
        self, where: str, decorator: cst.Decorator, method: cst.FunctionDef
    ) -> RouteSpec | None:
        call = decorator.decorator
        if not isinstance(call, cst.Call):
            call = cst.Call(func=call)  # a bare @route: no arguments, reported below
        given: dict[str, cst.Arg] = {}
        readable = True
        for index, arg in enumerate(call.args):
            if arg.star:
                self.error(
                    arg,
                    f"the arguments of @route on {where} must be string literals, "
                    f"not unpacked with '{arg.star}', so that the generator can read them",
                )
                readable = False
                continue
            name = _STRATEGY if arg.keyword is None else arg.keyword.value
            if arg.keyword is None and index > 0:
                self.error(arg, f"@route on {where} takes one positional argument, the strategy")
            elif name not in (_STRATEGY, _KEY):
                self.error(
                    arg,
                    f"@route on {where} has no argument {name!r}; it takes a strategy or "
                    f"{_KEY_HINT}",
                )
            elif name in given:
                self.error(arg, f"@route on {where} gets the {name} twice")
            else:
                given[name] = arg
                continue
            readable = False
        if not readable:
            return None
        if len(given) != 1:
            self.error(
                decorator,
                f"@route on {where} takes a strategy or {_KEY_HINT}, not both"
                if given
                else f"@route on {where} needs a strategy ({_STRATEGIES}) or {_KEY_HINT}",
            )
            return None
        ((name, arg),) = given.items()
        value = _string(arg.value)
        if value is None:
            self.error(
                arg.value,
                f"the {name} of @route on {where} must be a string literal, "
                "so that the generator can read it",
            )
            return None
        if name == _KEY:
            return self._route_key(where, value, arg.value, method)
        if value not in ROUTE_STRATEGIES:
            self.error(
                arg.value,
                f"unknown @route strategy {value!r} on {where}; the strategies are "
                f"{_listing(ROUTE_STRATEGIES)} (or {_KEY_HINT} for key affinity)",
            )
            return None
        return RouteSpec(value)

    def _route_key(
        self, where: str, key: str, at: cst.BaseExpression, method: cst.FunctionDef
    ) -> RouteSpec | None:
        """``@route(key=...)``: the key must be one parameter of the message, whose value
        the cluster facade passes on."""
        receiver, params = receiver_and_parameters(method)
        stars = {
            param.name.value: "*" if kind is ParamKind.VAR_POSITIONAL else "**"
            for param, kind in params
            if kind in (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD)
        }
        candidates = [p.name.value for p, _ in params if p.name.value not in stars]
        has = (
            f"its parameters are {_listing(candidates)}"
            if candidates
            else "it has no parameter to route by"
        )
        if key in candidates:
            return RouteSpec(KEY_ROUTE, key)
        if receiver is not None and key == receiver.name.value:
            self.error(
                at, f"@route key {key!r} names the receiver of {where}, not a parameter; {has}"
            )
        elif key in stars:
            self.error(
                at,
                f"@route key {key!r} names {stars[key]}{key} of {where}; a key must be a single "
                "parameter, not *args or **kwargs",
            )
        else:
            self.error(at, f"@route key {key!r} names no parameter of {where}; {has}")
        return None
