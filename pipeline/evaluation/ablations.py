"""Ablations: LoRA rank, general-data mixing ratio, and the hybrid adapter trained with or
without graph context, against fact accuracy and the tinted-glass rate.

Each :class:`AblationVariant` is an adapter under ``adapters/ablations/<name>``. Missing
adapters are trained through an injected ``train_adapter(variant) -> Path`` (the lora
trainer's Python API in production, a stub in tests); each is then evaluated in lora and
hybrid modes on a small slice through an injected ``engine_factory(adapter) -> Answerer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.evaluation.dataset import EvalItem
from pipeline.evaluation.runner import ProgressCallback, run_eval
from pipeline.evaluation.scoring import metrics_by_mode
from pipeline.types import Answerer

DEFAULT_ROOT = Path("adapters") / "ablations"
DEFAULT_MODES: tuple[str, ...] = ("lora", "hybrid")
DEFAULT_LIMIT = 4  # items per category on the ablation slice
DEFAULT_ITERS = 100  # steps per variant: about 10 minutes each on 2 CPU cores with graph-context rows


@dataclass(frozen=True)
class AblationVariant:
    name: str
    rank: int
    general_mix: float  # share of general-knowledge chat examples mixed into the training data
    with_context: bool  # hybrid adapter: training prompts carry the retrieved graph context
    iters: int = DEFAULT_ITERS
    path: Path = DEFAULT_ROOT

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rank": self.rank,
            "general_mix": self.general_mix,
            "with_context": self.with_context,
            "iters": self.iters,
            "path": str(self.path),
        }


def default_grid(root: Path = DEFAULT_ROOT, iters: int = DEFAULT_ITERS) -> list[AblationVariant]:
    """One reference adapter and one change per factor (four trainings, a few minutes each
    for SmolLM2-135M on two CPU cores): rank 16 -> 4, general mix 0.3 -> 0, context -> none."""
    variants = [
        AblationVariant("r16-mix0.3-ctx", rank=16, general_mix=0.3, with_context=True),
        AblationVariant("r4-mix0.3-ctx", rank=4, general_mix=0.3, with_context=True),
        AblationVariant("r16-mix0-ctx", rank=16, general_mix=0.0, with_context=True),
        AblationVariant("r16-mix0.3-noctx", rank=16, general_mix=0.3, with_context=False),
    ]
    return [replace(v, iters=iters, path=root / v.name) for v in variants]


TRAINING_REPORT = "training_report.json"  # lora.train writes it when a run finishes
CHECKPOINT_DIR = "checkpoint"


def adapter_ready(path: Path) -> bool:
    """An adapter file, or a directory holding one (mlx-lm writes ``adapters.safetensors``), and
    not a run that stopped half-way (a checkpoint folder but no training report): that one is
    resumed, not evaluated."""
    if path.is_file():
        return True
    if not path.is_dir() or interrupted_run(path):
        return False
    return any(p.suffix in {".safetensors", ".npz", ".gguf"} for p in path.iterdir())


def interrupted_run(path: Path) -> bool:
    """Whether ``path`` holds a training run that stopped before its last step."""
    return path.is_dir() and (path / CHECKPOINT_DIR).is_dir() and not (path / TRAINING_REPORT).is_file()


TrainAdapter = Callable[[AblationVariant], Path]
EngineFactory = Callable[[Path], Answerer]
Log = Callable[[str], None]

_FACTORS: tuple[tuple[str, str], ...] = (
    ("rank", "LoRA rank"),
    ("general_mix", "general-data mix"),
    ("with_context", "hybrid adapter trained with context"),
)


def findings(variants: Sequence[dict[str, Any]]) -> list[str]:
    """One line per pair of variants that differ in exactly one factor, per mode."""
    out: list[str] = []
    ok = [v for v in variants if v.get("metrics")]
    for i, a in enumerate(ok):
        for b in ok[i + 1 :]:
            differing = [f for f, _ in _FACTORS if a[f] != b[f]]
            if len(differing) != 1:
                continue
            factor = differing[0]
            title = dict(_FACTORS)[factor]
            for mode in a["metrics"]:
                if mode not in b["metrics"]:
                    continue
                ma, mb = a["metrics"][mode], b["metrics"][mode]
                parts = []
                for key, name in (
                    ("fact_accuracy", "fact acc."),
                    ("model_fact_accuracy", "model's own"),
                    ("tinted_glass_rate", "tinted glass"),
                ):
                    va, vb = ma.get(key), mb.get(key)
                    if va is not None and vb is not None:
                        parts.append(f"{name} {100 * va:.1f}% vs {100 * vb:.1f}%")
                if parts:
                    out.append(f"{title} {a[factor]} vs {b[factor]} ({mode}): " + "; ".join(parts))
    return out


def run_ablations(
    variants: Sequence[AblationVariant],
    items: Sequence[EvalItem],
    train_adapter: TrainAdapter,
    engine_factory: EngineFactory,
    modes: Sequence[str] = DEFAULT_MODES,
    max_tokens: int | None = None,
    limit: int | None = DEFAULT_LIMIT,
    on_progress: ProgressCallback | None = None,
    log: Log | None = None,
) -> dict[str, Any]:
    """Train what is missing, evaluate every variant; a failing variant is reported, not fatal."""
    results: list[dict[str, Any]] = []
    per_variant = len(items) * len(modes)
    for variant in variants:
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
        try:
            path = variant.path
            if not adapter_ready(path):
                if log:
                    log(
                        f"training ablation adapter {variant.name} (rank {variant.rank}, mix {variant.general_mix:g}, "
                        f"context {'yes' if variant.with_context else 'no'}) -> {path}"
                    )
                t0 = time.perf_counter()
                path = Path(train_adapter(variant))
                entry["trained"], entry["train_s"] = True, round(time.perf_counter() - t0, 1)
            entry["path"] = str(path)
            engine = engine_factory(path)
            run = run_eval(engine, items, modes, max_tokens=max_tokens, on_progress=step)
            records = [r.to_json() for r in run.records]
            entry["metrics"] = metrics_by_mode(records)
            entry["wall_s"] = round(run.wall_s, 1)
            if run.skipped:
                entry["skipped_modes"] = dict(run.skipped)
        except Exception as exc:  # one variant failing must not lose the others
            message = str(exc).strip().splitlines()
            entry["error"] = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
            if on_progress and advanced < per_variant:
                on_progress("ablations", per_variant - advanced)
        results.append(entry)
    return {
        "modes": list(modes),
        "limit": limit,
        "items": len(items),
        "root": str(variants[0].path.parent) if variants else str(DEFAULT_ROOT),
        "variants": results,
        "findings": findings(results),
    }
