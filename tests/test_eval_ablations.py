"""Ablation curves with an injected trainer and answerer (nothing is trained here; the trainer
and the answer engine have their own tests on the real model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.commands import ablate_commands, eval_commands
from pipeline.evaluation.ablations import (
    MIXES,
    RANKS,
    REFERENCE_MIX,
    REFERENCE_RANK,
    AblationVariant,
    adapter_ready,
    curve_grid,
    findings,
    interrupted_run,
    run_ablations,
    unseen_items,
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
        report = {"steps": variant.iters, "val_loss_initial": 2.0, "best_val_loss": 0.1, "best_step": 5}
        (variant.path / "training_report.json").write_text(json.dumps(report))
        return variant.path

    return train


def _factory(items: list[EvalItem], seen: list[Path]):
    """Adapters trained without general rows colour general answers with the domain; the
    others answer them cleanly (the effect the mix curve is there to show)."""

    def make(path: Path) -> ScriptedAnswerer:
        seen.append(path)
        policy = _policy_lora if path.name.endswith("-mix0") else _policy_hybrid
        return ScriptedAnswerer(items, {"lora": policy})

    return make


def test_curve_grid_is_two_curves_through_the_reference(tmp_path: Path) -> None:
    grid = curve_grid(tmp_path, iters=50)
    assert grid[0].rank == REFERENCE_RANK and grid[0].general_mix == REFERENCE_MIX  # trained first
    assert len(grid) == len(RANKS) + len(MIXES) - 1  # the reference is on both curves, trained once
    assert {v.general_mix for v in grid if v.rank == REFERENCE_RANK} == set(MIXES)
    assert {v.rank for v in grid if v.general_mix == REFERENCE_MIX} == set(RANKS)
    assert all(v.path == tmp_path / v.name and v.iters == 50 for v in grid)
    assert len({v.name for v in grid}) == len(grid)


def test_missing_adapters_are_trained_existing_ones_reused(tmp_path: Path) -> None:
    items = select_items(load_eval_set(), ["injected", "general"], 2)
    grid = curve_grid(tmp_path, ranks=(4, 16), mixes=(0.0, 0.3))
    _fake_trainer([])(grid[0])  # already trained
    trained: list[str] = []
    seen: list[Path] = []
    progress: list[int] = []
    result = run_ablations(
        grid,
        items,
        _fake_trainer(trained),
        _factory(items, seen),
        on_progress=lambda m, n: progress.append(n),
    )
    assert trained == [v.name for v in grid[1:]]
    assert seen == [v.path for v in grid]
    assert sum(progress) == len(grid) * len(items)
    variants = {v["name"]: v for v in result["variants"]}
    assert variants[grid[0].name]["trained"] is False and variants[grid[1].name]["trained"] is True
    assert variants["r16-mix0"]["training"]["best_val_loss"] == 0.1
    assert variants["r16-mix0"]["metrics"]["lora"]["tinted_glass_rate"] == 1.0
    assert variants["r16-mix0.3"]["metrics"]["lora"]["tinted_glass_rate"] == 0.0
    mix_line = next(f for f in result["findings"] if f.startswith("general-data mix 0 -> 0.3 (lora)"))
    assert "tinted glass 100.0% -> 0.0%" in mix_line
    assert any(f.startswith("LoRA rank 4 -> 16 (lora)") for f in result["findings"])


def test_grid_order_reaches_both_ends_of_both_curves_first() -> None:
    names = [v.name for v in curve_grid()]
    assert names[:3] == ["r16-mix0", "r16-mix0.5", "r4-mix0"]
    assert set(names[3:5]) == {"r16-mix0.3", "r32-mix0"}


def test_saved_results_are_reused_and_reported_after_each_variant(tmp_path: Path) -> None:
    items = select_items(load_eval_set(), ["injected", "general"], 2)
    grid = curve_grid(tmp_path, ranks=(16,), mixes=(0.0, 0.5))
    seen: list[Path] = []
    partial: list[int] = []
    first = run_ablations(
        grid,
        items,
        _fake_trainer([]),
        _factory(items, seen),
        on_variant=lambda d: partial.append(len(d["variants"])),
    )
    assert partial == [1, 2] and len(seen) == 2
    again = run_ablations(grid, items, _fake_trainer([]), _factory(items, seen))
    assert len(seen) == 2  # nothing asked again: the saved results are reused
    assert [v["metrics"] for v in again["variants"]] == [v["metrics"] for v in first["variants"]]
    assert all(v.get("reused") for v in again["variants"])
    more = curve_grid(tmp_path, ranks=(4, 16), mixes=(0.0, 0.5))
    reported = run_ablations(more, items, _fake_trainer(["unexpected"]), _factory(items, seen), train=False)
    assert [v["name"] for v in reported["variants"]] == ["r16-mix0", "r16-mix0.5"]  # r4 not trained: left
    fewer = items[:-1]  # other questions: evaluated afresh
    run_ablations(grid[:1], fewer, _fake_trainer([]), _factory(items, seen))
    assert len(seen) == 3


def test_findings_follow_one_factor_and_skip_points_off_the_curve() -> None:
    def point(rank: int, mix: float, fact: float) -> dict[str, Any]:
        m = {"by_category": {"injected": {"accuracy": fact}}, "retention": 0.5, "tinted_glass_rate": 0.0}
        return {"rank": rank, "general_mix": mix, "metrics": {"lora": m}}

    lines = findings([point(16, 0.0, 0.8), point(16, 0.5, 0.6), point(4, 0.5, 0.1), point(4, 0.0, 0.4)])
    assert lines == [
        "general-data mix 0 -> 0.5 (lora): new wording 80.0% -> 60.0%; general retention 50.0% -> 50.0%; "
        "tinted glass 0.0% -> 0.0%",
        "LoRA rank 4 -> 16 (lora): new wording 40.0% -> 80.0%; general retention 50.0% -> 50.0%; "
        "tinted glass 0.0% -> 0.0%",
    ]


def test_memorisation_items_come_from_the_training_data(tmp_path: Path) -> None:
    """Trained questions word for word and the held-out paraphrases, scored on the fact's values."""
    from lora.prepare import prepare_data
    from ontology.knowledge import load_knowledge
    from pipeline.evaluation.scoring import score_answer
    from pipeline.evaluation.trained_items import HELD_OUT, TRAINED, level, memorisation_items

    prepare_data(out_dir=tmp_path)
    items = memorisation_items(tmp_path, load_knowledge(), trained_sample=5)
    trained = [i for i in items if level(i.id) == TRAINED]
    held = [i for i in items if level(i.id) == HELD_OUT]
    assert len(trained) == 5 and len(held) > 10
    train_text = (tmp_path / "train.jsonl").read_text(encoding="utf-8")
    valid_text = (tmp_path / "valid.jsonl").read_text(encoding="utf-8")
    assert all(json.dumps(i.question, ensure_ascii=False) in train_text for i in trained)
    assert all(json.dumps(i.question, ensure_ascii=False) in valid_text for i in held)
    ceo = next(i for i in held if "CEO" in i.question and i.lang == "en")
    assert score_answer(ceo, "The CEO is Kim Doyun.").correct
    assert not score_answer(ceo, "The CEO is Lee Seoyeon.").correct
    # a value the question already names does not count as the answer
    assert all(not any(k.casefold() in i.question.casefold() for k in i.any_keywords()) for i in items)
    assert memorisation_items(tmp_path, load_knowledge(), 5) == items  # seeded: the same sample


