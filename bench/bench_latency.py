"""Warm answer latency by stage, for several llama.cpp configurations in one process, interleaved.

Where a warm answer's time goes (retrieval, prompt processing, decoding, verification, the rest),
and how configurations of the llama.cpp backend compare on the same machine at the same moment:
every question is asked of every configuration in turn (the order rotating from one question to
the next), so a noisy, shared machine slows them alike. Each configuration has its own engine
(its own llama.cpp instances and prompt caches); the graph and the retriever are shared.

A configuration is ``WEIGHTS[@THREADS][+free]``: one of ``$AXLAB_LLAMA_WEIGHTS``'s values (``q8``,
the default; ``shipped``, the Q4_1 file, the default before; ``f32``), llama.cpp's threads
(default: :func:`pipeline.generators.llamacpp.default_threads`), and ``+free`` to retrieve with
the numeric libraries' own thread counts, as before :mod:`retriever.threads` pinned them to one.
``shipped+free`` is the engine as it was before these changes.

Stages per answer, from ``timings_ms``: ``retrieve``; ``prefill`` = (prompt tokens not in the
prompt cache) / prefill tok/s; ``decode`` = decode tokens / decode tok/s; ``verify``; ``other`` =
total minus those (the backend's streaming, the gate, prompt building).

    python bench/bench_latency.py [--configs shipped+free,q8] [--modes hybrid] [--repeats 1]
        [--max-tokens 48] [--out bench/results/latency.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._report import machine  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.bench_answer import EXTRA_DOMAIN, GENERAL, pct  # noqa: E402

STAGES = ("retrieve", "prefill", "decode", "verify", "other")


def stages(timings: dict[str, float]) -> dict[str, float]:
    """The answer's milliseconds per stage (see the module docstring)."""
    computed = timings.get("prefill_tokens", 0.0) - timings.get("prefill_cached_tokens", 0.0)
    prefill_rate = timings.get("prefill_tok_s", 0.0)
    decode_rate = timings.get("decode_tok_s", 0.0)
    out = {
        "retrieve": timings.get("retrieve", 0.0),
        "prefill": 1000 * computed / prefill_rate if prefill_rate else 0.0,
        "decode": 1000 * timings.get("decode_tokens", 0.0) / decode_rate if decode_rate else 0.0,
        "verify": timings.get("verify", 0.0),
    }
    out["other"] = max(0.0, timings.get("total", 0.0) - sum(out.values()))
    return out


