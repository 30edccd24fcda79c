"""The asked property found in a value: when a word the question asks about is in the value of one
property of the named thing, that property is asked, whatever it is called.

"What kind of care would I get at the clinic?" asks the clinic's focus area ('health screening and
outpatient care'); "Is it a for-profit company?" asks its type ('non-profit hospital network');
"어떤 진료를 받을 수 있나요?" the same in Korean. Pure functions over the named things' facts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from kg.facts import Fact
from ontology.schema import PROPERTY_BY_NAME
from retriever.intent import stem
from retriever.open_set import inventory
from retriever.text import compact, has_hangul, strip_particle

# "what kind of care", "which sorts of ships": the noun whose kind is asked
_KIND_EN = re.compile(r"\b(?:what|which)\s+(?:kinds?|sorts?|types?)\s+of\s+([A-Za-z][A-Za-z-]*)", re.I)
_KIND_KO = re.compile(r"(?:어떤|무슨|어떠한)\s*(?:종류의\s*|유형의\s*)?([가-힣]{2,})")
_WORD_EN = re.compile(r"[A-Za-z]+")
_KO_WORD = re.compile(r"[가-힣]{2,}")
_TEXT_TYPES = frozenset({None, "string", "langString"})


def _stems(text: str, stopwords: frozenset[str]) -> set[str]:
    return {stem(w) for w in _WORD_EN.findall(text) if len(w) > 2 and w.casefold() not in stopwords}


def asked_words(question: str, masked: str, yes_no: bool, stopwords: frozenset[str]) -> tuple[str, ...]:
    """The words whose kind is asked ("what kind of care": care), or, in a yes/no or either-or question, every
    content word left once the named things are blanked ("is it a for-profit company": for, profit,
    company); English words are stemmed, Korean ones lose their particle."""
    if has_hangul(question):
        found = _KIND_KO.search(masked)
        if found:
            return (strip_particle(found.group(1)),)
        if not yes_no:
            return ()
        return tuple(
            w
            for w in (strip_particle(m) for m in _KO_WORD.findall(masked))
            if len(w) >= 2 and w not in stopwords
        )
    found = _KIND_EN.search(masked)
    if found:
        return tuple(sorted(_stems(found.group(1), stopwords)))
    return tuple(sorted(_stems(masked, stopwords))) if yes_no else ()


def property_by_value(words: Iterable[str], facts: Iterable[Fact], stopwords: frozenset[str]) -> str | None:
    """The one property of ``facts`` whose text values hold the most of ``words``, each word
    counting less the more values hold it ("hosted" in one value outweighs "software" in three);
    None on a tie or when no value holds any."""
    wanted = set(words)
    if not wanted:
        return None
    found: list[tuple[str, set[str]]] = []
    for fact in facts:
        if not fact.object_is_literal or fact.datatype not in _TEXT_TYPES:
            continue
        if has_hangul(fact.object):
            value = compact(fact.object)
            held = {w for w in wanted if has_hangul(w) and w in value}
        else:
            held = wanted & _stems(fact.object, stopwords)
        if held:
            found.append((fact.predicate, held))
    spread = Counter(w for _, held in found for w in held)
    hits: dict[str, float] = {}
    for predicate, held in found:
        hits[predicate] = max(hits.get(predicate, 0.0), sum(1 / spread[w] for w in held))
    if not hits:
        return None
    best = max(hits.values())
    leaders = [p for p, n in hits.items() if n == best]
    return leaders[0] if len(leaders) == 1 else None


_WHAT_KIND_IS = re.compile(
    r"^\s*(?:what|which)\s+(?:kinds?|sorts?|types?)\s+of\s+[A-Za-z][\w-]*\s+(?:is|are|was|were)\b", re.I
)


def describing_property(question: str, facts: Iterable[Fact]) -> str | None:
    """For "what kind of <noun> is X?", the one text property of X the knowledge states as what X
    is (its phrase starts with "is": "is a", "is for"), when no value holds the noun."""
    if not _WHAT_KIND_IS.search(question):
        return None
    found = {
        fact.predicate
        for fact in facts
        if fact.object_is_literal
        and fact.datatype in _TEXT_TYPES
        and PROPERTY_BY_NAME.get(fact.predicate) is not None
        and PROPERTY_BY_NAME[fact.predicate].phrase_en.lower().startswith("is ")
    }
    return next(iter(found)) if len(found) == 1 else None


def unsupported_words(attributes: Iterable[str]) -> frozenset[str]:
    """The words (English stemmed, Korean as written) of every name of the inventory rows the
    ``attributes`` are one of ("operating income" -> operating profit, EBIT, ...)."""
    wanted = set(attributes)
    rows = [row for row in inventory() if wanted & {*row.en, *row.ko}]
    names = [*wanted, *(n for row in rows for n in (*row.en, *row.ko))]
    return frozenset(
        stem(w) if not has_hangul(w) else w for name in names for w in re.findall(r"[A-Za-z]+|[가-힣]+", name)
    )
