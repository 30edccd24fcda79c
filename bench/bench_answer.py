"""Answer latency per mode: retrieval p50/p95 beside total answer latency p50/p95.

Asks a fixed set of questions (the compare questions, a few more domain ones in English and
Korean, general ones) in each mode on the embedded model with the default adapters
(``adapters/lora``, ``adapters/hybrid``; a mode whose adapter is missing is skipped), after
one warm-up pass. Also measures the hybrid routing of general questions: the base model
(the default) against the hybrid adapter, on the general questions.

Cold ``axlab ask``: each mode is also asked by a fresh ``python -m pipeline ask --json`` process
(``--cold-runs`` times, after one untimed run that fills the OS file cache), wall time measured
around the process: what a user waits for the first answer.

    python bench/bench_answer.py [--repeats 1] [--max-tokens 48] [--cold-runs 2] [--out bench/results/answer.json]
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

EXTRA_DOMAIN = [
    "Who is the CEO of SolverX?",
    "When was SolverX founded?",
    "How many employees does SolverX have?",
    "Does SolverX have an office in Japan?",
    "솔버엑스는 어느 나라에 있나요?",
    "솔버엑스의 핵심 제품은 무엇인가요?",
]
GENERAL = [
    "Why is the sky blue?",
    "Write a Python hello world program.",
    "What is the capital of France?",
    "How many legs does a spider have?",
    "물은 몇 도에서 끓나요?",
]


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


COLD_QUESTION = "Who is the chief executive of SolverX?"


def cold_ask(mode: str, max_tokens: int, runs: int) -> dict[str, Any]:
    """Wall time of fresh ``ask`` processes (one untimed run first), with the last answer's timings."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    args = [sys.executable, "-m", "pipeline", "ask", COLD_QUESTION, "--mode", mode, "--json"]
    args += ["--max-tokens", str(max_tokens)]
    walls: list[float] = []
    answer: dict[str, Any] = {}
    for run in range(runs + 1):
        t = time.perf_counter()
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        wall = time.perf_counter() - t
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
        answer = json.loads(done.stdout)
        if run:  # the first run only warms the OS file cache
            walls.append(wall)
    return {
        "question": COLD_QUESTION,
        "wall_s": [round(w, 2) for w in walls],
        "wall_p50_s": round(pct(walls, 0.5), 2),
        "answer": answer.get("answer"),
        "timings_ms": answer.get("timings_ms"),
    }


