"""Yes/no questions, told apart by generic grammar (no domain words)."""

from __future__ import annotations

import re

from retriever.text import question_lang

_POLAR_EN = re.compile(
    r"^\s*(?:does|do|is|are|has|have|can|could|was|were|did|will|would|should|am)\b", re.IGNORECASE
)
_CHOICE_EN = re.compile(r"\bor\b", re.IGNORECASE)
# Korean question words: a question with none of them asks yes or no ("독일에 사무소가 있나요?")
_KO_WH = (
    "무엇",
    "뭐",
    "뭔",
    "어디",
    "누구",
    "누가",
    "언제",
    "얼마",
    "몇",
    "며칠",
    "어느",
    "어떤",
    "어떻게",
    "왜",
    "무슨",
)


_WH_EN = re.compile(r"\b(?:what|which|who|whom|whose|where|when|how|why)\b", re.IGNORECASE)


def has_question_word(question: str) -> bool:
    """Whether the question has a wh-word of its own ("what kind of care ...", "어떤 진료")."""
    if question_lang(question) == "ko":
        return any(word in question for word in _KO_WH)
    return bool(_WH_EN.search(question))


def is_polar(question: str, lang: str) -> bool:
    """Whether a question asks yes or no (not "A or B?", not a wh-question)."""
    if lang == "ko":
        return question.rstrip().endswith("?") and not any(word in question for word in _KO_WH)
    return bool(_POLAR_EN.match(question)) and not _CHOICE_EN.search(question)


def is_choice_question(question: str) -> bool:
    """Whether an English question offers alternatives in a yes/no frame ("Is it public or private?")."""
    return bool(_POLAR_EN.match(question)) and bool(_CHOICE_EN.search(question))


def is_polar_question(question: str) -> bool:
    """:func:`is_polar` in the question's own language (as the engine detects it)."""
    return is_polar(question, question_lang(question))
