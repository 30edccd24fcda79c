"""Ablations: the LoRA-only adapter's rank and general-data mixing ratio, as curves of fact
accuracy, general-knowledge retention and the tinted-glass rate.

Each :class:`AblationVariant` is an adapter under ``adapters/ablations/<name>``, trained the way
the converged LoRA-only baseline is (``axlab train --preset baseline``) with one factor changed.
Missing adapters are trained through an injected ``train_adapter(variant) -> Path`` (the lora
trainer's Python API in production, a stub in tests); each is then evaluated through an
injected ``engine_factory(adapter) -> Answerer``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lora.atomic import replacing
from pipeline.evaluation.dataset import GENERAL_CATEGORIES, EvalItem
from pipeline.evaluation.runner import ProgressCallback, run_eval
from pipeline.evaluation.scoring import metrics_by_mode
from pipeline.evaluation.trained_items import HELD_OUT, TRAINED, level
from pipeline.types import Answerer

DEFAULT_ROOT = Path("adapters") / "ablations"
DEFAULT_MODES: tuple[str, ...] = ("lora",)
DEFAULT_ITERS = 100  # steps per variant: the baseline's valid loss fell 2.08 -> 0.055 by step 100
RANKS: tuple[int, ...] = (4, 8, 16, 32)
MIXES: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5)
REFERENCE_RANK = 16  # the baseline preset's rank
REFERENCE_MIX = 0.0  # the baseline preset trains on fact paraphrases only


@dataclass(frozen=True)
class AblationVariant:
    name: str
    rank: int
    general_mix: float  # general chat rows per fact row mixed into the training data
    iters: int = DEFAULT_ITERS
    path: Path = DEFAULT_ROOT

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rank": self.rank,
            "general_mix": self.general_mix,
            "iters": self.iters,
            "path": str(self.path),
        }


def variant(
    rank: int, general_mix: float, iters: int = DEFAULT_ITERS, root: Path = DEFAULT_ROOT
) -> AblationVariant:
    name = f"r{rank}-mix{general_mix:g}"
    return AblationVariant(name, rank, general_mix, iters, root / name)


def curve_grid(
    root: Path = DEFAULT_ROOT,
    iters: int = DEFAULT_ITERS,
    ranks: Sequence[int] = RANKS,
    mixes: Sequence[float] = MIXES,
    reference_rank: int = REFERENCE_RANK,
    reference_mix: float = REFERENCE_MIX,
) -> list[AblationVariant]:
    """Two curves through one reference adapter, one factor at a time: the mix ratios at the
    reference rank and the ranks at the reference mix. The reference is trained first, then the
    points farthest from it, the two factors taking turns, so a run cut short already spans
    both curves."""
    by_mix = sorted((m for m in mixes if m != reference_mix), key=lambda m: -abs(m - reference_mix))
    by_rank = sorted(
        (r for r in ranks if r != reference_rank),
        key=lambda r: (-abs(math.log2(r / reference_rank)) if r else 0.0, -abs(r - reference_rank)),
    )
    points = [(reference_rank, reference_mix)]
    for i in range(max(len(by_mix), len(by_rank))):
        points += [(reference_rank, by_mix[i])] if i < len(by_mix) else []
        points += [(by_rank[i], reference_mix)] if i < len(by_rank) else []
    seen: list[tuple[int, float]] = []
    for point in points:
        if point not in seen:
            seen.append(point)
    return [variant(r, m, iters, root) for r, m in seen]


TRAINING_REPORT = "training_report.json"  # lora.train writes it when a run finishes
CHECKPOINT_DIR = "checkpoint"


def adapter_ready(path: Path) -> bool:
    """An adapter file, or a folder whose training run finished (``lora.train`` writes its
    report last): a run that stopped half-way is resumed or retrained, not evaluated."""
    return path.is_file() or (path / TRAINING_REPORT).is_file()


def interrupted_run(path: Path) -> bool:
    """Whether ``path`` holds a training run that stopped before its last step."""
    return path.is_dir() and (path / CHECKPOINT_DIR).is_dir() and not (path / TRAINING_REPORT).is_file()


TRAINING_KEYS = ("steps", "val_loss_initial", "best_val_loss", "best_step", "elapsed_s", "tokens_per_second")


def training_summary(path: Path) -> dict[str, Any] | None:
    """Steps, valid losses and time of the run that wrote the adapter (its training report)."""
    report = path / TRAINING_REPORT
    if not report.is_file():
        return None
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return {key: data.get(key) for key in TRAINING_KEYS} if isinstance(data, dict) else None


def level_accuracy(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per mode, accuracy on the adapter's own training questions and on its held-out
    paraphrases (items of :mod:`pipeline.evaluation.trained_items`)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        name = level(record["id"])
        if name is None:
            continue
        cell = out.setdefault(record["mode"], {}).setdefault(name, {"n": 0, "correct": 0})
        cell["n"] += 1
        cell["correct"] += bool(record["correct"])
    for per_mode in out.values():
        for cell in per_mode.values():
            cell["accuracy"] = cell["correct"] / cell["n"]
    return out


TrainAdapter = Callable[[AblationVariant], Path]
EngineFactory = Callable[[Path], Answerer]
Log = Callable[[str], None]

FACTORS: tuple[tuple[str, str], ...] = (("general_mix", "general-data mix"), ("rank", "LoRA rank"))
POINT_METRICS: tuple[tuple[str, str], ...] = (
    ("trained", "trained wording"),
    ("paraphrase", "held-out paraphrase"),
    ("new_wording", "new wording"),
    ("multihop", "multi-hop"),
    ("unknown", "unknown abstained"),
    ("retention", "general retention"),
    ("tinted_glass", "tinted glass"),
)


def point_values(variant: dict[str, Any], mode: str) -> dict[str, float | None]:
    """One variant's numbers in one mode, keyed as :data:`POINT_METRICS` (``None``: not asked)."""
    m = variant["metrics"].get(mode, {})
    levels = (variant.get("levels") or {}).get(mode, {})
    by_category = m.get("by_category", {})

    def accuracy(category: str) -> float | None:
        cell = by_category.get(category)
        return None if cell is None else cell["accuracy"]

    def level_accuracy_of(name: str) -> float | None:
        cell = levels.get(name)
        return None if cell is None else cell["accuracy"]

    return {
        "trained": level_accuracy_of(TRAINED),
        "paraphrase": level_accuracy_of(HELD_OUT),
        "new_wording": accuracy("injected"),
        "multihop": accuracy("multihop"),
        "unknown": accuracy("unknown"),
        "retention": m.get("retention"),
        "tinted_glass": m.get("tinted_glass_rate"),
    }


