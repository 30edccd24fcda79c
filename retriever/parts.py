"""Questions that ask two things at once ("What's its headcount, and which year is that from?").

A second question word after "and" (Korean: two different question words) makes a two-part
question. Each part is read on its own as well (:meth:`retriever.intent.IntentReader.read`), so
the first part's property is not crowded out by the second part's question word, and the answer
states both (:func:`pipeline.compose.second_asked_fact`).
"""

from __future__ import annotations

import re

_TWO_PARTS_EN = re.compile(r"\b(?:and|also)\b[^?]*\b(?:what|which|when|where|who|how)\b", re.IGNORECASE)
_WH_KO = ("언제", "얼마", "몇", "어디", "누구", "누가", "무엇", "어느")
_CLAUSE_END_KO = re.compile(r"(?:,|(?<=[가-힣])고\s|(?<=[가-힣])며\s|\s그리고\s)")


def asks_two_things(question: str, lang: str) -> bool:
    """Whether ``question`` asks a second thing after the first (see the module doc)."""
    if lang == "ko":
        return sum(word in question for word in _WH_KO) >= 2
    return bool(_TWO_PARTS_EN.search(question))


def first_part(question: str, lang: str) -> str | None:
    """The first question of a two-part question ("What's its headcount"), or None."""
    cut = part_cut(question, lang)
    if cut is None:
        return None
    part = question[:cut].strip(" ,;")
    return part or None


def part_cut(question: str, lang: str) -> int | None:
    """Where the second question of a two-part question starts (at its "and"), or None."""
    if lang == "ko":
        found = sorted(i for word in _WH_KO if (i := question.find(word)) >= 0)
        if len(found) < 2:
            return None
        ends = [m.start() for m in _CLAUSE_END_KO.finditer(question, 0, found[1])]
        cut = ends[-1] if ends and ends[-1] > found[0] else None
    else:
        match = _TWO_PARTS_EN.search(question)
        cut = match.start() if match else None
    return cut
