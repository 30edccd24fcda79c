"""Retrieval latency: linking, intent, ranking and total, p50/p95, over ~40 EN/KO questions.

Startup is measured in child processes (a real cold start: imports, model load, fact embeddings)
with an empty embedding cache (cold) and with the cache written by the first (warm). Per-question
latency is measured in this process: the first pass right after start-up, then warm passes.

    python bench/bench_retrieval.py [--repeats 5] [--out bench/results/retrieval.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOMAIN_EN = [
    "Which country is SolverX in?",
    "Where is SolverX headquartered?",
    "Does SolverX have an office in Germany?",
    "Which continent is the US office in?",
    "Where is the R&D center?",
    "Who is the CEO of SolverX?",
    "Who is SolverX's CTO?",
    "When was SolverX founded?",
    "Who founded Solverx?",
    "What is SolverX's core product?",
    "How much faster is SolverX Fuson than a conventional solver?",
    "What does SolverX Fusion do when its confidence is low?",
    "What is the latest version of SolverX Fusion?",
    "How much funding did SolverX raise?",
    "Who are SolverX's customers?",
    "How many employees does SolverX have?",
    "What is SolverX's revenue?",
    "Does SolverX have an office in Japan?",
]
DOMAIN_KO = [
    "솔버엑스 본사는 어느 나라에 있나요?",
    "솔버엑스는 어디에 위치해 있나요?",
    "솔버엑스의 대표는 누구인가요?",
    "솔버엑스는 언제 설립되었나요?",
    "솔버엑스퓨전은 몇 배 빠른가요?",
    "솔버엑스 퓨전의 최신 버전은?",
    "솔버엑스는 얼마나 투자를 받았나요?",
    "솔버엑스의 고객은 누구인가요?",
    "솔버엑스의 직원은 몇 명인가요?",
    "연구소는 어디에 있나요?",
    "솔버엑스의 매출은 얼마인가요?",
    "솔버엑스는 도쿄에 지사가 있나요?",
]
GENERAL = [
    "What is the capital of France?",
    "Why is the sky blue?",
    "Write hello world in Python",
    "What is nuclear fusion?",
    "How do I bake bread?",
    "Who wrote Hamlet?",
    "하늘은 왜 파란가요?",
    "프랑스의 수도는 어디인가요?",
    "파이썬으로 hello world를 출력하는 방법은?",
    "What is a solver in mathematics?",
]
QUESTIONS = (
    [(q, "domain-en") for q in DOMAIN_EN]
    + [(q, "domain-ko") for q in DOMAIN_KO]
    + [(q, "general") for q in GENERAL]
)


def _startup_child() -> None:
    """Run in a child process: time imports, graph, retriever, model and fact embeddings."""
    t0 = time.perf_counter()
    from kg import KnowledgeGraph
    from retriever import Retriever
    from retriever import embedding as emb

    t_import = time.perf_counter()
    kg = KnowledgeGraph.load()
    t_kg = time.perf_counter()
    retriever = Retriever(kg)
    t_ret = time.perf_counter()
    retriever.fact_vectors()
    t_vec = time.perf_counter()
    retriever.warm()  # loads the model if the embeddings came from disk
    t_model = time.perf_counter()
    retriever.retrieve("Which country is SolverX in?")
    t_first = time.perf_counter()
    print(
        json.dumps(
            {
                "import_ms": (t_import - t0) * 1e3,
                "kg_load_ms": (t_kg - t_import) * 1e3,
                "retriever_init_ms": (t_ret - t_kg) * 1e3,
                "fact_embeddings_ms": (t_vec - t_ret) * 1e3,
                "model_warm_ms": (t_model - t_vec) * 1e3,
                "first_query_ms": (t_first - t_model) * 1e3,
                "total_ms": (t_first - t0) * 1e3,
                "fact_texts_encoded": emb.STATS.fact_texts_encoded,
                "disk_hits": emb.STATS.disk_hits,
            }
        )
    )


def _startup(cache: Path) -> dict[str, Any]:
    env = {**os.environ, "AXLAB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    # the graph's closure cache comes from the normal cache so that only the retriever is cold
    kg_cache = os.environ.get("AXLAB_CACHE")
    if kg_cache is None:
        from ontology.paths import cache_dir

        kg_cache = str(cache_dir())
    for item in Path(kg_cache).glob("*"):
        target = cache / item.name
        if item.is_file() and not target.exists():
            target.write_bytes(item.read_bytes())
    out = subprocess.run(
        [sys.executable, __file__, "--startup-child"], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(_pct(values, 0.5), 3),
        "p95": round(_pct(values, 0.95), 3),
        "mean": round(statistics.fmean(values), 3) if values else 0.0,
        "max": round(max(values), 3) if values else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="warm passes over the question set")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "retrieval.json")
    parser.add_argument("--startup-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.startup_child:
        _startup_child()
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="axlab-bench-") as tmp:
        cache = Path(tmp)
        console.print("[bold]start-up, cold embedding cache[/] (child process)...")
        cold = _startup(cache)
        console.print("[bold]start-up, warm embedding cache[/] (child process)...")
        warm = _startup(cache)

    from kg import KnowledgeGraph
    from retriever import Retriever
    from retriever.embedding import encode_threads

    retriever = Retriever(KnowledgeGraph.load())
    passes: list[list[dict[str, Any]]] = []
    for _ in range(1 + args.repeats):
        rows: list[dict[str, Any]] = []
        for question, group in QUESTIONS:
            context = retriever.retrieve(question)
            rows.append(
                {
                    "question": question,
                    "group": group,
                    **context.timings_ms,
                    "linked": list(context.linked_ids),
                    "facts": len(context.facts),
                    "unsupported": list(context.unsupported_attributes),
                    "top": context.as_prompt_lines()[:1],
                }
            )
        passes.append(rows)

    stages = ("link_ms", "intent_ms", "rank_ms", "total_ms")
    first = passes[0]
    warm_rows = [row for rows in passes[1:] for row in rows]
    result: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_avg_at_start": list(os.getloadavg()),
            "embed_threads": encode_threads(),
        },
        "questions": len(QUESTIONS),
        "repeats": args.repeats,
        "startup_cold_cache": {k: round(v, 1) for k, v in cold.items()},
        "startup_warm_cache": {k: round(v, 1) for k, v in warm.items()},
        "first_pass": {s: _summary([r[s] for r in first]) for s in stages},
        "warm": {s: _summary([r[s] for r in warm_rows]) for s in stages},
        "warm_by_group": {
            g: {s: _summary([r[s] for r in warm_rows if r["group"] == g]) for s in stages}
            for g in ("domain-en", "domain-ko", "general")
        },
        "per_question_first_pass": first,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    table = Table(title=f"retrieval latency, ms ({len(QUESTIONS)} questions, {args.repeats} warm passes)")
    table.add_column("set")
    for stage in stages:
        table.add_column(f"{stage[:-3]} p50", justify="right")
        table.add_column(f"{stage[:-3]} p95", justify="right")
    sets = [("first pass", result["first_pass"]), ("warm (all)", result["warm"])]
    sets += [(f"warm {g}", v) for g, v in result["warm_by_group"].items()]
    for name, summary in sets:
        cells = [f"{summary[s][p]:.2f}" for s in stages for p in ("p50", "p95")]
        table.add_row(name, *cells)
    console.print(table)
    start = Table(title="start-up (child process), ms")
    start.add_column("phase")
    start.add_column("cold cache", justify="right")
    start.add_column("warm cache", justify="right")
    for key in cold:
        start.add_row(key, f"{cold[key]:.0f}", f"{warm[key]:.0f}")
    console.print(start)
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
