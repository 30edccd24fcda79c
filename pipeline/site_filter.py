"""Which of its sites are in a place: "Which of Harbor Health's sites are in Asia?", "Which of
Hanbit's campuses are outside Asia?", "유럽에 있는 솔버엑스 사무소는 어디인가요?".

A question (not yes/no, not a count, not "which country") that asks for sites or where they are
(its strongest property a site link or a location) and names an organisation with sites and a
place of the knowledge, asked as where its sites are ("in P", "outside P", "not in P"; Korean "P에 있는",
"P 밖에 있는"), lists the sites located in the place (or not in it), from their location facts,
asserted or inferred. A named site class ("its hospitals", "campuses") keeps only sites of that
class. Pure functions over a :class:`~pipeline.grounding.Grounding`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.facts import Fact
from ontology.roles import is_place_class, location_properties, site_properties
from ontology.schema import class_ancestors
from pipeline.counting import asks_a_count
from pipeline.grounding import Grounding
from pipeline.prompt import Lang
from retriever.intent import named_site_classes
from retriever.polar import is_polar

_OUTSIDE_EN = r"(?:outside(?:\s+of)?|not\s+(?:located\s+|based\s+)?in|beyond)"
_INSIDE_EN = r"(?:in|within|across)"
_WHICH_EN = re.compile(r"^\s*(?:which|what|where|list|name|tell me)\b", re.IGNORECASE)
_WHICH_KO = ("어느", "어떤", "어디", "무엇", "뭐", "무슨", "알려")


@dataclass(frozen=True)
class SiteFilter:
    subject: str
    place: str
    inside: bool  # "in P" (True) or "outside P" (False)
    members: tuple[str, ...]  # the sites that match, in fact order
    facts: tuple[Fact, ...]  # one location fact per member (for "outside": where it is instead)
    others: tuple[str, ...]  # the places the subject's sites are in (for an empty answer)


def _place_asked(grounding: Grounding, place: str) -> bool | None:
    """True when the question names ``place`` as where ("in P", "P에 있는"), False for "outside P"
    ("P 밖"), None when it does not name it so."""
    info = grounding.entities.get(place)
    names = sorted((n for n in (info.names() if info else ()) if n), key=len, reverse=True)
    text = grounding.question
    for name in names:
        quoted = re.escape(name)
        if grounding.question_lang == "ko":
            if re.search(quoted + r"\s*(?:밖|바깥|외부|이외)", text):
                return False
            if re.search(quoted + r"\s*(?:에|에서)\s*(?:있|위치)", text):
                return True
            continue
        if re.search(rf"\b{_OUTSIDE_EN}\s+(?:the\s+)?{quoted}", text, re.IGNORECASE):
            return False
        if re.search(rf"\b{_INSIDE_EN}\s+(?:the\s+)?{quoted}", text, re.IGNORECASE):
            return True
    return None


def _asks_which(question: str, lang: Lang) -> bool:
    if lang == "ko":
        return any(word in question for word in _WHICH_KO)
    return bool(_WHICH_EN.search(question))


def sites_in_place(grounding: Grounding) -> SiteFilter | None:
    """The sites a question asks for by place (see the module docstring), or None."""
    question, lang = grounding.question, grounding.question_lang
    if not question or not grounding.site_facts or is_polar(question, lang) or asks_a_count(question):
        return None
    if not _asks_which(question, lang) or any(is_place_class(c) for c in grounding.answer_classes):
        return None  # "which country is the clinic in Hakata in" asks a place, not its sites
    weights = grounding.intent_weights
    strongest = max(weights, key=lambda p: weights[p]) if weights else None
    if strongest not in site_properties() | location_properties():
        return None  # "the capacity of the hospital in Rotterdam" asks a value of one site
    places = [e for e in grounding.linked if is_place_class(grounding.cls(e))]
    owners = [e for e in grounding.named if e in grounding.entities and not is_place_class(grounding.cls(e))]
    asked = [(p, inside) for p in places if (inside := _place_asked(grounding, p)) is not None]
    if len(owners) != 1 or len(asked) != 1:
        return None
    place, inside = asked[0]
    kinds = named_site_classes(question)
    located: dict[str, list[Fact]] = {}
    for fact in grounding.site_facts:
        site_cls = grounding.cls(fact.subject)
        if kinds and not (site_cls and any(k in class_ancestors(site_cls) for k in kinds)):
            continue
        located.setdefault(fact.subject, []).append(fact)
    if not located:
        return None
    members: list[str] = []
    facts: list[Fact] = []
    for site, where in located.items():
        there = next((f for f in where if f.object == place), None)
        if inside and there is not None:
            members.append(site)
            facts.append(there)
        elif not inside and there is None:
            members.append(site)
            same_level = [f for f in where if grounding.cls(f.object) == grounding.cls(place)]
            facts.append((same_level or where)[0])
    level = grounding.cls(place)
    others = tuple(
        dict.fromkeys(
            f.object for where in located.values() for f in where if grounding.cls(f.object) == level
        )
    )
    return SiteFilter(owners[0], place, inside, tuple(members), tuple(facts), others)


def filter_sentence(found: SiteFilter, grounding: Grounding, lang: Lang) -> str:
    """ "Harbor Health's sites in Asia: A; B.", "... outside Asia: C (Europe)." / Korean likewise."""
    subject = grounding.label(found.subject, lang)
    place = grounding.label(found.place, lang)
    listed = "; ".join(  # outside the place: where each is instead
        grounding.label(m, lang) + ("" if found.inside else f" ({grounding.label(f.object, lang)})")
        for m, f in zip(found.members, found.facts, strict=True)
    )
    where = ", ".join(grounding.label(p, lang) for p in found.others)
    if lang == "ko":
        side = f"{place}에 있는 곳" if found.inside else f"{place} 밖에 있는 곳"
        if not found.members:
            return f"{subject}: {side}은 없습니다 (있는 곳: {where})."
        return f"{subject}: {side} — {listed}."
    side = f"in {place}" if found.inside else f"outside {place}"
    if not found.members:
        return f"None of {subject}'s sites is {side}; they are in {where}."
    return f"{subject}'s sites {side}: {listed}."


def names_every_member(answer: str, found: SiteFilter, grounding: Grounding) -> bool:
    """Whether an answer names each listed site (by any of its names)."""
    text = answer.casefold()
    for member in found.members:
        info = grounding.entities.get(member)
        names = [n.casefold() for n in (info.names() if info else (member,)) if n]
        if not any(name in text for name in names):
            return False
    return True
