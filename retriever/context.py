"""What a retrieval returns: :class:`Context`, the ranked facts with their provenance.

JSON shape of :meth:`Context.to_json` (the ``context`` of ``axlab ask --json``), one object per fact::

    {"subject": "SolverX", "predicate": "located in", "object": "South Korea", "inferred": true,
     "proof": [{"subject": "SolverX", "predicate": "located in", "object": "Seocho-dong"},
               {"subject": "Seocho-dong", "predicate": "part of", "object": "Seocho-gu"}, ...]}

Labels are human-readable (entity labels, the schema's property labels, literals formatted for
people); ``proof`` is the list of asserted steps in chain order (empty for an asserted fact),
each a ``{subject, predicate, object}`` object with the same kind of labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kg.facts import Fact
from ontology.schema import CLASS_BY_NAME, PROPERTY_BY_NAME
from retriever.verbalise import Companions, format_literal


@dataclass(frozen=True)
class LinkedEntity:
    id: str
    label: str  # English label
    label_ko: str
    score: float
    surface: str  # the question's words it was linked from ("" when expanded)
    via: str | None = None  # for an entity reached by expansion: the linked entity it came from

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "label_ko": self.label_ko,
            "score": self.score,
            "surface": self.surface,
            "via": self.via,
        }


@dataclass(frozen=True)
class ScoredFact:
    fact: Fact
    score: float
    text_en: str
    text_ko: str
    parts: Mapping[str, float] = field(default_factory=dict)  # score components (cosine, boosts)

    def text(self, lang: str) -> str:
        return self.text_ko if lang == "ko" else self.text_en


def _predicate_label(predicate: str, lang: str) -> str:
    if predicate == "type":
        return "유형" if lang == "ko" else "is a"
    prop = PROPERTY_BY_NAME.get(predicate)
    if prop is None:
        return predicate
    return prop.label_ko if lang == "ko" else prop.label_en


@dataclass(frozen=True)
class Context:
    question: str
    lang: str
    entities: tuple[LinkedEntity, ...]
    intent_predicates: tuple[str, ...]
    answer_classes: tuple[str, ...]
    unsupported_attributes: tuple[str, ...]
    facts: tuple[ScoredFact, ...]
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # id -> (en, ko)
    companions: Companions = field(default_factory=dict)
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    intent_weights: Mapping[str, float] = field(default_factory=dict)  # predicate -> weight (best 1.0)
    # why each unsupported attribute cannot be answered: "unknown_attribute" (the ontology has no
    # such property) or "not_in_knowledge" (a named thing the knowledge does not contain)
    unsupported_kinds: tuple[str, ...] = ()
    unknown_entities: tuple[str, ...] = ()  # names the question asks about that the knowledge lacks
    known_sites: tuple[str, ...] = ()  # where the linked entities' sites are, when one elsewhere is asked

    @property
    def is_domain(self) -> bool:
        """Whether the question names anything in the knowledge (any entity linked)."""
        return bool(self.entities)

    @property
    def linked_ids(self) -> tuple[str, ...]:
        """Entities linked from the question, then those reached by expansion (office -> company)."""
        return tuple(e.id for e in self.entities)

    @property
    def fact_list(self) -> list[Fact]:
        return [sf.fact for sf in self.facts]

    def label(self, entity_id: str, lang: str = "en") -> str:
        pair = self.labels.get(entity_id)
        if pair is None:
            return entity_id
        return pair[1] if lang == "ko" else pair[0]

    def _object_label(self, fact: Fact, lang: str) -> str:
        if fact.predicate == "type":
            cls = CLASS_BY_NAME.get(fact.object)
            return (cls.label_ko if lang == "ko" else cls.label_en) if cls else fact.object
        if fact.object_is_literal:
            return format_literal(fact, lang, self.companions)
        return self.label(fact.object, lang)

    def _triple(self, fact: Fact, lang: str) -> dict[str, Any]:
        return {
            "subject": self.label(fact.subject, lang),
            "predicate": _predicate_label(fact.predicate, lang),
            "object": self._object_label(fact, lang),
        }

    def to_json(self, lang: str = "en") -> list[dict[str, Any]]:
        """``[{subject, predicate, object, inferred, proof}]`` with human-readable labels (module doc)."""
        return [
            {
                **self._triple(sf.fact, lang),
                "inferred": sf.fact.inferred,
                "proof": [self._triple(step, lang) for step in sf.fact.proof],
            }
            for sf in self.facts
        ]

    def as_prompt_lines(self, lang: str | None = None) -> list[str]:
        """Each fact as one short plain sentence (inferred ones as direct statements)."""
        return [sf.text(lang or self.lang) for sf in self.facts]

    def to_dict(self) -> dict[str, Any]:
        """Everything, for debugging and the benchmark: entities, intent, scores, timings."""
        return {
            "question": self.question,
            "lang": self.lang,
            "is_domain": self.is_domain,
            "entities": [e.to_dict() for e in self.entities],
            "intent_predicates": list(self.intent_predicates),
            "answer_classes": list(self.answer_classes),
            "unsupported_attributes": list(self.unsupported_attributes),
            "unsupported_kinds": list(self.unsupported_kinds),
            "unknown_entities": list(self.unknown_entities),
            "facts": [
                {**item, "score": round(sf.score, 4), "text": sf.text(self.lang)}
                for item, sf in zip(self.to_json(self.lang), self.facts, strict=True)
            ],
            "timings_ms": dict(self.timings_ms),
        }
