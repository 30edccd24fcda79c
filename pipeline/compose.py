"""The graph's own answer, given when the engine replaces a model answer (the fallback).

Pure functions over a :class:`~pipeline.grounding.Grounding`:

* the sentence of the fact that answers (:func:`pipeline.verify.fallback_fact`);
* for an inferred fact, the reasoning chain that entails it, from its proof ("SolverX has an
  office in Germany, because: SolverX has the SolverX European office; ...; Bavaria is part of
  Germany");
* for a yes/no question about a place ("Does SolverX have an office in Germany?", "Is the US
  office in Europe?"), "Yes." or "No." decided from the graph's location facts about the
  entity asked about, then the fact that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.facts import Fact
from ontology.roles import hierarchy_property, location_properties, place_class
from ontology.schema import PROPERTY_BY_NAME
from pipeline.abstain import abstention_sentence
from pipeline.counting import count_asked, count_sentence
from pipeline.grounding import Grounding
from pipeline.prompt import Lang
from pipeline.verify import entity_kind, fallback_fact, focus_sites
from retriever.polar import is_polar
from retriever.verbalise import verbalise

_YES = {"en": "Yes.", "ko": "네."}
_NO = {"en": "No.", "ko": "아니요."}
MAX_CHAIN_STEPS = 6


def place_predicates() -> list[str]:
    """Where a thing is: the location properties but the place hierarchy, the most general first."""
    names = [p for p in sorted(location_properties()) if p != hierarchy_property()]
    return sorted(
        names, key=lambda p: PROPERTY_BY_NAME[p].domain is not None
    )  # longer proofs are cut: the answer stays one readable sentence


def sentence(fact: Fact, grounding: Grounding, lang: Lang) -> str:
    """The fact's prompt line when it was retrieved, else a fresh sentence."""
    for retrieved, line in zip(grounding.facts, grounding.lines, strict=False):
        if retrieved == fact:
            return line
    return verbalise(fact, lang, lambda entity_id, lang_: grounding.label(entity_id, lang_))  # type: ignore[arg-type]


def chain(fact: Fact, grounding: Grounding, lang: Lang) -> str:
    """The reasoning chain of an inferred fact ("" for an asserted one)."""
    if not fact.inferred or not fact.proof:
        return ""
    steps = [sentence(step, grounding, lang).rstrip(".") for step in fact.proof[:MAX_CHAIN_STEPS]]
    if lang == "ko":
        return " (근거: " + "; ".join(steps) + ")"
    return ", because: " + "; ".join(steps) + "."


def with_chain(fact: Fact, grounding: Grounding, lang: Lang) -> str:
    text = sentence(fact, grounding, lang)
    reason = chain(fact, grounding, lang)
    if not reason:
        return text
    if lang == "ko":
        return text.rstrip(".") + reason + "."
    return text.rstrip(".") + reason


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


def _cls(grounding: Grounding, entity_id: str) -> str:
    info = grounding.entities.get(entity_id)
    return info.cls if info else ""


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
    ``hasSite o locatedIn``) before the subject's own; a named office is simply located."""
    if sites:  # an office is located somewhere; only a company "has an office in"
        return place_predicates()[:1]
    weights = grounding.intent_weights
    strongest = max(weights.values(), default=0.0)
    through = [
        p
        for p in place_predicates()
        if strongest
        and any(weights.get(first, 0.0) >= 0.85 * strongest for first, _ in PROPERTY_BY_NAME[p].chains)
    ]
    if through:
        return through
    top = max((weights.get(p, 0.0) for p in place_predicates()), default=0.0)
    return [p for p in place_predicates() if top and weights.get(p, 0.0) >= 0.85 * top] or list(
        place_predicates()
    )


