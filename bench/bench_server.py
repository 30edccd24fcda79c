"""Bounded load test of the AX Lab HTTP service, loopback only.

Starts the service in a child process on 127.0.0.1 (a free port), then for ``/sparql`` and
``/ask`` at 1, 4 and 16 concurrent clients sends ``--requests`` requests per level (each
level also stops after ``--level-seconds``; the whole run after ``--max-seconds``), and
reports throughput and p50/p95 latency (of the 200 responses). 429 (queue full) is counted
apart as a deliberate refusal, after which that client waits min(Retry-After, --backoff);
any other non-2xx or transport error is a failure (exit code 1).

    python bench/bench_server.py                 # the scripted answerer (no model)
    python bench/bench_server.py --real          # the real engine (pipeline.engine)
    python bench/bench_server.py --schemathesis 120
    python bench/bench_server.py --hostile       # axlab serve: 4 mixed clients + a regex attacker

Writes bench/results/server.json (``--hostile``: server_hostile.json; see bench/hostile.py)
and prints a rich table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOOPBACK = "127.0.0.1"
DEFAULT_OUT = ROOT / "bench" / "results" / "server.json"
SPARQL_QUERY = """PREFIX ax: <https://axlab.dev/ontology/solverx#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?place ?label WHERE {
  ax:SolverX ax:locatedIn ?place . ?place rdfs:label ?label FILTER(lang(?label) = "en")
}"""
QUESTIONS = [
    "Where is SolverX headquartered?",
    "Who founded SolverX and when?",
    "How much faster is SolverX Fusion than a conventional solver?",
    "솔버엑스의 연구개발센터는 어디에 있나요?",
]


# ------------------------------------------------------------------------ child: serve
def serve(args: argparse.Namespace) -> None:
    """Run the service on a free loopback port and print its URL on stdout."""
    import uvicorn

    from pipeline.server import ServerSettings, create_app
    from pipeline.server.connections import guarded_h11
    from pipeline.server.testing import CANNED_ANSWER, ScriptedAnswerer, free_socket

    settings = ServerSettings(
        queue_size=args.queue_size, query_timeout=args.query_timeout, sparql_prestart=True
    )  # as axlab serve
    if args.real:
        from pipeline.commands.serve_commands import real_factories

        answerer_factory, kg_factory = real_factories()
    else:
        from kg import KnowledgeGraph

        double = ScriptedAnswerer(text=CANNED_ANSWER, token_delay=args.token_delay)
        answerer_factory, kg_factory = (lambda: double), KnowledgeGraph.load
    app = create_app(answerer_factory, kg_factory, settings)
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3, http=guarded_h11(10.0))
    server = uvicorn.Server(config)

    async def announce() -> None:
        while not server.started:
            await asyncio.sleep(0.02)
        print(f"http://{LOOPBACK}:{port}", flush=True)

    async def main() -> None:
        announcer = asyncio.create_task(announce())
        await server.serve(sockets=[sock])
        announcer.cancel()

    asyncio.run(main())


class ChildServer:
    def __init__(self, args: argparse.Namespace) -> None:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            "--queue-size",
            str(args.queue_size),
            "--token-delay",
            str(args.token_delay),
            "--query-timeout",
            str(args.query_timeout),
        ]
        if args.real:
            command.append("--real")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        self.startup_timeout = args.startup_timeout
        self.url = ""

    def start(self) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited during startup (code {self.proc.returncode})")
            line = self.proc.stdout.readline().strip()
            if line.startswith(f"http://{LOOPBACK}:"):
                self.url = line
                return line
        self.stop()
        raise SystemExit("the server did not start in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


# ------------------------------------------------------------------------ parent: load
@dataclass
class LevelResult:
    endpoint: str
    concurrency: int
    requests: int = 0
    ok: int = 0
    rejected_429: int = 0
    failed: int = 0
    duration_s: float = 0.0
    throughput_rps: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    stopped_by_time: bool = False
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def run_level(
    client: httpx.AsyncClient,
    endpoint: str,
    concurrency: int,
    total: int,
    budget_s: float,
    backoff_s: float,
    mode: str,
) -> LevelResult:
    result = LevelResult(endpoint=endpoint, concurrency=concurrency)
    latencies: list[float] = []
    issued = 0
    started = time.perf_counter()
    deadline = started + budget_s

    async def one(index: int) -> None:
        t0 = time.perf_counter()
        try:
            if endpoint == "/sparql":
                response = await client.get(
                    "/sparql",
                    params={"query": SPARQL_QUERY},
                    headers={"Accept": "application/sparql-results+json"},
                )
            else:
                question = QUESTIONS[index % len(QUESTIONS)]
                response = await client.post("/ask", json={"question": question, "mode": mode})
        except httpx.HTTPError as exc:
            result.failed += 1
            result.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return
        elapsed_ms = (time.perf_counter() - t0) * 1000
        if response.status_code == 200:
            result.ok += 1
            latencies.append(elapsed_ms)
        elif response.status_code == 429:
            result.rejected_429 += 1
            # back off as a client honouring Retry-After would, but bounded (the run stays short)
            retry_after = float(response.headers.get("retry-after", "1") or 1)
            await asyncio.sleep(min(retry_after, backoff_s))
        else:
            result.failed += 1
            result.errors.append(f"{response.status_code}: {response.text[:150]}")

    async def worker() -> None:
        nonlocal issued
        while issued < total:
            if time.perf_counter() > deadline:
                result.stopped_by_time = True
                return
            index = issued
            issued += 1
            await one(index)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.duration_s = time.perf_counter() - started
    result.requests = result.ok + result.rejected_429 + result.failed
    result.throughput_rps = result.ok / result.duration_s if result.duration_s else 0.0
    result.p50_ms = percentile(latencies, 50)
    result.p95_ms = percentile(latencies, 95)
    result.max_ms = max(latencies) if latencies else None
    result.errors = result.errors[:5]
    return result


async def load(url: str, args: argparse.Namespace) -> list[LevelResult]:
    results: list[LevelResult] = []
    overall_deadline = time.perf_counter() + args.max_seconds
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    timeout = httpx.Timeout(args.request_timeout)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        # warm-up (first query parse, model load for --real), not measured
        await client.get("/sparql", params={"query": SPARQL_QUERY})
        warm = await client.post(
            "/ask", json={"question": QUESTIONS[0], "mode": args.mode}, timeout=max(args.request_timeout, 600)
        )
        if warm.status_code != 200:
            raise SystemExit(f"warm-up /ask failed: {warm.status_code} {warm.text[:300]}")
        for endpoint in args.endpoints:
            for concurrency in args.levels:
                remaining = overall_deadline - time.perf_counter()
                if remaining <= 0:
                    print(f"time budget spent: skipping {endpoint} x{concurrency}", file=sys.stderr)
                    continue
                budget = min(args.level_seconds, remaining)
                results.append(
                    await run_level(
                        client, endpoint, concurrency, args.requests, budget, args.backoff, args.mode
                    )
                )
        health = (await client.get("/health")).json()
    args.health = health
    return results


def run_schemathesis(url: str, seconds: int) -> dict[str, Any]:
    cli = Path(sys.executable).with_name("schemathesis")
    command = str(cli) if cli.exists() else shutil.which("schemathesis")
    if not command:
        return {"skipped": "schemathesis is not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        completed = subprocess.run(
            [command, "run", f"{url}/openapi.json", "--checks", "not_a_server_error", "--max-time", str(seconds),
             "--workers", "1"],
            cwd=tmp, capture_output=True, text=True, timeout=seconds + 120, check=False,
        )  # fmt: skip
    output = completed.stdout + completed.stderr
    summary = [line.strip() for line in output.splitlines() if "generated" in line or "passed" in line]
    return {"returncode": completed.returncode, "summary": summary[-3:], "seconds": seconds}


def print_table(results: list[LevelResult], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    table = Table(title=title)
    for column in (
        "endpoint",
        "clients",
        "requests",
        "ok",
        "429",
        "failed",
        "req/s",
        "p50 ms",
        "p95 ms",
        "max ms",
    ):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for r in results:
        table.add_row(
            r.endpoint, str(r.concurrency), str(r.requests), str(r.ok), str(r.rejected_429),
            str(r.failed), f"{r.throughput_rps:.1f}", ms(r.p50_ms), ms(r.p95_ms), ms(r.max_ms),
        )  # fmt: skip
    Console(width=120).print(table)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--real", action="store_true", help="use the real engine instead of the scripted double"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and level")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 16])
    parser.add_argument("--endpoints", type=lambda s: s.split(","), default=["/sparql", "/ask"])
    parser.add_argument("--level-seconds", type=float, default=60.0, help="time cap per level")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="time cap for the whole load test")
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--queue-size", type=int, default=8)
    parser.add_argument("--query-timeout", type=float, default=10.0)
    parser.add_argument("--token-delay", type=float, default=0.002, help="the double's seconds per token")
    parser.add_argument(
        "--mode",
        default=None,
        help="answer mode for /ask (default: hybrid; graph with --real: no adapter needed)",
    )
    parser.add_argument("--backoff", type=float, default=0.2, help="max seconds a client waits after a 429")
    parser.add_argument("--startup-timeout", type=float, default=600.0)
    parser.add_argument("--schemathesis", type=int, default=0, metavar="SECONDS", help="also fuzz the schema")
    parser.add_argument("--out", type=Path, default=None, help="default: bench/results/server[_hostile].json")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    hostile = parser.add_argument_group("--hostile: the real axlab serve under mixed clients and an attacker")
    hostile.add_argument("--hostile", action="store_true", help="run that scenario (see bench/hostile.py)")
    hostile.add_argument("--clients", type=int, default=4, help="mixed clients")
    hostile.add_argument("--hostile-seconds", type=float, default=60.0, help="how long the load lasts")
    hostile.add_argument("--client-requests", type=int, default=40, help="questions per client at most")
    hostile.add_argument("--max-tokens", type=int, default=24, help="max_tokens of each question")
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return 0
    if args.hostile:
        return hostile_main(args)
    args.out = args.out or DEFAULT_OUT
    args.mode = args.mode or ("graph" if args.real else "hybrid")

    child = ChildServer(args)
    try:
        url = child.start()
        started = time.time()
        results = asyncio.run(load(url, args))
        fuzz = run_schemathesis(url, args.schemathesis) if args.schemathesis else None
    finally:
        child.stop()
    answerer = "real engine" if args.real else f"scripted double ({args.token_delay * 1000:g} ms/token)"
    answerer += f", /ask mode {args.mode}"
    print_table(results, f"AX Lab server, {answerer}, queue {args.queue_size}, {os.cpu_count()} CPUs")
    report = {
        "meta": {
            "answerer": "real" if args.real else "double",
            "token_delay_s": None if args.real else args.token_delay,
            "queue_size": args.queue_size,
            "ask_mode": args.mode,
            "backoff_after_429_s": args.backoff,
            "requests_per_level": args.requests,
            "levels": args.levels,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "sparql_query": SPARQL_QUERY,
            "health_after": args.health,
        },
        "results": [asdict(r) for r in results],
        "schemathesis": fuzz,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    if fuzz is not None:
        print(f"schemathesis: {fuzz}")
    failed = sum(r.failed for r in results) + (1 if fuzz and fuzz.get("returncode") else 0)
    return 1 if failed else 0


def hostile_main(args: argparse.Namespace) -> int:
    from bench.hostile import run_hostile

    report, problems = run_hostile(args)
    report["meta"].update(python=platform.python_version(), machine=platform.machine())
    out = args.out or DEFAULT_OUT.with_name("server_hostile.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
