"""The whole path on the second shipped knowledge, as a user runs it (CLI processes, real model):
prepare both training sets, train a tiny adapter, ask in all four modes, evaluate a slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest_lora import REPO, run_cli

HARBOR = str(REPO / "data" / "harbor_health")
pytestmark = pytest.mark.model


def cli(*args: str, timeout: float = 900):  # type: ignore[no-untyped-def]
    result = run_cli("--knowledge", HARBOR, *args, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_prepare_train_ask_every_mode_and_evaluate(tmp_path: Path) -> None:
    data, hybrid = tmp_path / "data", tmp_path / "hybrid"
    cli("data", "prepare", "--out", str(data), "--multi-hop", "--abstention")
    rows = [json.loads(line) for line in (data / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any("Harbor Health" in row["messages"][-1]["content"] for row in rows)
    assert not any("SolverX" in json.dumps(row) for row in rows)  # nothing of the other knowledge leaks in
    cli("prepare-hybrid", "--out", str(hybrid))
    assert (hybrid / "train.jsonl").stat().st_size > 0
    adapter = tmp_path / "adapter"
    cli("train", "--data", str(hybrid), "--adapter-path", str(adapter), "--iters", "2", "--batch-size", "1",
        "--num-layers", "2", "--steps-per-eval", "2", "--val-batches", "1", "--quiet")  # fmt: skip
    stamp = json.loads((adapter / "knowledge.json").read_text(encoding="utf-8"))
    assert stamp["name"] == "harbor_health"
    question = "Which continent is the Fukuoka clinic in?"
    for mode in ("base", "lora", "graph", "hybrid"):
        with_adapter = ("--adapter", str(adapter)) if mode in ("lora", "hybrid") else ()
        answer = json.loads(
            cli("ask", question, "--mode", mode, *with_adapter, "--json", "--max-tokens", "12").stdout
        )
        assert answer["mode"] == mode and answer["answer"].strip()
        if mode in ("graph", "hybrid"):
            assert any(c["object"] == "Asia" and c["inferred"] for c in answer["context"])
    two_parts = (
        "How long is the Harbor Health cardiology fellowship and how many fellows does it take each year?"
    )
    answer = json.loads(cli("ask", two_parts, "--mode", "graph", "--json", "--max-tokens", "12").stdout)
    assert not answer["abstained"], answer["abstention"]  # each part read on its own: both understood
    out = tmp_path / "report"
    cli("eval", "--modes", "graph,hybrid", "--limit", "1", "--max-tokens", "12", "--adapter", str(adapter),
        "--out", str(out))  # fmt: skip
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert {"graph", "hybrid"} <= set(report["metrics"])