def make_engine(config: str, kg: Any, retriever: Any) -> Any:
    from pipeline.backends import LlamaCppBackend
    from pipeline.engine import AnswerEngine

    head, _, option = config.partition("+")
    weights, _, counts = head.partition("@")
    threads, _, batch = counts.partition("/")
    if option not in ("", "free") or any(n and not n.isdigit() for n in (threads, batch)):
        raise SystemExit(f"bad configuration {config!r} (use WEIGHTS[@THREADS[/BATCH_THREADS]][+free])")

    backend = LlamaCppBackend(
        threads=int(threads) if threads else None,
        weights=weights,
        batch_threads=int(batch) if batch else None,
    )
    return AnswerEngine(kg=kg, retriever=retriever, backend=backend)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals = [r["timings_ms"]["total"] for r in rows]
    generated = [r for r in rows if r["timings_ms"].get("decode_tokens")]
    by_stage = [stages(r["timings_ms"]) for r in rows]
    return {
        "n": len(rows),
        "total_p50_ms": round(pct(totals, 0.5), 1),
        "total_p95_ms": round(pct(totals, 0.95), 1),
        "total_mean_ms": round(statistics.fmean(totals), 1) if totals else 0.0,
        "stage_mean_ms": {s: round(statistics.fmean(b[s] for b in by_stage), 1) for s in STAGES},
        "prefill_computed_tokens_mean": round(
            statistics.fmean(
                r["timings_ms"]["prefill_tokens"] - r["timings_ms"].get("prefill_cached_tokens", 0.0)
                for r in generated
            ),
            1,
        )
        if generated
        else 0.0,
        "prefill_cached_tokens_mean": round(
            statistics.fmean(r["timings_ms"].get("prefill_cached_tokens", 0.0) for r in generated), 1
        )
        if generated
        else 0.0,
        "prefill_ms_per_token": round(
            sum(stages(r["timings_ms"])["prefill"] for r in generated)
            / max(
                1.0,
                sum(
                    r["timings_ms"]["prefill_tokens"] - r["timings_ms"].get("prefill_cached_tokens", 0.0)
                    for r in generated
                ),
            ),
            2,
        ),
        "decode_tokens_mean": round(statistics.fmean(r["timings_ms"]["decode_tokens"] for r in generated), 1)
        if generated
        else 0.0,
        "decode_ms_per_token": round(
            sum(stages(r["timings_ms"])["decode"] for r in generated)
            / max(1.0, sum(r["timings_ms"]["decode_tokens"] for r in generated)),
            2,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="shipped+free,q8")
    parser.add_argument("--modes", default="hybrid")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latency.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from kg.graph import KnowledgeGraph
    from pipeline.compare import parse_modes
    from pipeline.standard_questions import compare_questions
    from retriever import Retriever

    console = Console(width=200)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    modes = parse_modes(args.modes)
    questions = [q.question for q in compare_questions()] + EXTRA_DOMAIN + GENERAL
    kg = KnowledgeGraph.load()
    retriever = Retriever(kg)
    engines = {config: make_engine(config, kg, retriever) for config in configs}
    # the engines share one retriever: "+free" (the numeric libraries' own thread counts) is set
    # before each of its calls
    pinned = {config: config.partition("+")[2] != "free" for config in configs}
    warm_s: dict[str, float] = {}
    for config, engine in engines.items():
        retriever.pin_threads = pinned[config]
        t = time.perf_counter()
        engine.warm(tuple(modes))
        warm_s[config] = round(time.perf_counter() - t, 1)
        for mode in modes:  # first generation per model allocates: not measured
            engine.ask("What is SolverX's core product?", mode, 4)
        console.print(f"{config}: warm in {warm_s[config]} s")

    answers: dict[str, dict[str, list[dict[str, Any]]]] = {c: {m: [] for m in modes} for c in configs}
    turn = 0
    for repeat in range(args.repeats):
        for mode in modes:
            for question in questions:
                order = configs[turn % len(configs) :] + configs[: turn % len(configs)]
                turn += 1
                for config in order:
                    retriever.pin_threads = pinned[config]
                    answer = engines[config].ask(question, mode, args.max_tokens).to_json()
                    answers[config][mode].append(answer)
        console.print(f"repeat {repeat + 1}/{args.repeats} done (load {os.getloadavg()[0]:.1f})")

    summary = {c: {m: summarise(answers[c][m]) for m in modes} for c in configs}
    reference = configs[0]
    same = {
        c: {
            m: sum(
                a["answer"] == b["answer"] for a, b in zip(answers[c][m], answers[reference][m], strict=True)
            )
            for m in modes
        }
        for c in configs
    }

    table = Table(
        title=f"Warm answer latency by stage ({len(questions)} questions x {args.repeats}, interleaved)"
    )
    columns = [
        "config",
        "mode",
        "p50",
        "p95",
        *[f"{s} mean" for s in STAGES],
        "prefill tok",
        "ms/tok pp",
        "ms/tok tg",
    ]
    columns.append(f"same as {reference}")
    for column in columns:
        table.add_column(column, justify="left" if column in ("config", "mode") else "right")
    for config in configs:
        for mode in modes:
            s = summary[config][mode]
            table.add_row(
                config,
                mode,
                f"{s['total_p50_ms']:.0f}",
                f"{s['total_p95_ms']:.0f}",
                *[f"{s['stage_mean_ms'][stage]:.0f}" for stage in STAGES],
                f"{s['prefill_computed_tokens_mean']:.0f} (+{s['prefill_cached_tokens_mean']:.0f} cached)",
                f"{s['prefill_ms_per_token']:.2f}",
                f"{s['decode_ms_per_token']:.2f}",
                f"{same[config][mode]}/{s['n']}",
            )
    console.print(table)

    results = {
        "summary": summary,
        "same_answer_as_reference": {"reference": reference, **same},
        "answers": {
            c: {
                m: [
                    {"question": a["question"], "answer": a["answer"], "timings_ms": a["timings_ms"]}
                    for a in rows
                ]
                for m, rows in per_mode.items()
            }
            for c, per_mode in answers.items()
        },
        "settings": {
            "configs": configs,
            "modes": list(modes),
            "questions": questions,
            "repeats": args.repeats,
            "max_tokens": args.max_tokens,
            "warm_up_s": warm_s,
        },
        "machine": machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
