"""Scale benchmark: stores at 10k, 100k and 1M triples (memory, Oxigraph on disk, Oxigraph server).

For each size the synthetic gazetteer (``bench/synthetic.py``: places continent -> dong, companies
with offices) is written once as N-Triples; then, for each back-end, one subprocess measures:

* load: the schema plus the N-Triples file into the store (Oxigraph's bulk loader for Oxigraph);
* materialise: the schema-driven closure with proofs (read asserted, closure, write inferred);
* SPARQL latency p50/p95: a point look-up and a transitive ``ax:partOf+`` path query;
* retrieval latency p50/p95 with :class:`retriever.scale.StoreRetriever`: ``symbolic`` = linking +
  candidate facts read from the store; ``ranked`` = the whole ``retrieve()`` with embedding ranking
  (second pass, fact sentences already in the per-text cache);
* peak RSS of that process (``ru_maxrss``), and for the server back-end the server's own VmHWM.

OWL reasoners do not reach these sizes: owlrl is measured once on the smallest size (its closure of
the same ontology), HermiT not at all (see ``bench/bench_reasoning.py``).

    python bench/bench_scale.py [--sizes 10000,100000,1000000] [--backends memory,oxigraph,server]
        [--server-max 100000] [--memory-max 100000] [--timeout 420]

    # rdflib in memory at 1M triples, alone (7+ minutes, 6+ GB):
    python bench/bench_scale.py --sizes 1000000 --backends memory --memory-max 1000000 --no-rank \
        --timeout 900 --output bench/results/scale-memory-1m.json

Writes ``bench/results/scale.json`` and ``bench/results/scale.png`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.synthetic import rows_for_triples, write_jsonl, write_ntriples  # noqa: E402

BACKENDS = ("memory", "oxigraph", "server")
N_QUERIES = 40
N_QUESTIONS = 24


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def partial(out: dict[str, Any], phase: str) -> None:
    """Report what is measured so far (a timed-out worker still tells how far it got)."""
    print(json.dumps({**out, "phase_done": phase}), flush=True)


def timed(fn: Any, items: list[Any]) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def deepest_places(rows: list[dict[str, Any]]) -> list[str]:
    """The places of the deepest level present (dongs, unless the tree is small)."""
    from bench.synthetic import LEVELS

    by_level: dict[str, list[str]] = {}
    for row in rows:
        entity = row.get("entity") or {}
        if entity.get("class") in LEVELS:
            by_level.setdefault(entity["class"], []).append(entity["id"])
    return next(by_level[level] for level in reversed(LEVELS) if by_level.get(level))


def manifest_of(nt: Path) -> dict[str, Any]:
    return json.loads(nt.with_suffix(".json").read_text())


# --- the worker (one back-end x one size, in its own process) -----------------------------------


def worker(nt: str, backend: str, location: str | None, rank: bool) -> dict[str, Any]:
    from kg.backends import StoreGraph, TripleStore
    from kg.bulk import load_rdf_file, load_schema_into
    from kg.incremental import materialize_store

    out: dict[str, Any] = {"rss_start_mb": rss_mb()}
    kind = {"memory": "memory", "oxigraph": "oxigraph", "server": "sparql"}[backend]
    store = TripleStore.open(kind, location)
    t = time.perf_counter()
    load_schema_into(store)
    report = load_rdf_file(store, Path(nt))
    out["load_s"] = time.perf_counter() - t
    out["asserted_triples"] = report.triples_sent
    out["rss_after_load_mb"] = rss_mb()
    partial(out, "load")

    mat = materialize_store(store)
    out.update(
        materialize_s=mat.read_s + mat.reason_s + mat.write_s,
        read_s=mat.read_s,
        closure_s=mat.reason_s,
        write_s=mat.write_s,
        inferred=mat.inferred,
    )
    out["store_triples"] = store.count()
    out["rss_after_materialize_mb"] = rss_mb()
    partial(out, "materialize")

    man = manifest_of(Path(nt))
    rng = random.Random(1)
    companies = rng.sample(man["companies"], min(N_QUERIES, len(man["companies"])))
    dongs = rng.sample(man["dongs"], min(N_QUERIES, len(man["dongs"])))
    ns = "https://axlab.dev/ontology/solverx#"
    point = timed(
        lambda c: store.select(f"SELECT ?p ?o WHERE {{ GRAPH ax:asserted {{ <{ns}{c}> ?p ?o }} }}"), companies
    )
    path = timed(lambda d: store.select(f"SELECT ?a WHERE {{ <{ns}{d}> ax:partOf+ ?a }}"), dongs)
    check = store.select(f"SELECT ?a WHERE {{ <{ns}{dongs[0]}> ax:partOf+ ?a }}")
    out.update(
        sparql_point_p50_ms=pct(point, 0.5),
        sparql_point_p95_ms=pct(point, 0.95),
        sparql_path_p50_ms=pct(path, 0.5),
        sparql_path_p95_ms=pct(path, 0.95),
        path_answers=len(check),
    )

    partial(out, "sparql")
    from retriever.scale import StoreRetriever

    t = time.perf_counter()
    graph = StoreGraph(store)
    retriever = StoreRetriever(graph)
    out["retriever_setup_s"] = time.perf_counter() - t
    out["entities"] = len(graph.entities)
    questions = [f"Which country is {c} in?" for c in companies[: N_QUESTIONS // 3]]
    questions += [f"Where is the office {c}_1?".replace("C", "O", 1) for c in companies[: N_QUESTIONS // 3]]
    questions += [f"Which continent is {d} part of?" for d in dongs[: N_QUESTIONS // 3]]
    symbolic = timed(retriever.candidates, questions)
    linked = [len(retriever.candidates(q)[0]) for q in questions]
    out.update(
        retrieval_symbolic_p50_ms=pct(symbolic, 0.5),
        retrieval_symbolic_p95_ms=pct(symbolic, 0.95),
        questions_linked=sum(1 for n in linked if n),
        questions=len(questions),
        candidates_mean=statistics.mean(len(retriever.candidates(q)[1]) for q in questions),
    )
    if rank:
        top = {}
        for q in questions:  # first pass: embeds the new fact sentences (per-text cache)
            ctx = retriever.retrieve(q)
            top[q] = ctx.facts[0].fact.key if ctx.facts else None
        ranked = timed(retriever.retrieve, questions)
        out.update(
            retrieval_ranked_p50_ms=pct(ranked, 0.5),
            retrieval_ranked_p95_ms=pct(ranked, 0.95),
            example=[questions[0], top[questions[0]]],
        )
    out["rss_peak_mb"] = rss_mb()
    store.close()
    return out


def owlrl_worker(jsonl: str) -> dict[str, Any]:
    from ontology.knowledge import load_knowledge
    from ontology.materialize import ontology_graph
    from ontology.reasoning import run_owlrl

    k = load_knowledge(jsonl)
    onto = ontology_graph(k, unique_names=False)
    t = time.perf_counter()
    closed = run_owlrl(onto)
    return {"owlrl_s": time.perf_counter() - t, "input_triples": len(onto), "closed_triples": len(closed)}


# --- the driver -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OxigraphServer:
    """``oxigraph serve`` on loopback for one measurement; stopped (and its memory read) after."""

    def __init__(self, location: Path) -> None:
        binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        self.port = free_port()
        command = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        command.append("--union-default-graph")
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        import httpx

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/query", params={"query": "ASK {}"}, timeout=1.0)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("oxigraph serve did not start")

    def peak_rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        except OSError:
            return None
        return None

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def run_worker(args: list[str], timeout: float) -> dict[str, Any]:
    start = time.perf_counter()
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    try:
        out = subprocess.run(
            [sys.executable, __file__, *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        done: dict[str, Any] = {}
        text = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        for line in text.strip().splitlines()[-1:]:
            done = json.loads(line)
        phase = done.get("phase_done", "start")
        return {**done, "status": f"timeout after {phase}", "wall_s": time.perf_counter() - start}
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["?"]
        return {"status": "error", "error": tail[0][:300], "wall_s": time.perf_counter() - start}
    return {
        "status": "ok",
        "wall_s": time.perf_counter() - start,
        **json.loads(out.stdout.strip().splitlines()[-1]),
    }


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value:
            return "-"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def chart(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("load_s", "load (s)"),
        ("materialize_s", "materialise with proofs (s)"),
        ("sparql_path_p95_ms", "SPARQL partOf+ p95 (ms)"),
        ("retrieval_symbolic_p95_ms", "retrieval: link + candidates p95 (ms)"),
        ("retrieval_ranked_p95_ms", "retrieval with ranking p95 (ms)"),
        ("rss_after_materialize_mb", "RSS after load + materialise, before the model (MB)"),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, (key, title) in zip(axes.flat, panels, strict=True):
        for backend in BACKENDS:
            points = sorted(
                (r["size"], r[key]) for r in results if r["backend"] == backend and r.get(key) is not None
            )
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=backend)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("asserted triples")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(
        "AX Lab at scale: cost vs size (memory = rdflib, oxigraph = on disk, server = oxigraph serve)"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="asserted triples per size")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument(
        "--server-max", type=int, default=100_000, help="largest size for the server back-end"
    )
    parser.add_argument(
        "--memory-max",
        type=int,
        default=100_000,
        help="largest size for rdflib's in-memory back-end (1M takes >7 min and >6 GB: run it alone)",
    )
    parser.add_argument("--timeout", type=float, default=420.0, help="seconds per measurement")
    parser.add_argument("--no-rank", action="store_true", help="skip the embedding-ranked retrieval")
    parser.add_argument(
        "--no-owlrl", action="store_true", help="skip owlrl (run on the smallest size <= 10k)"
    )
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "scale.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--owlrl", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--location", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.owlrl:
        print(json.dumps(owlrl_worker(args.owlrl)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.backend, args.location, not args.no_rank)))
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=200)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]
    results: list[dict[str, Any]] = []
    owlrl: dict[str, Any] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="axlab-scale-") as tmp_name:
        tmp = Path(tmp_name)
        cache = tmp / "cache"
        os.environ["AXLAB_CACHE"] = str(cache)
        # the embedding model's per-text cache is shared by the runs: copy a warm one if present
        for size in sizes:
            t = time.perf_counter()
            rows = rows_for_triples(size)
            nt = tmp / f"synthetic-{size}.nt"
            written = write_ntriples(rows, nt)
            manifest = {
                "companies": [
                    r["entity"]["id"] for r in rows if r.get("entity", {}).get("class") == "Company"
                ],
                "dongs": deepest_places(rows),
            }
            nt.with_suffix(".json").write_text(json.dumps(manifest))
            console.print(
                f"[dim]size {size:,}: {written:,} triples written in {time.perf_counter() - t:.1f}s[/]"
            )
            if size == sizes[0] and size <= 10_000 and not args.no_owlrl:
                jsonl = write_jsonl(rows, tmp / f"synthetic-{size}.jsonl")
                console.print("[dim]  owlrl on the same ontology ...[/]")
                owlrl = {"size": size, **run_worker(["--owlrl", str(jsonl)], args.timeout)}
            for backend in backends:
                if (backend == "server" and size > args.server_max) or (
                    backend == "memory" and size > args.memory_max
                ):
                    continue
                console.print(f"[dim]  {backend} ...[/]")
                extra = ["--no-rank"] if args.no_rank else []
                server = None
                if backend == "server":
                    server = OxigraphServer(tmp / f"server-{size}")
                    location: str | None = server.url
                elif backend == "oxigraph":
                    location = str(tmp / f"oxigraph-{size}")
                else:
                    location = None
                cmd = ["--worker", str(nt), "--backend", backend, *extra]
                if location:
                    cmd += ["--location", location]
                try:
                    result = run_worker(cmd, args.timeout)
                finally:
                    if server is not None:
                        result_server = server.peak_rss_mb()
                        server.stop()
                if server is not None:
                    result["server_rss_mb"] = result_server
                results.append({"size": size, "backend": backend, "nt_triples": written, **result})
                console.print(
                    f"[dim]    {result['status']} in {result['wall_s']:.1f}s {result.get('error', '')}[/]"
                )
                if backend == "oxigraph":
                    shutil.rmtree(tmp / f"oxigraph-{size}", ignore_errors=True)
    total = time.perf_counter() - started

    table = Table(title="AX Lab scale benchmark (times in s unless ms; RSS in MB)")
    columns = [
        ("triples", "nt_triples"),
        ("backend", "backend"),
        ("status", "status"),
        ("load s", "load_s"),
        ("mat. s", "materialize_s"),
        ("closure s", "closure_s"),
        ("inferred", "inferred"),
        ("store", "store_triples"),
        ("point p50/p95 ms", None),
        ("partOf+ p50/p95 ms", None),
        ("setup s", "retriever_setup_s"),
        ("retr. sym p50/p95 ms", None),
        ("retr. ranked p50/p95 ms", None),
        ("RSS store MB", "rss_after_materialize_mb"),
        ("RSS peak MB", "rss_peak_mb"),
        ("server RSS", "server_rss_mb"),
    ]
    for name, _ in columns:
        table.add_column(name, justify="left" if name in ("backend", "status") else "right")
    for r in results:
        cells = []
        for name, key in columns:
            if key is not None:
                cells.append(fmt(r.get(key)))
            elif name.startswith("point"):
                cells.append(f"{fmt(r.get('sparql_point_p50_ms'), 2)}/{fmt(r.get('sparql_point_p95_ms'), 2)}")
            elif name.startswith("partOf"):
                cells.append(f"{fmt(r.get('sparql_path_p50_ms'), 2)}/{fmt(r.get('sparql_path_p95_ms'), 2)}")
            elif "sym" in name:
                cells.append(
                    f"{fmt(r.get('retrieval_symbolic_p50_ms'), 1)}/{fmt(r.get('retrieval_symbolic_p95_ms'), 1)}"
                )
            else:
                cells.append(
                    f"{fmt(r.get('retrieval_ranked_p50_ms'), 1)}/{fmt(r.get('retrieval_ranked_p95_ms'), 1)}"
                )
        table.add_row(*cells)
    console.print(table)
    if owlrl:
        console.print(
            f"owlrl on the {owlrl['size']:,}-triple ontology: {fmt(owlrl.get('owlrl_s'))} s "
            f"({owlrl.get('status')}; the schema-driven closure is the 'closure s' column). "
            "HermiT and owlrl are out of reach at 1M triples (bench/bench_reasoning.py)."
        )
    payload = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "timeout_s": args.timeout,
        "total_s": total,
        "results": results,
        "owlrl": owlrl,
        "notes": [
            "sizes are asserted N-Triples (individuals, labels, partOf, offices); 'store' adds the schema, "
            "inferred triples and one ax:proofSteps triple per inferred statement",
            "retrieval 'symbolic' = linking over all entities + candidate facts via SPARQL; 'ranked' = full "
            "retrieve() with embedding ranking, second pass (sentences already embedded)",
            "RSS is the peak of the measuring process (ru_maxrss); for 'server' the Oxigraph server's VmHWM "
            "is reported separately",
        ],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    chart(results, args.output.with_suffix(".png"))
    console.print(f"wrote {args.output} and {args.output.with_suffix('.png')} in {total:.0f} s")


if __name__ == "__main__":
    main()
