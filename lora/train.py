"""``axlab train``: LoRA fine-tuning with mlx-lm's tuner pieces, resumable.

mlx-lm's ``train()`` loop cannot checkpoint optimizer state or restart at a step, so
this module drives the same building blocks itself (``linear_to_lora_layers``,
``ChatDataset``/``CacheDataset``, ``iterate_batches``, ``default_loss``, ``evaluate``,
a compiled step exactly like mlx-lm's) and adds: a checkpoint every ``save_every``
steps (adapter weights + optimizer state + step), ``resume`` from it with the same
config and data order, atomic writes, early stopping on the validation loss (keeping the
best step's weights), a loss curve, a rich progress display, and an
``adapter_config.json`` that ``mlx_lm.load(model, adapter_path=...)`` reads, plus the
base model's fingerprint so a mismatched adapter fails clearly.
"""

from __future__ import annotations

import hashlib
import json
import math
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import lora  # noqa: F401  (loads OpenBLAS before mlx)
from lora.adapters import ADAPTER_CONFIG, ADAPTER_WEIGHTS
from lora.chat_format import render_messages
from lora.checkpoint import (
    CHECKPOINT_DIR,
    assign_by_path,
    copy_atomic,
    load_checkpoint_arrays,
    read_checkpoint,
    save_checkpoint,
    save_safetensors_atomic,
)
from lora.curve import loss_curve, write_curve
from lora.early_stop import EarlyStop, early_stop, validation_losses
from lora.errors import LoraError
from lora.models import model_identity, resolve_model
from lora.rows import ChatRow, read_chat_jsonl, write_json