def _unlinked_place(grounding: Grounding) -> str | None:
    """A name the knowledge does not have, asked as the place ("Is SolverX in France?"), when a
    location property is what the question asks most strongly."""
    if not _asks_location(grounding):
        return None
    return next(
        (
            name
            for name in grounding.unknown_entities
            if re.search(rf"\bin\s+(?:the\s+)?{re.escape(name)}", grounding.question, re.IGNORECASE)
        ),
        None,
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
    places = [e for e in grounding.linked if _kind(grounding, e) == place_class()]
    unlinked = None if places else _unlinked_place(grounding)
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
    for fact in facts:
        if fact.object in places:
            return True, fact
    asked_classes = {_cls(grounding, p) for p in places}
    same_kind = [f for f in facts if _cls(grounding, f.object) in asked_classes]
    return False, (same_kind or facts)[0]


def closed_world_place(grounding: Grounding) -> bool:
    """Whether a yes/no question asks if something is in a place the knowledge does not contain
    and the graph can answer "no" ("Is SolverX in France?"), rather than "I don't know France"."""
    return (
        is_polar(grounding.question, grounding.question_lang)
        and _unlinked_place(grounding) is not None
        and polar_place_verdict(grounding) is not None
    )


def place_in_place(grounding: Grounding) -> bool:
    """Whether a yes/no question asks if one place is in another ("판교는 서울에 속하나요?") and
    the graph's place hierarchy answers it (the question names no entity of the organisation)."""
    places = [e for e in grounding.linked if _kind(grounding, e) == place_class()]
    return (
        is_polar(grounding.question, grounding.question_lang)
        and _asks_location(grounding)
        and _place_subject(grounding, places) is not None
        and any(_named_as_place(grounding, p) for p in places[1:])
        and polar_place_verdict(grounding) is not None
    )


def _asks_location(grounding: Grounding) -> bool:
    weights = grounding.intent_weights
    return bool(weights) and max(weights, key=lambda p: weights[p]) in location_properties()


def _named_as_place(grounding: Grounding, entity_id: str) -> bool:
    """Whether the question names the entity as where something is: "in/of/within X" ("X에")."""
    info = grounding.entities.get(entity_id)
    names = [n for n in (info.names() if info else ()) if n]
    if grounding.question_lang == "ko":
        return any(f"{n}에" in grounding.question for n in names)
    return any(
        re.search(rf"\b(?:in|of|within)\s+(?:the\s+)?{re.escape(n)}", grounding.question, re.IGNORECASE)
        for n in names
    )


def graph_answer(grounding: Grounding, question: str = "") -> str:
    """The answer the graph gives on its own (see the module docstring); "" when it has none."""
    lang = grounding.question_lang
    question = question or grounding.question
    count = count_asked(grounding, question)
    if count is not None:
        return count_sentence(count, grounding, lang)
    if question and is_polar(question, lang):
        verdict = polar_place_verdict(grounding)
        if verdict is not None:
            yes, fact = verdict
            shown = with_chain(fact, grounding, lang)
            unlinked = None if yes else _unlinked_place(grounding)
            if unlinked is not None:  # closed world: say what the knowledge lacks, then where it is
                subject = grounding.label(fact.subject, lang)
                lacks = (
                    f"지식에는 {subject}이(가) {unlinked}에 있다는 정보가 없습니다."
                    if lang == "ko"
                    else f"The knowledge does not place {subject} in {unlinked}."
                )
                return f"{_NO[lang]} {lacks} {shown}"
            return f"{(_YES if yes else _NO)[lang]} {shown}"
    top = fallback_fact(grounding)
    if top is None:
        return ""
    text = with_chain(top, grounding, lang)
    other = second_asked_fact(grounding, question, top)
    return f"{text} {sentence(other, grounding, lang)}" if other is not None else text


_TWO_PARTS_EN = re.compile(r"\b(?:and|also)\b[^?]*\b(?:what|which|when|where|who|how)\b", re.IGNORECASE)
_WH_KO = ("언제", "얼마", "몇", "어디", "누구", "누가", "무엇", "어느")


def asks_two_things(question: str, lang: Lang) -> bool:
    """ "What's its headcount, and which year is that from?": a second question word after "and"
    (Korean: two different question words)."""
    if lang == "ko":
        return sum(word in question for word in _WH_KO) >= 2
    return bool(_TWO_PARTS_EN.search(question))


def second_asked_fact(grounding: Grounding, question: str, first: Fact) -> Fact | None:
    """For a two-part question, the best retrieved fact of another asked property about the
    same subject (the headcount's year beside the headcount)."""
    if not question or not asks_two_things(question, grounding.question_lang):
        return None
    asked = set(grounding.intent)
    return next(
        (
            fact
            for fact in grounding.facts
            if fact != first
            and fact.predicate in asked
            and fact.predicate != first.predicate
            and fact.subject == first.subject
        ),
        None,
    )


_NEGATION_EN = re.compile(
    r"\b(?:no|not|never|none|doesn['’]t|does not|isn['’]t|is not|don['’]t|do not|hasn['’]t|has no|have no)\b",
    re.IGNORECASE,
)


def answer_polarity(answer: str, lang: Lang) -> bool | None:
    """True for a "yes" answer, False for a "no", None for an empty one.

    An answer to a yes/no question that states something without negating it affirms it
    ("SolverX R&D center is located in Seoul." to "Is the R&D center in Seoul?").
    """
    text = answer.strip()
    if not text:
        return None
    if lang == "ko":
        if text.startswith(("네", "예", "응")):
            return True
        return not (text.startswith("아니") or re.search(r"없(?:다|습니다|어요|음)|않", text))
    first = re.match(r"\W*(\w+)", text)
    word = first.group(1).casefold() if first else ""
    if word in ("yes", "yeah", "correct"):
        return True
    return not (word == "no" or _NEGATION_EN.search(text))


def polarity_conflict(answer: str, grounding: Grounding, question: str = "") -> bool:
    """Whether a yes/no answer says the opposite of what the graph's location facts show."""
    question = question or grounding.question
    lang = grounding.question_lang
    if not question or not is_polar(question, lang):
        return False
    verdict = polar_place_verdict(grounding)
    polarity = answer_polarity(answer, lang)
    return verdict is not None and polarity is not None and polarity != verdict[0]


def unanswered(grounding: Grounding) -> str:
    """ "I don't know" for a question no retrieved fact answers, with the closest retrieved fact
    so the user still sees what the knowledge holds ("" when nothing was retrieved)."""
    lang = grounding.question_lang
    subject = grounding.label(grounding.linked[0], lang) if grounding.linked else None
    text = abstention_sentence(None, subject, lang)
    if not grounding.lines:
        return text
    if lang == "ko":
        return f"{text} 가장 가까운 사실: {grounding.lines[0]}"
    return f"{text} The closest fact it has: {grounding.lines[0]}"
