"""Answers end where they end: hybrid targets are one sentence followed by the end-of-turn token,
and an adapter trained on them stops well before ``max_tokens``.

The demo's hybrid adapter once looped over its context lines until max_tokens ("SolverX CEO: Kim
Doyun / SolverX CTO: Lee Seoyeon / ..."): 40% of its targets were several fact sentences in a
row, so after any fact line another one was as likely as the end of the turn.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.model

MAX_TOKENS = 96
SENTENCE_END = re.compile(r"[.!?](\s|$)")


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
def hybrid_data(tmp_path_factory: pytest.TempPathFactory, kg: Any, retriever: Any) -> Iterator[Path]:
    from pipeline.hybrid_data import prepare_hybrid_data

    out = tmp_path_factory.mktemp("hybrid-data")
    prepare_hybrid_data(out, kg=kg, retriever=retriever)
    yield out
    shutil.rmtree(out, ignore_errors=True)


def _rows(path: Path) -> list[dict[str, Any]]:
    from lora.rows import read_chat_jsonl

    return list(read_chat_jsonl(path))


def test_grounded_targets_are_one_sentence(hybrid_data: Path) -> None:
    from pipeline.prompt import SYSTEM_GROUNDED

    grounded = [r for r in _rows(hybrid_data / "train.jsonl") if r["messages"][0]["role"] == "system"]
    assert len(grounded) > 200
    assert {r["messages"][0]["content"] for r in grounded} <= set(SYSTEM_GROUNDED.values())
    for row in grounded:
        answer = row["messages"][-1]["content"]
        body = answer.removeprefix("Yes. ").removeprefix("네. ")  # an office question's "Yes." + evidence
        assert len(SENTENCE_END.findall(body)) <= 1, answer


def test_the_end_of_turn_token_is_a_trained_target(hybrid_data: Path) -> None:
    from mlx_lm.tuner.datasets import ChatDataset

    from lora.chat_format import end_of_turn_id
    from lora.generate import load_model
    from lora.train import template_rows

    tokenizer = load_model(None).tokenizer
    stop = end_of_turn_id(tokenizer)
    assert stop is not None and tokenizer.convert_ids_to_tokens(stop) == "<|im_end|>"
    rows = template_rows(tokenizer, _rows(hybrid_data / "train.jsonl")[:40])
    dataset = ChatDataset(rows, tokenizer, mask_prompt=True)
    for row in rows:
        tokens, offset = dataset.process(row)
        target = tokens[offset:]
        assert stop in target and tokenizer.decode(target).startswith(row["messages"][-1]["content"][:10])
        assert len(tokens) <= 640  # the demo's max_seq_length: the end of turn is never cut off


def test_a_small_adapter_on_these_targets_stops_well_before_max_tokens(
    hybrid_data: Path, kg: Any, retriever: Any, tmp_path: Path
) -> None:
    from lora.rows import write_jsonl
    from lora.train import TrainConfig, train
    from pipeline.engine import AnswerEngine

    english = [r for r in _rows(hybrid_data / "train.jsonl") if not re.search("[가-힣]", str(r))]
    write_jsonl(tmp_path / "data" / "train.jsonl", english)
    config = TrainConfig(
        data=str(tmp_path / "data"),
        adapter_path=str(tmp_path / "adapter"),
        iters=12,
        batch_size=2,
        num_layers=4,
        learning_rate=2e-4,  # the demo's hybrid settings (pipeline/demo.py), fewer steps
        save_every=12,
        steps_per_report=12,
        steps_per_eval=12,
        val_batches=0,
    )
    train(config, show_progress=False)
    engine = AnswerEngine(hybrid_adapter=tmp_path / "adapter", kg=kg, retriever=retriever, verify=False)
    for question in (
        "Who is the chief executive of SolverX?",
        "When was SolverX founded?",
        "Where is the SolverX R&D center?",
        "Who is the CTO of SolverX?",
        "What is the latest version of SolverX Fusion?",
    ):
        answer = engine.ask(question, "hybrid", MAX_TOKENS)
        tokens = answer.timings_ms["decode_tokens"]
        assert answer.answer.strip() and tokens <= MAX_TOKENS // 2, (question, tokens, answer.answer)