def summarise(answers: list[dict[str, Any]]) -> dict[str, Any]:
    retrieve = [a["timings_ms"].get("retrieve", 0.0) for a in answers]
    total = [a["timings_ms"].get("total", 0.0) for a in answers]
    generate = [a["timings_ms"].get("generate", 0.0) for a in answers]
    decode = [a["timings_ms"]["decode_tokens"] for a in answers if "decode_tokens" in a["timings_ms"]]
    speed = [a["timings_ms"]["decode_tok_s"] for a in answers if a["timings_ms"].get("decode_tok_s")]
    return {
        "decode_tokens_p50": pct(decode, 0.5),
        "decode_tokens_max": max(decode, default=0.0),
        "decode_tok_s_p50": round(pct(speed, 0.5), 1),
        "n": len(answers),
        "retrieve_p50_ms": round(pct(retrieve, 0.5), 1),
        "retrieve_p95_ms": round(pct(retrieve, 0.95), 1),
        "generate_p50_ms": round(pct(generate, 0.5), 1),
        "total_p50_ms": round(pct(total, 0.5), 1),
        "total_p95_ms": round(pct(total, 0.95), 1),
        "total_mean_ms": round(statistics.fmean(total), 1) if total else 0.0,
        "abstained": sum(1 for a in answers if a["abstained"]),
        "fallback": sum(1 for a in answers if (a.get("verification") or {}).get("status") == "fallback"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--modes", default="base,lora,graph,hybrid")
    parser.add_argument(
        "--no-routing", action="store_true", help="skip the general-question routing comparison"
    )
    parser.add_argument("--cold-runs", type=int, default=2, help="fresh 'ask' processes per mode (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "answer.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from pipeline.compare import parse_modes, usable_modes
    from pipeline.engine import AnswerEngine
    from pipeline.standard_questions import compare_questions

    console = Console()
    questions = [q.question for q in compare_questions()] + EXTRA_DOMAIN + GENERAL
    engine = AnswerEngine()
    modes, skipped = usable_modes(engine, parse_modes(args.modes))
    for mode, why in skipped.items():
        console.print(f"[yellow]skipping {mode}[/]: {why}")

    t = time.perf_counter()
    engine.warm(tuple(modes))
    warm_s = time.perf_counter() - t
    console.print(f"warm-up (graph, retriever, models): {warm_s:.1f} s")
    for mode in modes:  # first generation per model compiles/allocates: not measured
        engine.ask("What is SolverX's core product?", mode, 4)

    results: dict[str, Any] = {"modes": {}, "answers": {}, "cold_ask": {}}
    if args.cold_runs > 0:
        for mode in modes:
            results["cold_ask"][mode] = cold_ask(mode, args.max_tokens, args.cold_runs)
            cold = results["cold_ask"][mode]
            console.print(f"cold ask {mode}: {cold.get('wall_p50_s', cold.get('error'))} s")

    for mode in modes:
        answers = []
        for _ in range(args.repeats):
            for question in questions:
                answers.append(engine.ask(question, mode, args.max_tokens).to_json())
        results["answers"][mode] = answers
        results["modes"][mode] = summarise(answers)
        console.print(f"{mode}: done ({results['modes'][mode]['total_p50_ms']:.0f} ms p50)")

    routing: dict[str, Any] = {}
    if not args.no_routing and "hybrid" in modes:
        for choice in ("base", "adapter"):
            routed = AnswerEngine(kg=engine.kg, retriever=engine.retriever, hybrid_general=choice)
            answers = [routed.ask(q, "hybrid", args.max_tokens).to_json() for q in GENERAL]
            routing[choice] = {
                "summary": summarise(answers),
                "mentions_solverx": sum(1 for a in answers if "solverx" in a["answer"].casefold()),
                "answers": {a["question"]: a["answer"] for a in answers},
            }

    table = Table(
        title=f"Answer latency per mode ({len(questions)} questions x {args.repeats}, max {args.max_tokens} tokens)"
    )
    for column in (
        "mode",
        "n",
        "retrieve p50",
        "retrieve p95",
        "generate p50",
        "decode tok p50",
        "tok/s p50",
        "total p50",
        "total p95",
        "abstained",
        "fallback",
    ):
        table.add_column(column, justify="right" if column != "mode" else "left")
    for mode, s in results["modes"].items():
        table.add_row(
            mode,
            str(s["n"]),
            f"{s['retrieve_p50_ms']:.0f} ms",
            f"{s['retrieve_p95_ms']:.0f} ms",
            f"{s['generate_p50_ms']:.0f} ms",
            f"{s['decode_tokens_p50']:.0f}",
            f"{s['decode_tok_s_p50']:.1f}",
            f"{s['total_p50_ms']:.0f} ms",
            f"{s['total_p95_ms']:.0f} ms",
            str(s["abstained"]),
            str(s["fallback"]),
        )
    console.print(table)
    for mode, cold in results["cold_ask"].items():
        timings = cold.get("timings_ms") or {}
        console.print(
            f"cold ask --mode {mode}: {cold.get('wall_p50_s', cold.get('error'))} s wall "
            f"(load {timings.get('load', 0):.0f} ms, generate {timings.get('generate', 0):.0f} ms, "
            f"{timings.get('decode_tokens', 0):.0f} tokens)"
        )
    for choice, r in routing.items():
        console.print(
            f"hybrid, general questions routed to {'the base model' if choice == 'base' else 'the hybrid adapter'}: "
            f"total p50 {r['summary']['total_p50_ms']:.0f} ms, {r['mentions_solverx']}/{len(GENERAL)} mention SolverX"
        )

    results["routing_general"] = routing
    results["settings"] = {
        "questions": questions,
        "repeats": args.repeats,
        "max_tokens": args.max_tokens,
        "warm_up_s": round(warm_s, 1),
        "skipped": skipped,
    }
    results["machine"] = machine()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
