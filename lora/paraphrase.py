"""Template paraphrases: several questions, in English and Korean, for one fact row.

Questions come from the ontology: each property's ``axv:question`` templates (what a person
would ask to get that fact), with a generic fallback built from the property's labels. The answer is always the row's own statement, so training
teaches the model the exact wording the knowledge file uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ontology.knowledge import Knowledge, Lang, Row, Triple
from ontology.schema import PROPERTY_BY_NAME

# Korean particles that depend on whether the word before them ends in a consonant.
_JOSA = {
    "은": ("은", "는"),
    "는": ("은", "는"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
}
_JOSA_AFTER_SLOT = re.compile(r"\{(s|o)\}(으로|은|는|이|가|을|를|과|와|로)")


def josa(word: str, particle: str) -> str:
    """The right form of a Korean particle after ``word`` (은/는, 이/가, 을/를, 과/와, 으로/로)."""
    with_final, without_final = _JOSA[particle]
    last = word[-1:] if word else ""
    if not ("가" <= last <= "힣"):
        return without_final
    final = (ord(last) - 0xAC00) % 28
    if with_final == "으로" and final == 8:  # ㄹ takes 로
        return without_final
    return with_final if final else without_final


def _generic(predicate: str, lang: Lang) -> tuple[str, ...]:
    prop = PROPERTY_BY_NAME.get(predicate)
    label = (prop.label_en if lang == "en" else prop.label_ko) if prop else predicate
    if lang == "en":
        return (
            f"What is the {label} of {{s}}?",
            f"Tell me about {{s}}'s {label}.",
            f"What do you know about {{s}}'s {label}?",
        )
    return (f"{{s}}의 {label}은(는) 무엇인가요?", f"{{s}}의 {label}에 대해 알려 주세요.")


def questions_for(row: Row, knowledge: Knowledge, lang: Lang) -> list[str]:
    """Distinct questions in ``lang`` whose answer is ``row.text[lang]``, in a stable order."""
    label: Callable[[str], str] = lambda entity: knowledge.label(entity, lang)  # noqa: E731
    out: list[str] = []
    seen_predicates: set[str] = set()
    for triple in row.triples:
        if triple.p in seen_predicates:
            continue
        seen_predicates.add(triple.p)
        prop = PROPERTY_BY_NAME.get(triple.p)
        own = (prop.questions_ko if lang == "ko" else prop.questions_en) if prop else ()
        templates = own or _generic(triple.p, lang)
        for template in templates:
            slots = _slots(triple, label)
            if lang == "ko":
                template = _with_josa(template, slots)
            question = template.format(**slots)
            if question not in out:
                out.append(question)
    return out


def _with_josa(template: str, slots: dict[str, str]) -> str:
    """Resolve the particle after each ``{s}``/``{o}`` for the label that fills it."""
    return _JOSA_AFTER_SLOT.sub(lambda m: "{" + m[1] + "}" + josa(slots[m[1]], m[2]), template)


def _slots(triple: Triple, label: Callable[[str], str]) -> dict[str, str]:
    obj = label(triple.o) if triple.o else str(triple.value)
    return {"s": label(triple.s), "o": obj}