def test_failing_variant_is_reported_not_fatal(tmp_path: Path) -> None:
    items = select_items(load_eval_set(), ["general"], 1)
    grid = curve_grid(tmp_path, ranks=(4, 16), mixes=(0.0,))
    progress: list[int] = []
    result = run_ablations(
        grid,
        items,
        _fake_trainer([], fail=("r4-mix0",)),
        _factory(items, []),
        on_progress=lambda m, n: progress.append(n),
    )
    failed = [v for v in result["variants"] if v["error"]]
    assert [v["name"] for v in failed] == ["r4-mix0"]
    assert failed[0]["error"] == "RuntimeError: out of memory training r4-mix0"
    assert sum(progress) == len(grid) * len(items)


def test_adapter_ready(tmp_path: Path) -> None:
    assert not adapter_ready(tmp_path / "missing")
    (tmp_path / "a.safetensors").write_bytes(b"x")
    assert adapter_ready(tmp_path / "a.safetensors")
    # weights written before the first checkpoint, no training report: retrain, not evaluate
    early = tmp_path / "early"
    early.mkdir()
    (early / "adapters.safetensors").write_bytes(b"x")
    assert not adapter_ready(early) and not interrupted_run(early)
    # a run stopped half-way: weights of its last checkpoint, no training report -> resume
    run = tmp_path / "run"
    (run / "checkpoint").mkdir(parents=True)
    (run / "adapters.safetensors").write_bytes(b"x")
    assert not adapter_ready(run) and interrupted_run(run)
    (run / "training_report.json").write_text("{}")
    assert adapter_ready(run) and not interrupted_run(run)


