"""``axlab compare`` and ``axlab verify-general``: fixed questions answered in every mode.

:func:`run_matrix` asks each question in each mode (skipping modes whose default adapter
is missing, with a note) and returns a :class:`Matrix`; the CLI renders it as a rich
table or prints :meth:`Matrix.to_json`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.engine import AnswerEngine
from pipeline.errors import AxlabError
from pipeline.standard_questions import StandardQuestion, passes
from pipeline.types import MODES, Answer, Mode

Progress = Callable[[StandardQuestion, Mode], None]


@dataclass
class Cell:
    answer: Answer
    passed: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.answer.to_json(), "pass": self.passed}


@dataclass
class Matrix:
    questions: list[StandardQuestion]
    modes: list[Mode]
    cells: dict[tuple[str, Mode], Cell] = field(default_factory=dict)
    skipped: dict[Mode, str] = field(default_factory=dict)  # mode -> why

    def summary(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for mode in self.modes:
            cells = [self.cells[(q.id, mode)] for q in self.questions if (q.id, mode) in self.cells]
            if not cells:
                continue
            totals = [c.answer.timings_ms.get("total", 0.0) for c in cells]
            out[mode] = {
                "passed": sum(c.passed for c in cells),
                "total": len(cells),
                "mean_total_ms": round(sum(totals) / len(totals), 1),
            }
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "modes": list(self.modes),
            "skipped": dict(self.skipped),
            "questions": [
                {
                    "id": q.id,
                    "question": q.question,
                    "kind": q.kind,
                    "answers": {
                        mode: self.cells[(q.id, mode)].to_json()
                        for mode in self.modes
                        if (q.id, mode) in self.cells
                    },
                }
                for q in self.questions
            ],
            "summary": self.summary(),
        }


def parse_modes(text: str | None) -> list[Mode]:
    """``"base,hybrid"`` -> the modes (all four when empty)."""
    if not text:
        return list(MODES)
    chosen: list[Mode] = []
    for part in text.split(","):
        name = part.strip()
        match = next((m for m in MODES if m == name), None)
        if match is None:
            raise AxlabError(f"unknown mode {name!r} in --modes: use {', '.join(MODES)}", exit_code=2)
        if match not in chosen:
            chosen.append(match)
    return chosen


def usable_modes(engine: AnswerEngine, modes: Sequence[Mode]) -> tuple[list[Mode], dict[Mode, str]]:
    """Modes whose adapter is there; a missing *default* adapter skips its mode with a reason."""
    usable: list[Mode] = []
    skipped: dict[Mode, str] = {}
    for mode in modes:
        try:
            engine.adapter_for(mode)
        except AxlabError as exc:
            if engine.adapter_is_explicit(mode):
                raise
            skipped[mode] = str(exc)
            continue
        usable.append(mode)
    return usable, skipped


def run_matrix(
    engine: AnswerEngine,
    questions: Sequence[StandardQuestion],
    modes: Sequence[Mode],
    max_tokens: int | None = None,
    progress: Progress | None = None,
) -> Matrix:
    usable, skipped = usable_modes(engine, modes)
    if not usable:
        raise AxlabError("no mode can run: " + "; ".join(skipped.values()), exit_code=2)
    matrix = Matrix(list(questions), usable, skipped=skipped)
    for question in questions:
        for mode in usable:
            if progress is not None:
                progress(question, mode)
            answer = engine.ask(question.question, mode, max_tokens)
            matrix.cells[(question.id, mode)] = Cell(
                answer, passes(question, answer.answer, answer.abstained)
            )
    return matrix
