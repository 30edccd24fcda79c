"""Counting questions: "On how many continents does X operate?", "몇 개 나라에 ...?".

A question that asks *how many* of a class the ontology names ("continents", "hospitals") is
answered by counting, not by a stored number: the distinct entities of that class (or a
subclass) that the asked properties link the subject to, asserted or inferred. For a place
class every location property counts, of the subject and of each of its sites (a company is in
a continent through its headquarters and through each of its offices, chain or no chain);
otherwise the properties the question asks, else any object property. The count and the things counted come from the graph, so the verifier can check an
answer's number against them (:func:`states_count`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.facts import Fact
from ontology.roles import hierarchy_property, is_place_class, location_properties, numeric_properties
from ontology.schema import CLASS_BY_NAME, PROPERTY_BY_NAME, class_ancestors
from pipeline.grounding import Grounding
from pipeline.prompt import Lang
from retriever.intent import asked_types, named_site_classes

_COUNT_EN = re.compile(r"\bhow many\b|\bnumber of\b", re.IGNORECASE)
_COUNT_KO = "몇"
STRONG = 0.9  # an asked numeric property this near the strongest asked property is what is asked
_NUMBER_WORDS_EN = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_NUMBER_WORDS_KO = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열")


@dataclass(frozen=True)
class Count:
    subject: str
    cls: str  # the class counted
    members: tuple[str, ...]  # the distinct entities counted, in fact order
    facts: tuple[Fact, ...]  # one fact per member, that links the subject to it


def _is_a(grounding: Grounding, entity_id: str, cls: str) -> bool:
    info = grounding.entities.get(entity_id)
    return info is not None and cls in class_ancestors(info.cls)


def _predicates(grounding: Grounding, cls: str) -> set[str] | None:
    """The properties whose values are counted (None: any object property)."""
    if is_place_class(cls):
        return set(location_properties()) - {hierarchy_property()}
    asked = {p for p in grounding.intent if p in PROPERTY_BY_NAME and PROPERTY_BY_NAME[p].kind == "object"}
    inverses = {PROPERTY_BY_NAME[p].inverse for p in asked} - {None}
    return (asked | {str(p) for p in inverses}) or None  # "operated by" asked: "operates" links to them


def _by_mention(question: str, classes: tuple[str, ...]) -> list[str]:
    """The asked classes, the one named first after the count word first ("how many countries
    ... facilities": countries)."""
    text = question.casefold()
    start = min((m.start() for m in (_COUNT_EN.search(text),) if m), default=text.find(_COUNT_KO))

    def position(name: str) -> int:
        cls = CLASS_BY_NAME[name]
        found = [
            text.find(label.casefold()[:-1] if len(label) > 3 else label.casefold(), max(start, 0))
            for label in (cls.label_en, *cls.alt_en, cls.label_ko, *cls.alt_ko)
            if label
        ]
        hits = [f for f in found if f >= 0]
        return min(hits) if hits else len(text)

    return sorted((c for c in classes if c in CLASS_BY_NAME), key=position)


def asks_a_count(question: str) -> bool:
    """ "How many ...", "몇 ...": a count, not an amount ("how much", "얼마"), a year ("몇 년도")
    or an ordinal ("몇 번째")."""
    if "when" in asked_types(question):
        return False
    return bool(_COUNT_EN.search(question)) or bool(re.search(rf"{_COUNT_KO}(?!\s*번째)", question))


def _stored_number(grounding: Grounding, subject: str) -> bool:
    """Whether an asked numeric property has a value for the subject ("how many people": its
    headcount is stored, nothing is to be counted)."""
    weights = grounding.intent_weights
    top = max(weights.values(), default=0.0)
    numeric = {
        p for p in grounding.intent if p in numeric_properties() and weights.get(p, 0.0) >= STRONG * top
    }
    return any(
        f.subject == subject and f.predicate in numeric for f in (*grounding.facts, *grounding.subject_facts)
    )


def count_asked(grounding: Grounding, question: str = "") -> Count | None:
    """What a "how many <class>" question counts, or None when it is no such question, a stored
    number answers it, or the graph links the subject to nothing of that class."""
    question = question or grounding.question
    if not question or not grounding.answer_classes or not asks_a_count(question):
        return None
    subjects = [
        e
        for e in grounding.linked
        if e in grounding.entities and not is_place_class(grounding.entities[e].cls)
    ]
    if not subjects:
        return None
    subject = subjects[0]
    mentioned = _by_mention(question, grounding.answer_classes)
    if not mentioned:
        return None
    cls = mentioned[0]  # what is counted, not what it is in
    if not is_place_class(cls) and _stored_number(grounding, subject):
        return None  # "how many people": the headcount; "how many countries" is always counted
    predicates = _predicates(grounding, cls)
    # a place class: where the subject is, and where each of its sites is; where the question names
    # the kind of site ("in how many countries does it run a museum"), only where those sites are
    named = named_site_classes(question) if is_place_class(cls) else frozenset()
    sites = {
        f.subject
        for f in grounding.site_facts
        if is_place_class(cls) and (not named or named & set(class_ancestors(grounding.cls(f.subject))))
    }
    members: dict[str, Fact] = {}
    for fact in (*grounding.facts, *grounding.subject_facts, *grounding.site_facts):
        if fact.object_is_literal or not ((fact.subject == subject and not named) or fact.subject in sites):
            continue
        if predicates is not None and fact.predicate not in predicates:
            continue
        if _is_a(grounding, fact.object, cls):
            members.setdefault(fact.object, fact)
    return Count(subject, cls, tuple(members), tuple(members.values())) if members else None


def _plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(?:s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def count_sentence(count: Count, grounding: Grounding, lang: Lang) -> str:
    """ "SolverX: 3 continents (Asia, Europe, North America)." / "솔버엑스: 대륙 3개 (아시아, ...)."."""
    cls = CLASS_BY_NAME[count.cls]
    subject = grounding.label(count.subject, lang)
    names = ", ".join(grounding.label(m, lang) for m in count.members)
    n = len(count.members)
    if lang == "ko":
        return f"{subject}: {cls.label_ko} {n}개 ({names})."
    noun = cls.label_en if n == 1 else _plural(cls.label_en)
    return f"{subject}: {n} {noun} ({names})."


def states_count(answer: str, count: Count, lang: Lang) -> bool:
    """Whether ``answer`` gives the counted number (digits, or a number word)."""
    n = len(count.members)
    if re.search(rf"(?<!\d){n}(?!\d)", answer):
        return True
    if lang == "ko":
        cls = CLASS_BY_NAME[count.cls]
        counters = "|".join(map(re.escape, ("개", "곳", "군데", "국", cls.label_ko, *cls.alt_ko)))
        return n < len(_NUMBER_WORDS_KO) and bool(
            re.search(rf"{_NUMBER_WORDS_KO[n]}\s*(?:{counters})", answer)
        )
    return n < len(_NUMBER_WORDS_EN) and bool(re.search(rf"\b{_NUMBER_WORDS_EN[n]}\b", answer, re.IGNORECASE))
