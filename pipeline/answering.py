"""The retrieved facts that answer what a question asks (pure; shared by the gate and the verifier)."""

from __future__ import annotations

from kg.facts import Fact
from ontology.roles import is_place_class, location_properties, site_properties
from ontology.schema import PROPERTIES
from pipeline.grounding import Grounding
from retriever.intent import applies_to
from retriever.polar import is_polar


def _sub_properties(name: str) -> set[str]:
    """``name`` and every property declared below it (``hasOffice`` -> ``headquarters``)."""
    found = {name}
    changed = True
    while changed:
        changed = False
        for prop in PROPERTIES:
            if prop.parent in found and prop.name not in found:
                found.add(prop.name)
                changed = True
    return found


def answering_facts(grounding: Grounding) -> list[Fact]:
    """Retrieved facts that answer the intent: an intent predicate touching a linked entity."""
    if not grounding.intent:
        return []
    predicates: set[str] = set()
    for name in grounding.intent:
        predicates |= _sub_properties(name)
    linked = set(grounding.linked)
    # one hop from a named entity along a non-location link: "How much did SolverX raise?" is
    # answered by the amount of the round SolverX raised (SolverX -raisedFunding-> Series B)
    reach = linked | {
        fact.object
        for fact in grounding.facts
        if fact.subject in linked
        and not fact.object_is_literal
        and fact.predicate != "type"
        and fact.predicate not in location_properties() | site_properties()
    }
    found = [
        fact
        for fact in grounding.facts
        if fact.predicate in predicates
        and (not linked or fact.subject in reach or (not fact.object_is_literal and fact.object in linked))
    ]
    return [fact for fact in found if not _of_another_subject(fact, grounding)]


def _of_another_subject(fact: Fact, grounding: Grounding) -> bool:
    """ "Is the Rotterdam hospital JCI accredited?": the Busan hospital's accreditation, reached
    backwards from the named value, does not answer a yes/no question whose named subject could
    hold that property itself (a wh-question, "which hospital is JCI accredited?", names none)."""
    if not grounding.named or fact.subject in grounding.named:
        return False
    if not grounding.question or not is_polar(grounding.question, grounding.question_lang):
        return False
    if fact.object_is_literal or fact.object not in grounding.named:
        return False
    subjects = [
        grounding.entities[e].cls
        for e in grounding.named
        if e != fact.object and e in grounding.entities and not is_place_class(grounding.entities[e].cls)
    ]
    return bool(subjects) and applies_to(fact.predicate, subjects)
