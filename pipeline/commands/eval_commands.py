"""``axlab eval``: every mode over the eval set, a rich table, and ``reports/eval.{md,json,png}``.

The engine comes from :func:`make_engine` (``pipeline.engine.AnswerEngine``, imported lazily);
tests replace that module attribute with a double.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.errors import AxlabError
from pipeline.evaluation.dataset import (
    CATEGORIES,
    EvalSetError,
    default_questions_path,
    load_eval_set,
    select_items,
)
from pipeline.evaluation.report import CATEGORY_TITLES, SUMMARY_COLUMNS, build_report, pct, write_report
from pipeline.evaluation.runner import run_eval
from pipeline.types import MODES, Answerer

console = Console()
err_console = Console(stderr=True)


def make_engine(model: str | None = None, adapter: str | Path | None = None) -> Answerer:
    """The production answerer: ``pipeline.engine.AnswerEngine`` (imported only when needed)."""
    try:
        from pipeline.engine import AnswerEngine
    except ImportError as exc:
        raise AxlabError(
            f"the answer engine is not available (pipeline.engine.AnswerEngine: {exc})"
        ) from None
    kwargs: dict[str, Any] = {}
    if model is not None:
        kwargs["model"] = model
    if adapter is not None:
        kwargs["adapter"] = str(adapter)
    engine: Answerer = AnswerEngine(**kwargs)
    return engine


def parse_list(value: str, allowed: Sequence[str], what: str) -> list[str]:
    """``"a, b,a"`` -> ``["a", "b"]``; an unknown name is one clear error line."""
    out: list[str] = []
    for raw in value.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in allowed:
            raise EvalSetError(f"unknown {what} {name!r} (choose from {', '.join(allowed)})")
        if name not in out:
            out.append(name)
    if not out:
        raise EvalSetError(f"no {what} given (choose from {', '.join(allowed)})")
    return out


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


def _print_tables(report: dict[str, Any]) -> None:
    metrics = report["metrics"]
    summary = Table(title="AX Lab eval: metrics by mode")
    summary.add_column("mode", style="bold")
    for _, title in SUMMARY_COLUMNS:
        summary.add_column(title, justify="right")
    summary.add_column("p50 latency", justify="right")
    summary.add_column("p95 latency", justify="right")
    for mode, m in metrics.items():
        lat = m["latency_ms"]
        summary.add_row(
            mode,
            *[pct(m.get(key)) for key, _ in SUMMARY_COLUMNS],
            "—" if lat["p50"] is None else f"{lat['p50']:,.0f} ms",
            "—" if lat["p95"] is None else f"{lat['p95']:,.0f} ms",
        )
    console.print(summary)
    categories = [c for c in CATEGORIES if any(c in m["by_category"] for m in metrics.values())]
    by_cat = Table(title="accuracy by category")
    by_cat.add_column("mode", style="bold")
    for c in categories:
        by_cat.add_column(CATEGORY_TITLES.get(c, c), justify="right")
    for mode, m in metrics.items():
        by_cat.add_row(mode, *[pct(m["by_category"].get(c, {}).get("accuracy")) for c in categories])
    console.print(by_cat)
    goals = Table(title=f"goals ({report['goals']['mode']} mode)")
    for column in ("goal", "target", "value", "status"):
        goals.add_column(column)
    for g in report["goals"]["results"]:
        status = (
            "[dim]not measured[/]"
            if g["met"] is None
            else ("[green]met[/]" if g["met"] else "[red]not met[/]")
        )
        goals.add_row(g["name"], g["target"], pct(g["value"]), status)
    console.print(goals)
    for mode, why in report["skipped_modes"].items():
        err_console.print(f"[yellow]skipped {mode}:[/] {why}", highlight=False)
    console.print(f"[bold]graph grounding vs LoRA alone:[/] {report['verdict']['text']}", highlight=False)


def eval_command(
    modes: str = typer.Option(
        ",".join(MODES), "--modes", help="Comma-separated modes: base,lora,graph,hybrid."
    ),
    categories: str = typer.Option(",".join(CATEGORIES), "--categories", help="Comma-separated categories."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most N questions per category."),
    max_tokens: int = typer.Option(128, "--max-tokens", min=1, help="Generation budget per answer."),
    out: Path = typer.Option(Path("reports"), "--out", help="Directory for eval.md, eval.json, eval.png."),
    questions: Path = typer.Option(
        None, "--questions", help="Eval set (default data/solverx/eval/questions.jsonl)."
    ),
    model: str | None = typer.Option(None, "--model", help="Model id or path (default: the embedded model)."),
    adapter: str | None = typer.Option(None, "--adapter", help="LoRA adapter for lora/hybrid modes."),
) -> None:
    """Evaluate every answer mode on the held-out eval set and write a report."""
    mode_list = parse_list(modes, MODES, "mode")
    category_list = parse_list(categories, CATEGORIES, "category")
    questions_path = questions if questions is not None else default_questions_path()
    items = select_items(load_eval_set(questions_path), category_list, limit)
    if not items:
        raise EvalSetError(f"no questions in {questions_path} for categories {', '.join(category_list)}")

    engine = make_engine(model, adapter)
    with _progress() as progress:
        task = progress.add_task("eval", total=len(items) * len(mode_list))

        def advance(mode: str, n: int) -> None:
            progress.update(task, advance=n, description=f"eval [{mode}]")

        run = run_eval(engine, items, mode_list, max_tokens=max_tokens, on_progress=advance)

    setup = {
        "questions": str(questions_path),
        "categories": category_list,
        "limit": limit,
        "max_tokens": max_tokens,
        "model": model,
        "adapter": adapter,
    }
    report = build_report(run, setup)
    paths = write_report(report, out)
    _print_tables(report)
    console.print("report: " + ", ".join(str(p) for p in paths.values()), highlight=False)
    if run.interrupted:
        raise AxlabError(f"interrupted: partial report written to {paths['md']}", exit_code=130)


def register(app: typer.Typer) -> None:
    """Attach ``axlab eval`` to the app."""
    app.command("eval")(eval_command)
