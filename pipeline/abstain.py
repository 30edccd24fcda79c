"""The symbolic gate: answer from the graph, answer as a general model, or say "I don't know".

Pure functions over a :class:`~pipeline.grounding.Grounding`:

* no linked entity and not a domain question -> ``general`` (the model, no context);
* a linked entity and an attribute the knowledge does not have (revenue, ticker...),
  or intent predicates none of whose facts is retrieved -> ``abstain`` with a fixed
  sentence, and the model is not called;
* otherwise -> ``grounded`` (the model reads the retrieved facts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kg.facts import Fact
from ontology.schema import PROPERTIES, PROPERTY_BY_NAME
from pipeline.grounding import Grounding
from pipeline.prompt import Lang

Route = Literal["general", "grounded", "abstain"]

#: Korean names of attributes the retriever reports as unsupported (vocabulary, not facts).
_ATTRIBUTE_KO: dict[str, str] = {
    "revenue": "매출",
    "sales": "매출",
    "profit": "이익",
    "stock ticker": "주식 종목 코드",
    "ticker": "주식 종목 코드",
    "stock price": "주가",
    "market cap": "시가총액",
    "valuation": "기업 가치",
    "patents": "특허",
    "patent": "특허",
    "other executives": "다른 임원",
    "executives": "임원",
    "cfo": "CFO(최고재무책임자)",
    "coo": "COO(최고운영책임자)",
    "office": "사무소",
    "other offices": "다른 사무소",
    "offices": "사무소",
    "competitors": "경쟁사",
    "investors": "투자자",
}

_ABSTAIN_PATTERNS = re.compile(
    r"(i\s+(?:do\s+not|don['’]t)\s+know|not\s+(?:in|contain(?:ed)?\s+in)\s+the\s+facts|"
    r"(?:facts|knowledge)\s+(?:do(?:es)?\s+not|don['’]t)\s+(?:contain|say|mention)|no\s+information\s+about|"
    r"모르|알\s*수\s*없|정보가\s*없)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GateDecision:
    route: Route
    reason: str
    attribute: str | None = None  # what the knowledge lacks, in the question's language
    subject: str | None = None  # the linked entity's label, in the question's language


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


_NO_HOP = frozenset({"type", "locatedIn", "partOf", "hasOfficeIn", "hasOffice", "headquarters"})


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
        if fact.subject in linked and not fact.object_is_literal and fact.predicate not in _NO_HOP
    }
    return [
        fact
        for fact in grounding.facts
        if fact.predicate in predicates
        and (not linked or fact.subject in reach or (not fact.object_is_literal and fact.object in linked))
    ]


def attribute_label(attribute: str, lang: Lang) -> str:
    """A readable name for an attribute: schema property labels, then the fixed vocabulary."""
    prop = PROPERTY_BY_NAME.get(attribute)
    if prop is not None:
        return prop.label_ko if lang == "ko" else prop.label_en
    text = attribute.replace("_", " ").strip()
    if lang == "ko":
        office = re.match(r"office in (.+)", text, re.IGNORECASE)
        if office:
            return f"{office.group(1)} 사무소"
        series = re.match(r"series (\w+) round", text, re.IGNORECASE)
        if series:
            return f"시리즈 {series.group(1)} 투자"
        return _ATTRIBUTE_KO.get(text.lower(), text)
    return text


def abstention_sentence(attribute: str | None, subject: str | None, lang: Lang) -> str:
    """The fixed "I don't know" sentence, e.g. about SolverX's revenue."""
    if lang == "ko":
        if attribute and subject:
            return f"모르겠습니다: {subject}에 대한 지식에는 {attribute}에 대한 정보가 없습니다."
        if subject:
            return f"모르겠습니다: {subject}에 대한 지식에는 이 질문에 답할 정보가 없습니다."
        return "모르겠습니다: 지식에 이 질문에 답할 정보가 없습니다."
    if attribute and subject:
        return f"I don't know: the {subject} knowledge has no information about its {attribute}."
    if subject:
        return f"I don't know: the {subject} knowledge has no information to answer this."
    return "I don't know: the knowledge has no information to answer this."


def is_abstention(text: str) -> bool:
    """Whether a generated answer says it does not know."""
    return bool(_ABSTAIN_PATTERNS.search(text))


def gate(grounding: Grounding) -> GateDecision:
    """Decide how a question is answered (see the module docstring)."""
    lang = grounding.question_lang
    if not grounding.linked and not grounding.is_domain:
        return GateDecision("general", "no linked entity: a general question")
    if not grounding.anchored:
        return GateDecision("general", "only places or general concepts linked: a general question")
    subject = grounding.label(grounding.linked[0], lang) if grounding.linked else None
    supported = answering_facts(grounding)
    if grounding.unsupported:  # the retriever already ignores vague cues when one is asked
        attribute = attribute_label(grounding.unsupported[0], lang)
        return GateDecision(
            "abstain", f"unsupported attribute: {grounding.unsupported[0]}", attribute, subject
        )
    if grounding.intent and not supported:
        attribute = attribute_label(grounding.intent[0], lang)
        return GateDecision(
            "abstain", f"no retrieved fact for: {', '.join(grounding.intent)}", attribute, subject
        )
    if not grounding.facts:
        return GateDecision("abstain", "no retrieved fact", None, subject)
    return GateDecision("grounded", "retrieved facts support an answer")
