"""Yes/no questions about where something is, decided by the graph's location facts.

"Does SolverX have an office in Germany?", "Is the US office in Europe?": yes when a location
fact (asserted or inferred) puts the thing in the place, no when its location facts are known and
none does. Over the user's knowledge the world is closed, so a place it does not contain ("Is
SolverX in France?") holds none of its things. A question that opens on a place asks about that
place ("Is Pangyo part of Seoul?"), answered by the place hierarchy. Pure functions over a
:class:`~pipeline.grounding.Grounding`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.facts import Fact
from ontology.roles import hierarchy_property, location_properties, place_class, placing_properties
from ontology.schema import PROPERTY_BY_NAME
from pipeline.grounding import Grounding
from pipeline.verify import PRIMARY_SHARE, entity_kind, focus_sites
from retriever.intent import applies_to
from retriever.polar import is_polar


def place_predicates() -> list[str]:
    """Where a thing is: the location properties but the place hierarchy, the most general first."""
    names = [p for p in sorted(location_properties()) if p != hierarchy_property()]
    return sorted(
        names, key=lambda p: PROPERTY_BY_NAME[p].domain is not None
    )  # longer proofs are cut: the answer stays one readable sentence


def _place_facts(grounding: Grounding, subjects: set[str], predicates: Iterable[str]) -> list[Fact]:
    wanted = set(predicates)
    seen: set[Fact] = set()
    out: list[Fact] = []
    for fact in (*grounding.facts, *grounding.subject_facts):
        if (
            fact.predicate in wanted
            and fact.subject in subjects
            and not fact.object_is_literal
            and fact not in seen
        ):
            seen.add(fact)
            out.append(fact)
    return out


def _kind(grounding: Grounding, entity_id: str) -> str:
    info = grounding.entities.get(entity_id)
    return entity_kind(info.cls) if info else ""


def _linked_places(grounding: Grounding) -> list[str]:
    return [e for e in grounding.linked if _kind(grounding, e) == place_class()]


def _named_after(question: str, names: Iterable[str], prepositions: str) -> bool:
    """Whether one of the names follows one of the prepositions ("in the X")."""
    return any(
        re.search(rf"\b(?:{prepositions})\s+(?:the\s+)?{re.escape(n)}", question, re.IGNORECASE)
        for n in names
    )


def _asks_location(grounding: Grounding, share: float = 1.0) -> bool:
    """Whether a location property is asked most strongly (or at least ``share`` of the strongest)."""
    weights = grounding.intent_weights
    top = max(weights.values(), default=0.0)
    return any(w >= share * top for p, w in weights.items() if p in location_properties())


def _named_as_place(grounding: Grounding, entity_id: str) -> bool:
    """Whether the question names the entity as where something is: "in/of/within X" ("X에")."""
    info = grounding.entities.get(entity_id)
    names = [n for n in (info.names() if info else ()) if n]
    if grounding.question_lang == "ko":
        return any(f"{n}에" in grounding.question for n in names)
    return _named_after(grounding.question, names, "in|of|within")


def _place_subject(grounding: Grounding, places: list[str]) -> str | None:
    """The place a yes/no question asks about when it names one first and another after it ("Is
    Pangyo, where ..., part of Seoul?", "판교는 서울에 속하나요?"): the question opens on its name."""
    if len(places) < 2:
        return None
    first = places[0]
    info = grounding.entities.get(first)
    text = grounding.question.strip()
    if info is None or not text:
        return None
    names = sorted((n for n in info.names() if n), key=len, reverse=True)
    if grounding.question_lang == "ko":
        return first if any(text.startswith(n) for n in names) else None
    opening = re.match(r"\s*(?:is|are|was|were)\s+(?:the\s+)?", text, re.IGNORECASE)
    rest = text[opening.end() :].casefold() if opening else ""
    return first if any(rest.startswith(n.casefold()) for n in names) else None


def _asked_place_predicates(grounding: Grounding, sites: set[str]) -> list[str]:
    """The location properties a yes/no question asks: those asked nearly as strongly as the
    strongest; a place reached through an asked link ("is any of its sites in P": the chain
    ``hasSite o locatedIn``) before the subject's own. A named site is located by the one of its
    properties asked most (else one the hierarchy carries, not a flag state), with the places
    that property leads to up the hierarchy (its super-property, a chain starting with it)."""
    weights = grounding.intent_weights
    if sites:  # an office is located somewhere; only a company "has an office in"
        classes = [grounding.cls(site) for site in sites]
        applying = [p for p in place_predicates() if applies_to(p, classes)]
        # the one asked ("its home port"), else one the place hierarchy carries (not its flag state)
        applying.sort(key=lambda p: (-weights.get(p, 0.0), p not in placing_properties()))
        chosen = (applying or place_predicates())[:1]
        if not chosen:
            return []
        # and the places it leads to up the hierarchy ("home area" = home port, then its country)
        return chosen + [
            p
            for p in place_predicates()
            if p not in chosen
            and (
                PROPERTY_BY_NAME[chosen[0]].parent == p
                or any(first == chosen[0] for first, _ in PROPERTY_BY_NAME[p].chains)
            )
        ]
    strongest = max(weights.values(), default=0.0)
    through = [
        p
        for p in place_predicates()
        if strongest
        and any(
            weights.get(first, 0.0) >= PRIMARY_SHARE * strongest for first, _ in PROPERTY_BY_NAME[p].chains
        )
    ]
    if through:
        return through
    top = max((weights.get(p, 0.0) for p in place_predicates()), default=0.0)
    return [p for p in place_predicates() if top and weights.get(p, 0.0) >= PRIMARY_SHARE * top] or list(
        place_predicates()
    )


def unlinked_place(grounding: Grounding) -> str | None:
    """A name the knowledge does not have, asked as the place ("Is SolverX in France?",
    "솔버엑스는 프랑스에 있나요?"), when a location property is asked (nearly) as strongly as the
    strongest property ("does it fly anywhere in P": where it flies to)."""
    if not _asks_location(grounding, PRIMARY_SHARE):  # "does it fly anywhere in P": to a destination
        return None
    if grounding.question_lang == "ko":
        return next((name for name in grounding.unknown_entities if f"{name}에" in grounding.question), None)
    return next(
        (name for name in grounding.unknown_entities if _named_after(grounding.question, (name,), "in")), None
    )


def polar_place_verdict(grounding: Grounding) -> tuple[bool, Fact] | None:
    """(yes?, the fact that shows it) for "is X in P" / "does X have an office in P", else None.

    X is the office the question names, else a place it opens on, else the company; P the
    places it names. The answer is yes when a location fact (asserted or inferred) puts X in P;
    no when X's location facts are known and none does, shown by the fact that places X in a
    place of P's kind. Over the user's knowledge the world is closed: a place it does not
    contain ("in France") holds none of its things, so the answer is no, shown by the top
    location fact.
    """
    places = _linked_places(grounding)
    unlinked = None if places else unlinked_place(grounding)
    if not places and unlinked is None:
        return None
    sites = focus_sites(grounding)
    subject_place = None if sites else _place_subject(grounding, places)
    if subject_place is not None:
        subjects = {subject_place}
        places = places[1:]
        predicates = [p for p in (hierarchy_property(),) if p]
    else:
        subjects = sites or {e for e in grounding.linked if _kind(grounding, e) not in (place_class(), "")}
        predicates = _asked_place_predicates(grounding, sites)
    facts = _place_facts(grounding, subjects, predicates)
    if not facts:
        return None
    if sites and len(places) > 1:  # "Is the office in Munich in Asia?": Munich names the office
        naming = {f.object for f in facts} & set(places[:-1])
        places = [p for p in places if p not in naming]
    for fact in facts:
        if fact.object in places:
            return True, fact
    asked_classes = {grounding.cls(p) for p in places}
    same_kind = [f for f in facts if grounding.cls(f.object) in asked_classes]
    return False, (same_kind or facts)[0]


def closed_world_place(grounding: Grounding) -> bool:
    """Whether a yes/no question asks if something is in a place the knowledge does not contain
    and the graph can answer "no" ("Is SolverX in France?"), rather than "I don't know France"."""
    return (
        is_polar(grounding.question, grounding.question_lang)
        and unlinked_place(grounding) is not None
        and polar_place_verdict(grounding) is not None
    )


def place_in_place(grounding: Grounding) -> bool:
    """Whether a yes/no question asks if one place is in another ("판교는 서울에 속하나요?") and
    the graph's place hierarchy answers it (the question names no entity of the organisation)."""
    places = _linked_places(grounding)
    return (
        is_polar(grounding.question, grounding.question_lang)
        and _asks_location(grounding)
        and _place_subject(grounding, places) is not None
        and any(_named_as_place(grounding, p) for p in places[1:])
        and polar_place_verdict(grounding) is not None
    )
