"""``axlab ask``, ``axlab compare``, ``axlab verify-general`` and ``axlab demo``.

``ask`` streams the answer to stdout (a one-line summary goes to stderr); with ``--json`` it
prints exactly one JSON object (``Answer.to_json()``). Bad input (empty or over-long
question, unknown mode, missing adapter) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.errors import AxlabError
from pipeline.types import DEFAULT_MODE, MODES, Answer, Mode

console = Console()
err = Console(stderr=True)

_MODE_HELP = f"answer mode: {', '.join(MODES)}"
_BACKEND_HELP = (
    "generator: mlx, llama.cpp or auto (MLX on Apple Silicon, llama.cpp on Linux when installed; "
    "env AXLAB_BACKEND)"
)
_TITLES: dict[str, str] = {"base": "base", "lora": "LoRA", "graph": "graph", "hybrid": "hybrid"}


def _engine(
    model: str | None,
    mode: Mode | None,
    adapter: Path | None,
    lora: Path | None = None,
    hybrid: Path | None = None,
    backend: str | None = None,
) -> Any:
    from pipeline.engine import AnswerEngine, default_backend

    if adapter is not None:
        if mode not in ("lora", "hybrid"):
            raise AxlabError(f"--adapter applies to --mode lora or hybrid, not {mode}", exit_code=2)
        if mode == "lora":
            lora = adapter
        else:
            hybrid = adapter
    return AnswerEngine(
        model=model, lora_adapter=lora, hybrid_adapter=hybrid, backend=default_backend(model, backend)
    )


def _footer(answer: Answer) -> str:
    parts = [f"mode {answer.mode}", f"model {answer.model}"]
    if answer.backend:
        parts.append(f"on {answer.backend}")
    if answer.adapter:
        parts.append(f"adapter {answer.adapter}")
    parts.append(f"{len(answer.context)} facts")
    if answer.abstained:
        parts.append("abstained")
    if answer.verification:
        parts.append(f"verification {answer.verification.get('status')}")
    timings = answer.timings_ms
    parts.append(
        f"{timings.get('total', 0):.0f} ms (retrieve {timings.get('retrieve', 0):.0f}, "
        f"generate {timings.get('generate', 0):.0f})"
    )
    return " · ".join(parts)


def ask(
    question: str = typer.Argument(..., help="the question (at most 2,000 characters)"),
    mode: str = typer.Option(DEFAULT_MODE, "--mode", "-m", help=_MODE_HELP),
    model: str | None = typer.Option(
        None, "--model", help="model id or path (default: the embedded SmolLM2)"
    ),
    adapter: Path | None = typer.Option(None, "--adapter", help="LoRA adapter folder for --mode lora/hybrid"),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="most tokens to generate"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of streaming"),
    backend: str | None = typer.Option(None, "--backend", help=_BACKEND_HELP),
    server: str | None = typer.Option(
        None,
        "--server",
        envvar="AXLAB_SERVER",
        show_envvar=True,
        help="ask a running 'axlab serve' at this URL (e.g. http://127.0.0.1:8000) instead of loading models",
    ),
) -> None:
    """Answer a question in one mode (default: hybrid)."""
    from pipeline.modes import check_mode

    checked = check_mode(mode)
    if server is not None and server.strip():  # the server validates the question (HTTP 4xx: exit 2)
        _ask_server(server, question, checked, max_tokens, as_json, model, adapter)
        return
    from pipeline.backends import check_choice
    from pipeline.engine import validate_max_tokens, validate_question

    validate_question(question)
    validate_max_tokens(max_tokens)
    check_choice(backend)
    engine = _engine(model, checked, adapter, backend=backend)
    if as_json:
        answer = engine.ask(question, checked, max_tokens)
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        return
    final: Answer | None = None
    streamed: list[str] = []
    for item in engine.stream(question, checked, max_tokens):
        if isinstance(item, Answer):
            final = item
        else:
            streamed.append(item)
            sys.stdout.write(item)
            sys.stdout.flush()
    sys.stdout.write("\n")
    assert final is not None
    if final.answer != "".join(streamed).strip():
        console.print(f"[bold yellow]→ from the graph:[/] {final.answer}", highlight=False)
    err.print(f"[dim]{_footer(final)}[/]", highlight=False)


def _ask_server(
    server: str,
    question: str,
    mode: Mode,
    max_tokens: int | None,
    as_json: bool,
    model: str | None,
    adapter: Path | None,
) -> None:
    """Client mode: the server's models answer; its JSON is printed as a local --json would be."""
    from pipeline.client import answer_from_json, ask_server

    if model is not None or adapter is not None:
        raise AxlabError(
            "--model/--adapter choose local models; with --server the server's models answer", exit_code=2
        )
    data = ask_server(server, question, mode, max_tokens)
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    answer = answer_from_json(data)
    sys.stdout.write(answer.answer + "\n")
    err.print(f"[dim]{_footer(answer)} · server {server}[/]", highlight=False)


