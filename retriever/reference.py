"""A thing named by its class alone: "the company", "the network", "this university", "회사는".

In a knowledge about one organisation people say "When was the company founded?" rather than
its name. A definite class word (English "the/this/that/our/your" before a class's label or
altLabel, or before the head noun of a longer one: "the group" for "wine group"; a Korean class
label at the start of a word, as in "회사는") names the class's one instance, when the knowledge
holds exactly one, or the one it is mostly about (many times the facts of any other: "the
university" beside two partner universities). A class with several comparable instances ("the
hospital" among two) names none, and so does an indefinite mention ("a company").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache

from ontology.roles import is_place_class
from ontology.schema import CLASSES, class_ancestors
from retriever.text import has_hangul, nfc, strip_particle

_DEFINITE_EN = re.compile(  # a lookahead, so that "the CEO of the company" finds both
    r"\b(?:the|this|that|our|your)\s+(?=((?:[A-Za-z][\w-]*\s+){0,2}[A-Za-z][\w-]*))", re.I
)
_KO_WORD = re.compile(r"(?<![가-힣])[가-힣]+")


@cache
def _head_nouns_en() -> dict[str, set[str]]:
    """Each English class name and the last word of a multi-word one -> the classes it names."""
    names: dict[str, set[str]] = {}
    for cls in CLASSES:
        for label in (cls.label_en, *cls.alt_en):
            words = label.lower().split()
            if not words:
                continue
            for name in {" ".join(words), words[-1]}:
                names.setdefault(name, set()).add(cls.name)
    return names


@cache
def _names_ko() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for cls in CLASSES:
        for label in (cls.label_ko, *cls.alt_ko):
            key = "".join(label.split())
            if len(key) >= 2 and has_hangul(key):
                names.setdefault(key, set()).add(cls.name)
    return names


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def referenced_classes(question: str) -> tuple[str, ...]:
    """The non-place classes the question names with a definite class word (see the module doc),
    in the order the question names them."""
    text = nfc(question)
    found: list[str] = []
    if has_hangul(text):
        names = _names_ko()
        for match in _KO_WORD.finditer(text):
            word = match.group(0)
            for key in {word, strip_particle(word)}:
                found.extend(sorted(names.get(key, ())))
    else:
        names = _head_nouns_en()
        for match in _DEFINITE_EN.finditer(text):
            words = match.group(1).lower().split()
            phrases = (  # longest first; an adjective may come before the noun ("the whole company")
                " ".join(words[start : start + size])
                for size in range(len(words), 0, -1)
                for start in range(len(words) - size + 1)
            )
            hit = next(filter(None, (names.get(p) or names.get(_singular(p)) for p in phrases)), None)
            found.extend(sorted(hit or ()))
    return tuple(dict.fromkeys(c for c in found if not is_place_class(c)))


DOMINANT = 3.0  # an instance with this many times the facts of any other is "the" one


def referenced_instances(
    question: str, classes_of: Mapping[str, str], salience: Mapping[str, int] | None = None
) -> Sequence[tuple[str, str]]:
    """``(class, entity id)`` for each class the question names definitely that has one instance
    among ``classes_of`` (entity id -> its class), or one that dominates the others: ``salience``
    (entity id -> how many facts are about it) at least :data:`DOMINANT` times any other's
    ("the university" in a knowledge about one university and its two partners)."""
    salience = salience or {}
    out: list[tuple[str, str]] = []
    for cls in referenced_classes(question):
        members = sorted(
            (eid for eid, own in classes_of.items() if cls in class_ancestors(own)),
            key=lambda eid: -salience.get(eid, 0),
        )
        if len(members) == 1 or (
            len(members) > 1 and salience.get(members[0], 0) >= DOMINANT * max(1, salience.get(members[1], 0))
        ):
            out.append((cls, members[0]))
    return out