REPORT = "training_report.json"
KNOWLEDGE_STAMP = "knowledge.json"


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved with the adapter)."""

    model: str | None = None
    data: str = "data"
    adapter_path: str | None = None  # default: adapters/<name>
    name: str = "lora"  # adapters/lora: the LoRA-only adapter the engine reads by default
    iters: int = 200
    learning_rate: float = 2e-4
    batch_size: int = 4
    rank: int = 8
    scale: float = 20.0  # mlx-lm's LoRA scale (= alpha / rank in other frameworks)
    dropout: float = 0.0
    num_layers: int = 16
    save_every: int = 50
    steps_per_report: int = 10
    steps_per_eval: int = 100
    val_batches: int = -1  # -1: the whole valid set; 0: no validation
    seed: int = 0
    max_seq_length: int = 1024  # graph-context rows in Korean reach ~570 tokens: 512 cut their answers
    mask_prompt: bool = True  # loss on the answer only
    grad_checkpoint: bool = False
    patience: int = 0  # stop after this many validations without improvement; 0: never stop early
    min_delta: float = 0.0  # an improvement is a valid loss more than this below the best

    def resolved_adapter_path(self) -> Path:
        if self.adapter_path:
            return Path(self.adapter_path)
        from ontology.paths import is_default_knowledge, knowledge_name

        root = Path("adapters")
        return root / self.name if is_default_knowledge() else root / knowledge_name() / self.name

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class TrainResult:
    """What a finished run reports (also written to ``training_report.json``)."""

    adapter_path: str
    steps: int
    resumed_from_step: int
    train_loss: float | None
    val_loss_initial: float | None
    val_loss_final: float | None
    tokens_per_second: float
    trained_tokens: int
    elapsed_s: float
    peak_memory_gb: float
    history: list[dict[str, float]] = field(default_factory=list)
    fused_path: str | None = None
    stopped_early: bool = False
    best_step: int | None = None  # lowest valid loss; its weights are the adapter's when patience > 0
    best_val_loss: float | None = None


ProgressCallback = Callable[[dict[str, Any]], None]


def _check_config(config: TrainConfig) -> None:
    for name in (
        "iters",
        "batch_size",
        "rank",
        "num_layers",
        "save_every",
        "steps_per_report",
        "steps_per_eval",
        "max_seq_length",
    ):
        if getattr(config, name) < 1:
            raise LoraError(f"{name.replace('_', '-')} must be at least 1, not {getattr(config, name)}")
    if not (config.learning_rate > 0 and math.isfinite(config.learning_rate)):
        raise LoraError(f"learning-rate must be a positive number, not {config.learning_rate}")
    if config.patience < 0:
        raise LoraError(f"patience must be 0 (off) or more, not {config.patience}")
    if not (config.min_delta >= 0 and math.isfinite(config.min_delta)):
        raise LoraError(f"min-delta must be a number >= 0, not {config.min_delta}")


def _load_rows(data_dir: Path, batch_size: int) -> tuple[list[ChatRow], list[ChatRow]]:
    if not data_dir.is_dir():
        raise LoraError(f"data directory not found: {data_dir} (run 'axlab data prepare')")
    train = read_chat_jsonl(data_dir / "train.jsonl")
    if not train:
        raise LoraError(f"{data_dir / 'train.jsonl'}: the training set is empty")
    if len(train) < batch_size:
        raise LoraError(
            f"{data_dir / 'train.jsonl'} has {len(train)} rows, fewer than batch-size {batch_size}"
        )
    valid_path = data_dir / "valid.jsonl"
    valid = read_chat_jsonl(valid_path) if valid_path.exists() else []
    return train, valid


def template_rows(tokenizer: Any, rows: list[ChatRow]) -> list[ChatRow]:
    """Rows as the model's chat template takes them: system text folded into the first user
    turn where the template has no system role (Gemma 2)."""
    return [{**row, "messages": render_messages(tokenizer, row["messages"])} for row in rows]


def _data_digest(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("train.jsonl", "valid.jsonl"):
        path = data_dir / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def adapter_config(config: TrainConfig, identity: dict[str, str], model_path: Path) -> dict[str, Any]:
    """mlx-lm's adapter_config.json fields, plus our run config and the base model's identity."""
    return {
        "model": str(model_path),
        "fine_tune_type": "lora",
        "num_layers": config.num_layers,
        "lora_parameters": {"rank": config.rank, "scale": config.scale, "dropout": config.dropout},
        "base_model": identity,
        "axlab_train_config": asdict(config),
    }


def train(
    config: TrainConfig,
    *,
    resume: bool = False,
    resume_iters: int | None = None,
    fuse: bool = False,
    progress: ProgressCallback | None = None,
    show_progress: bool = True,
) -> TrainResult:
    """Train a LoRA adapter; returns losses and throughput.

    With ``resume`` the run continues from the newest checkpoint in the adapter folder
    with the config saved there (only ``resume_iters`` may extend it); ``config`` then
    only names the adapter folder.
    """
    adapter_dir = config.resolved_adapter_path()
    resumed_from = 0
    checkpoint: dict[str, Any] | None = None
    if resume:
        checkpoint = read_checkpoint(adapter_dir)
        if checkpoint is None:
            raise LoraError(f"nothing to resume: {adapter_dir} has no checkpoint")
        saved = TrainConfig.from_dict(checkpoint["config"])
        if resume_iters is not None:
            saved.iters = resume_iters
        saved.adapter_path = str(adapter_dir)
        config = saved
        resumed_from = int(checkpoint["step"])
    _check_config(config)
    data_dir = Path(config.data)
    train_rows, valid_rows = _load_rows(data_dir, config.batch_size)
    if config.patience > 0 and (not valid_rows or config.val_batches == 0):
        raise LoraError(
            f"early stopping (patience {config.patience}) needs validation: "
            + ("val-batches is 0" if valid_rows else f"{data_dir / 'valid.jsonl'} has no rows")
        )
    resolved = resolve_model(config.model)
    identity = model_identity(resolved)
    if checkpoint is not None:
        if checkpoint.get("base_model", {}).get("fingerprint") != identity["fingerprint"]:
            raise LoraError(
                f"checkpoint in {adapter_dir} was made for another model than '{resolved.model_id}'"
            )
        if checkpoint.get("data_digest") != _data_digest(data_dir):
            raise LoraError(
                f"the data in {data_dir} changed since the checkpoint in {adapter_dir}; train afresh"
            )
        if resumed_from >= config.iters:
            raise LoraError(f"checkpoint is at step {resumed_from}; pass --iters above it to train further")
        saved_state = _early_stop_state(
            config, checkpoint.get("history", []), checkpoint.get("val_loss_initial")
        )
        if saved_state.stop:
            raise LoraError(
                f"the run in {adapter_dir} stopped early at step {resumed_from} "
                f"(best step {saved_state.best_step}); nothing to resume"
            )

    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    import numpy as np
    from mlx.utils import tree_flatten

    from lora.generate import load_model as _unused  # noqa: F401  (keeps import order: lora first)

    model, tokenizer = _load_base(resolved.path)
    if config.num_layers > len(model.layers):
        raise LoraError(f"num-layers {config.num_layers} exceeds the model's {len(model.layers)} layers")
    from mlx_lm.tuner.datasets import CacheDataset, ChatDataset
    from mlx_lm.tuner.trainer import default_loss, evaluate, iterate_batches
    from mlx_lm.tuner.utils import linear_to_lora_layers

    mx.random.seed(config.seed)
    np.random.seed(config.seed)
    model.freeze()
    linear_to_lora_layers(
        model, config.num_layers, {"rank": config.rank, "scale": config.scale, "dropout": config.dropout}
    )
    train_data: list[Any] = template_rows(tokenizer, train_rows)
    valid_data: list[Any] = template_rows(tokenizer, valid_rows)
    train_set = CacheDataset(ChatDataset(train_data, tokenizer, mask_prompt=config.mask_prompt))
    valid_set = (
        CacheDataset(ChatDataset(valid_data, tokenizer, mask_prompt=config.mask_prompt))
        if valid_rows
        else None
    )
    optimizer = optim.Adam(learning_rate=config.learning_rate)
    optimizer.init(model.trainable_parameters())
    history: list[dict[str, float]] = []
    val_initial: float | None = None
    if checkpoint is not None:
        weights, opt_flat = load_checkpoint_arrays(adapter_dir, checkpoint)
        model.load_weights(list(weights.items()), strict=False)
        try:
            assign_by_path(optimizer.state, opt_flat)
        except (KeyError, IndexError, TypeError) as exc:
            raise LoraError(
                f"checkpoint optimizer state in {adapter_dir} does not fit this model: {exc}"
            ) from exc
        history = list(checkpoint.get("history", []))
        val_initial = checkpoint.get("val_loss_initial")
        if config.patience > 0 and checkpoint.get("best"):  # not a best saved after the checkpoint
            copy_atomic(adapter_dir / CHECKPOINT_DIR / checkpoint["best"], adapter_dir / ADAPTER_WEIGHTS)

    adapter_dir.mkdir(parents=True, exist_ok=True)
    config.adapter_path = str(adapter_dir)
    write_json(adapter_dir / ADAPTER_CONFIG, adapter_config(config, identity, resolved.path))

    if config.grad_checkpoint:
        from mlx_lm.tuner.trainer import grad_checkpoint

        grad_checkpoint(model.layers[0])
    loss_and_grad = nn.value_and_grad(model, default_loss)
    state = [model.state, optimizer.state, mx.random.state]

    def _step(batch: Any, lengths: Any) -> tuple[Any, Any]:
        (loss, tokens), grad = loss_and_grad(model, batch, lengths)
        optimizer.update(model, grad)
        return loss, tokens

    step_fn = mx.compile(_step, inputs=state, outputs=state)
    val_batch = min(config.batch_size, len(valid_rows)) if valid_rows else 0

    def validate() -> float | None:
        if valid_set is None or config.val_batches == 0:
            return None
        numpy_state = np.random.get_state()  # evaluate shuffles: keep the training order resumable
        value = evaluate(
            model,
            valid_set,
            batch_size=val_batch,
            num_batches=config.val_batches,
            max_seq_length=config.max_seq_length,
        )
        np.random.set_state(numpy_state)
        model.train()
        return float(value)

    keep_best = config.patience > 0  # then adapters.safetensors holds the best validation step's weights

    def decide() -> EarlyStop:
        return _early_stop_state(config, history, val_initial)

    def after_validation(at: int) -> bool:
        """Save the weights of a new best step (when keeping the best); whether to stop."""
        state = decide()
        if keep_best and state.best_step == at:
            save_safetensors_atomic(
                adapter_dir / ADAPTER_WEIGHTS, dict(tree_flatten(model.trainable_parameters()))
            )
        return state.stop

    batches = iterate_batches(
        train_set, config.batch_size, config.max_seq_length, loop=True, seed=config.seed
    )
    for _ in range(resumed_from):  # same data order as an uninterrupted run
        next(batches)

    def checkpoint_now(step: int) -> None:
        meta = {
            "config": asdict(config),
            "base_model": identity,
            "data_digest": _data_digest(data_dir),
            "history": history,
            "val_loss_initial": val_initial,
        }
        adapter_weights = dict(tree_flatten(model.trainable_parameters()))
        best = adapter_dir / ADAPTER_WEIGHTS
        if not keep_best or not best.is_file():  # no finite validation loss yet: the current weights
            save_safetensors_atomic(best, adapter_weights)
        # the best weights go into the checkpoint too: a resumed run restores them with its history
        optimizer_flat = dict(tree_flatten(optimizer.state))
        save_checkpoint(adapter_dir, step, adapter_weights, optimizer_flat, meta, best if keep_best else None)
        write_curve(adapter_dir, loss_curve(history, val_initial), plot=False)

    from lora.progress import TrainProgress

    start = time.perf_counter()
    run_tokens, window_tokens, window_loss, window_steps, window_time = 0, 0, 0.0, 0, 0.0
    last_train_loss: float | None = None
    step = resumed_from
    stopped = False
    model.train()
    with TrainProgress(config.iters, resumed_from, enabled=show_progress) as ui:
        if val_initial is None:
            val_initial = validate()
            if val_initial is not None:
                ui.note(f"step {step}: valid loss {val_initial:.3f}")
                after_validation(step)  # the untrained adapter is the first candidate for the best
        try:
            while step < config.iters and not stopped:
                batch, lengths = next(batches)
                tic = time.perf_counter()
                loss, tokens = step_fn(batch, lengths)
                mx.eval(state, loss, tokens)
                window_time += time.perf_counter() - tic
                step += 1
                window_loss += loss.item()
                window_tokens += int(tokens.item())
                window_steps += 1
                ui.advance(step, loss.item(), window_tokens / max(window_time, 1e-9))
                is_eval = step % config.steps_per_eval == 0 or step == config.iters
                if is_eval or step % config.steps_per_report == 0:
                    last_train_loss = window_loss / window_steps
                    entry = {
                        "step": step,
                        "train_loss": last_train_loss,
                        "tokens_per_second": window_tokens / max(window_time, 1e-9),
                    }
                    val = validate() if is_eval else None
                    if val is not None:
                        entry["val_loss"] = val
                    history.append(entry)
                    stopped = val is not None and after_validation(step)
                    ui.report(entry)
                    if progress is not None:
                        progress(entry)
                    run_tokens += window_tokens
                    window_tokens, window_loss, window_steps, window_time = 0, 0.0, 0, 0.0
                if stopped or step % config.save_every == 0 or step == config.iters:
                    checkpoint_now(step)
                    ui.note(f"step {step}: checkpoint saved")
                if stopped:
                    ui.note(
                        f"step {step}: no valid-loss gain in {config.patience} validations; "
                        f"stopping early (best step {decide().best_step})"
                    )
        except KeyboardInterrupt:
            if step > resumed_from and step % config.save_every != 0:
                checkpoint_now(step)
            raise
    run_tokens += window_tokens
    elapsed = time.perf_counter() - start
    val_final = next((h["val_loss"] for h in reversed(history) if "val_loss" in h), None)
    best = decide()
    result = TrainResult(
        adapter_path=str(adapter_dir),
        steps=step,
        resumed_from_step=resumed_from,
        train_loss=last_train_loss,
        val_loss_initial=val_initial,
        val_loss_final=val_final,
        tokens_per_second=_mean_tps(history, resumed_from),
        trained_tokens=run_tokens,
        elapsed_s=elapsed,
        peak_memory_gb=_peak_memory_gb(),
        history=history,
        stopped_early=stopped,
        best_step=best.best_step,
        best_val_loss=best.best_loss,
    )
    if fuse:
        if keep_best and best.best_step not in (None, step):  # fuse the kept weights, not the last
            model.load_weights(str(adapter_dir / ADAPTER_WEIGHTS), strict=False)
        result.fused_path = str(fuse_adapter(model, tokenizer, resolved.path, adapter_dir / "fused"))
    write_curve(adapter_dir, loss_curve(history, val_initial))
    write_json(adapter_dir / REPORT, asdict(result))
    write_json(adapter_dir / KNOWLEDGE_STAMP, knowledge_stamp())
    return result


def _early_stop_state(config: TrainConfig, history: list[dict[str, Any]], initial: float | None) -> EarlyStop:
    return early_stop(validation_losses(history, initial), config.patience, config.min_delta)


def knowledge_stamp() -> dict[str, str]:
    """Which knowledge an adapter was trained on: its ontology's namespace and folder name."""
    from ontology.paths import knowledge_name
    from ontology.schema import NAMESPACE

    return {"namespace": NAMESPACE, "name": knowledge_name()}