def curve(variants: Sequence[dict[str, Any]], factor: str) -> list[dict[str, Any]]:
    """The evaluated variants that hold every other factor at the reference, by ``factor``."""
    reference = {"rank": REFERENCE_RANK, "general_mix": REFERENCE_MIX}
    fixed = [f for f, _ in FACTORS if f != factor]
    points = [v for v in variants if v.get("metrics") and all(v[f] == reference[f] for f in fixed)]
    return sorted(points, key=lambda v: v[factor])


def findings(variants: Sequence[dict[str, Any]]) -> list[str]:
    """One line per factor and mode: each metric along the curve, e.g.
    ``general-data mix 0 -> 0.5 (lora): fact acc. 80.0% -> 70.0%; ...``."""
    out: list[str] = []
    for factor, title in FACTORS:
        points = curve(variants, factor)
        if len(points) < 2:
            continue
        for mode in points[0]["metrics"]:
            if not all(mode in p["metrics"] for p in points):
                continue
            parts = []
            for key, name in POINT_METRICS:
                values = [point_values(p, mode)[key] for p in points]
                if all(v is not None for v in values):
                    parts.append(f"{name} " + " -> ".join(f"{100 * v:.1f}%" for v in values if v is not None))
            if parts:
                steps = " -> ".join(f"{p[factor]:g}" for p in points)
                out.append(f"{title} {steps} ({mode}): " + "; ".join(parts))
    return out


def unseen_items(items: Sequence[EvalItem], trained_questions: Iterable[str]) -> tuple[list[EvalItem], int]:
    """The items whose question is not one the adapters were trained on (a general question
    that is also in the general chat data would measure recall, not retention), and how many
    were left out."""
    seen = {_normal(q) for q in trained_questions}
    kept = [item for item in items if _normal(item.question) not in seen]
    return kept, len(items) - len(kept)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip("?.! ")


EVAL_FILE = "ablation_eval.json"  # a variant's results, beside its adapter, reused by the next run
VariantDone = Callable[[dict[str, Any]], object]


