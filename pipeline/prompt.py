"""Prompt building: the chat messages each answer mode sends to the model.

Pure functions. The graph context arrives as short plain sentences (the retriever's
``Context.as_prompt_lines``; inferred facts are already direct statements) and goes
into the user turn under a one-line instruction to answer from those facts only.
The hybrid adapter is trained on exactly these messages (``pipeline/hybrid_data.py``),
so changing the wording here means retraining it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Lang = Literal["en", "ko"]
Message = dict[str, str]

#: Longest question accepted (characters); longer input is a user error.
MAX_QUESTION_CHARS = 2000
#: Longest caller system text (the OpenAI endpoint's ``system`` messages), in characters.
MAX_SYSTEM_CHARS = 4000
#: How many context sentences go into one prompt (a 135M model reads few well). Korean text
#: costs several tokens per syllable in SmolLM2's tokenizer, so Korean prompts carry fewer.
CONTEXT_LINES: dict[Lang, int] = {"en": 6, "ko": 3}
MAX_CONTEXT_LINES = max(CONTEXT_LINES.values())

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")

SYSTEM_GROUNDED: dict[Lang, str] = {
    "en": (
        "Answer the question using only the facts given. "
        "If the facts do not contain the answer, say that you do not know."
    ),
    "ko": "주어진 사실로만 답하세요. 사실에 답이 없으면 모른다고 하세요.",
}
_FACTS_HEADER: dict[Lang, str] = {"en": "Facts:", "ko": "사실:"}
_QUESTION_HEADER: dict[Lang, str] = {"en": "Question:", "ko": "질문:"}


def detect_lang(text: str) -> Lang:
    """``ko`` when the text is mostly Hangul (a Korean question), else ``en``."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return "ko" if hangul and hangul * 2 >= latin else "en"


def normalize_question(question: str) -> str:
    """Collapse whitespace; the engine rejects what is empty afterwards."""
    return " ".join(question.split())


def plain_messages(question: str, system: str | None = None) -> list[Message]:
    """No graph context: the question alone (base, lora, and general questions), after the
    caller's system text if any. A template without a system role gets it folded into the
    user turn when the prompt is rendered (:func:`lora.chat_format.render_messages`)."""
    head = [{"role": "system", "content": system}] if system else []
    return [*head, {"role": "user", "content": question}]


def context_limit(lang: Lang) -> int:
    """How many fact sentences a prompt in ``lang`` carries."""
    return CONTEXT_LINES[lang]


def grounded_user_text(question: str, lines: Sequence[str], lang: Lang) -> str:
    """The user turn carrying the facts and the question (at most ``context_limit(lang)`` facts)."""
    kept = [line.strip() for line in lines if line.strip()][: context_limit(lang)]
    facts = "\n".join(f"- {line}" for line in kept)
    return f"{_FACTS_HEADER[lang]}\n{facts}\n\n{_QUESTION_HEADER[lang]} {question}"


def grounded_messages(
    question: str, lines: Sequence[str], lang: Lang | None = None, system: str | None = None
) -> list[Message]:
    """Graph context as plain facts under a short answer-from-the-facts instruction (then the
    caller's own system text, if any)."""
    language = lang or detect_lang(question)
    if not any(line.strip() for line in lines):
        return plain_messages(question, system)
    instruction = SYSTEM_GROUNDED[language] + (f"\n\n{system}" if system else "")
    return [
        {"role": "system", "content": instruction},
        {"role": "user", "content": grounded_user_text(question, lines, language)},
    ]
