"""The unit the graph hands to the retriever: one statement with its provenance.

A :class:`Fact` is an asserted or inferred triple expressed with entity ids of
``ontology/schema.py`` (not IRIs) so that upper layers never parse RDF. An inferred
fact carries ``proof``: the asserted facts that entail it, in chain order, e.g.
``SolverX locatedIn SeochoDong, SeochoDong partOf SeochoGu, SeochoGu partOf Seoul``
for ``SolverX locatedIn Seoul``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    subject: str  # entity id, e.g. "SolverX"
    predicate: str  # property name of ontology/schema.py, or "type" for class membership
    object: str  # entity id, class name (for "type") or the literal's lexical form
    object_is_literal: bool = False
    datatype: str | None = None  # for literals: string|integer|gYear|...
    lang: str | None = None  # for language-tagged literals
    inferred: bool = False
    proof: tuple[Fact, ...] = ()  # asserted facts entailing an inferred one, in chain order
    source_rows: tuple[str, ...] = ()  # knowledge rows the (proof) facts come from

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.predicate, self.object)
