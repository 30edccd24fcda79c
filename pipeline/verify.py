"""Check a generated answer against the retrieved facts and the graph (pure functions).

Claims are the entities an answer names (found by a linker, by default the graph's
labels and aliases) and the numbers it states; a place-like name after "in"/"at"
(or before Korean "에 있다/위치") is a claim too, even when the graph does not know it
("SolverX is in Japan"). Each claim is

* ``supported``: it appears in the retrieved facts (or their proofs) or the graph's
  facts about the linked entities;
* ``contradicted``: it is of the kind the answer should be (a place for a location
  question, a year when the subject has years, a number for a numeric question) but
  not one of the known values;
* ``unsupported``: anything else the facts neither confirm nor contradict.

The answer's status is ``contradicted`` if any claim is, else ``supported`` if any
claim is, else ``unsupported``; the engine turns ``contradicted`` into ``fallback``
in the graph and hybrid modes (:func:`fallback_answer`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from kg.facts import Fact
from ontology.roles import (
    is_place_class,
    location_properties,
    place_class,
    site_classes,
    site_properties,
    temporal_properties,
)
from ontology.schema import CLASSES, PROPERTIES, PROPERTY_BY_NAME, class_ancestors
from pipeline.answering import answering_facts
from pipeline.counting import count_asked
from pipeline.exclusion import excluded
from pipeline.grounding import Grounding
from retriever.intent import asks_when
from retriever.polar import is_polar

ClaimStatus = Literal["supported", "unsupported", "contradicted"]
Status = Literal["supported", "unsupported", "contradicted", "fallback"]
Linker = Callable[[str], Sequence[str]]

_NUMERIC_TYPES = frozenset({"integer", "decimal"})

_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(billion|million|thousand|trillion|bn|억|만|조|천)?",
    re.IGNORECASE,
)
_SCALES = {
    "thousand": 1e3,
    "천": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "만": 1e4,
    "억": 1e8,
    "조": 1e12,
}
_EN_PLACE = re.compile(
    r"\b(?:in|at|located in|based in|headquartered in)\s+"
    r"((?:the\s+)?[A-Z][\w'\-]*(?:(?:\s+|,\s*)(?:of\s+)?[A-Z][\w'\-]*)*)"
)
_KO_PLACE = re.compile(r"([가-힣A-Za-z][가-힣A-Za-z\-]*)(?:에|에서)\s*(?:있|위치|소재|자리)")
_STOPWORDS = frozenset({"the", "a", "an", "its", "this", "that", "it", "our", "their"})


@dataclass(frozen=True)
class Claim:
    text: str
    kind: Literal["entity", "place", "number"]
    status: ClaimStatus
    entity: str | None = None
    reason: str = ""


@dataclass
class Verification:
    status: Status
    claims: list[Claim] = field(default_factory=list)
    fallback_from: str | None = None  # the generated answer a fallback replaced
    states_answer: bool | None = None  # names what the answering fact says (None: nothing expected)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "claims": [{k: v for k, v in asdict(c).items() if v not in (None, "")} for c in self.claims],
        }
        if self.states_answer is not None:
            out["states_answer"] = self.states_answer
        if self.fallback_from is not None:
            out["fallback_from"] = self.fallback_from
        return out


# --- numbers -----------------------------------------------------------------------


def _to_float(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def numbers_in(text: str) -> list[tuple[str, set[float]]]:
    """Numbers in a text: ``(surface, {value, scaled value})``; single digits are ignored."""
    found: list[tuple[str, set[float]]] = []
    for match in _NUMBER.finditer(text):
        raw, scale = match.group(1), match.group(2)
        value = _to_float(raw)
        if value is None:
            continue
        if value < 10 and "." not in raw and not scale:
            continue  # list markers and counts like "3 domains" are not checked
        values = {value}
        if scale:
            values.add(value * _SCALES[scale.lower()])
        found.append((match.group(0).strip(), values))
    return found


def _is_year(values: set[float]) -> bool:
    return any(v.is_integer() and 1800 <= v <= 2100 for v in values)


def _fact_numbers(facts: Iterable[Fact], lines: Iterable[str]) -> tuple[set[float], set[float]]:
    """All numbers the facts state, and the years among them (by datatype)."""
    numbers: set[float] = set()
    years: set[float] = set()
    for fact in facts:
        if not fact.object_is_literal:
            continue
        for _, values in numbers_in(fact.object) or [(fact.object, set())]:
            numbers |= values
        value = _to_float(fact.object)
        if value is not None:
            numbers.add(value)
            if fact.datatype == "gYear":
                years.add(value)
    for line in lines:
        for _, values in numbers_in(line):
            numbers |= values
    return numbers, years


# --- entities ----------------------------------------------------------------------


def entity_kind(cls: str) -> str:
    """The broad kind of a class: its root class (Place, Product, Office...), or the child of the
    root under a root that only groups kinds (Agent groups Organization and Person)."""
    ancestors = class_ancestors(cls)
    if len(ancestors) > 1 and not is_place_class(cls) and _groups_kinds(ancestors[-1]):
        return ancestors[-2]
    return ancestors[-1]


def _groups_kinds(root: str) -> bool:
    """A root nobody describes (no property has it as domain) with several direct subclasses."""
    children = [c for c in CLASSES if c.parent == root]
    return len(children) > 1 and not any(p.domain == root for p in PROPERTIES)


def _name_pattern(name: str) -> re.Pattern[str]:
    escaped = re.escape(name)
    if re.match(r"[A-Za-z0-9]", name):
        return re.compile(rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])", re.IGNORECASE)
    return re.compile(escaped)


def name_linker(grounding: Grounding) -> Linker:
    """A linker over the grounding's entity names: longest names first, no overlaps."""
    names = sorted(
        ((name, info.id) for info in grounding.entities.values() for name in info.names() if len(name) >= 2),
        key=lambda item: -len(item[0]),
    )
    patterns = [(_name_pattern(name), entity_id) for name, entity_id in names]

    def link(text: str) -> list[str]:
        taken: list[tuple[int, int]] = []
        found: list[str] = []
        for pattern, entity_id in patterns:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                if entity_id not in found:
                    found.append(entity_id)
        return found

    return link


