"""Retrieval over a store too large to read whole: link, then fetch only the facts that can answer.

:class:`Retriever` reads every fact of its graph when built, which is right for the SolverX graph
and wrong for a million-triple store. :class:`StoreRetriever` keeps only the entities (for linking)
and, per question:

1. links the question against all entities; with :data:`FUZZY_ALWAYS_BELOW` entities or more,
   exact names first (dictionary look-ups) and the fuzzy pass (Levenshtein over every name,
   linear in the number of entities) only when no name matched exactly: a typo next to an exact
   name ("SolverX Fuson") then links the exact one ("SolverX") only;
2. reads the candidate facts with ``graph.facts_about(entity)`` (two SPARQL queries against the
   store, see :class:`kg.backends.StoreGraph`) for each linked entity, plus the company of a
   linked office; facts with the entity as *object* are capped at :data:`INCOMING_LIMIT`;
3. ranks them with an ordinary :class:`Retriever` built over that window of facts, so the
   intent, boosts and ranking rules are exactly the in-memory ones. Fact sentences are embedded
   through the per-text cache (:func:`retriever.embedding.text_embeddings`): a sentence is
   encoded once, ever, per model.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from kg.facts import Fact
from ontology.knowledge import Entity
from ontology.roles import site_properties
from retriever.context import Context
from retriever.embedding import Vectors, text_embeddings
from retriever.linking import AliasIndex, EntityLink, build_alias_index, link_entities
from retriever.retrieve import Retriever

FUZZY_ALWAYS_BELOW = 50_000  # entities: below this the fuzzy pass always runs (as in Retriever)
INCOMING_LIMIT = 500  # facts with a linked entity as object, at most (a continent has millions)


class StoreGraphLike(Protocol):
    @property
    def entities(self) -> Mapping[str, Entity]: ...

    def facts_about(self, entity_id: str, limit: int | None = None) -> list[Fact]: ...


class _Window:
    """The few entities and facts one question needs, as a ``GraphLike``."""

    def __init__(self, entities: Mapping[str, Entity], facts: list[Fact]) -> None:
        self.entities = entities
        self._facts = facts

    def facts(self) -> list[Fact]:
        return list(self._facts)


class _WindowRetriever(Retriever):
    """A :class:`Retriever` over a window; fact vectors come from the per-text cache."""

    def fact_vectors(self) -> Vectors:
        if self._vectors is None:
            self._vectors = text_embeddings(
                self.embedder, [*self.texts_en, *self.texts_ko], use_disk=self.use_disk_cache
            )
        return self._vectors


class StoreRetriever:
    """``retrieve(question, k)`` like :class:`Retriever`, reading candidate facts from the store."""

    def __init__(
        self, graph: StoreGraphLike, model_path: Path | str | None = None, cache: bool = True
    ) -> None:
        self.graph = graph
        self.model_path = model_path
        self.cache = cache
        self.entities: Mapping[str, Entity] = graph.entities
        self.index: AliasIndex = build_alias_index(self.entities)
        self.exact_index = dataclasses.replace(self.index, fuzzy_keys=(), fuzzy_by_key={})
        self._lock = threading.Lock()

    def link(self, question: str) -> list[EntityLink]:
        question = " ".join(question.split())
        if len(self.entities) < FUZZY_ALWAYS_BELOW:
            return link_entities(question, self.index)
        return link_entities(question, self.exact_index) or link_entities(question, self.index)

    def candidates(self, question: str) -> tuple[list[EntityLink], list[Fact]]:
        """The linked entities and the facts touching them (and a linked office's company)."""
        links = self.link(question)
        seen: dict[tuple[str, str, str], Fact] = {}
        linked = [link.entity_id for link in links]
        for entity_id in linked:
            for fact in self.graph.facts_about(entity_id, limit=INCOMING_LIMIT):
                seen.setdefault(fact.key, fact)
        companies = {
            f.subject for f in seen.values() if f.predicate in site_properties() and f.object in set(linked)
        }
        for company in sorted(companies - set(linked)):
            for fact in self.graph.facts_about(company, limit=INCOMING_LIMIT):
                seen.setdefault(fact.key, fact)
        return links, list(seen.values())

    def window(self, question: str) -> Retriever:
        """A :class:`Retriever` over just the facts this question can use."""
        links, facts = self.candidates(question)
        ids: set[str] = {link.entity_id for link in links}
        for fact in facts:
            ids.add(fact.subject)
            if not fact.object_is_literal:
                ids.add(fact.object)
            for step in fact.proof:
                ids.update((step.subject, step.object))
        entities = {eid: self.entities[eid] for eid in sorted(ids) if eid in self.entities}
        retriever = _WindowRetriever(_Window(entities, facts), self.model_path, cache=self.cache)
        # link exactly as the full index did: only the entities it linked are names here
        retriever.index = build_alias_index({link.entity_id: entities[link.entity_id] for link in links})
        return retriever

    def retrieve(self, question: str, k: int = 6) -> Context:
        started = time.perf_counter()
        with self._lock:
            retriever = self.window(question)
        fetched_ms = round((time.perf_counter() - started) * 1000.0, 3)
        context = retriever.retrieve(question, k)
        timings = {"store_ms": fetched_ms, **context.timings_ms}
        timings["total_ms"] = round((time.perf_counter() - started) * 1000.0, 3)
        return dataclasses.replace(context, timings_ms=timings)
