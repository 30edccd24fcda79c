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
    model: str | None = typer.Option(
        None, "--model", help="'embedded' (default), a local folder or a hub id."
    ),
    data: Path = typer.Option(Path("data"), "--data", help="Folder with train.jsonl and valid.jsonl."),
    name: str = typer.Option(
        "lora", help="Adapter name; the default path is adapters/NAME (adapters/lora: the lora mode's)."
    ),
    adapter_path: Path | None = typer.Option(None, "--adapter-path", help="Where to write the adapter."),
    iters: int | None = typer.Option(
        None, "--iters", help="Training steps (default 200; on --resume: extend to)."
    ),
    learning_rate: float = typer.Option(2e-4, "--learning-rate", "--lr", help="Adam learning rate."),
    batch_size: int = typer.Option(4, "--batch-size", help="Rows per step."),
    rank: int = typer.Option(8, help="LoRA rank."),
    scale: float | None = typer.Option(None, help="LoRA scale (mlx-lm; default 20)."),
    alpha: float | None = typer.Option(None, help="LoRA alpha; sets scale = alpha / rank."),
    dropout: float = typer.Option(0.0, help="LoRA dropout."),
    num_layers: int = typer.Option(16, "--num-layers", help="Adapt the last N transformer layers."),
    save_every: int = typer.Option(50, "--save-every", help="Checkpoint every N steps."),
    steps_per_eval: int = typer.Option(
        100, "--steps-per-eval", help="Validate every N steps (and at the end)."
    ),
    val_batches: int = typer.Option(-1, "--val-batches", help="Validation batches (-1: all, 0: none)."),
    seed: int = typer.Option(0, help="Random seed (weights init and data order)."),
    max_seq_length: int = typer.Option(
        1024, "--max-seq-length", help="Truncate longer rows (the answer of a cut row is lost)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue from the adapter's last checkpoint."),
    fuse: bool = typer.Option(False, "--fuse", help="Also write a fused model to ADAPTER/fused."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
) -> None:
    """Fine-tune a LoRA adapter on the prepared data (resumable, checkpointed)."""
    from lora.errors import LoraError
    from lora.train import TrainConfig
    from lora.train import train as run_training

    if scale is not None and alpha is not None:
        raise LoraError("give --scale or --alpha, not both")
    config = TrainConfig(
        model=model,
        data=str(data),
        adapter_path=str(adapter_path) if adapter_path else None,
        name=name,
        iters=iters if iters is not None else 200,
        learning_rate=learning_rate,
        batch_size=batch_size,
        rank=rank,
        scale=scale if scale is not None else (alpha / rank if alpha is not None else 20.0),
        dropout=dropout,
        num_layers=num_layers,
        save_every=save_every,
        steps_per_eval=steps_per_eval,
        val_batches=val_batches,
        seed=seed,
        max_seq_length=max_seq_length,
    )
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