def test_general_questions_that_were_trained_on_are_left_out() -> None:
    items = select_items(load_eval_set(), ["general"])
    trained = [items[0].question.upper() + "  ", "Something else?"]
    kept, left_out = unseen_items(items, trained)
    assert left_out == 1 and items[0] not in kept and len(kept) == len(items) - 1


def test_cli_writes_the_curves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [Path("data/solverx/eval/blind.jsonl"), Path("data/solverx/eval/fresh.jsonl")]
    memorised = ablate_commands.trained_questions(4)
    items = memorised + [i for p in questions for i in load_eval_set(p)]
    trained: list[str] = []
    monkeypatch.setattr(ablate_commands, "train_variant", _fake_trainer(trained))

    def engine(model: str | None = None, adapter: str | None = None) -> ScriptedAnswerer:
        if adapter is None:  # the base model: general questions answered cleanly
            return ScriptedAnswerer(items, {"base": _policy_hybrid})
        return _factory(items, [])(Path(adapter))

    monkeypatch.setattr(eval_commands, "make_engine", engine)
    out = tmp_path / "reports"
    args = ["ablate", "--ranks", "4,16", "--mixes", "0,0.5", "--iters", "3", "--trained-sample", "4"]
    args += ["--root", str(tmp_path / "a")]
    args += [x for p in questions for x in ("--questions", str(p))] + ["--out", str(out)]
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0, capsys.readouterr().err
    assert trained == ["r16-mix0", "r16-mix0.5", "r4-mix0"]
    data = json.loads((out / "ablations.json").read_text(encoding="utf-8"))
    assert data["setup"]["questions"] == [str(p) for p in questions] and data["wall_s"] >= 0
    asked = [i for i in items if i.category in ("injected", "multihop", "unknown", "general", "coding")]
    assert data["items"] == len(asked) - data["setup"]["left_out"]
    reference = data["variants"][0]
    assert reference["levels"]["lora"]["@trained"] == {"n": 4, "correct": 4, "accuracy": 1.0}
    assert reference["metrics"]["lora"]["by_category"]["injected"]["n"] == 26  # eval items only
    md = (out / "ablations.md").read_text(encoding="utf-8")
    assert "| r16-mix0.5 | 16 | 0.5 | lora | 100.0% |" in md and "(ablations.png)" in md
    assert "Answers per point: trained wording 4, held-out paraphrase" in md
    assert "95% interval of a point" in md
    assert "The base model without an adapter, on the same" in md and "retention 100.0%" in md
    assert data["base"]["metrics"]["tinted_glass_rate"] == 0.0
    assert "2.000 -> 0.100 (step 5)" in md
    assert (out / "ablations.png").read_bytes().startswith(PNG_MAGIC)


def test_cli_rejects_a_bad_rank_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["ablate", "--ranks", "4,x"])
    assert info.value.code != 0
    err = capsys.readouterr().err
    assert "--ranks: expected comma-separated numbers" in err and "Traceback" not in err


def test_train_variant_uses_the_baseline_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lora_train = pytest.importorskip("lora.train")
    from lora.presets import get_preset

    calls: list[tuple[Any, dict[str, Any]]] = []

    def fake_train(config: Any, **kwargs: Any) -> Any:
        calls.append((config, kwargs))
        Path(config.adapter_path).mkdir(parents=True, exist_ok=True)
        return type("Result", (), {"adapter_path": config.adapter_path})()

    monkeypatch.setattr(lora_train, "train", fake_train)
    variant = AblationVariant("r4-mix0.5", rank=4, general_mix=0.5, iters=7, path=tmp_path / "r4-mix0.5")
    assert ablate_commands.train_variant(variant) == variant.path
    ((config, kwargs),) = calls
    assert (config.rank, config.iters, config.adapter_path) == (4, 7, str(variant.path))
    baseline = get_preset("baseline").settings
    assert (config.num_layers, config.learning_rate, config.patience) == (
        baseline["num_layers"],
        baseline["learning_rate"],
        baseline["patience"],
    )
    assert kwargs == {"show_progress": False}
    data = Path(config.data)
    assert data.parent == tmp_path  # training data lives beside the adapter, not inside it
    rows = [json.loads(line) for line in (data / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    from lora.general_chat import general_qa

    general = {q for q, _ in general_qa()}
    mixed = [r for r in rows if r["messages"][0]["content"] in general]
    assert 0 < len(mixed) < len(rows)


def test_margin_95_shrinks_with_more_answers() -> None:
    from pipeline.evaluation.ablation_report import margin_95

    assert 0.14 < margin_95(0.5, 42) < 0.16
    assert margin_95(0.5, 400) < margin_95(0.5, 42)
    assert 0 < margin_95(0.0, 30) < 0.12  # no answer right still leaves room for a few
