"""Run the eval set through an :class:`~pipeline.types.Answerer` in each mode and score it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from pipeline.evaluation.dataset import EvalItem
from pipeline.evaluation.scoring import score_answer
from pipeline.types import Answer, Answerer, Mode

ProgressCallback = Callable[[str, int], None]  # (mode, items finished since last call)


@dataclass
class Record:
    """One (item, mode) answer and its verdict (also a row of ``eval.json``'s ``records``)."""

    id: str
    category: str
    lang: str
    mode: str
    question: str
    answer: str
    must_abstain: bool
    abstained_flag: bool
    abstained: bool
    correct: bool
    hallucinated: bool
    tinted: bool
    matched: list[str]
    violations: list[str]
    latency_ms: float | None
    timings_ms: dict[str, float] = field(default_factory=dict)
    context_triples: int = 0
    error: str | None = None
    # The engine's verification status: "supported", "unsupported", "contradicted",
    # "fallback" (the graph's sentence replaced the model's text) or None (not verified).
    verification: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EvalRun:
    modes: list[str]
    items: list[EvalItem]
    records: list[Record]
    skipped: dict[str, str]  # mode -> why it could not run
    started_at: str
    wall_s: float
    model: str | None = None
    adapter: str | None = None
    interrupted: bool = False  # Ctrl-C: the records so far are kept for a partial report


def answer_latency_ms(answer: Answer, measured_ms: float) -> float:
    """The engine's own total when it reports one, else the sum of its stages, else wall time."""
    timings = answer.timings_ms or {}
    for key in ("total", "total_ms"):
        if key in timings:
            return float(timings[key])
    if timings:
        return float(sum(timings.values()))
    return measured_ms


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def verification_status(answer: Answer) -> str | None:
    """``answer.verification["status"]`` as a string, or ``None`` when the answer carries none."""
    if not isinstance(answer.verification, dict):
        return None
    status = answer.verification.get("status")
    return None if status is None else str(status)


def score_record(item: EvalItem, mode: str, answer: Answer, measured_ms: float) -> Record:
    verdict = score_answer(item, answer.answer or "", bool(answer.abstained))
    return Record(
        id=item.id,
        category=item.category,
        lang=item.lang,
        mode=mode,
        question=item.question,
        answer=answer.answer or "",
        must_abstain=item.must_abstain,
        abstained_flag=bool(answer.abstained),
        abstained=verdict.abstained,
        correct=verdict.correct,
        hallucinated=verdict.hallucinated,
        tinted=verdict.tinted,
        matched=list(verdict.matched),
        violations=list(verdict.violations),
        latency_ms=round(answer_latency_ms(answer, measured_ms), 1),
        timings_ms={k: round(float(v), 1) for k, v in (answer.timings_ms or {}).items()},
        context_triples=len(answer.context or []),
        verification=verification_status(answer),
    )


def error_record(item: EvalItem, mode: str, exc: BaseException) -> Record:
    """An answer that failed: scored as wrong (and, on unknown items, not as a hallucination)."""
    return Record(
        id=item.id,
        category=item.category,
        lang=item.lang,
        mode=mode,
        question=item.question,
        answer="",
        must_abstain=item.must_abstain,
        abstained_flag=False,
        abstained=False,
        correct=False,
        hallucinated=False,
        tinted=False,
        matched=[],
        violations=[],
        latency_ms=None,
        error=_one_line(exc),
    )


def run_eval(
    answerer: Answerer,
    items: Sequence[EvalItem],
    modes: Sequence[str],
    max_tokens: int | None = None,
    on_progress: ProgressCallback | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> EvalRun:
    """Ask every item in every mode. A mode whose first question fails is skipped (the
    reason is kept for the report); a later failure is recorded as a wrong answer; Ctrl-C
    stops the run and keeps what was answered (``interrupted``)."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    start = clock()
    records: list[Record] = []
    skipped: dict[str, str] = {}
    interrupted = False
    try:
        _ask_all(answerer, items, modes, max_tokens, on_progress, clock, records, skipped)
    except KeyboardInterrupt:
        interrupted = True
    return EvalRun(
        modes=list(modes),
        items=list(items),
        records=records,
        skipped=skipped,
        started_at=started_at,
        wall_s=clock() - start,
        interrupted=interrupted,
    )


def _ask_all(
    answerer: Answerer,
    items: Sequence[EvalItem],
    modes: Sequence[str],
    max_tokens: int | None,
    on_progress: ProgressCallback | None,
    clock: Callable[[], float],
    records: list[Record],
    skipped: dict[str, str],
) -> None:
    for mode in modes:
        for index, item in enumerate(items):
            t0 = clock()
            try:
                answer = answerer.ask(item.question, mode=_as_mode(mode), max_tokens=max_tokens)
            except Exception as exc:  # one bad answer must not lose a long run
                if index == 0:
                    skipped[mode] = _one_line(exc)
                    if on_progress:
                        on_progress(mode, len(items))
                    break
                records.append(error_record(item, mode, exc))
            else:
                records.append(score_record(item, mode, answer, (clock() - t0) * 1000.0))
            if on_progress:
                on_progress(mode, 1)


def _as_mode(mode: str) -> Mode:
    return cast(Mode, mode)  # validated by the caller against MODES
