"""``axlab ablate``: the LoRA-only adapter's rank and general-mix curves, ``reports/ablations.{md,json,png}``.

Each variant is the converged baseline's recipe (``axlab train --preset baseline``) with its rank
or its general-data mix changed and a fixed step budget; adapters that already exist are
evaluated, not retrained, and an interrupted training run resumes. The trainer is
:func:`train_variant` and the answerer comes from ``eval_commands.make_engine``; tests replace
both module attributes with doubles.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from pipeline.commands import eval_commands
from pipeline.commands.eval_commands import parse_list
from pipeline.errors import AxlabError
from pipeline.evaluation.ablation_report import write_ablation_report
from pipeline.evaluation.ablations import (
    DEFAULT_ITERS,
    DEFAULT_ROOT,
    MIXES,
    RANKS,
    REFERENCE_MIX,
    REFERENCE_RANK,
    AblationVariant,
    base_reference,
    curve_grid,
    interrupted_run,
    run_ablations,
    unseen_items,
)
from pipeline.evaluation.dataset import (
    CATEGORIES,
    EvalItem,
    EvalSetError,
    default_questions_path,
    load_eval_set,
    select_items,
)

console = Console()
err_console = Console(stderr=True)

PRESET = "baseline"  # the recipe every variant shares (lora/presets.json)
DEFAULT_CATEGORIES = "injected,multihop,unknown,general,coding"
DEFAULT_TRAINED_SAMPLE = 24
RANK_LIST = ",".join(str(r) for r in RANKS)
MIX_LIST = ",".join(f"{m:g}" for m in MIXES)


def train_variant(variant: AblationVariant) -> Path:
    """Prepare the variant's data (fact paraphrases plus ``general_mix`` general rows per fact
    row) next to its adapter and train it with the baseline preset, overriding rank and steps."""
    try:
        from lora.prepare import prepare_data
        from lora.presets import build_config, get_preset
        from lora.train import TrainConfig, train
    except ImportError as exc:
        raise AxlabError(f"the LoRA trainer is not available ({exc})") from None
    if interrupted_run(variant.path):  # an interrupted run continues where it stopped
        return Path(
            train(TrainConfig(adapter_path=str(variant.path)), resume=True, show_progress=False).adapter_path
        )
    data_dir = variant.path.parent / f"{variant.name}.data"
    data_dir.mkdir(parents=True, exist_ok=True)
    prepare_data(out_dir=data_dir, general_ratio=variant.general_mix)
    options: dict[str, Any] = {
        "data": str(data_dir),
        "adapter_path": str(variant.path),
        "name": variant.name,
        "rank": variant.rank,
        "iters": variant.iters,
    }
    config = build_config(get_preset(PRESET), options)
    return Path(train(config, show_progress=False).adapter_path)


def trained_questions(sample: int) -> list[EvalItem]:
    """The memorisation items: ``sample`` of the questions every variant is trained on and the
    paraphrases held out of its training, from the data the baseline recipe prepares (the
    held-out choice does not depend on the general mix)."""
    if sample == 0:
        return []
    import tempfile

    from lora.prepare import prepare_data
    from ontology.knowledge import load_knowledge
    from pipeline.evaluation.trained_items import memorisation_items

    with tempfile.TemporaryDirectory(prefix="axlab-ablate-") as tmp:
        prepare_data(out_dir=Path(tmp))
        return memorisation_items(Path(tmp), load_knowledge(), sample)


def load_items(paths: list[Path], categories: list[str]) -> list[EvalItem]:
    """The chosen categories of every question file; ids carry the file's stem when several
    files are read (each file numbers its own questions)."""
    from dataclasses import replace

    items: list[EvalItem] = []
    for path in paths:
        chosen = select_items(load_eval_set(path), categories)
        items += [replace(i, id=f"{path.stem}:{i.id}") for i in chosen] if len(paths) > 1 else chosen
    return items


def _numbers(value: str, kind: type, what: str) -> list[Any]:
    try:
        out = [kind(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise EvalSetError(f"{what}: expected comma-separated numbers, not {value!r}") from None
    if not out or any(v < 0 for v in out):
        raise EvalSetError(f"{what}: expected comma-separated numbers >= 0, not {value!r}")
    return out


def ablate_command(
    questions: list[Path] = typer.Option(
        None,
        "--questions",
        help="Eval set(s); repeat the option for several (default: the knowledge's eval/questions.jsonl).",
    ),
    categories: str = typer.Option(DEFAULT_CATEGORIES, "--categories", help="Comma-separated categories."),
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="At most N questions per category (all files together)."
    ),
    ranks: str = typer.Option(RANK_LIST, "--ranks", help="LoRA ranks of the rank curve."),
    mixes: str = typer.Option(MIX_LIST, "--mixes", help="General-data mix ratios of the mix curve."),
    iters: int = typer.Option(DEFAULT_ITERS, "--iters", min=1, help="Training steps per variant."),
    max_tokens: int = typer.Option(48, "--max-tokens", min=1, help="Generation budget per answer."),
    root: Path = typer.Option(DEFAULT_ROOT, "--root", help="Where the variant adapters live."),
    out: Path = typer.Option(Path("reports"), "--out", help="Directory for ablations.md, .json, .png."),
    trained_sample: int = typer.Option(
        DEFAULT_TRAINED_SAMPLE,
        "--trained-sample",
        min=0,
        help="Training questions asked word for word (the memorisation level; held-out paraphrases are all asked).",
    ),
    model: str | None = typer.Option(None, "--model", help="Model id or path (default: the embedded model)."),
    no_train: bool = typer.Option(
        False,
        "--no-train",
        help="Only report the variants already trained (the others are listed as not run).",
    ),
) -> None:
    """Train (if missing) and evaluate the LoRA-only adapter along a rank and a general-mix curve."""
    from lora.general_chat import general_qa

    category_list = parse_list(categories, CATEGORIES, "category")
    paths = list(questions) if questions else [default_questions_path()]
    items, left_out = unseen_items(load_items(paths, category_list), (q for q, _ in general_qa()))
    items = select_items(items, category_list, limit)
    if not items:
        raise EvalSetError(f"no questions in {', '.join(map(str, paths))} for categories {categories}")
    memorised = trained_questions(trained_sample)
    items = [*memorised, *items]
    grid = curve_grid(root, iters, _numbers(ranks, int, "--ranks"), _numbers(mixes, float, "--mixes"))
    setup = {
        "command": " ".join(
            ["axlab ablate", *[f"--questions {p}" for p in paths], f"--categories {','.join(category_list)}"]
            + ([f"--limit {limit}"] if limit else [])
            + [f"--ranks {ranks}", f"--mixes {mixes}", f"--iters {iters}", f"--max-tokens {max_tokens}"]
            + [f"--trained-sample {trained_sample}"]
        ),
        "preset": PRESET,
        "iters": iters,
        "questions": [str(p) for p in paths],
        "categories": category_list,
        "limit": limit,
        "max_tokens": max_tokens,
        "left_out": left_out,
        "trained_sample": trained_sample,
        "memorisation_items": len(memorised),
        "reference": {"rank": REFERENCE_RANK, "general_mix": REFERENCE_MIX},
        "model": model,
    }
    t0 = time.perf_counter()

    def report(partial: dict[str, Any]) -> dict[str, Path]:
        """Write the report of the variants done so far (an interrupted run keeps them)."""
        partial.update(wall_s=round(time.perf_counter() - t0, 1), setup=setup, planned=[v.name for v in grid])
        return write_ablation_report(partial, out)

    data = run_ablations(
        grid,
        items,
        train_adapter=train_variant,
        engine_factory=lambda path: eval_commands.make_engine(model, path),
        max_tokens=max_tokens,
        log=lambda line: err_console.print(line, highlight=False),
        on_variant=report,
        train=not no_train,
    )
    base = base_reference(items, lambda: eval_commands.make_engine(model, None), max_tokens, root)
    if base is not None:
        data["base"] = base
    written = report(data)
    for line in data["findings"]:
        console.print(line, highlight=False)
    console.print("report: " + ", ".join(str(p) for p in written.values()), highlight=False)
    failed = [v["name"] for v in data["variants"] if v.get("error")]
    if failed:
        raise AxlabError(f"{len(failed)} variant(s) failed: {', '.join(failed)} (see {written['md']})")


def register(app: typer.Typer) -> None:
    """Attach ``axlab ablate`` to the app."""
    app.command("ablate")(ablate_command)
