"""Scoring a candidate fact: embedding similarity plus symbolic boosts (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kg.facts import Fact
from ontology.roles import hierarchy_property, location_properties
from ontology.schema import class_ancestors
from retriever.intent import Intent

W_COSINE = 1.0
# all-MiniLM-L6-v2 is an English model: on Hangul it sees jamo pieces, so its cosine says less
W_COSINE_BY_LANG: dict[str, float] = {"en": 1.0, "ko": 0.6}
W_PREDICATE = 0.5  # the fact's predicate is one the question asks about (times the cue's weight)
W_CLASS = 0.4  # the object is of the expected answer class ("which country" -> a Country)
W_LINK = 0.1  # how well the fact's entities were linked
W_BOTH = 0.3  # subject and object are both named in the question
W_ASSERTED = 0.02  # tie-break: a stated fact before an equally relevant inferred one
W_TYPE = -0.2  # class membership is rarely what a question asks
W_EXPANDED = -0.3  # a fact only about the company of a named (non-headquarters) office
W_HOP = -0.05  # a fact one hop away along an asked predicate (the round of "raised funding")
# "where is X?" with no expected class: a city or a country answers best, a continent least
# by the place's depth in the hierarchy: 0 is the top (a continent), 1 the next (a country)
# (a city-level place, three below the top, answers "where" best; a continent least), plus a little
# for the stated location over the inferred ones
WHERE_PRIOR_BY_DEPTH: dict[int, float] = {0: -0.05, 1: 0.08, 2: 0.08, 3: 0.1}
WHERE_PRIOR_DEEPER = 0.06
WHERE_STATED = 0.03


@dataclass(frozen=True)
class Signals:
    """What the symbolic side knows about the question, for scoring."""

    intent: Intent
    link_scores: Mapping[str, float]  # entity id -> link score (expanded entities included)
    direct: frozenset[str]  # entities named in the question itself
    classes: Mapping[str, str]  # entity id -> class name
    # entities standing for a named one (the company of a named headquarters: same location)
    equivalent: frozenset[str] = frozenset()
    depth: Mapping[str, int] = field(default_factory=dict)  # place id -> number of larger places


def boosts(fact: Fact, signals: Signals) -> dict[str, float]:
    """The symbolic parts of a fact's score, by name."""
    parts: dict[str, float] = {}
    weight = signals.intent.predicates.get(fact.predicate, 0.0)
    if weight:
        parts["predicate"] = W_PREDICATE * weight
    if signals.intent.answer_classes and not fact.object_is_literal and fact.predicate != "type":
        cls = signals.classes.get(fact.object)
        if cls and set(class_ancestors(cls)) & set(signals.intent.answer_classes):
            parts["class"] = W_CLASS
    elif (
        fact.predicate in location_properties()
        and fact.predicate != hierarchy_property()
        and signals.intent.predicates.get(fact.predicate, 0.0) >= 0.5
        and not fact.object_is_literal
    ):
        depth = signals.depth.get(fact.object)
        prior = 0.0 if depth is None else WHERE_PRIOR_BY_DEPTH.get(depth, WHERE_PRIOR_DEEPER)
        if prior and not fact.inferred:
            prior += WHERE_STATED
        if prior:
            parts["where"] = prior
    link = max(
        signals.link_scores.get(fact.subject, 0.0),
        0.0 if fact.object_is_literal else signals.link_scores.get(fact.object, 0.0),
    )
    if link:
        parts["link"] = W_LINK * link
    if not fact.object_is_literal and fact.subject in signals.direct and fact.object in signals.direct:
        # both ends named: strong when the predicate is asked about (or nothing in particular is)
        asked = not signals.intent.predicates or weight > 0
        parts["both"] = W_BOTH if asked else W_BOTH / 3
    if not fact.inferred:
        parts["asserted"] = W_ASSERTED
    if fact.predicate == "type":
        parts["type"] = W_TYPE
    near = signals.direct | signals.equivalent
    touched = {fact.subject} if fact.object_is_literal else {fact.subject, fact.object}
    if not touched & near:
        parts["indirect"] = W_EXPANDED if touched & set(signals.link_scores) else W_HOP
    return parts


def score(cosine: float, parts: Mapping[str, float], lang: str = "en") -> float:
    return W_COSINE_BY_LANG.get(lang, W_COSINE) * cosine + sum(parts.values())
