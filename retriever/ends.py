"""A thing named by its two ends: "from Gdansk to Incheon", "between Porto and Sal",
"세부에서 오클랜드까지" (a route, a service, a shipment). Pure: which two linked places the question
gives as start and end, by English prepositions or Korean particles around their names."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ontology.roles import is_place_class

_FROM_EN = re.compile(r"\b(?:from|between)\s+(?:the\s+)?$", re.I)
_TO_EN = re.compile(r"\b(?:to|and|into|for)\s+(?:the\s+)?$", re.I)
_FROM_KO = re.compile(r"^(?:에서|으로부터|부터)")
_TO_KO = re.compile(r"^(?:까지|으로|로|행)")


def from_to(
    question: str, spans: Sequence[tuple[str, int, int]], classes: Mapping[str, str]
) -> tuple[str, str] | None:
    """(start, end) place ids when the question names a place after "from"/"between" (or before
    에서) and a later one after "to"/"and" (or before 까지/로); else None. ``spans`` are the linked
    entities' (id, start, end)."""
    places = [(eid, start, end) for eid, start, end in spans if is_place_class(classes.get(eid))]
    for i, (first, s1, e1) in enumerate(places):
        for second, s2, e2 in places[i + 1 :]:
            between = question[e1:s2]
            english = _FROM_EN.search(question[:s1]) and _TO_EN.search(question[:s2])
            korean = _FROM_KO.match(question[e1:]) or _FROM_KO.match(_particle(question, s1, e1))
            if english and len(between.split()) <= 3 and first != second:
                return first, second
            if korean and (_TO_KO.match(question[e2:]) or _TO_KO.match(_particle(question, s2, e2))):
                return first, second
    return None


def _particle(question: str, start: int, end: int) -> str:
    """The Korean particle a linked span swallowed ("인천까지": 까지), else ""."""
    surface = question[start:end]
    match = re.search(r"(에서|으로부터|부터|까지|으로|로|행)$", surface)
    return match.group(1) if match else ""
