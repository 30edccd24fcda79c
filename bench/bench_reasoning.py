"""Benchmark: loading + reasoning time, HermiT vs owlrl, and the proof finder.

Sizes are the SolverX knowledge (``solverx``) and synthetic gazetteers of N places
(continent -> country -> province -> city -> district -> dong) with one company per
100 places, each with offices located in dongs. Every measurement runs in its own
subprocess under a time limit and reports "timeout" honestly.

    python bench/bench_reasoning.py --sizes 1000,10000,100000 --timeout 300

Writes ``bench/results/reasoning.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._report import machine  # noqa: E402
from bench.synthetic import synthetic_rows  # noqa: E402  (shared with bench_scale.py)

ENGINES = ("finder", "owlrl", "hermit")  # "finder": load + build + proof finder, no reasoner


def worker(knowledge: str, engine: str, unique_names: bool) -> dict[str, Any]:
    """One measurement (run in a subprocess)."""
    timings: dict[str, Any] = {}
    t0 = time.perf_counter()
    from ontology.justify import inferred_proofs
    from ontology.knowledge import load_knowledge
    from ontology.materialize import ontology_graph
    from ontology.reasoning import reason
    from ontology.statements import asserted_statements

    timings["import_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    k = load_knowledge(knowledge)
    timings["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    onto = ontology_graph(k, unique_names=unique_names)
    asserted = asserted_statements(k)
    timings["build_s"] = time.perf_counter() - t
    timings["triples"] = len(onto)
    timings["entities"] = len(k.entities)
    t = time.perf_counter()
    proofs = inferred_proofs(asserted)
    timings["finder_s"] = time.perf_counter() - t
    timings["finder_inferred"] = len(proofs)
    if engine != "finder":
        import owlready2

        owlready2.JAVA_MEMORY = 8000
        t = time.perf_counter()
        result = reason(onto, k.entities, engine)
        timings["reason_s"] = time.perf_counter() - t
        inferred = result.statements - asserted.keys()
        timings["reasoner_inferred"] = len(inferred)
        timings["unproven"] = len([st for st in inferred if st not in proofs])
        timings["agree_with_finder"] = set(inferred) == set(proofs)
    timings["total_s"] = time.perf_counter() - t0
    return timings


def cache_load_time(timeout: float) -> dict[str, Any]:
    """Fresh-process time of ``KnowledgeGraph.load()`` from a warm cache (import and load separately)."""
    code = (
        "import time,json;t=time.perf_counter();from kg import KnowledgeGraph;i=time.perf_counter()-t;"
        "t=time.perf_counter();g=KnowledgeGraph.load(engine='owlrl');f=g.facts();"
        "print(json.dumps({'import_s':i,'load_s':time.perf_counter()-t,'facts':len(f),'triples':len(g)}))"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, AXLAB_CACHE=cache)
        subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, timeout=timeout)
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(knowledge: Path, engine: str, unique_names: bool, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", str(knowledge), "--engine", engine]
    if unique_names:
        cmd.append("--unique-names")
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "wall_s": time.perf_counter() - start}
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["?"]
        return {"status": "error", "error": tail[0][:300], "wall_s": time.perf_counter() - start}
    return {
        "status": "ok",
        "wall_s": time.perf_counter() - start,
        **json.loads(out.stdout.strip().splitlines()[-1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated place counts")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per measurement")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "reasoning.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--unique-names", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.engine, args.unique_names)))
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=170)
    engines = [e for e in args.engines.split(",") if e]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="axlab-bench-") as tmp:
        cases: list[tuple[str, Path, bool]] = [
            ("solverx", REPO / "data" / "solverx" / "knowledge.jsonl", True)
        ]
        for size in sizes:
            path = Path(tmp) / f"gazetteer-{size}.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for row in synthetic_rows(size):
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            cases.append((str(size), path, False))
        for name, path, unique in cases:
            for engine in engines:
                console.print(f"[dim]measuring {name} / {engine} ...[/]")
                result = measure(path, engine, unique, args.timeout)
                results.append({"case": name, "engine": engine, "unique_names": unique, **result})
                console.print(f"[dim]  {result.get('status')} in {result['wall_s']:.1f}s[/]")
        cache = cache_load_time(args.timeout)

    def fmt(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.3f}" if value < 10 else f"{value:.1f}"
        return str(value)

    table = Table(title="AX Lab reasoning benchmark (seconds)")
    for column in (
        "case",
        "engine",
        "status",
        "entities",
        "triples",
        "load",
        "build",
        "finder",
        "reason",
        "inferred",
        "unproven",
        "agree",
        "wall",
    ):
        table.add_column(column, justify="right" if column not in ("case", "engine", "status") else "left")
    for r in results:
        table.add_row(
            r["case"],
            r["engine"],
            r["status"],
            fmt(r.get("entities")),
            fmt(r.get("triples")),
            fmt(r.get("load_s")),
            fmt(r.get("build_s")),
            fmt(r.get("finder_s")),
            fmt(r.get("reason_s")),
            fmt(r.get("reasoner_inferred", r.get("finder_inferred"))),
            fmt(r.get("unproven")),
            fmt(r.get("agree_with_finder")),
            fmt(r["wall_s"]),
        )
    console.print(table)
    console.print(
        f"cached KnowledgeGraph.load() in a fresh process: import {cache['import_s']:.3f}s, "
        f"load {cache['load_s']:.3f}s ({cache['facts']} facts, {cache['triples']} triples)"
    )
    largest: dict[str, str] = {}
    for r in results:
        if r["status"] == "ok" and r["case"] != "solverx":
            previous = int(largest.get(r["engine"], "0"))
            largest[r["engine"]] = str(max(previous, int(r["case"])))
    payload = {
        "machine": machine(),
        "timeout_s": args.timeout,
        "results": results,
        "cached_load": cache,
        "largest_finished": largest,
        "notes": "synthetic cases omit owl:AllDifferent (O(n^2) in owlrl); solverx keeps it",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
