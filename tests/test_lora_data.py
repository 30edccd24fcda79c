"""Fast tests: training data preparation, row validation, BLAS loader, errors (no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lora.errors import LoraError
from lora.paraphrase import josa
from lora.prepare import prepare_data
from lora.rows import read_chat_jsonl, rows_from_prompts
from tests.conftest_lora import run_cli


def _users(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [next(m["content"] for m in row["messages"] if m["role"] == "user") for row in rows]


def test_prepare_writes_bilingual_paraphrases_without_leaks(tmp_path: Path) -> None:
    report = prepare_data(out_dir=tmp_path, general_ratio=0.25, multi_hop=True, abstention=True)
    train, valid = _users(tmp_path / "train.jsonl"), _users(tmp_path / "valid.jsonl")
    assert report.train_rows == len(train) and report.valid_rows == len(valid)
    assert report.facts >= 19 and report.general_rows > 0 and report.multi_hop_rows > 0
    assert not set(valid) & set(train)
    assert any("SolverX Fusion" in q for q in train) and any("솔버엑스" in q for q in train)
    assert any("capital of France" in q for q in train)  # general mix
    assert (tmp_path / "general_chat.jsonl").exists()
    assert len(read_chat_jsonl(tmp_path / "general_chat.jsonl")) >= 60


def test_korean_particles() -> None:
    assert josa("솔버엑스", "은") == "는" and josa("솔버엑스 퓨전", "는") == "은"
    assert josa("판교", "을") == "를" and josa("서울", "으로") == "로" and josa("SolverX", "이") == "가"


def test_rows_from_prompts_and_validation(tmp_path: Path) -> None:
    rows = rows_from_prompts([("Use the context.", "Q?", "A."), (None, "Q2?", "A2.")])
    assert rows[0]["messages"][0] == {"role": "system", "content": "Use the context."}
    assert [m["role"] for m in rows[1]["messages"]] == ["user", "assistant"]
    with pytest.raises(LoraError, match="example 1"):
        rows_from_prompts([(None, "Q?", "")])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n{oops\n'
    )
    with pytest.raises(LoraError, match=r"bad\.jsonl:2: invalid JSON"):
        read_chat_jsonl(bad)


def test_blas_status_reports_something() -> None:
    import lora

    assert lora.BLAS.active in {"openblas", "accelerate", "reference"}


def _one_line_error(result) -> str:
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_cli_malformed_jsonl(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    line = _one_line_error(run_cli("train", "--data", str(tmp_path), "--adapter-path", str(tmp_path / "a")))
    assert "train.jsonl:1" in line and "messages" in line
    (tmp_path / "train.jsonl").write_text("not json\n", encoding="utf-8")
    line = _one_line_error(run_cli("train", "--data", str(tmp_path), "--adapter-path", str(tmp_path / "a")))
    assert "train.jsonl:1: invalid JSON" in line
    assert not (tmp_path / "a").exists()  # nothing half-written


def test_cli_empty_training_set(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text("", encoding="utf-8")
    line = _one_line_error(run_cli("train", "--data", str(tmp_path), "--adapter-path", str(tmp_path / "a")))
    assert "empty" in line
    assert not (tmp_path / "a").exists()


def test_cli_missing_model_path(tmp_path: Path) -> None:
    prepare_data(out_dir=tmp_path)
    args = (
        "train",
        "--data",
        str(tmp_path),
        "--model",
        str(tmp_path / "nope"),
        "--adapter-path",
        str(tmp_path / "a"),
    )
    line = _one_line_error(run_cli(*args))
    assert "model path not found" in line
    assert not (tmp_path / "a").exists()


def test_cli_resume_without_checkpoint(tmp_path: Path) -> None:
    prepare_data(out_dir=tmp_path)
    line = _one_line_error(
        run_cli("train", "--data", str(tmp_path), "--adapter-path", str(tmp_path / "a"), "--resume")
    )
    assert "nothing to resume" in line


def test_adapter_for_another_model(tmp_path: Path) -> None:
    from lora.generate import load_model

    adapter = tmp_path / "other"
    adapter.mkdir()
    config = {
        "fine_tune_type": "lora",
        "num_layers": 2,
        "lora_parameters": {"rank": 8, "scale": 20.0, "dropout": 0.0},
        "base_model": {"model": "google/gemma-2-9b-it", "fingerprint": "0123456789abcdef"},
    }
    (adapter / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    (adapter / "adapters.safetensors").write_bytes(b"")
    with pytest.raises(LoraError, match="trained for model 'google/gemma-2-9b-it'"):
        load_model(None, adapter)
    with pytest.raises(LoraError, match="adapter not found"):
        load_model(None, tmp_path / "missing")


def test_a_replaced_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    """Atomic writes go through a 0600 temp file; the result must not stay 0600."""
    import os
    import stat

    from lora.atomic import replacing

    fresh = tmp_path / "report.md"
    old = os.umask(0o022)
    try:
        with replacing(fresh) as tmp:
            Path(tmp).write_text("a", encoding="utf-8")
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    fresh.chmod(0o640)
    with replacing(fresh) as tmp:
        Path(tmp).write_text("b", encoding="utf-8")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640 and fresh.read_text(encoding="utf-8") == "b"
