"""Yes/no questions, told apart by generic grammar (no domain words)."""

from __future__ import annotations

import re

_AUXILIARIES_EN = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
    ]
)
_WH_KO = ("어디", "언제", "누구", "누가", "무엇", "뭐", "몇", "얼마", "어느", "어떤", "무슨", "왜", "어떻게")


def is_polar_question(question: str) -> bool:
    """A yes/no question: English opens with an auxiliary verb ("Does it have ...?"); Korean
    has no question word (어디, 언제, 누구, 몇 ...)."""
    words = re.findall(r"[A-Za-z]+|[가-힣]+", question)
    if not words:
        return False
    if re.search(r"[가-힣]", question):
        return not any(w in question for w in _WH_KO)
    return words[0].casefold() in _AUXILIARIES_EN
