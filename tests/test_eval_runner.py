"""The runner and the report, driven by a scripted Answerer double (no model)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from pipeline.evaluation.dataset import EvalItem, load_eval_set, select_items
from pipeline.evaluation.report import build_report, write_report
from pipeline.evaluation.runner import run_eval
from pipeline.types import DEFAULT_MODE, Answer, Mode

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _right(item: EvalItem) -> str:
    keywords = item.any_keywords()
    return f"The answer is {keywords[0]}." if keywords else "I don't know; that is not in my knowledge."


def _policy_hybrid(item: EvalItem) -> tuple[str, bool]:
    return (_right(item), item.must_abstain)


def _policy_lora(item: EvalItem) -> tuple[str, bool]:
    if item.category in ("injected", "korean"):
        return (_right(item), False)
    if item.category == "unknown":
        return ("SolverX made 5 billion KRW and has 12 patents.", False)
    if item.category in ("general", "coding"):
        return (_right(item) + " SolverX Fusion can help with that.", False)
    return ("It is in Tokyo.", False)


def _policy_base(item: EvalItem) -> tuple[str, bool]:
    if item.category in ("general", "coding"):
        return (_right(item), False)
    return ("I don't know.", False)


class ScriptedAnswerer:
    """Answers each eval question by a per-mode policy; records every call."""

    def __init__(
        self,
        items: list[EvalItem],
        policies: Mapping[str, Callable[[EvalItem], tuple[str, bool]]] | None = None,
        fail_modes: tuple[str, ...] = (),
    ) -> None:
        self.by_question = {i.question: i for i in items}
        self.policies = policies or {
            "base": _policy_base,
            "lora": _policy_lora,
            "graph": _policy_hybrid,
            "hybrid": _policy_hybrid,
        }
        self.fail_modes = fail_modes
        self.calls: list[tuple[str, str, int | None]] = []

    def ask(self, question: str, mode: Mode = DEFAULT_MODE, max_tokens: int | None = None) -> Answer:
        self.calls.append((question, mode, max_tokens))
        if mode in self.fail_modes:
            raise RuntimeError(f"no adapter for {mode}\nsecond line")
        text, abstained = self.policies[mode](self.by_question[question])
        return Answer(
            question=question,
            mode=mode,
            answer=text,
            context=[{"subject": "SolverX", "predicate": "locatedIn", "object": "Seoul"}]
            if mode != "base"
            else [],
            abstained=abstained,
            model="scripted",
            adapter=None,
            timings_ms={"retrieve": 5.0, "generate": 20.0 + len(question), "total": 25.0 + len(question)},
        )


def _slice(limit: int = 2) -> list[EvalItem]:
    return select_items(load_eval_set(), None, limit)


def test_run_eval_scores_every_mode_and_item() -> None:
    items = _slice()
    engine = ScriptedAnswerer(items)
    progress: list[tuple[str, int]] = []
    run = run_eval(
        engine,
        items,
        ["base", "lora", "hybrid"],
        max_tokens=32,
        on_progress=lambda m, n: progress.append((m, n)),
    )
    assert len(run.records) == 3 * len(items) == len(engine.calls)
    assert {c[2] for c in engine.calls} == {32}
    assert sum(n for _, n in progress) == 3 * len(items)
    hybrid = [r for r in run.records if r.mode == "hybrid"]
    assert all(r.correct for r in hybrid)
    lora_unknown = [r for r in run.records if r.mode == "lora" and r.category == "unknown"]
    assert lora_unknown and all(r.hallucinated for r in lora_unknown)
    assert all(r.tinted for r in run.records if r.mode == "lora" and r.category in ("general", "coding"))
    assert all(r.latency_ms == r.timings_ms["total"] for r in run.records)


def test_mode_that_fails_first_is_skipped_with_one_line_reason() -> None:
    items = _slice(1)
    progress: list[int] = []
    run = run_eval(
        ScriptedAnswerer(items, fail_modes=("lora",)),
        items,
        ["lora", "hybrid"],
        on_progress=lambda m, n: progress.append(n),
    )
    assert run.skipped == {"lora": "RuntimeError: no adapter for lora"}
    assert {r.mode for r in run.records} == {"hybrid"}
    assert sum(progress) == 2 * len(items)


def test_report_structure(tmp_path: Path) -> None:
    items = _slice()
    run = run_eval(ScriptedAnswerer(items), items, ["base", "lora", "graph", "hybrid"])
    report = build_report(
        run, {"questions": "data/solverx/eval/questions.jsonl", "limit": 2, "max_tokens": 64}
    )
    paths = write_report(report, tmp_path / "reports")

    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert {
        "schema",
        "created",
        "wall_time_s",
        "setup",
        "metrics",
        "skipped_modes",
        "goals",
        "verdict",
        "records",
    } <= set(data)
    assert list(data["metrics"]) == ["base", "lora", "graph", "hybrid"]
    for m in data["metrics"].values():
        assert {
            "accuracy",
            "by_category",
            "fact_accuracy",
            "hallucination_rate",
            "abstention_precision",
            "retention",
            "tinted_glass_rate",
            "latency_ms",
        } <= set(m)
        assert set(m["latency_ms"]) == {"p50", "p95"}
    hybrid, lora, base = data["metrics"]["hybrid"], data["metrics"]["lora"], data["metrics"]["base"]
    assert (
        hybrid["accuracy"] == 1.0
        and hybrid["hallucination_rate"] == 0.0
        and hybrid["tinted_glass_rate"] == 0.0
    )
    assert lora["hallucination_rate"] == 1.0 and lora["tinted_glass_rate"] == 1.0
    assert base["abstention_precision"] < 1.0  # base abstains on answerable facts too
    assert [g["met"] for g in data["goals"]["results"]] == [True] * 5
    assert data["verdict"]["answer"] == "yes"
    assert data["setup"]["items_per_category"] == {c: 2 for c in data["setup"]["items_per_category"]}
    assert len(data["records"]) == 4 * len(items)

    md = paths["md"].read_text(encoding="utf-8")
    for heading in (
        "# AX Lab evaluation report",
        "## Setup",
        "## Does graph grounding beat LoRA alone?",
        "## Summary by mode",
        "## Accuracy by category",
        "## Goals (hybrid mode",
        "## Timing",
        "## Misses (sample)",
    ):
        assert heading in md, heading
    assert "![" in md and "(eval.png)" in md
    assert md.count("**met**") == 5 and "latency p95" in md

    png = paths["png"].read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 1000


def test_goals_not_met_and_not_measured_are_reported(tmp_path: Path) -> None:
    items = _slice(1)
    policies = {"hybrid": _policy_lora, "lora": _policy_lora}
    engine = ScriptedAnswerer(items, policies, fail_modes=("graph",))
    run = run_eval(engine, items, ["lora", "graph", "hybrid"])
    report = build_report(run, {})
    md = write_report(report, tmp_path)["md"].read_text(encoding="utf-8")
    assert "**not met**" in md and "not measured" in md  # retention needs the base mode
    assert "## Skipped modes" in md and "`graph`: RuntimeError: no adapter for graph" in md
    assert report["verdict"]["answer"] == "tie"


def test_interrupt_keeps_partial_results(tmp_path: Path) -> None:
    items = _slice(1)
    engine = ScriptedAnswerer(items)
    real_ask = engine.ask

    def ask(question: str, mode: Mode = DEFAULT_MODE, max_tokens: int | None = None) -> Answer:
        if len(engine.calls) == len(items) + 2:
            raise KeyboardInterrupt
        return real_ask(question, mode, max_tokens)

    engine.ask = ask  # type: ignore[method-assign]
    run = run_eval(engine, items, ["base", "hybrid"])
    assert run.interrupted and len(run.records) == len(items) + 2
    md = write_report(build_report(run, {}), tmp_path)["md"].read_text(encoding="utf-8")
    assert "**Interrupted**" in md


class FallbackAnswerer:
    """Graph mode: the verifier replaced the model's text with the graph's sentence; hybrid
    mode: the model's own answer, supported by the graph."""

    def __init__(self, items: list[EvalItem]) -> None:
        self.by_question = {i.question: i for i in items}

    def ask(self, question: str, mode: Mode = DEFAULT_MODE, max_tokens: int | None = None) -> Answer:
        item = self.by_question[question]
        fallback = mode == "graph"
        return Answer(
            question=question,
            mode=mode,
            answer=_right(item),
            context=[],
            abstained=item.must_abstain,
            model="scripted",
            adapter=None,
            verification={"status": "fallback", "fallback_from": "It is in Tokyo.", "claims": []}
            if fallback
            else {"status": "supported", "claims": []},
        )


