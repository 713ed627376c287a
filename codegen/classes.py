"""The pass's first step: the async classes of a module, their messages, and the names
the generated module will define for them.

It finds every class marked ``@async_class`` (reporting one that is not at module level,
a marked function, a class defined twice), collects each class's messages — its own
public methods, then those it inherits (`inheritance`) — with their ``@route``
(`routing`), and checks the names they generate. What it finds is a `Draft` per class;
the second step (`processes`) reads their signatures.
"""

from __future__ import annotations

import keyword

import libcst as cst
from actorgen.runtime._contract import ASYNC_CLASS, RESERVED_MEMBERS

from . import names
from .decorators import COPIED_DECORATORS, DROPPED_DECORATORS, OVERLOAD, Decorators
from .drafts import Draft, Message
from .generics import type_var_bases
from .inheritance import ancestry
from .reporter import Reporter
from .routing import RouteReader
from .scope import ModuleScope
from .syntax import BLOCKS, class_body_names, find_definitions, method_groups, yields

__all__ = ["ClassFinder"]


class ClassFinder:
    """Finds the async classes of one module and drafts them."""

    def __init__(
        self,
        reporter: Reporter,
        decorators: Decorators,
        routes: RouteReader,
        scope: ModuleScope,
        classes: dict[str, cst.ClassDef],
        source_module: str,
    ) -> None:
        self.reporter = reporter
        self.decorators = decorators
        self.routes = routes
        self.scope = scope
        self.classes = classes  # the module-level classes, by name (see `inheritance`)
        self.source_module = source_module

    def drafts(self, module: cst.Module) -> list[Draft]:
        """Every async class that can be generated, drafted, in source order; the others
        are reported."""
        drafts: list[Draft] = []
        defined: dict[str, cst.ClassDef] = {}
        for node, enclosing in find_definitions(module):
            decorator = self._async_class_decorator(node)
            if decorator is None:
                continue
            if not isinstance(node, cst.ClassDef):
                self.reporter.error(
                    decorator,
                    f"@async_class applies to classes, not to function {node.name.value!r}",
                )
            elif isinstance(enclosing, cst.ClassDef | cst.FunctionDef):
                self.reporter.error(
                    node.name,
                    f"async class {node.name.value!r} must be defined at module level "
                    "so that the generated module can import it",
                )
            elif enclosing is not None:
                self.reporter.error(
                    node.name,
                    f"async class {node.name.value!r} is defined inside "
                    f"{BLOCKS[type(enclosing)]} block; the generated module imports it "
                    "unconditionally, so define it at module level, outside any block",
                )
            elif node.name.value in defined:
                first = self.reporter.position(defined[node.name.value]).start.line
                self.reporter.error(
                    node.name,
                    f"async class {node.name.value!r} is defined twice (first on line "
                    f"{first}); give each async class its own name",
                )
            else:
                defined[node.name.value] = node
                drafts.append(self._draft(node, decorator))
        if drafts:
            self.check_importable(drafts[0])
        return drafts

    def check_importable(self, first: Draft) -> None:
        """The generated module imports the async classes from the source module by its
        name, which must therefore be one Python can import."""
        module = self.source_module.lstrip(".")
        file = self.reporter.path.replace("\\", "/").rsplit("/", 1)[-1]
        if module and (not module.isidentifier() or keyword.iskeyword(module)):
            self.reporter.error(
                first.node.name,
                f"the generated module cannot import {first.name!r} from {file}: "
                f"{module!r} is not a module name Python can import (letters, digits and "
                "'_', not a keyword); rename the file",
            )
        elif self.source_module == "__future__":
            self.reporter.error(
                first.node.name,
                f"the generated module cannot import {first.name!r} from {file}: "
                "'from __future__ import ...' is a future statement, not an import; "
                "rename the file",
            )

    def _async_class_decorator(self, node: cst.ClassDef | cst.FunctionDef) -> cst.Decorator | None:
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call) and self.decorators.is_marker(target.func):
                self.routes.check_options(target)
                return decorator
            if self.decorators.is_marker(target):
                return decorator
            mistaken = self.decorators.mistaken_marker(decorator)
            if mistaken is not None:
                self.reporter.error(
                    decorator,
                    f"the decorator is imported as {mistaken!r}, which does not exist: "
                    f"@async_class is {ASYNC_CLASS!r} (from actorgen.runtime import "
                    "async_class)",
                )
        return None

    def _draft(self, node: cst.ClassDef, decorator: cst.Decorator) -> Draft:
        cls = node.name.value
        errors_before = self.reporter.count
        if len(node.decorators) > 1:
            self.reporter.error(
                decorator,
                f"async class {cls!r} has other decorators; @async_class must be its only one",
            )
        init: cst.FunctionDef | None = None
        init_owner: cst.ClassDef | None = None
        messages: list[Message] = []
        by_class_name: dict[str, str] = {}
        inherited = ancestry(node, self.classes)
        for problem in inherited.problems:
            self.reporter.error(problem.node, problem.message)
        # The class's own methods, then those it inherits, nearest base first; a name
        # defined nearer hides the same name further up, as it does in Python.
        seen: set[str] = set()
        for owner in (None, *inherited.bases):
            body = node if owner is None else owner
            owner_name = cls if owner is None else owner.name.value
            for name, definitions in method_groups(body):
                if name in seen:
                    continue
                seen.add(name)
                not_message = self._not_message(name, definitions)
                if not_message is not None:
                    self.routes.reject_routes(f"{owner_name}.{name}", definitions, not_message)
                    if name == "__init__":
                        init, init_owner = definitions[-1], owner
                    continue
                if not self._check_message(owner_name, name, definitions):
                    continue
                class_name = names.message_class_name(cls, name)
                if class_name in by_class_name:
                    self.reporter.error(
                        definitions[0].name,
                        f"messages {cls}.{by_class_name[class_name]} and {cls}.{name} would "
                        f"both generate {class_name}; rename one",
                    )
                    continue
                by_class_name[class_name] = name
                route = self.routes.route(f"{owner_name}.{name}", definitions)
                messages.append(Message(name, class_name, definitions, route, owner))
            seen.update(class_body_names(body))
        if not messages and self.reporter.count == errors_before:
            self.reporter.error(
                node.name, f"async class {cls!r} has no message methods (public methods)"
            )
        self._check_dedicated_thread(cls, decorator, messages)
        # Even with errors, the signatures are read next, so that all problems of a file
        # are reported at once; a file with errors gets no output anyway.
        generic = node.type_parameters is not None or bool(type_var_bases(node, self.scope))
        return Draft(node, init, messages, generic, init_owner)

    def _check_dedicated_thread(
        self, cls: str, decorator: cst.Decorator, messages: list[Message]
    ) -> None:
        """``dedicated_thread=True`` and ``async def`` messages do not go together: such a
        class's processes run on an event loop (the runtime refuses it at spawn too)."""
        call = decorator.decorator
        if not isinstance(call, cst.Call):
            return
        coroutine = next(
            (m for m in messages if m.definitions[-1].asynchronous is not None), None
        )
        for arg in call.args:
            keyword = arg.keyword
            dedicated = keyword is not None and keyword.value == "dedicated_thread"
            true = isinstance(arg.value, cst.Name) and arg.value.value == "True"
            if dedicated and true and coroutine is not None:
                self.reporter.error(
                    arg,
                    f"async class {cls!r} has 'async def' messages ({coroutine.name}), "
                    "which run on an event loop, so it cannot have dedicated_thread=True",
                )

    def _not_message(self, name: str, definitions: list[cst.FunctionDef]) -> str | None:
        """Why method `name` is not a message (as "it is ..."), or None if it is one."""
        if name.startswith("__") and name.endswith("__"):
            return "is a special method"
        if name.startswith("_"):
            return "is private (its name starts with '_')"
        for definition in definitions:
            kind = self.decorators.not_message_kind(definition)
            if kind is not None:
                return f"is a {kind}"
        return None

    def _check_message(self, cls: str, name: str, definitions: list[cst.FunctionDef]) -> bool:
        """Whether the definitions of message `cls.name` can be generated; if not, say why."""
        where = f"{cls}.{name}"
        *overloads, implementation = definitions
        for definition in definitions:
            for decorator in definition.decorators:
                manager = self.decorators.context_manager(decorator)
                if manager is not None:
                    self.reporter.error(
                        decorator,
                        f"message {where} is an @{manager} method; a message replies once "
                        "and cannot hold a context open across messages, so enter the "
                        "context inside a message (or make the method private)",
                    )
                    return False
            if definition.asynchronous is not None and yields(definition):
                self.reporter.error(
                    definition.asynchronous,
                    f"message {where} is an async generator ('async def' with 'yield'); "
                    "a message replies once, so return a list (or send each item to "
                    "another process as a tell)",
                )
                return False
        if name in RESERVED_MEMBERS:
            self.reporter.error(
                implementation.name,
                f"message {where} has the name of a facade method "
                f"({', '.join(sorted(RESERVED_MEMBERS))} are reserved); rename it",
            )
            return False
        if self.decorators.is_overload(implementation):
            self.reporter.error(
                implementation.name,
                f"overloaded message {where} has no implementation (a definition without "
                "@overload after the overloads)",
            )
            return False
        for overload in overloads:
            if not self.decorators.is_overload(overload):
                self.reporter.error(
                    implementation.name,
                    f"message {where} is defined more than once; only the last definition "
                    "exists at run time, so remove the others (or mark them @overload)",
                )
                return False
        for definition in definitions:
            for decorator in definition.decorators:
                if self.decorators.is_route(decorator):
                    continue  # read by `RouteReader.route`
                kind = self.decorators.typing_decorator(decorator)
                if kind in COPIED_DECORATORS or kind in DROPPED_DECORATORS:
                    continue
                if kind == OVERLOAD and definition is not implementation:
                    continue
                self.reporter.error(
                    decorator,
                    f"message {where} is decorated; a decorator can change what the method "
                    "takes and returns, so messages may only be decorated with @route, "
                    "@overload, @override, @final or @deprecated (call a decorated private "
                    "method from a plain one)",
                )
                return False
        return True

    def check_generated_names(self, drafts: list[Draft]) -> set[str]:
        """Two async classes of one module must not generate the same public name."""
        owners: dict[str, str] = {}
        for draft in drafts:
            for name, node in draft.generated().items():
                if name in owners and owners[name] != draft.name:
                    self.reporter.error(
                        node,
                        f"async classes {owners[name]} and {draft.name} would both generate "
                        f"{name}; rename one of them (or the message)",
                    )
                owners.setdefault(name, draft.name)
        return set(owners)
