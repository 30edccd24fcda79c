"""Facts as short plain sentences in English and Korean (pure functions).

Each predicate has a sentence template per language; a predicate without one falls back to the
schema's ``phrase_en`` / ``phrase_ko``. Inferred facts are phrased as direct statements, exactly like
asserted ones. Literals are formatted for people: ``30000000000`` KRW -> ``30 billion KRW`` /
``300억 원``; years stay plain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from kg.facts import Fact
from ontology.schema import CLASS_BY_NAME, PROPERTY_BY_NAME
from retriever.text import josa

LabelFn = Callable[[str, str], str]  # (entity id, lang) -> label
Companions = Mapping[tuple[str, str], str]  # (subject, predicate) -> literal, e.g. the funding currency

TEMPLATES_EN: dict[str, str] = {
    "type": "{s} is {article} {o}.",
    "locatedIn": "{s} is located in {o}.",
    "partOf": "{s} is part of {o}.",
    "hasOfficeIn": "{s} has an office in {o}.",
    "hasOffice": "{s} has the {o}.",
    "headquarters": "{s} has its headquarters at the {o}.",
    "foundedBy": "{s} was founded by {o}.",
    "ceo": "The CEO of {s} is {o}.",
    "cto": "The CTO of {s} is {o}.",
    "hasProduct": "{s} makes the product {o}.",
    "coreProduct": "The core product of {s} is {o}.",
    "customerIndustry": "{s} has customers in the {o}.",
    "raisedFunding": "{s} raised the {o}.",
    "combinesTechnology": "{s} combines the {o} with other methods.",
    "coversDomain": "{s} covers {o}.",
    "suggestsOnLowConfidence": "When its confidence score is low, {s} suggests calling the {o}.",
    "businessArea": "{s} works on {o}.",
    "foundedIn": "{s} was founded in {o}.",
    "employeeCount": "{s} has {o} employees.",
    "employeeCountYear": "The employee count of {s} is as of {o}.",
    "speedupFactor": "{s} is up to {o} times faster than a conventional solver.",
    "speedupCondition": "{s} reaches its speed-up {o}.",
    "lowConfidenceBehavior": "When its confidence score is low, {s} {o}.",
    "latestVersion": "The latest version of {s} is {o}.",
    "latestVersionYear": "The latest version of {s} was released in {o}.",
    "productFunction": "{s} is for {o}.",
    "fundingSeries": "The {s} is a Series {o} round.",
    "fundingAmount": "The {s} amounts to {o}.",
    "fundingCurrency": "The {s} is in {o}.",
    "fundingYear": "The {s} took place in {o}.",
}

TEMPLATES_KO: dict[str, str] = {
    "type": "{s:은/는} {o}이다.",
    "locatedIn": "{s:은/는} {o}에 위치한다.",
    "partOf": "{s:은/는} {o}에 속한다.",
    "hasOfficeIn": "{s:은/는} {o}에 사무소가 있다.",
    "hasOffice": "{s:은/는} {o:을/를} 두고 있다.",
    "headquarters": "{s}의 본사는 {o}이다.",
    "foundedBy": "{s:은/는} {o:이/가} 설립했다.",
    "ceo": "{s}의 CEO는 {o}이다.",
    "cto": "{s}의 CTO는 {o}이다.",
    "hasProduct": "{o:은/는} {s}의 제품이다.",
    "coreProduct": "{s}의 핵심 제품은 {o}이다.",
    "customerIndustry": "{s}의 고객 산업은 {o}이다.",
    "raisedFunding": "{s:은/는} {o:을/를} 유치했다.",
    "combinesTechnology": "{s:은/는} {o:을/를} 결합한다.",
    "coversDomain": "{s:은/는} {o:을/를} 지원한다.",
    "suggestsOnLowConfidence": "{s:은/는} 신뢰도가 낮을 때 {o} 호출을 제안한다.",
    "businessArea": "{s}의 사업 분야는 {o}이다.",
    "foundedIn": "{s:은/는} {o}년에 설립되었다.",
    "employeeCount": "{s}의 직원 수는 {o}명이다.",
    "employeeCountYear": "{s}의 직원 수는 {o}년 기준이다.",
    "speedupFactor": "{s:은/는} 기존 솔버보다 최대 {o}배 빠르다.",
    "speedupCondition": "{s:은/는} {o} 속도가 향상된다.",
    "lowConfidenceBehavior": "{s:은/는} 신뢰도가 낮으면 {o}.",
    "latestVersion": "{s}의 최신 버전은 {o}이다.",
    "latestVersionYear": "{s}의 최신 버전은 {o}년에 출시되었다.",
    "productFunction": "{s:은/는} {o:을/를} 위한 제품이다.",
    "fundingSeries": "{s:은/는} 시리즈 {o} 투자이다.",
    "fundingAmount": "{s}의 규모는 {o}이다.",
    "fundingCurrency": "{s}의 통화는 {o}이다.",
    "fundingYear": "{s:은/는} {o}년에 이루어졌다.",
}

_SLOT = re.compile(r"\{(s|o|article)(?::([^}]+))?\}")
_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))
_KO_SCALES = ((10**12, "조"), (10**8, "억"), (10**4, "만"))
_KO_CURRENCY = {"KRW": "원", "USD": "달러", "EUR": "유로"}


def _trim(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def format_number(n: int, lang: str) -> str:
    """``30000000000`` -> ``30 billion`` (en) / ``300억`` (ko); small numbers stay plain."""
    if lang == "ko":
        parts: list[str] = []
        rest = n
        for scale, unit in _KO_SCALES:
            if rest >= scale:
                parts.append(f"{rest // scale}{unit}")
                rest %= scale
        if rest or not parts:
            parts.append(str(rest))
        return " ".join(parts) if n >= 10**4 else str(n)
    for scale, word in _EN_SCALES:
        if n >= scale:
            return f"{_trim(n / scale)} {word}"
    return f"{n:,}" if n >= 10**4 else str(n)


def format_amount(n: int, currency: str | None, lang: str) -> str:
    """``30000000000, KRW`` -> ``30 billion KRW`` / ``300억 원``."""
    number = format_number(n, lang)
    if not currency:
        return number
    if lang == "ko":
        return f"{number} {_KO_CURRENCY.get(currency, currency)}"
    return f"{number} {currency}"


def format_literal(fact: Fact, lang: str, companions: Companions | None = None) -> str:
    value = fact.object
    if fact.datatype in ("integer", "decimal") or (fact.datatype is None and re.fullmatch(r"-?\d+", value)):
        try:
            number = int(value)
        except ValueError:
            return value
        if fact.predicate == "fundingAmount":
            currency = (companions or {}).get((fact.subject, "fundingCurrency"))
            return format_amount(number, currency, lang)
        return (
            str(number)
            if fact.predicate in ("speedupFactor", "employeeCount")
            else format_number(number, lang)
        )
    if fact.datatype == "gYear":
        return value.lstrip("+").split("-")[0] if value.lstrip("+")[:4].isdigit() else value
    return value


def _object_text(fact: Fact, lang: str, label: LabelFn, companions: Companions | None) -> str:
    if fact.predicate == "type":
        cls = CLASS_BY_NAME.get(fact.object)
        return (cls.label_ko if lang == "ko" else cls.label_en) if cls else fact.object
    if fact.object_is_literal:
        return format_literal(fact, lang, companions)
    return label(fact.object, lang)


def _fill(template: str, subject: str, obj: str) -> str:
    def slot(match: re.Match[str]) -> str:
        name, pair = match.group(1), match.group(2)
        if name == "article":
            return "an" if obj[:1].lower() in "aeiou" else "a"
        word = subject if name == "s" else obj
        return josa(word, pair) if pair else word

    return _SLOT.sub(slot, template)


def _fallback(predicate: str, lang: str) -> str:
    prop = PROPERTY_BY_NAME.get(predicate)
    if prop is None:
        return "{s} " + predicate + " {o}." if lang == "en" else "{s:은/는} {o} (" + predicate + ")."
    return "{s} " + prop.phrase_en + " {o}." if lang == "en" else "{s:은/는} {o}" + prop.phrase_ko + "."


def verbalise(fact: Fact, lang: str, label: LabelFn, companions: Companions | None = None) -> str:
    """One short sentence stating the fact (inferred facts too, as a direct statement)."""
    templates = TEMPLATES_KO if lang == "ko" else TEMPLATES_EN
    template = templates.get(fact.predicate) or _fallback(fact.predicate, lang)
    sentence = _fill(template, label(fact.subject, lang), _object_text(fact, lang, label, companions))
    return sentence[:1].upper() + sentence[1:] if lang == "en" else sentence


def companions_of(facts: list[Fact]) -> dict[tuple[str, str], str]:
    """Literal values by (subject, predicate), for templates that need a sibling value (currency)."""
    return {(f.subject, f.predicate): f.object for f in facts if f.object_is_literal}