def _ids_in(facts: Iterable[Fact]) -> set[str]:
    ids: set[str] = set()
    for fact in facts:
        ids.add(fact.subject)
        if not fact.object_is_literal:
            ids.add(fact.object)
        for step in fact.proof:
            ids.add(step.subject)
            if not step.object_is_literal:
                ids.add(step.object)
    return ids


def _known_names(grounding: Grounding) -> set[str]:
    return {name.lower() for info in grounding.entities.values() for name in info.names()}


def _place_spans(answer: str) -> list[str]:
    spans: list[str] = []
    for match in _EN_PLACE.finditer(answer):
        for part in re.split(r",\s*", match.group(1)):
            words = [w for w in part.split() if w.lower() not in _STOPWORDS and w.lower() != "of"]
            if words:
                spans.append(" ".join(words))
    for match in _KO_PLACE.finditer(answer):
        spans.append(match.group(1))
    return spans


# --- the check ---------------------------------------------------------------------


def _ancestors(predicate: str) -> set[str]:
    out: set[str] = set()
    prop = PROPERTY_BY_NAME.get(predicate)
    while prop is not None and prop.parent is not None:
        out.add(prop.parent)
        prop = PROPERTY_BY_NAME.get(prop.parent)
    return out


def _asks_for(predicate: str, question: str) -> bool:
    """Whether the question names a property (its English or Korean label); no question: yes."""
    if not question:
        return True
    prop = PROPERTY_BY_NAME.get(predicate)
    if prop is None:
        return False
    text = question.casefold()
    return prop.label_en.casefold() in text or prop.label_ko in question


def specific_facts(grounding: Grounding) -> list[Fact]:
    """The facts that answer the intent, without those a more specific *asked* predicate refines.

    "What is SolverX's core product?" names ``coreProduct``: the ``hasProduct`` facts of the same
    subject are then not answers (SolverX Cloud is a product, not the core product). "What
    products does SolverX make?" keeps them all.
    """
    answering = answering_facts(grounding)
    asked = {p for p in grounding.intent if _asks_for(p, grounding.question)}
    refined = {
        (fact.subject, parent)
        for fact in answering
        if fact.predicate in asked
        for parent in _ancestors(fact.predicate)
    }
    return [f for f in answering if (f.subject, f.predicate) not in refined]


