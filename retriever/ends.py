"""A thing named by its two ends: "from Gdansk to Incheon", "between Porto and Sal",
"세부에서 오클랜드까지" (a route, a service, a shipment). Pure: which two linked places the question
gives as start and end, by English prepositions or Korean particles around their names."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ontology.roles import is_place_class

_FROM_EN = re.compile(r"\b(?:from|between)\s+(?:the\s+)?$", re.I)
_TO_EN = re.compile(r"\b(?:to|and|into|for)\s+(?:the\s+)?$", re.I)
_FROM_KO = ("에서", "으로부터", "부터")
_TO_KO = ("까지", "으로", "로", "행")
MAX_GAP_WORDS = 3  # at most this many words between the two ends


def from_to(
    question: str, spans: Sequence[tuple[str, int, int, str]], classes: Mapping[str, str]
) -> tuple[str, str] | None:
    """(start, end) place ids when the question names a place after "from"/"between" (or before
    에서) and another one a few words later after "to"/"and" (or before 까지/로); else None.
    ``spans`` are the linked entities' (id, start, end, matched name)."""
    places = [span for span in spans if is_place_class(classes.get(span[0]))]
    for i, (first, s1, e1, name1) in enumerate(places):
        for second, s2, e2, name2 in places[i + 1 :]:
            if first == second or len(question[e1:s2].split()) > MAX_GAP_WORDS:
                continue
            if _FROM_EN.search(question[:s1]) and _TO_EN.search(question[:s2]):
                return first, second
            from_ko = _particle(question, s1, e1, name1, _FROM_KO)
            if from_ko and _particle(question, s2, e2, name2, _TO_KO):
                return first, second
    return None


def _particle(question: str, start: int, end: int, name: str, particles: tuple[str, ...]) -> bool:
    """Whether a Korean particle of ``particles`` follows the name: after the linked span, or at
    the end of a span that swallowed it (not a name's own ending: 카이로 is no "to")."""
    if question[end:].startswith(particles):
        return True
    surface = question[start:end]
    return surface != name and surface.endswith(particles) and not name.endswith(particles)
