"""Shared helpers for the lora tests (imported explicitly, not a pytest conftest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pipeline ARGS`` from the repo root, capturing output."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def small_fact_data(out: Path, fact_ids: tuple[str, ...]) -> Path:
    """Prepare the SolverX data, then keep only the rows that answer ``fact_ids``' statements."""
    from lora.prepare import prepare_data
    from ontology.knowledge import load_knowledge

    full = out / "full"
    prepare_data(out_dir=full)
    knowledge = load_knowledge()
    answers = {
        getattr(row.text, lang) for row in knowledge.facts() if row.id in fact_ids for lang in ("en", "ko")
    }
    small = out / "small"
    small.mkdir(parents=True, exist_ok=True)
    for name in ("train.jsonl", "valid.jsonl"):
        lines = (full / name).read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if json.loads(line)["messages"][-1]["content"] in answers]
        (small / name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    return small