PRIMARY_SHARE = 0.85  # an intent predicate is primary when its weight is this close to the strongest


def _weight(fact: Fact, weights: dict[str, float]) -> float:
    return max((weights.get(p, 0.0) for p in (fact.predicate, *_ancestors(fact.predicate))), default=0.0)


def primary_facts(grounding: Grounding) -> list[Fact]:
    """The specific answering facts of the most strongly asked predicates ("Who is the CEO": ``ceo``,
    not ``foundedBy``; "When was it founded": ``foundedIn``, not ``employeeCountYear``); for a
    count question, one fact per thing counted (:mod:`pipeline.counting`)."""
    count = count_asked(grounding)
    if count is not None:
        return list(count.facts)
    specific = specific_facts(grounding)
    if not grounding.intent_weights or not specific:
        return specific
    weights = grounding.intent_weights
    top = max(_weight(f, weights) for f in specific)
    primary = [f for f in specific if _weight(f, weights) >= PRIMARY_SHARE * top]
    # the thing the question names before one reached from it ("포르투 공항 코드": the airport's
    # code, not its airline's), when the named thing's fact is asked as strongly as any
    named = [
        f for f in primary if f.subject in grounding.named and not is_place_class(grounding.cls(f.subject))
    ]
    if named and max(_weight(f, weights) for f in named) >= top:
        return named
    return primary


def expected_kinds(grounding: Grounding) -> set[str]:
    """Kinds of entity an answer is expected to name (from the facts that answer the intent)."""
    kinds: set[str] = set()
    for fact in primary_facts(grounding):
        if not fact.object_is_literal and fact.object in grounding.entities:
            kinds.add(entity_kind(grounding.entities[fact.object].cls))
    if set(grounding.intent) & (location_properties() | site_properties()):
        kinds.add(place_class() or "")
    return kinds


def _involves(fact: Fact, entity_ids: set[str]) -> bool:
    """Whether a fact is about one of the entities: its subject, or a step of its proof."""
    return fact.subject in entity_ids or any(step.subject in entity_ids for step in fact.proof)


def focus_sites(grounding: Grounding) -> set[str]:
    """The sites the question names ("SolverX's head office", "the R&D center"): their facts,
    not the company's other sites, answer it."""
    return {
        entity_id
        for entity_id in grounding.linked
        if entity_id in grounding.entities and grounding.entities[entity_id].cls in site_classes()
    }


def target_facts(grounding: Grounding) -> list[Fact]:
    """The facts an answer should state: the primary answering facts about the named office if the
    question names one, those naming the asked thing as their value when it is asked backwards, not those giving
    what it sets aside ("other than Asia"), a place for "where", of the asked class if any are."""
    specific = primary_facts(grounding)
    sites = focus_sites(grounding)
    if sites:
        specific = [f for f in specific if _involves(f, sites)] or specific
    specific = _about_the_named_value(specific, grounding)
    aside = excluded(grounding)
    if aside:  # "a continent other than Asia": not the fact that gives Asia
        specific = [f for f in specific if f.object not in aside] or specific
    weights = grounding.intent_weights or dict.fromkeys(grounding.intent, 1.0)
    strongest = max(weights, key=lambda p: weights[p]) if weights else None
    # "an office in Germany": the place is what the answer is about
    place_named = any(is_place_class(grounding.cls(e)) for e in grounding.linked)
    located = strongest in location_properties() or (place_named and set(weights) & location_properties())
    if located:  # "where": the answer is a place, not the office (a location asked beside a yes/no
        # fact, "can goods sit in its warehouse under bond", is no "where")
        places = [
            f
            for f in specific
            if not f.object_is_literal
            and f.object in grounding.entities
            and is_place_class(grounding.entities[f.object].cls)
        ]
        specific = places or specific
    if grounding.question and asks_when(grounding.question):  # "when": a time, not the round itself
        specific = [f for f in specific if f.predicate in temporal_properties()] or specific
    wanted = set(grounding.answer_classes)
    if wanted:
        of_class = [
            f
            for f in specific
            if not f.object_is_literal
            and f.object in grounding.entities
            and grounding.entities[f.object].cls in wanted
        ]
        if of_class:
            return of_class
    return specific


