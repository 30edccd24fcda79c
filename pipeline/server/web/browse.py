"""The knowledge browser's views over the graph: entity search and an entity's facts.

Read-only functions over anything with the fact views of :class:`kg.graph.KnowledgeGraph`
(``entities``, ``facts_about``, ``label``); they return plain JSON-ready dicts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol

from rdflib import RDF

from kg.facts import Fact
from ontology.knowledge import LANGS, Entity, Lang
from ontology.rdf import TYPE, iri

MAX_QUERY_CHARS = 200


class BrowsableGraph(Protocol):
    @property
    def entities(self) -> Mapping[str, Entity]: ...

    def facts_about(self, entity_id: str) -> list[Fact]: ...

    def label(self, entity_id: str, lang: Lang = "en") -> str: ...


def is_browsable(kg: object) -> bool:
    return all(hasattr(kg, name) for name in ("entities", "facts_about", "label"))


def normalise(text: str) -> str:
    """Case-, width- and space-insensitive form for matching labels in any script."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def term(kg: BrowsableGraph, name: str, *, literal: bool = False) -> dict[str, Any]:
    """A subject, predicate or object for the page: id, IRI and labels in both languages."""
    if literal:
        return {"id": None, "iri": None, "label": {"en": name, "ko": name}, "literal": True, "entity": False}
    return {
        "id": name,
        "iri": str(RDF.type) if name == TYPE else str(iri(name)),
        "label": {lang: kg.label(name, lang) for lang in LANGS},
        "literal": False,
        "entity": name in kg.entities,
    }


def step_view(kg: BrowsableGraph, fact: Fact) -> dict[str, Any]:
    return {
        "subject": term(kg, fact.subject),
        "predicate": term(kg, fact.predicate),
        "object": term(kg, fact.object, literal=fact.object_is_literal),
        "source_rows": list(fact.source_rows),
    }


def fact_view(kg: BrowsableGraph, fact: Fact) -> dict[str, Any]:
    """A fact with, when inferred, its proof: the asserted steps in chain order."""
    return {
        **step_view(kg, fact),
        "inferred": fact.inferred,
        "proof": [step_view(kg, step) for step in fact.proof],
    }


def entity_summary(kg: BrowsableGraph, entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        "iri": str(iri(entity.id)),
        "class": term(kg, entity.class_),
        "label": {lang: getattr(entity.label, lang) for lang in LANGS},
        "aliases": {lang: list(getattr(entity.aliases, lang)) for lang in LANGS},
    }


def _match_rank(entity: Entity, needle: str) -> int | None:
    """0 exact label/alias, 1 prefix, 2 substring (also of the id); None if no match."""
    names = [normalise(name) for name in (*entity.names(), entity.id)]
    if needle in names:
        return 0
    if any(name.startswith(needle) for name in names):
        return 1
    if any(needle in name for name in names):
        return 2
    return None


def search_entities(kg: BrowsableGraph, query: str, limit: int) -> dict[str, Any]:
    """Entities whose English or Korean label, alias or id contains ``query`` (all when empty),
    best matches first, then by English label."""
    needle = normalise(query)
    ranked: list[tuple[int, str, Entity]] = []
    for entity in kg.entities.values():
        rank = _match_rank(entity, needle) if needle else 0
        if rank is not None:
            ranked.append((rank, entity.label.en.casefold(), entity))
    ranked.sort(key=lambda item: item[:2])
    return {
        "query": query,
        "total": len(ranked),
        "entities": [entity_summary(kg, entity) for _, _, entity in ranked[:limit]],
    }


def entity_detail(kg: BrowsableGraph, entity_id: str) -> dict[str, Any] | None:
    """The entity and its asserted and inferred facts, out (as subject) and in (as object);
    ``None`` for an unknown id."""
    entity = kg.entities.get(entity_id)
    if entity is None:
        return None
    outgoing: list[dict[str, Any]] = []
    incoming: list[dict[str, Any]] = []
    for fact in kg.facts_about(entity_id):
        (outgoing if fact.subject == entity_id else incoming).append(fact_view(kg, fact))
    return {"entity": entity_summary(kg, entity), "outgoing": outgoing, "incoming": incoming}