# --- compare / verify-general ------------------------------------------------------------------


def _cell_text(cell: Any) -> str:
    answer: Answer = cell.answer
    text = answer.answer if len(answer.answer) <= 220 else answer.answer[:217] + "..."
    marks = ["[green]✓[/]" if cell.passed else "[red]✗[/]"]
    if answer.abstained:
        marks.append("[cyan]abstained[/]")
    status = (answer.verification or {}).get("status")
    if status in ("fallback", "contradicted"):
        marks.append(f"[yellow]{status}[/]")
    marks.append(f"[dim]{answer.timings_ms.get('total', 0) / 1000:.1f} s[/]")
    return f"{text}\n{' '.join(marks)}"


def _render(matrix: Any, title: str) -> None:
    table = Table(title=title, show_lines=True, expand=True)
    table.add_column("question", style="bold", ratio=2)
    for mode in matrix.modes:
        table.add_column(f"{_TITLES[mode]} answer", ratio=3)
    for q in matrix.questions:
        row = [f"{q.question}\n[dim]{q.kind}[/]"]
        row += [_cell_text(matrix.cells[(q.id, mode)]) for mode in matrix.modes]
        table.add_row(*row)
    console.print(table)
    summary = matrix.summary()
    console.print(
        "  ".join(
            f"{_TITLES[m]}: {int(s['passed'])}/{int(s['total'])} ✓, {s['mean_total_ms'] / 1000:.1f} s/answer"
            for m, s in summary.items()
        )
    )
    for mode, why in matrix.skipped.items():
        err.print(f"[yellow]skipped {mode}:[/] {why}", highlight=False)


