"""The pass's second step: the model of each drafted async class.

With the names of the generated module fixed by the first step (`classes`), it reads
each class's `__init__` and messages into a `ProcessSpec`: type parameters (`generics`),
parameters, replies and overloads (`signatures`), each name spelled as the generated
module binds it (`spelling`).
"""

from __future__ import annotations

import libcst as cst

from . import names
from .drafts import Draft
from .generics import GenericsReader
from .model import Generics, Param, ProcessSpec
from .reporter import Reporter
from .signatures import SignatureReader
from .spelling import SignatureScope, Speller
from .syntax import class_body_names

__all__ = ["ProcessReader"]


class ProcessReader:
    """Reads drafted async classes into the model."""

    def __init__(
        self,
        reporter: Reporter,
        speller: Speller,
        generics: GenericsReader,
        signatures: SignatureReader,
    ) -> None:
        self.reporter = reporter
        self.speller = speller
        self.generics = generics
        self.signatures = signatures

    def process(self, draft: Draft, generated: set[str]) -> ProcessSpec | None:
        """The model of `draft`'s class; None (after reporting) if it cannot be generated."""
        node = draft.node
        cls = draft.name
        errors_before = self.reporter.count
        base = SignatureScope(
            where=cls,
            cls=cls,
            class_body=frozenset(class_body_names(node)),
            type_params={},
            class_type_vars=frozenset(),
        )
        class_params = self.generics.class_type_params(node, base)
        if node.type_parameters is None:
            base.class_type_vars = frozenset(class_params)
        pep695 = self.generics.uses_pep695(draft, bool(base.class_type_vars))
        generics = Generics(tuple(class_params.values()), pep695)
        reference = self.speller.class_reference(cls)

        init_params: tuple[Param, ...] = ()
        init_generics = Generics((), pep695)
        if draft.init is not None:
            owner = base if draft.init_owner is None else _inherited_scope(draft.init_owner)
            scope = owner.inner(f"{owner.cls}.__init__")
            init_generics = self.generics.method_type_params(draft.init, scope, pep695)
            init_params = self.signatures.params(draft.init, scope, message=False)
        init_names = {p.name for p in init_params}

        messages = [
            self.signatures.message(
                m, base if m.owner is None else _inherited_scope(m.owner), pep695, class_params
            )
            for m in draft.messages
        ]
        self.signatures.check_shadowing(draft, messages, generated)
        if self.reporter.count > errors_before:
            return None
        count = names.unused_name("n", init_names)
        return ProcessSpec(
            name=cls,
            reference=reference,
            doc=node.get_docstring(),
            init_params=init_params,
            messages=tuple(messages),
            message_union=names.union_name(cls),
            dispatch=names.dispatch_name(cls),
            process=names.process_name(cls),
            cluster=names.cluster_name(cls),
            spawn_receiver=names.receiver_name("cls", init_names),
            spawn_make=names.unused_name("make", init_names),
            spawn_count=count,
            generics=generics,
            init_generics=init_generics,
            spawn_bases=names.spawn_base_names(cls) if draft.generic else None,
        )


def _inherited_scope(owner: cst.ClassDef) -> SignatureScope:
    """The scope of a method inherited from `owner`: names of its class body are reached
    through it (``Base.LIMIT``); a base is never generic (see `inheritance`)."""
    return SignatureScope(
        where=owner.name.value,
        cls=owner.name.value,
        class_body=frozenset(class_body_names(owner)),
        type_params={},
        class_type_vars=frozenset(),
    )
