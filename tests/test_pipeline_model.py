"""The answer engine on the real embedded model, with small adapters trained once for this module.

Marked ``model``: the embedded SmolLM2-135M on CPU. Training is tiny (a few steps on a few
layers) so that the module runs in a few minutes on 2 cores; what is tested is the pipeline:
modes, routing, the gate, the proofs in the context and verification.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.types import Answer

pytestmark = pytest.mark.model

TOKENS = 24


def _train(data: Path, adapter: Path, rows: int, iters: int, lr: float) -> Path:
    """Train on the first ``rows`` training rows only, without a valid set (no evaluation passes)."""
    from lora.train import TrainConfig, train

    small = data.parent / f"{data.name}-small"
    small.mkdir(parents=True, exist_ok=True)
    lines = (data / "train.jsonl").read_text(encoding="utf-8").splitlines()[:rows]
    (small / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = TrainConfig(
        data=str(small),
        adapter_path=str(adapter),
        iters=iters,
        batch_size=2,
        num_layers=2,
        learning_rate=lr,
        save_every=iters,
        steps_per_report=iters,
        steps_per_eval=iters,
    )
    train(config, show_progress=False)
    return adapter


@pytest.fixture(scope="module")
def kg() -> Any:
    from kg.graph import KnowledgeGraph

    return KnowledgeGraph.load()


@pytest.fixture(scope="module")
def retriever(kg: Any) -> Any:
    from retriever import Retriever

    found = Retriever(kg)
    found.warm()
    return found


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory, kg: Any, retriever: Any) -> Iterator[dict[str, Path]]:
    from lora.prepare import prepare_data
    from pipeline.hybrid_data import prepare_hybrid_data

    root = tmp_path_factory.mktemp("pipeline-adapters")
    prepare_data(out_dir=root / "lora-data")
    report = prepare_hybrid_data(root / "hybrid-data", kg=kg, retriever=retriever)
    assert report.by_kind["fact"] and report.by_kind["multihop"] and report.by_kind["abstain"]
    found = {
        "lora": _train(root / "lora-data", root / "lora", rows=16, iters=3, lr=1e-3),
        "hybrid": _train(root / "hybrid-data", root / "hybrid", rows=12, iters=3, lr=1e-4),
        "hybrid_data": root / "hybrid-data",
    }
    yield found
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def engine(adapters: dict[str, Path], kg: Any, retriever: Any) -> Any:
    from pipeline.engine import AnswerEngine

    return AnswerEngine(
        lora_adapter=adapters["lora"], hybrid_adapter=adapters["hybrid"], kg=kg, retriever=retriever
    )


def test_hybrid_data_rows_are_grounded_prompts(adapters: dict[str, Path]) -> None:
    rows = [json.loads(line) for line in (adapters["hybrid_data"] / "train.jsonl").read_text().splitlines()]
    grounded = [r for r in rows if r["messages"][0]["role"] == "system"]
    general = [r for r in rows if r["messages"][0]["role"] == "user"]
    assert grounded and general
    for row in grounded[:50]:
        user, answer = row["messages"][1]["content"], row["messages"][2]["content"]
        assert user.startswith(("Facts:", "사실:"))
        if not answer.startswith(("I don't know", "모르겠습니다", "Yes.", "네.")):
            # the answer is copied from the facts in the prompt (several objects of one predicate
            # joined into one sentence: "X covers A, B and C", each part from its own fact)
            parts = re.split(r", | and ", answer.strip(" ."))
            assert all(part.strip(" .") in user for part in parts if part.strip()), answer
    questions = {r["messages"][-2]["content"].rsplit("\n", 1)[-1] for r in rows}
    assert "Question: Which country is SolverX in?" not in questions  # held out (compare)


def test_hybrid_answers_the_multi_hop_question_with_the_inferred_triple(engine: Any, adapters: dict) -> None:
    answer: Answer = engine.ask("Which country is SolverX in?", "hybrid", TOKENS)
    assert "South Korea" in answer.answer, answer.to_json()
    assert not answer.abstained
    assert answer.adapter == str(adapters["hybrid"])
    inferred = [
        c
        for c in answer.context
        if c["object"] == "South Korea" and c["predicate"] == "located in" and c["inferred"]
    ]
    assert inferred, answer.context
    proof = inferred[0]["proof"]
    assert proof[0]["subject"] == "SolverX" and proof[-1]["object"] == "South Korea"
    assert any(step["object"] == "Seocho-dong" for step in proof)
    assert set(answer.timings_ms) >= {"retrieve", "generate", "verify", "total"}
    assert answer.verification is not None and answer.verification["status"] in ("supported", "fallback")


def test_hybrid_abstains_on_revenue_without_calling_the_model(engine: Any) -> None:
    answer: Answer = engine.ask("What is SolverX's revenue?", "hybrid", TOKENS)
    assert answer.abstained
    assert answer.answer == "I don't know: the SolverX knowledge has no information about its revenue."
    assert answer.context == [] and answer.timings_ms["generate"] == 0.0
    korean = engine.ask("솔버엑스의 매출은 얼마인가요?", "graph", TOKENS)
    assert korean.abstained and korean.answer.startswith("모르겠습니다") and "매출" in korean.answer


def test_general_question_gets_no_solverx_context(engine: Any) -> None:
    answer: Answer = engine.ask("Why is the sky blue?", "hybrid", TOKENS)
    assert answer.context == []
    assert answer.adapter is None  # general questions bypass the hybrid adapter
    assert "SolverX" not in answer.answer and answer.answer.strip()
    assert answer.verification is None


def test_korean_question_gets_korean_facts_and_answer(engine: Any) -> None:
    answer: Answer = engine.ask("솔버엑스는 어느 나라에 있나요?", "hybrid", TOKENS)
    assert "대한민국" in answer.answer, answer.to_json()
    assert any(c["object"] == "대한민국" for c in answer.context)


def test_each_mode_uses_its_model_and_context(engine: Any, adapters: dict) -> None:
    question = "Where is SolverX's headquarters?"
    base = engine.ask(question, "base", 12)
    lora = engine.ask(question, "lora", 12)
    graph = engine.ask(question, "graph", 12)
    assert base.context == [] and base.adapter is None and base.mode == "base"
    assert lora.context == [] and lora.adapter == str(adapters["lora"])
    assert graph.context and graph.adapter is None
    assert base.model == lora.model == graph.model == "embedded"
    # base and lora answers are verified against the graph even though they did not see it
    assert base.verification is not None and lora.verification is not None


def test_stream_yields_text_then_the_answer(engine: Any) -> None:
    items = list(engine.stream("What is SolverX's core product?", "graph", 16))
    assert isinstance(items[-1], Answer)
    pieces = [i for i in items[:-1] if isinstance(i, str)]
    assert len(pieces) >= 2
    final: Answer = items[-1]
    if final.verification and final.verification["status"] == "fallback":
        assert final.verification["fallback_from"] == "".join(pieces).strip()
    else:
        assert final.answer == "".join(pieces).strip()
    assert "Fusion" in final.answer


def test_contradicting_answer_falls_back_to_the_top_fact(engine: Any) -> None:
    from pipeline.verify import fallback_answer, verify_answer

    grounding = engine.ground("When was SolverX founded?", "en")
    assert verify_answer("SolverX was founded in 2017.", grounding, link=engine.link).status == "contradicted"
    assert fallback_answer(grounding) == "SolverX was founded in 2019."
    japan = engine.ground("Which country is SolverX in?", "en")
    assert verify_answer("SolverX is in Japan.", japan, link=engine.link).status == "contradicted"
    assert fallback_answer(japan) == "SolverX is located in South Korea."
