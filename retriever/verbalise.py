"""Facts as short plain sentences in English and Korean (pure functions).

Each property's sentence comes from its ontology: ``axv:sentence`` (a whole template) or else
``axv:phrase`` / the label (``SUBJECT <phrase> OBJECT``). Inferred facts are phrased as direct statements, exactly like
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

#: Class membership, the one predicate the ontology does not declare.
TYPE_TEMPLATES: dict[str, str] = {"en": "{s} is {article} {o}.", "ko": "{s:은/는} {o}이다."}

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


_YES_NO = {"en": {True: "yes", False: "no"}, "ko": {True: "예", False: "아니요"}}


def boolean_value(value: str) -> bool | None:
    """An xsd:boolean literal's truth ("true"/"1", "false"/"0"), None for anything else."""
    text = value.strip().lower()
    return True if text in ("true", "1") else False if text in ("false", "0") else None


def format_literal(fact: Fact, lang: str, companions: Companions | None = None) -> str:
    value = fact.object
    if fact.datatype in ("integer", "decimal") or (fact.datatype is None and re.fullmatch(r"-?\d+", value)):
        try:
            number = int(value)
        except ValueError:
            return value
        prop = PROPERTY_BY_NAME.get(fact.predicate)
        if prop is not None and prop.unit:
            unit = (companions or {}).get((fact.subject, prop.unit))
            return format_amount(number, unit, lang)
        return format_number(number, lang)
    if fact.datatype == "boolean" and (truth := boolean_value(value)) is not None:
        return _YES_NO[lang if lang == "ko" else "en"][truth]  # "runs a 24-hour emergency room: no"
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


# "this many" in an English phrase marks where the number goes: "has this many beds" -> "has 420 beds"
_THIS_MANY = re.compile(r"^(.*?)\bthis many\b(.*?):?\s*$", re.IGNORECASE)


def _fill(template: str, subject: str, obj: str) -> str:
    def slot(match: re.Match[str]) -> str:
        name, pair = match.group(1), match.group(2)
        if name == "article":
            return "an" if obj[:1].lower() in "aeiou" else "a"
        word = subject if name == "s" else obj
        return josa(word, pair) if pair else word

    return _SLOT.sub(slot, template)


def _template(predicate: str, lang: str) -> str:
    if predicate == "type":
        return TYPE_TEMPLATES["ko" if lang == "ko" else "en"]
    prop = PROPERTY_BY_NAME.get(predicate)
    if prop is not None and (prop.sentence_ko if lang == "ko" else prop.sentence_en):
        return prop.sentence_ko if lang == "ko" else prop.sentence_en
    if prop is None:
        return "{s} " + predicate + " {o}." if lang == "en" else "{s:은/는} {o} (" + predicate + ")."
    return phrase_template(prop.phrase_en) if lang == "en" else "{s:은/는} {o}" + prop.phrase_ko + "."


def phrase_template(phrase: str) -> str:
    """The English sentence of ``SUBJECT <phrase> OBJECT``; "this many" in the phrase marks where
    the number goes ("has this many beds" -> "{s} has {o} beds.")."""
    counted = _THIS_MANY.match(phrase)
    if counted:
        return "{s} " + counted.group(1) + "{o}" + counted.group(2) + "."
    return "{s} " + phrase + " {o}."


def verbalise(fact: Fact, lang: str, label: LabelFn, companions: Companions | None = None) -> str:
    """One short sentence stating the fact (inferred facts too, as a direct statement)."""
    template = _template(fact.predicate, lang)
    sentence = _fill(template, label(fact.subject, lang), _object_text(fact, lang, label, companions))
    return sentence[:1].upper() + sentence[1:] if lang == "en" else sentence


def companions_of(facts: list[Fact]) -> dict[tuple[str, str], str]:
    """Literal values by (subject, predicate), for templates that need a sibling value (currency)."""
    return {(f.subject, f.predicate): f.object for f in facts if f.object_is_literal}
