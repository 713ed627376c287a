"""Signatures: a message's parameters, reply, overloads and copied decorators.

Reads the methods of an async class into the model's `MessageSpec`, `Signature` and
`Param`, and checks that no parameter hides a name the generated code uses. What the
facades return (a future of the reply, one per member for a broadcast ask) is the
emitter's business: the model keeps the reply the source declares.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from . import names
from .decorators import COPIED_DECORATORS, Decorators
from .defaults import is_copied_default
from .drafts import Draft, Message
from .generics import GenericsReader
from .model import Expr, MessageSpec, Param, Signature, TypeParam
from .reporter import Reporter
from .spelling import SignatureScope, Speller
from .syntax import all_params, receiver_and_parameters, unquote

__all__ = ["SignatureReader"]


class SignatureReader:
    """The part of the parse pass that reads signatures (its second step)."""

    def __init__(
        self,
        reporter: Reporter,
        speller: Speller,
        generics: GenericsReader,
        decorators: Decorators,
    ) -> None:
        self.reporter = reporter
        self.speller = speller
        self.generics = generics
        self.decorators = decorators

    def error(self, node: cst.CSTNode, message: str) -> None:
        self.reporter.error(node, message)

    def message(
        self,
        message: Message,
        base: SignatureScope,
        pep695: bool,
        class_params: dict[str, TypeParam],
    ) -> MessageSpec:
        """The model of `message`."""
        where = f"{base.cls}.{message.name}"
        *overloads, implementation = message.definitions
        receiver = names.receiver_name(
            "self", {p.name.value for d in message.definitions for p in all_params(d)[1:]}
        )
        scope = base.inner(where)
        method_generics = self.generics.method_type_params(implementation, scope, pep695)
        params = self.params(implementation, scope, message=True)
        field_uses = list(scope.uses)
        facade = Signature(
            receiver,
            params,
            self._reply(implementation, scope),
            method_generics,
            self._copied_decorators(implementation, scope),
        )
        overload_signatures: list[Signature] = []
        for overload in overloads:
            overload_scope = base.inner(where)
            overload_signatures.append(
                Signature(
                    receiver,
                    self.params(overload, overload_scope, message=False),
                    self._reply(overload, overload_scope),
                    self.generics.method_type_params(overload, overload_scope, pep695),
                    self._copied_decorators(overload, overload_scope),
                )
            )
        doc = implementation.get_docstring() or next(
            (d for d in (o.get_docstring() for o in overloads) if d), None
        )
        return MessageSpec(
            method=message.name,
            class_name=message.class_name,
            params=params,
            is_ask=any(s.reply is not None for s in (facade, *overload_signatures)),
            doc=doc,
            facade=facade,
            overloads=tuple(overload_signatures),
            generics=self.generics.message_generics(field_uses, scope, pep695, class_params),
            route=message.route,
            is_async=implementation.asynchronous is not None,
        )

    def _copied_decorators(
        self, method: cst.FunctionDef, scope: SignatureScope
    ) -> tuple[Expr, ...]:
        return tuple(
            self.speller.render(d.decorator, scope, runtime=True, annotation=False)
            for d in method.decorators
            if self.decorators.typing_decorator(d) in COPIED_DECORATORS
        )

    def params(
        self, method: cst.FunctionDef, scope: SignatureScope, *, message: bool
    ) -> tuple[Param, ...]:
        """The parameters after the receiver. For a message, each also gets its field
        annotation when it differs: the dataclass spells a name differently when an
        earlier field has it (in a class body the field would shadow it)."""
        receiver, kinds = receiver_and_parameters(method)
        if receiver is None:
            self.error(method.name, f"{scope.where} has no 'self' parameter")
            return ()
        result: list[Param] = []
        earlier: set[str] = set()
        for param, kind in kinds:
            annotation = None
            if param.annotation is not None:
                expression = param.annotation.annotation
                annotation = self.speller.render(expression, scope, runtime=False, annotation=True)
            default = None
            own_default = param.default is not None and not is_copied_default(param.default)
            if param.default is not None and not own_default:
                default = self.speller.render(
                    param.default, scope.inner(), runtime=True, annotation=False
                )
            created = Param(param.name.value, kind, annotation, default, own_default)
            if message and earlier and param.annotation is not None:
                field = self.speller.render(
                    param.annotation.annotation,
                    scope.inner(),
                    runtime=False,
                    annotation=True,
                    shadowed=frozenset(earlier),
                )
                if annotation is not None and field.text != annotation.text:
                    created = replace(created, field=field)
            earlier.add(param.name.value)
            result.append(created)
        return tuple(result)

    def _reply(self, method: cst.FunctionDef, scope: SignatureScope) -> Expr | None:
        if method.returns is None:
            return None
        expression = method.returns.annotation
        unquoted = unquote(expression)
        if isinstance(unquoted, cst.Name) and unquoted.value == "None":
            return None
        return self.speller.render(expression, scope.inner(), runtime=False, annotation=True)

    def check_shadowing(
        self, draft: Draft, messages: list[MessageSpec], generated: set[str]
    ) -> None:
        """A parameter must not hide a name that the generated method's body uses.

        Local names (``self``, ``cls``, ``n``) are chosen around the parameters, and the
        user's class is imported under an alias when a parameter has its name; what is
        left are the generated names themselves and the helper modules.
        """
        cls = draft.name
        used_by_spawn = {names.dispatch_name(cls), names.process_name(cls), names.cluster_name(cls)}
        checks: list[tuple[cst.FunctionDef | None, str, set[str]]] = [
            (draft.init, f"{cls}.__init__", used_by_spawn)
        ]
        for message, spec in zip(draft.messages, messages, strict=True):
            for definition in message.definitions:
                checks.append((definition, f"{cls}.{message.name}", {spec.class_name}))
        for method, where, used in checks:
            if method is None:
                continue
            for param in all_params(method)[1:]:
                if param.name.value in used or param.name.value in names.HELPER_MODULES:
                    self.error(
                        param.name,
                        f"parameter {param.name.value!r} of {where} would shadow a name the "
                        "generated code uses; rename it",
                    )
            if method.type_parameters is not None:
                self.generics.check_type_param_names(method.type_parameters, where, generated)
        if draft.node.type_parameters is not None:
            self.generics.check_type_param_names(draft.node.type_parameters, cls, generated)
