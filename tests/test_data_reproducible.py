"""Generated training sets are reproducible: the same knowledge and options give the same bytes.

``axlab data prepare`` and ``axlab prepare-hybrid`` run twice as separate processes (other hash
seeds; for the hybrid set a cold then a warm cache, so reasoning and embeddings are computed once
and read back once) must write byte-identical files. And one item more or less must not move
the others: each prompt's distractors, held-out paraphrases and position come from the seed and
that item alone (:mod:`lora.seeding`), so a new held-out question or one changed retrieval no
longer rewrites the context lines of every row after it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest_lora import REPO, run_cli

FACT_OPTIONS = ("--multi-hop", "--abstention", "--general-ratio", "0.3", "--seed", "3")


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_fact_sets_are_byte_identical_across_processes(tmp_path: Path) -> None:
    outs = [tmp_path / "one", tmp_path / "two"]
    for out, hash_seed in zip(outs, ("1", "2"), strict=True):
        done = run_cli("data", "prepare", "--out", str(out), *FACT_OPTIONS, "--json",
                       env={"PYTHONHASHSEED": hash_seed}, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["train_rows"] > 100 and report["general_rows"] and report["abstention_rows"]
    first, second = _bytes(outs[0]), _bytes(outs[1])
    assert set(first) == {"train.jsonl", "valid.jsonl", "general_chat.jsonl"}
    assert first == second


@pytest.fixture(scope="module")
def hybrid_sets(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """``axlab prepare-hybrid`` twice: run 1 reasons and embeds, run 2 reads both back from disk."""
    root = tmp_path_factory.mktemp("hybrid-sets")
    cache, outs = root / "cache", [root / "cold", root / "warm"]
    for out, hash_seed in zip(outs, ("1", "2"), strict=True):
        done = run_cli("prepare-hybrid", "--out", str(out), "--json",
                       env={"PYTHONHASHSEED": hash_seed, "AXLAB_CACHE": str(cache)}, timeout=400)  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert any((cache / "retriever").iterdir()), "the second run had no cache to read"
    return outs


def test_hybrid_sets_are_byte_identical_cold_and_warm(hybrid_sets: list[Path]) -> None:
    first, second = (_bytes(out) for out in hybrid_sets)
    assert set(first) == {"train.jsonl", "valid.jsonl", "hybrid_data.json"}
    assert first == second


def test_no_eval_or_compare_question_in_the_hybrid_set(hybrid_sets: list[Path]) -> None:
    from pipeline.evaluation.scoring import normalize_text
    from pipeline.standard_questions import compare_questions, general_questions
    from tests.test_eval_dataset import _reused, _user_strings

    corpus = _user_strings([hybrid_sets[0] / "train.jsonl", hybrid_sets[0] / "valid.jsonl"])
    assert len(corpus) > 400
    assert not _reused(corpus), "eval questions found verbatim in the hybrid training data"
    haystack = "\n".join(corpus)
    fixed = (*compare_questions(), *general_questions())
    held = [q.question for q in fixed if normalize_text(q.question) in haystack]
    assert not held, f"compare/verify-general questions trained on: {held}"


SMALL_FACTS = ("solverx-ceo", "solverx-headquarters")  # a person, and a place with its hierarchy


def _knowledge_copy(folder: Path, keep: Callable[[dict[str, Any]], bool]) -> Path:
    """The shipped knowledge folder (same ontology) with only the rows ``keep`` accepts."""
    shutil.copytree(REPO / "data" / "solverx", folder)
    lines = (folder / "knowledge.jsonl").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if keep(json.loads(line))]
    (folder / "knowledge.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """Two facts and the gazetteer: prompts of every kind, few retrievals."""
    from kg.graph import KnowledgeGraph
    from retriever import Retriever

    folder = _knowledge_copy(
        tmp_path_factory.mktemp("small") / "knowledge",
        lambda row: row["kind"] != "fact" or row["id"] in SMALL_FACTS,
    )
    kg = KnowledgeGraph.load(folder)
    return kg, Retriever(kg)


def test_one_question_fewer_moves_no_other_prompt(small_graph: tuple[Any, Any]) -> None:
    from pipeline.hybrid_data import build_examples

    kg, retriever = small_graph
    full, _ = build_examples(kg, retriever, general_ratio=0.0)
    firsts = {e.kind: e for e in reversed(full)}
    assert {"fact", "multihop", "abstain"} <= set(firsts)
    dropped = {firsts["fact"].question, firsts["abstain"].question}  # held out: asked no more
    fewer, count = build_examples(kg, retriever, general_ratio=0.0, held_out=dropped)
    assert count >= 2
    gone = {_key(q) for q in dropped}
    # every other prompt keeps its context lines, its answer and its place
    assert fewer == [e for e in full if _key(e.question) not in gone]


def _key(question: str) -> str:
    return " ".join(question.casefold().split()).rstrip("?.! ")


def _rows(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_one_fact_fewer_keeps_the_other_facts_rows(tmp_path: Path) -> None:
    """Which paraphrase of a fact is held out, and where its rows go, depends on that fact only."""
    from collections import Counter

    from lora.paraphrase import questions_for
    from lora.prepare import LANGS, prepare_data
    from ontology.knowledge import load_knowledge

    knowledge = load_knowledge()
    asked = Counter(
        q for row in knowledge.facts() for lang in LANGS for q in questions_for(row, knowledge, lang)
    )
    # the first fact none of whose questions another fact shares (its removal changes no one's options)
    removed = next(
        row
        for row in knowledge.facts()
        if all(asked[q] == 1 for lang in LANGS for q in questions_for(row, knowledge, lang))
    )
    assert removed.text is not None
    answers = {removed.text.en, removed.text.ko}
    prepare_data(out_dir=tmp_path / "full")
    fewer = _knowledge_copy(tmp_path / "knowledge", lambda row: row["id"] != removed.id)
    prepare_data(fewer, tmp_path / "fewer")
    for name in ("train.jsonl", "valid.jsonl"):
        full = [
            r
            for r in _rows(tmp_path / "full" / name)
            if json.loads(r)["messages"][-1]["content"] not in answers
        ]
        assert full == _rows(tmp_path / "fewer" / name), name
