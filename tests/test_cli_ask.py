"""``axlab ask`` / ``compare`` / ``verify-general`` / ``prepare-hybrid`` through the real CLI.

Bad input never loads a model: one clear line on stderr, exit code 2, no traceback.
The model tests (marked ``model``) run the embedded model in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def axlab(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "the question is empty"),
        (("ask", "   \n  "), "the question is empty"),
        (("ask", "x" * 100_000), "the question is too long (100,000 characters; the limit is 2,000)"),
        (("ask", "Where is SolverX?", "--mode", "oracle"), "unknown mode 'oracle'"),
        (("ask", "Where is SolverX?", "--mode", "lora", "--adapter", "/nonexistent/adapter"), "not found"),
        (("ask", "Where is SolverX?", "--mode", "base", "--adapter", "/tmp"), "--adapter applies to"),
        (("ask", "Where is SolverX?", "--max-tokens", "0"), "--max-tokens must be a positive integer"),
        (("compare", "--modes", "base,oracle"), "unknown mode 'oracle' in --modes"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    assert message in one_line_error(axlab(*args))


def test_adapter_folder_without_config_is_rejected(tmp_path: Path) -> None:
    line = one_line_error(axlab("ask", "Where is SolverX?", "--mode", "hybrid", "--adapter", str(tmp_path)))
    assert "not an adapter folder" in line


@pytest.mark.model
def test_ask_json_prints_one_object_with_the_contract_fields() -> None:
    result = axlab("ask", "What is SolverX's revenue?", "--mode", "graph", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {
        "question",
        "mode",
        "answer",
        "context",
        "abstained",
        "model",
        "adapter",
        "timings_ms",
        "verification",
    }
    assert data["mode"] == "graph" and data["abstained"] is True and data["model"] == "embedded"
    assert "revenue" in data["answer"]


@pytest.mark.model
def test_ask_streams_the_answer_and_json_carries_the_proof() -> None:
    streamed = axlab("ask", "Which country is SolverX in?", "--mode", "graph", "--max-tokens", "16")
    assert streamed.returncode == 0, streamed.stderr
    assert "South Korea" in streamed.stdout
    assert "mode graph" in streamed.stderr and "verification" in streamed.stderr
    result = axlab("ask", "Which country is SolverX in?", "--mode", "graph", "--max-tokens", "16", "--json")
    data = json.loads(result.stdout)
    top = [c for c in data["context"] if c["object"] == "South Korea" and c["inferred"]]
    assert top and top[0]["proof"], data["context"]


@pytest.mark.model
def test_compare_json_has_every_question_and_skips_missing_adapters(tmp_path: Path) -> None:
    result = axlab(
        "compare",
        "--modes",
        "graph,lora",
        "--lora-adapter",
        str(tmp_path / "missing"),
        "--json",
    )
    assert result.returncode == 2 and "not found" in result.stderr  # an explicit adapter must exist
    result = axlab("compare", "--modes", "graph", "--max-tokens", "12", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    questions = {q["id"]: q for q in data["questions"]}
    assert set(questions) == {"hq", "product", "low-confidence", "country", "continent", "revenue"}
    assert questions["revenue"]["answers"]["graph"]["abstained"] is True
    assert questions["country"]["answers"]["graph"]["pass"] is True
    assert data["summary"]["graph"]["total"] == 6
