"""The retrieved facts that answer what a question asks (pure; shared by the gate and the verifier)."""

from __future__ import annotations

from kg.facts import Fact
from ontology.roles import location_properties, site_properties
from ontology.schema import PROPERTIES
from pipeline.grounding import Grounding


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
    return [
        fact
        for fact in grounding.facts
        if fact.predicate in predicates
        and (not linked or fact.subject in reach or (not fact.object_is_literal and fact.object in linked))
    ]
