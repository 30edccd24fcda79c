"""What the answer side needs from a retrieval: :class:`Grounding`.

The engine turns the retriever's ``Context`` into this small, plain record once
(:func:`pipeline.engine.grounding_from_context`), so that the gate
(:mod:`pipeline.abstain`) and the verifier (:mod:`pipeline.verify`) are pure
functions over data that tests can write by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kg.facts import Fact
from ontology.roles import anchor_classes
from pipeline.prompt import Lang


@dataclass(frozen=True)
class EntityInfo:
    """An entity the answer side may meet: its class and its names in both languages."""

    id: str
    cls: str
    label_en: str
    label_ko: str
    aliases: tuple[str, ...] = ()

    def label(self, lang: Lang) -> str:
        return self.label_ko if lang == "ko" else self.label_en

    def names(self) -> tuple[str, ...]:
        return (self.label_en, self.label_ko, *self.aliases)


@dataclass(frozen=True)
class Grounding:
    """A retrieval seen from the answer side.

    ``facts`` are ranked best first; ``lines`` are their prompt sentences in the
    question's language (same order, one per fact); ``subject_facts`` are every graph
    fact about the linked entities (used to check numbers an answer invents).
    """

    question_lang: Lang
    linked: tuple[str, ...] = ()
    named: tuple[str, ...] = ()  # the linked entities the question names itself (not reached from one)
    intent: tuple[str, ...] = ()
    intent_weights: dict[str, float] = field(default_factory=dict)  # predicate -> weight (strongest 1.0)
    question: str = ""
    answer_classes: tuple[str, ...] = ()  # the class the answer should have (Country, City...)
    unsupported: tuple[str, ...] = ()
    unsupported_kinds: tuple[str, ...] = ()  # parallel to ``unsupported``: why each is not answerable
    unknown_entities: tuple[str, ...] = ()
    known_sites: tuple[str, ...] = ()  # where the linked entity's sites are (labels), for "none in X"
    is_domain: bool = False
    facts: tuple[Fact, ...] = ()
    lines: tuple[str, ...] = ()
    context_json: tuple[dict[str, Any], ...] = ()
    entities: dict[str, EntityInfo] = field(default_factory=dict)
    subject_facts: tuple[Fact, ...] = ()
    site_facts: tuple[Fact, ...] = ()  # where the named entities' sites are (offices, facilities)

    @property
    def anchored(self) -> bool:
        """Whether the question names an entity of the user's knowledge (:func:`ontology.roles.anchor_classes`).

        Without entity information (hand-written groundings) any linked entity counts.
        """
        if not self.entities:
            return bool(self.linked)
        return any(
            self.entities[entity_id].cls in anchor_classes()
            for entity_id in self.linked
            if entity_id in self.entities
        )

    def cls(self, entity_id: str) -> str:
        """The entity's class ("" for an entity the answer side does not know)."""
        info = self.entities.get(entity_id)
        return info.cls if info else ""

    def label(self, entity_id: str, lang: Lang | None = None) -> str:
        info = self.entities.get(entity_id)
        return info.label(lang or self.question_lang) if info else entity_id

    def all_facts(self) -> Iterator[Fact]:
        """Context facts and the asserted facts in their proofs."""
        for fact in self.facts:
            yield fact
            yield from fact.proof