def _run(
    questions: Any,
    title: str,
    model: str | None,
    lora_adapter: Path | None,
    hybrid_adapter: Path | None,
    modes: str | None,
    max_tokens: int | None,
    as_json: bool,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipeline.compare import parse_modes, run_matrix, usable_modes
    from pipeline.engine import AnswerEngine, validate_max_tokens

    chosen = parse_modes(modes)
    tokens = validate_max_tokens(max_tokens if max_tokens is not None else 96)
    engine = AnswerEngine(model=model, lora_adapter=lora_adapter, hybrid_adapter=hybrid_adapter)
    usable, _ = usable_modes(engine, chosen)
    total = len(questions) * len(usable)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("loading", total=total)
        started = [0]

        def step(question: Any, mode: Mode) -> None:
            if started[0]:
                progress.advance(task)
            started[0] += 1
            progress.update(task, description=f"{mode}: {question.question[:40]}")

        matrix = run_matrix(engine, questions, chosen, tokens, progress=step)
        progress.advance(task)
    if as_json:
        sys.stdout.write(json.dumps(matrix.to_json(), ensure_ascii=False) + "\n")
        return
    _render(matrix, title)


def compare(
    model: str | None = typer.Option(
        None, "--model", help="model id or path (default: the embedded SmolLM2)"
    ),
    lora_adapter: Path | None = typer.Option(None, "--lora-adapter", help="adapter of the lora mode"),
    hybrid_adapter: Path | None = typer.Option(None, "--hybrid-adapter", help="adapter of the hybrid mode"),
    modes: str | None = typer.Option(None, "--modes", help="comma-separated modes (default: all four)"),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="most tokens per answer (default 96)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """The seed's comparison table: fixed questions answered in base, LoRA, graph and hybrid modes."""
    from pipeline.standard_questions import compare_questions

    _run(
        compare_questions(),
        "AX Lab: base vs LoRA vs graph vs hybrid",
        model,
        lora_adapter,
        hybrid_adapter,
        modes,
        max_tokens,
        as_json,
    )


def verify_general(
    model: str | None = typer.Option(
        None, "--model", help="model id or path (default: the embedded SmolLM2)"
    ),
    lora_adapter: Path | None = typer.Option(None, "--lora-adapter", help="adapter of the lora mode"),
    hybrid_adapter: Path | None = typer.Option(None, "--hybrid-adapter", help="adapter of the hybrid mode"),
    modes: str | None = typer.Option(None, "--modes", help="comma-separated modes (default: all four)"),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="most tokens per answer (default 96)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """General capability after tuning: capital of Korea, sky colour, Python hello world, one injected fact."""
    from pipeline.standard_questions import general_questions

    _run(
        general_questions(),
        "AX Lab: general capability per mode",
        model,
        lora_adapter,
        hybrid_adapter,
        modes,
        max_tokens,
        as_json,
    )


def prepare_hybrid(
    out: Path = typer.Option(Path("data") / "hybrid", "--out", help="folder for train.jsonl and valid.jsonl"),
    general_ratio: float = typer.Option(0.15, "--general-ratio", help="general chat rows per context row"),
    seed: int = typer.Option(0, "--seed", help="shuffle and distractor seed"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Write the hybrid adapter's training data (prompts carrying retrieved facts).

    Train it with: axlab train --data data/hybrid --adapter-path adapters/hybrid
    """
    from pipeline.hybrid_data import prepare_hybrid_data

    if general_ratio < 0:
        raise AxlabError(f"--general-ratio must be >= 0, not {general_ratio}", exit_code=2)
    report = prepare_hybrid_data(out, general_ratio=general_ratio, seed=seed)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
        return
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.by_kind.items()))
    console.print(
        f"wrote {report.train_rows} training rows ({kinds}) to {report.train_path} "
        f"and {report.valid_rows} to {report.valid_path}; {report.dropped_held_out} held-out questions left out"
    )


def demo(
    model: str | None = typer.Option(
        None, "--model", help="model id or path (default: the embedded SmolLM2)"
    ),
    force: bool = typer.Option(False, "--force", help="retrain the adapters even when up to date"),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="most tokens per answer (default 96)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object (training + comparison)"),
) -> None:
    """Prepare data, train the LoRA and hybrid adapters (short runs; skipped when up to date), compare."""
    import time

    from pipeline.demo import run_training
    from pipeline.modes import default_adapter
    from pipeline.standard_questions import compare_questions

    started = time.perf_counter()

    def say(text: str) -> None:
        err.print(f"[bold blue]demo[/] {text}", highlight=False)

    steps = run_training(model=model, force=force, say=say, show_progress=err.is_terminal and not as_json)
    say("5/5 comparing the four answer modes")
    if as_json:
        from pipeline.compare import parse_modes, run_matrix
        from pipeline.engine import AnswerEngine

        engine = AnswerEngine(
            model=model, lora_adapter=default_adapter("lora"), hybrid_adapter=default_adapter("hybrid")
        )
        matrix = run_matrix(engine, compare_questions(), parse_modes(None), max_tokens or 96)
        out = {
            "training": steps,
            "compare": matrix.to_json(),
            "elapsed_s": round(time.perf_counter() - started, 1),
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return
    _run(
        compare_questions(),
        "AX Lab: base vs LoRA vs graph vs hybrid",
        model,
        default_adapter("lora"),
        default_adapter("hybrid"),
        None,
        max_tokens,
        False,
    )
    say(f"done in {time.perf_counter() - started:.0f} s")


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the axlab app."""
    app.command("ask")(ask)
    app.command("compare")(compare)
    app.command("verify-general")(verify_general)
    app.command("prepare-hybrid")(prepare_hybrid)
    app.command("demo")(demo)
