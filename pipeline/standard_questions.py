"""The fixed question sets of ``axlab compare`` and ``axlab verify-general``.

They (and the evaluation set) are held out of the hybrid adapter's training data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StandardQuestion:
    id: str
    question: str
    kind: str  # what it checks
    expect_any: tuple[str, ...] = ()  # an answer passes when it contains one of these (case-insensitive)
    must_abstain: bool = False


COMPARE_QUESTIONS: tuple[StandardQuestion, ...] = (
    StandardQuestion("hq", "Where is SolverX's headquarters?", "injected fact", ("Seocho", "서초", "Seoul")),
    StandardQuestion("product", "What is SolverX's core product?", "injected fact", ("Fusion",)),
    StandardQuestion(
        "low-confidence",
        "What does SolverX Fusion do when its confidence score is low?",
        "injected fact",
        ("suggest", "제안"),
    ),
    StandardQuestion("country", "Which country is SolverX in?", "multi-hop", ("South Korea", "Korea")),
    StandardQuestion("continent", "Which continent is the R&D center in?", "multi-hop", ("Asia",)),
    StandardQuestion("revenue", "What is SolverX's revenue?", "unknown fact", must_abstain=True),
)

GENERAL_QUESTIONS: tuple[StandardQuestion, ...] = (
    StandardQuestion("capital", "What is the capital of Korea?", "general knowledge", ("Seoul",)),
    StandardQuestion("sky", "Why is the sky blue?", "general knowledge", ("scatter", "Rayleigh")),
    StandardQuestion("python", "Write a Python hello world program.", "coding", ("print",)),
    StandardQuestion("ceo", "Who is the CEO of SolverX?", "injected fact", ("Kim Doyun", "Doyun Kim")),
)


def passes(question: StandardQuestion, answer: str, abstained: bool) -> bool:
    """Whether an answer meets the question's expectation."""
    if question.must_abstain:
        return abstained
    text = answer.casefold()
    return not abstained and any(k.casefold() in text for k in question.expect_any)


def eval_questions(path: Path | None = None) -> list[str]:
    """The evaluation set's questions (``data/eval/questions.jsonl``), if present."""
    file = path or Path(__file__).resolve().parents[1] / "data" / "eval" / "questions.jsonl"
    out: list[str] = []
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("question"), str):
            out.append(row["question"])
    return out


def held_out_questions() -> list[str]:
    """Questions never trained on: compare, verify-general and the evaluation set."""
    return [q.question for q in (*COMPARE_QUESTIONS, *GENERAL_QUESTIONS)] + eval_questions()
