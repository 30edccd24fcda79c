"""Do two things share a place? "Are A and B in the same country?", "A와 B는 같은 나라에 있나요?".

A yes/no question that names two things of the knowledge, a place class ("country", "city",
나라) and "same" or "different" (같은 / 다른) is answered from each thing's location of that class,
asserted or inferred: the two facts that place them show the answer. Each thing must be placed in
exactly one place of the class; otherwise the graph gives no verdict. Pure functions over a
:class:`~pipeline.grounding.Grounding`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.facts import Fact
from ontology.roles import is_place_class, location_properties
from ontology.schema import class_ancestors
from pipeline.grounding import Grounding
from retriever.polar import is_polar

_SAME_EN = re.compile(r"\b(?:same|identical)\b", re.IGNORECASE)
_DIFFERENT_EN = re.compile(r"\b(?:different|separate)\b", re.IGNORECASE)
_SAME_KO = ("같은", "동일한")
_DIFFERENT_KO = ("다른", "서로 다른")


@dataclass(frozen=True)
class Comparison:
    """The places of two things: ``same`` whether they coincide; ``asked_same`` whether the
    question asks "the same" (else "different"); ``facts`` the fact placing each thing."""

    same: bool
    asked_same: bool
    facts: tuple[Fact, Fact]

    @property
    def yes(self) -> bool:
        return self.same == self.asked_same


def _asks_same(question: str, lang: str) -> bool | None:
    """True for "the same ...", False for "different ...", None for neither (or both)."""
    if lang == "ko":
        same, different = any(w in question for w in _SAME_KO), any(w in question for w in _DIFFERENT_KO)
    else:
        same, different = bool(_SAME_EN.search(question)), bool(_DIFFERENT_EN.search(question))
    return same if same != different else None


def _placed_in(grounding: Grounding, thing: str, cls: str) -> Fact | None:
    """The one fact placing ``thing`` in a place of class ``cls`` (None: none, or several places)."""
    where: dict[str, Fact] = {}
    for fact in (*grounding.facts, *grounding.subject_facts):
        if fact.subject != thing or fact.object_is_literal or fact.predicate not in location_properties():
            continue
        place = grounding.cls(fact.object)
        if place and cls in class_ancestors(place):
            where.setdefault(fact.object, fact)
    return next(iter(where.values())) if len(where) == 1 else None


def compared_places(grounding: Grounding) -> Comparison | None:
    """The comparison a yes/no question asks (see the module docstring), or None."""
    question, lang = grounding.question, grounding.question_lang
    if not question or not is_polar(question, lang):
        return None
    asked_same = _asks_same(question, lang)
    classes = [c for c in grounding.answer_classes if is_place_class(c)]
    things = [e for e in grounding.named if e in grounding.entities and not is_place_class(grounding.cls(e))]
    if asked_same is None or not classes or len(things) != 2:
        return None
    first, second = (_placed_in(grounding, thing, classes[0]) for thing in things)
    if first is None or second is None:
        return None
    return Comparison(first.object == second.object, asked_same, (first, second))
