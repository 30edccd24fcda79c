"""``axlab data prepare`` and ``axlab train`` (the lora package's CLI).

Heavy imports (mlx, transformers) stay inside the command functions so that
``axlab --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def register(app: typer.Typer) -> None:
    """Attach ``data`` (with ``prepare``) and ``train`` to the axlab app."""
    data_app = typer.Typer(help="Training data: chat-format train/valid sets from the knowledge file.")
    data_app.command("prepare")(prepare)
    app.add_typer(data_app, name="data")
    app.command("train")(train)


def prepare(
    knowledge: Path | None = typer.Option(
        None, help="Knowledge file (default: data/solverx/knowledge.jsonl)."
    ),
    out: Path = typer.Option(Path("data"), "--out", help="Folder for train.jsonl and valid.jsonl."),
    valid_per_fact: int = typer.Option(1, help="Held-out paraphrases per fact and language."),
    general_ratio: float = typer.Option(
        0.0, "--general-ratio", help="Mix in R x (fact rows) general chat rows from data/general_chat.jsonl."
    ),
    general_file: Path | None = typer.Option(
        None, help="General chat JSONL (default: OUT/general_chat.jsonl)."
    ),
    multi_hop: bool = typer.Option(False, "--multi-hop", help="Add graph-derived multi-hop questions."),
    abstention: bool = typer.Option(
        False, "--abstention", help="Add 'I don't know' answers for unknown topics."
    ),
    system: str | None = typer.Option(None, help="System prompt to put in every row (default: none)."),
    seed: int = typer.Option(0, help="Shuffle seed."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Write chat-format train/valid sets with paraphrased questions in English and Korean."""
    from lora.prepare import prepare_data

    report = prepare_data(
        knowledge,
        out,
        valid_per_fact=valid_per_fact,
        general_ratio=general_ratio,
        general_path=general_file,
        multi_hop=multi_hop,
        abstention=abstention,
        system=system,
        seed=seed,
    )
    if as_json:
        print(json.dumps(report.as_dict()))
        return
    console.print(
        f"wrote {report.train_rows} train rows to {report.train_path} and {report.valid_rows} valid rows "
        f"to {report.valid_path} ({report.facts} facts, {report.general_rows} general, "
        f"{report.multi_hop_rows} multi-hop, {report.abstention_rows} abstention)",
        highlight=False,
    )


def train(
    preset: str | None = typer.Option(
        None,
        "--preset",
        help="Named settings from lora/presets.json (baseline: the LoRA-only adapter; hybrid: the hybrid "
        "adapter); the options given here override them.",
    ),
    model: str | None = typer.Option(
        None, "--model", help="'embedded' (default), a local folder or a hub id."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="Folder with train.jsonl and valid.jsonl (default: data)."
    ),
    name: str | None = typer.Option(
        None, help="Adapter name; the default path is adapters/NAME (default lora: the lora mode's)."
    ),
    adapter_path: Path | None = typer.Option(None, "--adapter-path", help="Where to write the adapter."),
    iters: int | None = typer.Option(
        None, "--iters", help="Training steps (default 200; on --resume: extend to)."
    ),
    learning_rate: float | None = typer.Option(
        None, "--learning-rate", "--lr", help="Adam learning rate (default 2e-4)."
    ),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Rows per step (default 4)."),
    rank: int | None = typer.Option(None, help="LoRA rank (default 8)."),
    scale: float | None = typer.Option(None, help="LoRA scale (mlx-lm; default 20)."),
    alpha: float | None = typer.Option(None, help="LoRA alpha; sets scale = alpha / rank."),
    dropout: float | None = typer.Option(None, help="LoRA dropout (default 0)."),
    num_layers: int | None = typer.Option(
        None, "--num-layers", help="Adapt the last N transformer layers (default 16)."
    ),
    save_every: int | None = typer.Option(
        None, "--save-every", help="Checkpoint every N steps (default 50)."
    ),
    steps_per_eval: int | None = typer.Option(
        None, "--steps-per-eval", help="Validate every N steps and at the end (default 100)."
    ),
    val_batches: int | None = typer.Option(
        None, "--val-batches", help="Validation batches (-1: all, the default; 0: none)."
    ),
    patience: int | None = typer.Option(
        None,
        "--patience",
        help="Stop after N validations without improvement and keep the best step's weights (default 0: off).",
    ),
    min_delta: float | None = typer.Option(
        None, "--min-delta", help="Least valid-loss drop that counts as improvement (default 0)."
    ),
    seed: int | None = typer.Option(None, help="Random seed (weights init and data order; default 0)."),
    max_seq_length: int | None = typer.Option(
        None, "--max-seq-length", help="Truncate longer rows (default 1024; the answer of a cut row is lost)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue from the adapter's last checkpoint."),
    fuse: bool = typer.Option(False, "--fuse", help="Also write a fused model to ADAPTER/fused."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
) -> None:
    """Fine-tune a LoRA adapter on the prepared data (resumable, checkpointed, optional early stopping).

    Writes loss_curve.json (and loss_curve.png) beside the adapter.
    """
    from lora.errors import LoraError
    from lora.presets import build_config, check_preset_data, get_preset
    from lora.train import train as run_training

    if scale is not None and alpha is not None:
        raise LoraError("give --scale or --alpha, not both")
    chosen = get_preset(preset) if preset else None
    config = build_config(
        chosen,
        {
            "model": model,
            "data": str(data) if data else None,
            "adapter_path": str(adapter_path) if adapter_path else None,
            "name": name,
            "iters": iters,
            "learning_rate": learning_rate,
            "batch_size": batch_size,
            "rank": rank,
            "scale": scale,
            "dropout": dropout,
            "num_layers": num_layers,
            "save_every": save_every,
            "steps_per_eval": steps_per_eval,
            "val_batches": val_batches,
            "patience": patience,
            "min_delta": min_delta,
            "seed": seed,
            "max_seq_length": max_seq_length,
        },
    )
    if alpha is not None:
        config.scale = alpha / config.rank
    if chosen and data is None and not resume:
        check_preset_data(chosen, Path(config.data))
    result = run_training(
        config, resume=resume, resume_iters=iters if resume else None, fuse=fuse, show_progress=not quiet
    )
    if as_json:
        from dataclasses import asdict

        print(json.dumps(asdict(result)))
        return
    table = Table(title=f"adapter {result.adapter_path}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for label, value in (
        ("steps", f"{result.steps} (resumed from {result.resumed_from_step})"),
        ("train loss", _fmt(result.train_loss)),
        ("valid loss (start)", _fmt(result.val_loss_initial)),
        ("valid loss (end)", _fmt(result.val_loss_final)),
        ("best valid loss", _fmt(result.best_val_loss) + _at_step(result.best_step)),
        ("stopped early", "yes" if result.stopped_early else "no"),
        ("tokens/s", f"{result.tokens_per_second:.0f}"),
        ("peak memory", f"{result.peak_memory_gb:.2f} GB"),
        ("time", f"{result.elapsed_s:.1f} s"),
    ):
        table.add_row(label, value)
    if result.fused_path:
        table.add_row("fused model", result.fused_path)
    console.print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _at_step(step: int | None) -> str:
    return "" if step is None else f" (step {step})"