def test_record_keeps_the_verification_status(tmp_path: Path) -> None:
    items = [i for i in _slice(1) if i.category in ("injected", "multihop", "korean")]
    assert items
    run = run_eval(FallbackAnswerer(items), items, ["graph", "hybrid"])
    graph = [r for r in run.records if r.mode == "graph"]
    hybrid = [r for r in run.records if r.mode == "hybrid"]
    assert graph and all(r.verification == "fallback" and r.correct for r in graph)
    assert hybrid and all(r.verification == "supported" for r in hybrid)
    assert all(r.to_json()["verification"] == r.verification for r in run.records)

    report = build_report(run, {})
    assert report["metrics"]["graph"]["fallbacks"] == len(graph)
    assert report["metrics"]["graph"]["fallback_rate"] == 1.0
    assert report["metrics"]["graph"]["fact_accuracy"] == 1.0
    assert report["metrics"]["graph"]["model_fact_accuracy"] == 0.0
    assert report["metrics"]["hybrid"]["model_fact_accuracy"] == 1.0
    md = write_report(report, tmp_path)["md"].read_text(encoding="utf-8")
    assert "| fact acc. | model's own | fallback |" in md
    graph_row = next(line for line in md.splitlines() if line.startswith("| graph | "))
    assert "| 100.0% | 0.0% | 100.0% |" in graph_row  # fact acc., model's own, fallback


def test_record_without_verification_is_none() -> None:
    items = _slice(1)
    run = run_eval(ScriptedAnswerer(items), items, ["hybrid"])
    assert all(r.verification is None for r in run.records)
