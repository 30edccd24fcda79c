"""``axlab demo``: from a fresh checkout to the comparison table on the embedded model.

Steps (each shown as it runs):

1. ``data/train.jsonl`` + ``valid.jsonl``: the fact paraphrases (lora's ``prepare_data``,
   facts only: the seed's way);
2. ``adapters/lora``: a short LoRA run on them (the LoRA-only baseline);
3. ``data/hybrid/``: prompts carrying retrieved graph context (:mod:`pipeline.hybrid_data`);
4. ``adapters/hybrid``: a short LoRA run on those;
5. ``axlab compare``.

An adapter is retrained only when it is missing or its stamp (data digest, model and
training settings, written as ``axlab_demo.json`` in the adapter folder) no longer matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.modes import default_adapter

REPO = Path(__file__).resolve().parents[1]
STAMP = "axlab_demo.json"
MAX_SEQ_LENGTH = 640  # the longest hybrid rows (Korean facts: ~4 tokens a syllable) reach ~580 tokens
Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoTraining:
    """Short runs that fit a few minutes on 2 CPU cores (the embedded 135M model)."""

    iters: int
    batch_size: int
    num_layers: int
    learning_rate: float


# The LoRA-only baseline must learn the facts: 80 small steps at 5e-4 take the valid loss from
# 2.04 to 0.42 (~4 min on 2 busy cores); 40 steps of 4 rows at 1e-3 on 8 layers did not learn
# and garbled the output.
LORA_TRAINING = DemoTraining(iters=80, batch_size=2, num_layers=4, learning_rate=5e-4)
# The hybrid adapter only adapts the base model's reading of facts in the prompt, which it
# already does fairly well (valid loss 0.83 -> 0.17 after 24 steps at 1e-4, while 1e-3 made
# it worse): a gentle rate on the last layers.
HYBRID_TRAINING = DemoTraining(iters=16, batch_size=2, num_layers=4, learning_rate=2e-4)


def data_digest(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("train.jsonl", "valid.jsonl"):
        path = data_dir / name
        if path.exists():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stamp(data_dir: Path, model: str | None, training: DemoTraining) -> dict[str, Any]:
    return {"data": data_digest(data_dir), "model": model or "embedded", "training": asdict(training)}


def up_to_date(adapter: Path, data_dir: Path, model: str | None, training: DemoTraining) -> bool:
    """Whether ``adapter`` holds a finished run on exactly this data and these settings."""
    stamp_file = adapter / STAMP
    if not (adapter / "adapters.safetensors").is_file() or not stamp_file.is_file():
        return False
    try:
        saved = json.loads(stamp_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return bool(saved == _stamp(data_dir, model, training))


def train_adapter(
    data_dir: Path,
    adapter: Path,
    training: DemoTraining,
    model: str | None = None,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train with lora's trainer (fresh run) and stamp the adapter; returns the report."""
    import shutil

    from lora.train import TrainConfig, train

    if adapter.exists():
        shutil.rmtree(adapter)  # a fresh run: an old checkpoint of other data cannot be resumed
    config = TrainConfig(
        model=model,
        data=str(data_dir),
        adapter_path=str(adapter),
        iters=training.iters,
        batch_size=training.batch_size,
        num_layers=training.num_layers,
        learning_rate=training.learning_rate,
        save_every=training.iters,
        steps_per_report=max(1, training.iters // 6),
        steps_per_eval=training.iters,
        val_batches=2,
        max_seq_length=MAX_SEQ_LENGTH,
    )
    with contextlib.redirect_stdout(sys.stderr):  # mlx-lm prints warnings; stdout stays for results
        result = train(config, show_progress=show_progress)
    (adapter / STAMP).write_text(
        json.dumps(_stamp(data_dir, model, training), indent=2) + "\n", encoding="utf-8"
    )
    return {
        "adapter": str(adapter),
        "steps": result.steps,
        "train_loss": result.train_loss,
        "val_loss_initial": result.val_loss_initial,
        "val_loss_final": result.val_loss_final,
        "elapsed_s": round(result.elapsed_s, 1),
    }


def prepare_lora_data(data_dir: Path) -> dict[str, Any]:
    """The seed's way: fact paraphrases only (no general mix, no context)."""
    from lora.prepare import prepare_data

    return prepare_data(out_dir=data_dir).as_dict()


def run_training(
    *,
    model: str | None = None,
    data_dir: Path | None = None,
    lora_adapter: Path | None = None,
    hybrid_adapter: Path | None = None,
    lora_training: DemoTraining = LORA_TRAINING,
    hybrid_training: DemoTraining = HYBRID_TRAINING,
    force: bool = False,
    say: Say = print,
    show_progress: bool = True,
    kg: Any = None,
    retriever: Any = None,
) -> dict[str, Any]:
    """Steps 1-4 of the demo; returns what each did."""
    from ontology.paths import cache_dir, is_default_knowledge, knowledge_name
    from pipeline.hybrid_data import prepare_hybrid_data

    data = data_dir or (REPO / "data" if is_default_knowledge() else cache_dir() / "train" / knowledge_name())
    lora_adapter = lora_adapter or default_adapter("lora")
    hybrid_adapter = hybrid_adapter or default_adapter("hybrid")
    steps: dict[str, Any] = {}
    say(f"1/5 preparing fact data in {data}")
    steps["lora_data"] = prepare_lora_data(data)
    if not force and up_to_date(lora_adapter, data, model, lora_training):
        say(f"2/5 {lora_adapter} is up to date: not retraining")
        steps["lora_adapter"] = {"adapter": str(lora_adapter), "skipped": True}
    else:
        say(f"2/5 training the LoRA-only adapter into {lora_adapter} ({lora_training.iters} steps)")
        steps["lora_adapter"] = train_adapter(data, lora_adapter, lora_training, model, show_progress)
    hybrid_data = data / "hybrid"
    say(f"3/5 preparing hybrid data (prompts with retrieved facts) in {hybrid_data}")
    steps["hybrid_data"] = prepare_hybrid_data(hybrid_data, kg=kg, retriever=retriever).as_dict()
    if not force and up_to_date(hybrid_adapter, hybrid_data, model, hybrid_training):
        say(f"4/5 {hybrid_adapter} is up to date: not retraining")
        steps["hybrid_adapter"] = {"adapter": str(hybrid_adapter), "skipped": True}
    else:
        say(f"4/5 training the hybrid adapter into {hybrid_adapter} ({hybrid_training.iters} steps)")
        steps["hybrid_adapter"] = train_adapter(
            hybrid_data, hybrid_adapter, hybrid_training, model, show_progress
        )
    return steps
