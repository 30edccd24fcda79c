"""The graph's own answer, given when the engine replaces a model answer (the fallback).

Pure functions over a :class:`~pipeline.grounding.Grounding`:

* the sentence of the fact that answers (:func:`pipeline.verify.fallback_fact`);
* for an inferred fact, the reasoning chain that entails it, from its proof ("SolverX has an
  office in Germany, because: SolverX has the SolverX European office; ...; Bavaria is part of
  Germany");
* for a yes/no question about a place ("Does SolverX have an office in Germany?", "Is the US
  office in Europe?"), "Yes." or "No." decided from the graph's location facts
  (:mod:`pipeline.polar_place`), then the fact that shows it;
* for "Are A and B in the same country?", "Yes." or "No." and the two facts that place them
  (:mod:`pipeline.comparison`);
* for "Which of its sites are in Asia?", the sites there (:mod:`pipeline.site_filter`).
"""

from __future__ import annotations

import re

from kg.facts import Fact
from pipeline.abstain import abstention_sentence
from pipeline.comparison import compared_places
from pipeline.counting import count_asked, count_sentence
from pipeline.grounding import Grounding
from pipeline.polar_place import polar_place_verdict, unlinked_place
from pipeline.prompt import Lang
from pipeline.site_filter import filter_sentence, sites_in_place
from pipeline.verify import fallback_fact
from retriever.parts import asks_two_things
from retriever.polar import is_polar
from retriever.verbalise import boolean_value, verbalise

_YES = {"en": "Yes.", "ko": "네."}
_NO = {"en": "No.", "ko": "아니요."}
MAX_CHAIN_STEPS = 6


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


def graph_answer(grounding: Grounding, question: str = "") -> str:
    """The answer the graph gives on its own (see the module docstring); "" when it has none."""
    lang = grounding.question_lang
    question = question or grounding.question
    count = count_asked(grounding, question)
    if count is not None:
        return count_sentence(count, grounding, lang)
    found = sites_in_place(grounding)
    if found is not None:  # "Which of its sites are in Asia?"
        return filter_sentence(found, grounding, lang)
    comparison = compared_places(grounding)
    if comparison is not None:  # "Are A and B in the same country?"
        first, second = (sentence(fact, grounding, lang).rstrip(".") for fact in comparison.facts)
        return f"{(_YES if comparison.yes else _NO)[lang]} {first}; {second}."
    if question and is_polar(question, lang):
        verdict = polar_place_verdict(grounding)
        if verdict is not None:
            yes, fact = verdict
            shown = with_chain(fact, grounding, lang)
            unlinked = None if yes else unlinked_place(grounding)
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
    truth = _truth(top, grounding)
    if question and truth is not None and is_polar(question, lang):  # "Is there a 24-hour ER?"
        text = f"{(_YES if truth else _NO)[lang]} {text}"
    other = second_asked_fact(grounding, question, top)
    return f"{text} {sentence(other, grounding, lang)}" if other is not None else text


def second_asked_fact(grounding: Grounding, question: str, first: Fact) -> Fact | None:
    """For a two-part question, the retrieved fact of the most strongly asked other property
    about the same subject (the headcount's year beside the headcount), the best ranked of those."""
    if not question or not asks_two_things(question, grounding.question_lang):
        return None
    weights = grounding.intent_weights or dict.fromkeys(grounding.intent, 1.0)
    others = [
        fact
        for fact in grounding.facts
        if fact != first
        and fact.predicate in weights
        and fact.predicate != first.predicate
        and fact.subject == first.subject
    ]
    return max(others, key=lambda fact: weights[fact.predicate], default=None)


def _truth(fact: Fact, grounding: Grounding) -> bool | None:
    """What the answering fact says to a yes/no question: a yes/no fact's value (an xsd:boolean
    literal); yes for a fact that links the two things the question names ("Is the Busan
    hospital JCI accredited?"); else None."""
    if fact.object_is_literal:
        return boolean_value(fact.object) if fact.datatype == "boolean" else None
    return True if {fact.subject, fact.object} <= set(grounding.named) else None


def yes_no_verdict(grounding: Grounding) -> tuple[bool, Fact] | None:
    """The graph's yes or no to a yes/no question: from its location facts
    (:func:`~pipeline.polar_place.polar_place_verdict`), else from the yes/no fact that answers."""
    comparison = compared_places(grounding)
    if comparison is not None:
        return comparison.yes, comparison.facts[0]
    verdict = polar_place_verdict(grounding)
    if verdict is not None:
        return verdict
    top = fallback_fact(grounding)
    truth = _truth(top, grounding) if top is not None else None
    return (truth, top) if truth is not None and top is not None else None


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
    verdict = yes_no_verdict(grounding)
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