def eval_key(items: Sequence[EvalItem], modes: Sequence[str], max_tokens: int | None, adapter: Path) -> str:
    """What a variant's results depend on: the questions, modes, budget and the training run."""
    basis = {
        "items": [(i.id, i.question, i.any_keywords(), i.expect_none, i.must_abstain) for i in items],
        "modes": list(modes),
        "max_tokens": max_tokens,
        "training": training_summary(adapter),
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def cached_eval(adapter: Path, key: str) -> dict[str, Any] | None:
    path = adapter / EVAL_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def save_eval(adapter: Path, key: str, results: dict[str, Any]) -> None:
    if not adapter.is_dir():
        return
    with replacing(adapter / EVAL_FILE) as tmp:
        Path(tmp).write_text(json.dumps({"key": key, **results}, ensure_ascii=False), encoding="utf-8")


BaseFactory = Callable[[], Answerer]


def base_reference(
    items: Sequence[EvalItem], make_base: BaseFactory, max_tokens: int | None, root: Path
) -> dict[str, Any] | None:
    """The base model's general retention and tinted glass on the same general and coding
    questions: what an adapter's numbers are compared with (saved in ``root``, reused)."""
    general = [i for i in items if i.category in GENERAL_CATEGORIES]
    if not general:
        return None
    key = eval_key(general, ("base",), max_tokens, root)
    saved = cached_eval(root, key)
    if saved is not None:
        return {"metrics": saved["metrics"], "reused": True}
    run = run_eval(make_base(), general, ["base"], max_tokens=max_tokens)
    if run.interrupted or run.skipped:
        return None
    metrics = metrics_by_mode(r.to_json() for r in run.records).get("base")
    if metrics is None:
        return None
    root.mkdir(parents=True, exist_ok=True)
    save_eval(root, key, {"metrics": metrics})
    return {"metrics": metrics}


def _summary(
    variants: Sequence[AblationVariant],
    items: Sequence[EvalItem],
    modes: Sequence[str],
    results: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "modes": list(modes),
        "items": len(items),
        "root": str(variants[0].path.parent) if variants else str(DEFAULT_ROOT),
        "variants": list(results),
        "findings": findings(results),
    }


def run_ablations(
    variants: Sequence[AblationVariant],
    items: Sequence[EvalItem],
    train_adapter: TrainAdapter,
    engine_factory: EngineFactory,
    modes: Sequence[str] = DEFAULT_MODES,
    max_tokens: int | None = None,
    on_progress: ProgressCallback | None = None,
    log: Log | None = None,
    on_variant: VariantDone | None = None,
    train: bool = True,
) -> dict[str, Any]:
    """Train what is missing, evaluate every variant (reusing a variant's saved results when
    nothing they depend on changed); a failing variant is reported, not fatal. ``on_variant``
    gets the results so far after each variant, so an interrupted run keeps what it finished.
    With ``train=False`` only the variants already trained are evaluated (or their saved results
    reported)."""
    results: list[dict[str, Any]] = []
    per_variant = len(items) * len(modes)
    for variant in variants:
        if not train and not adapter_ready(variant.path):
            continue  # reported as not run yet
        advanced = 0

        def step(mode: str, n: int) -> None:
            nonlocal advanced
            advanced += n
            if on_progress:
                on_progress(mode, n)

        entry: dict[str, Any] = {
            **variant.to_json(),
            "trained": False,
            "train_s": 0.0,
            "metrics": {},
            "error": None,
        }
        interrupted = False
        try:
            path = variant.path
            if not adapter_ready(path):
                if log:
                    log(
                        f"training ablation adapter {variant.name} (rank {variant.rank}, "
                        f"general mix {variant.general_mix:g}, {variant.iters} steps) -> {path}"
                    )
                t0 = time.perf_counter()
                path = Path(train_adapter(variant))
                entry["trained"], entry["train_s"] = True, round(time.perf_counter() - t0, 1)
            entry["path"] = str(path)
            entry["training"] = training_summary(path)
            key = eval_key(items, modes, max_tokens, path)
            saved = cached_eval(path, key)
            if saved is not None:
                entry.update(
                    {k: saved[k] for k in ("metrics", "levels", "wall_s") if k in saved}, reused=True
                )
                step("ablations", per_variant)
            else:
                engine = engine_factory(path)
                run = run_eval(engine, items, modes, max_tokens=max_tokens, on_progress=step)
                records = [r.to_json() for r in run.records]
                entry["metrics"] = metrics_by_mode(r for r in records if level(r["id"]) is None)
                entry["levels"] = level_accuracy(records)
                entry["wall_s"] = round(run.wall_s, 1)
                if run.skipped:
                    entry["skipped_modes"] = dict(run.skipped)
                interrupted = run.interrupted
                if not interrupted and not run.skipped:
                    save_eval(path, key, {k: entry[k] for k in ("metrics", "levels", "wall_s")})
        except Exception as exc:  # one variant failing must not lose the others
            message = str(exc).strip().splitlines()
            entry["error"] = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
            if on_progress and advanced < per_variant:
                on_progress("ablations", per_variant - advanced)
        if interrupted:
            break
        results.append(entry)
        if on_variant:
            on_variant(_summary(variants, items, modes, results))
    return _summary(variants, items, modes, results)