def adapter_knowledge(adapter_dir: Path) -> dict[str, str] | None:
    """The stamp of an adapter (None for one trained before stamps existed)."""
    try:
        data = json.loads((adapter_dir / KNOWLEDGE_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _mean_tps(history: list[dict[str, float]], after_step: int) -> float:
    values = [h["tokens_per_second"] for h in history if h["step"] > after_step]
    return sum(values) / len(values) if values else 0.0


def _peak_memory_gb() -> float:
    """MLX's peak allocation, or the process's max RSS where MLX does not track it."""
    import mlx.core as mx

    peak = float(mx.get_peak_memory())
    if peak <= 0:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
    return peak / 1e9


def _load_base(path: Path) -> tuple[Any, Any]:
    """A fresh (uncached) model for training: LoRA layers must not leak into the cache."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from mlx_lm.utils import load

    try:
        model, tokenizer = load(str(path))[:2]
    except (ValueError, KeyError, FileNotFoundError) as exc:
        raise LoraError(f"cannot load model {path}: {str(exc).splitlines()[0] if str(exc) else exc}") from exc
    return model, tokenizer


def fuse_adapter(model: Any, tokenizer: Any, base_path: Path, out_dir: Path) -> Path:
    """Merge the LoRA weights into the base weights and save a standalone model folder."""
    import os
    import shutil
    import tempfile

    from mlx.utils import tree_unflatten
    from mlx_lm.utils import load_config, save

    fused = [(n, m.fuse()) for n, m in model.named_modules() if hasattr(m, "fuse")]
    if fused:
        model.update_modules(tree_unflatten(fused))
    tmp = Path(tempfile.mkdtemp(prefix=".fused.", dir=out_dir.parent))
    try:
        save(tmp, str(base_path), model, tokenizer, load_config(base_path), donate_model=False)
        source = base_path / "axlab_source.json"
        if source.exists():
            shutil.copy(source, tmp / source.name)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.rename(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def read_report(adapter_dir: Path) -> dict[str, Any] | None:
    path = adapter_dir / REPORT
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