def _about_the_named_value(facts: list[Fact], grounding: Grounding) -> list[Fact]:
    """ "Who makes Fusion?": the question names a value and asks its subject, so the maker's fact
    about Fusion answers, not the maker's other products. Only for a named thing of the class of
    the asked property's values that no fact has as its subject, and not for places (they say
    which one: "the clinic in Hakata")."""
    top = PROPERTY_BY_NAME.get(grounding.intent[0]) if grounding.intent else None
    if top is None or top.kind != "object" or not top.range:
        return facts
    named = {  # of the class of the asked property's values
        e
        for e in grounding.named
        if e in grounding.entities
        and not is_place_class(grounding.entities[e].cls)
        and top.range in class_ancestors(grounding.entities[e].cls)
    }
    if not named or any(f.subject in grounding.named for f in facts):
        return facts
    return [f for f in facts if not f.object_is_literal and f.object in named] or facts


def _numeric_intent(grounding: Grounding) -> bool:
    for name in grounding.intent:
        prop = PROPERTY_BY_NAME.get(name)
        if prop is not None and prop.kind == "data" and prop.range in _NUMERIC_TYPES | {"gYear"}:
            return True
    return False


_WORD = re.compile(r"[\w가-힣]+")


def _literal_covered(value: str, answer: str) -> bool:
    """Whether the answer states a literal: the value itself, its numbers, or most of its words."""
    low = answer.casefold()
    if value.casefold() in low:
        return True
    numbers = [values for _, values in numbers_in(value)]
    answer_numbers = {v for _, values in numbers_in(answer) for v in values}
    if numbers:
        return all(values & answer_numbers for values in numbers)
    words = [w for w in _WORD.findall(value.casefold()) if len(w) > 3 or re.search(r"[가-힣]", w)]
    if not words:
        return False
    hits = sum(1 for w in words if w in low or (re.search(r"[가-힣]", w) and w[:2] in low))
    return hits * 2 >= len(words)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def copied_fact(answer: str, grounding: Grounding, threshold: float = 0.75) -> Fact | None:
    """The context fact whose sentence the answer (nearly) copies, if any (word Jaccard)."""
    words = _words(answer)
    if not words:
        return None
    best: tuple[float, Fact | None] = (0.0, None)
    for fact, line in zip(grounding.facts, grounding.lines, strict=False):
        other = _words(line)
        score = len(words & other) / len(words | other) if other else 0.0
        if score > best[0]:
            best = (score, fact)
    return best[1] if best[0] >= threshold else None


def states_answer(
    answer: str, grounding: Grounding, mentioned: Sequence[str], asked: Iterable[str] = ()
) -> bool | None:
    """Whether the answer names what a target fact says (None when nothing is expected).

    An answer that copies a retrieved sentence other than a target fact's does not, even when it
    names a target's object ("combines the conventional numerical solver" for the low-confidence
    behaviour that *suggests calling* it), and naming an entity the question itself names (``asked``)
    states nothing (an answer that repeats the question).
    """
    targets = target_facts(grounding)
    if not targets:
        return None
    asked_set = set(asked)  # the question's own entities: repeating them states nothing
    copied = copied_fact(answer, grounding)
    if copied is not None:  # a copied sentence of the question's own things restates the question
        restated = {copied.subject, copied.object} <= asked_set and not is_polar(
            grounding.question, grounding.question_lang
        )
        return copied in targets and not restated
    mentioned_set = set(mentioned)
    rest = answer  # the answer without the asked entities' names ("미국" inside "미국 사무소")
    asked_names = sorted(
        (
            n
            for e in asked_set
            if e in grounding.entities
            for n in grounding.entities[e].names()
            if len(n) >= 2
        ),
        key=len,
        reverse=True,
    )
    for name in asked_names:
        rest = _name_pattern(name).sub(" ", rest)
    for fact in targets:
        if not fact.object_is_literal and fact.object in asked_set:
            continue
        if fact.object_is_literal:
            if _literal_covered(fact.object, answer):
                return True
        elif fact.object in mentioned_set:
            return True
        elif fact.object in grounding.entities:
            names = grounding.entities[fact.object].names()
            if any(_name_pattern(name).search(rest) for name in names if len(name) >= 2):
                return True
    return False


