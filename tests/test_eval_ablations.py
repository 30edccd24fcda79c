"""Ablation orchestration with an injected trainer and engine factory (nothing is trained)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.commands import eval_commands
from pipeline.evaluation.ablations import (
    AblationVariant,
    adapter_ready,
    default_grid,
    interrupted_run,
    run_ablations,
)
from pipeline.evaluation.dataset import EvalItem, load_eval_set, select_items
from tests.test_eval_runner import PNG_MAGIC, ScriptedAnswerer, _policy_hybrid, _policy_lora


def _fake_trainer(trained: list[str], fail: tuple[str, ...] = ()):
    def train(variant: AblationVariant) -> Path:
        if variant.name in fail:
            raise RuntimeError(f"out of memory training {variant.name}")
        trained.append(variant.name)
        variant.path.mkdir(parents=True, exist_ok=True)
        (variant.path / "adapters.safetensors").write_bytes(b"stub")
        return variant.path

    return train


def _factory(items: list[EvalItem], seen: list[Path]):
    def make(path: Path) -> ScriptedAnswerer:
        seen.append(path)
        # the no-context adapter behaves like LoRA alone; the others like the grounded hybrid
        policy = _policy_lora if "noctx" in path.name else _policy_hybrid
        return ScriptedAnswerer(items, {"lora": _policy_lora, "hybrid": policy})

    return make


def test_default_grid_is_small_and_one_factor_at_a_time(tmp_path: Path) -> None:
    grid = default_grid(tmp_path, iters=50)
    assert len(grid) == 4
    assert {v.rank for v in grid} == {4, 16}
    assert {v.general_mix for v in grid} == {0.0, 0.3}
    assert {v.with_context for v in grid} == {True, False}
    assert all(v.path == tmp_path / v.name and v.iters == 50 for v in grid)


def test_missing_adapters_are_trained_existing_ones_reused(tmp_path: Path) -> None:
    items = select_items(load_eval_set(), None, 1)
    grid = default_grid(tmp_path)
    existing = grid[0].path
    existing.mkdir(parents=True)
    (existing / "adapters.safetensors").write_bytes(b"already here")
    trained: list[str] = []
    seen: list[Path] = []
    progress: list[int] = []
    result = run_ablations(
        grid,
        items,
        _fake_trainer(trained),
        _factory(items, seen),
        max_tokens=8,
        limit=1,
        on_progress=lambda m, n: progress.append(n),
    )
    assert trained == [v.name for v in grid[1:]]
    assert seen == [v.path for v in grid]
    assert sum(progress) == len(grid) * len(items) * 2
    variants = {v["name"]: v for v in result["variants"]}
    assert variants[grid[0].name]["trained"] is False and variants[grid[1].name]["trained"] is True
    for v in result["variants"]:
        assert set(v["metrics"]) == {"lora", "hybrid"} and v["error"] is None
    noctx = variants["r16-mix0.3-noctx"]["metrics"]["hybrid"]
    ctx = variants["r16-mix0.3-ctx"]["metrics"]["hybrid"]
    assert ctx["fact_accuracy"] > noctx["fact_accuracy"]
    assert ctx["tinted_glass_rate"] < noctx["tinted_glass_rate"]
    assert any(
        f.startswith("hybrid adapter trained with context True vs False (hybrid)") for f in result["findings"]
    )
    assert any(f.startswith("LoRA rank 16 vs 4") for f in result["findings"])


def test_failing_variant_is_reported_not_fatal(tmp_path: Path) -> None:
    items = select_items(load_eval_set(), ["general"], 1)
    grid = default_grid(tmp_path)
    progress: list[int] = []
    result = run_ablations(
        grid,
        items,
        _fake_trainer([], fail=("r4-mix0.3-ctx",)),
        _factory(items, []),
        on_progress=lambda m, n: progress.append(n),
    )
    failed = [v for v in result["variants"] if v["error"]]
    assert [v["name"] for v in failed] == ["r4-mix0.3-ctx"]
    assert failed[0]["error"] == "RuntimeError: out of memory training r4-mix0.3-ctx"
    assert sum(progress) == len(grid) * len(items) * 2


def test_adapter_ready(tmp_path: Path) -> None:
    assert not adapter_ready(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    assert not adapter_ready(tmp_path / "empty")
    (tmp_path / "a.safetensors").write_bytes(b"x")
    assert adapter_ready(tmp_path / "a.safetensors")
    # a run stopped half-way: weights of its last checkpoint, no training report -> resume, not evaluate
    run = tmp_path / "run"
    (run / "checkpoint").mkdir(parents=True)
    (run / "adapters.safetensors").write_bytes(b"x")
    assert not adapter_ready(run) and interrupted_run(run)
    (run / "training_report.json").write_text("{}")
    assert adapter_ready(run) and not interrupted_run(run)


def test_cli_ablations_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    items = load_eval_set()
    trained: list[str] = []
    monkeypatch.setattr(eval_commands, "default_train_adapter", _fake_trainer(trained))
    monkeypatch.setattr(
        eval_commands,
        "make_engine",
        lambda model=None, adapter=None: ScriptedAnswerer(
            items,
            {"base": _policy_lora, "graph": _policy_hybrid, "lora": _policy_lora, "hybrid": _policy_hybrid},
        ),
    )
    out = tmp_path / "reports"
    with pytest.raises(SystemExit) as info:
        main(
            [
                "eval",
                "--limit",
                "1",
                "--modes",
                "lora,hybrid",
                "--ablations",
                "--ablation-limit",
                "1",
                "--ablation-root",
                str(tmp_path / "ablations"),
                "--out",
                str(out),
            ]
        )
    assert info.value.code == 0, capsys.readouterr().err
    assert len(trained) == 4
    data = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert {"modes", "limit", "items", "root", "variants", "findings", "wall_s"} <= set(data["ablations"])
    md = (out / "eval.md").read_text(encoding="utf-8")
    ablation_section = md.split("## Ablations", 1)[1].split("\n## ", 1)[0]
    assert "| variant | rank | general mix | trained with context |" in ablation_section
    assert "r16-mix0.3-noctx" in ablation_section and "(eval_ablations.png)" in ablation_section
    assert (out / "eval_ablations.png").read_bytes().startswith(PNG_MAGIC)


def test_default_trainer_prepares_data_and_calls_the_lora_trainer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lora_train = pytest.importorskip("lora.train")
    calls: list[tuple[Any, dict[str, Any]]] = []

    def fake_train(config: Any, **kwargs: Any) -> Any:
        calls.append((config, kwargs))
        Path(config.adapter_path).mkdir(parents=True, exist_ok=True)
        return type("Result", (), {"adapter_path": config.adapter_path})()

    monkeypatch.setattr(lora_train, "train", fake_train)
    variant = AblationVariant(
        "r4-mix0-noctx", rank=4, general_mix=0.0, with_context=False, iters=7, path=tmp_path / "r4-mix0-noctx"
    )
    assert eval_commands.default_train_adapter(variant) == variant.path
    ((config, kwargs),) = calls
    assert (config.rank, config.iters, config.adapter_path) == (4, 7, str(variant.path))
    assert kwargs == {"show_progress": False}
    data = Path(config.data)
    assert (data / "train.jsonl").is_file() and (data / "valid.jsonl").is_file()
    assert data.parent == tmp_path  # training data lives beside the adapter, not inside it


def test_context_rows_are_appended_to_the_variant_data(tmp_path: Path) -> None:
    """The with-context ablation data: the folder's own rows kept, graph-context prompts added."""
    import json

    from lora.rows import chat_row, read_chat_jsonl, write_jsonl
    from pipeline.commands.eval_commands import add_context_rows
    from pipeline.prompt import SYSTEM_GROUNDED

    own = chat_row("Who founded SolverX?", "Kim Doyun and Lee Seoyeon.")
    write_jsonl(tmp_path / "train.jsonl", [own])
    add_context_rows(tmp_path)
    rows = read_chat_jsonl(tmp_path / "train.jsonl")
    assert own in rows and len(rows) > 50
    systems = set(SYSTEM_GROUNDED.values())
    with_context = [
        r for r in rows if r["messages"][0]["role"] == "system" and r["messages"][0]["content"] in systems
    ]
    assert len(with_context) == len(rows) - 1
    assert json.loads((tmp_path / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])["messages"]