def verify_answer(
    answer: str, grounding: Grounding, question: str = "", link: Linker | None = None
) -> Verification:
    """Extract the answer's claims and check each one (see the module docstring)."""
    linker = link or name_linker(grounding)
    context_ids = _ids_in(grounding.facts) | set(grounding.linked)
    graph_ids = context_ids | _ids_in(grounding.subject_facts)
    expected_ids = _ids_in(primary_facts(grounding)) | set(grounding.linked)
    kinds = expected_kinds(grounding)
    claims: list[Claim] = []

    question_ids = set(linker(question)) if question else set()
    mentioned = list(linker(answer))
    for entity_id in mentioned:
        info = grounding.entities.get(entity_id)
        label = info.label_en if info else entity_id
        kind = entity_kind(info.cls) if info else ""
        if entity_id in expected_ids or entity_id in question_ids:
            claims.append(Claim(label, "entity", "supported", entity_id, "in the facts that answer"))
        elif kind in kinds and expected_ids - set(grounding.linked):
            claims.append(Claim(label, "entity", "contradicted", entity_id, f"not the {kind} the facts give"))
        elif entity_id in context_ids:
            claims.append(Claim(label, "entity", "supported", entity_id, "in the retrieved facts"))
        elif entity_id in graph_ids:
            claims.append(Claim(label, "entity", "supported", entity_id, "in the graph"))
        else:
            claims.append(Claim(label, "entity", "unsupported", entity_id, "not in the retrieved facts"))

    if place_class() in kinds:
        known = _known_names(grounding)
        mentioned_names = {
            name.lower()
            for eid in mentioned
            if eid in grounding.entities
            for name in grounding.entities[eid].names()
        }
        for span in _place_spans(answer):
            lowered = span.lower()
            if lowered in known or lowered in mentioned_names or any(lowered in n for n in mentioned_names):
                continue
            claims.append(Claim(span, "place", "contradicted", None, "a place the facts do not give"))

    numbers, years = _fact_numbers(grounding.all_facts(), grounding.lines)
    graph_numbers, graph_years = _fact_numbers(grounding.subject_facts, ())
    question_numbers = {v for _, values in numbers_in(question) for v in values}
    numeric_intent = _numeric_intent(grounding)
    for surface, values in numbers_in(answer):
        if values & (numbers | graph_numbers):
            claims.append(Claim(surface, "number", "supported", None, "stated by the facts"))
        elif values & question_numbers:
            continue  # the answer repeats the question
        elif _is_year(values) and (years | graph_years):
            claims.append(Claim(surface, "number", "contradicted", None, "a year the facts do not give"))
        elif numeric_intent:
            claims.append(Claim(surface, "number", "contradicted", None, "a number the facts do not give"))
        else:
            claims.append(Claim(surface, "number", "unsupported", None, "not in the facts"))

    states = states_answer(answer, grounding, mentioned, question_ids)
    if any(c.status == "contradicted" for c in claims):
        return Verification("contradicted", claims, states_answer=states)
    if states is False or grounding.unsupported:  # nothing the knowledge holds answers it
        return Verification("unsupported", claims, states_answer=states)
    # naming the question's own entities is no evidence; a claim beyond them is
    trivial = question_ids | set(grounding.linked)
    evidence = [
        c for c in claims if c.status == "supported" and (c.entity is None or c.entity not in trivial)
    ]
    if evidence or states:
        return Verification("supported", claims, states_answer=states)
    return Verification("unsupported", claims, states_answer=states)


def fallback_fact(grounding: Grounding) -> Fact | None:
    """The fact a fallback answer states: among the facts the answer should state
    (:func:`target_facts`: the asked class, a place for "where"), the first asserted one (the
    most specific statement, e.g. the headquarters' neighbourhood), else the top one; with no
    intent, the top retrieved fact."""
    targets = target_facts(grounding)
    if not targets:
        return grounding.facts[0] if grounding.facts else None
    return next((fact for fact in targets if not fact.inferred), targets[0])


def fallback_answer(grounding: Grounding) -> str:
    """The template answer: the sentence of :func:`fallback_fact`."""
    top = fallback_fact(grounding)
    if top is None:
        return ""
    for fact, line in zip(grounding.facts, grounding.lines, strict=False):
        if fact == top:
            return line
    return grounding.lines[0] if grounding.lines else ""
