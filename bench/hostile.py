"""The hostile load test of ``axlab serve`` (``python bench/bench_server.py --hostile``).

Starts the real service (``python -m pipeline serve``, the real engine) on a free loopback
port, then for ``--hostile-seconds`` runs at once:

* ``--clients`` mixed clients, each cycling through ``/ask`` in the four modes (even clients)
  or ``/v1/chat/completions`` with the four models (odd clients), a legitimate SPARQL query
  after each question. A mode whose adapter is not trained answers 409 (``/ask``) or 404
  ``model_not_found`` (``/v1``): counted as *unavailable*, apart from the failures; 429 is
  counted apart too, and the client waits min(Retry-After, ``--backoff``).
* one hostile client sending the catastrophic-regex query in a loop;
* a watcher asking ``/health`` every 0.2 s.

Then it waits for the service to go idle and checks that nothing is stuck: no generation
running or waiting, no SPARQL query running, no more worker processes than allowed, and a
query and a question still answered. Any 5xx, transport error, unexpected 4xx, ``/health``
slower than 1 s, or stuck state fails the run (exit code 1).
"""

from __future__ import annotations

import asyncio
import os
import socket
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
LOOPBACK = "127.0.0.1"
MODES = ("base", "lora", "graph", "hybrid")
QUESTIONS = (
    "Where is SolverX headquartered?",
    "Who founded SolverX?",
    "솔버엑스의 연구개발센터는 어디에 있나요?",
    "What is SolverX Fusion?",
)
PREFIX = "PREFIX ax: <https://axlab.dev/ontology/solverx#>\n"
SPARQL_QUERIES = (
    PREFIX + "SELECT ?year WHERE { ax:SolverX ax:foundedIn ?year }",
    PREFIX + "SELECT ?place ?label WHERE { ax:SolverX ax:locatedIn ?place . ?place rdfs:label ?label "
    'FILTER(lang(?label) = "en") }',
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    PREFIX + 'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(REGEX(STR(?l), "^Solver")) } LIMIT 50',
)
HOSTILE_QUERY = 'SELECT ?x WHERE { BIND("' + "a" * 28 + '!" AS ?x) FILTER(REGEX(?x, "^(a+)+$")) }'
HEALTH_LIMIT_S = 1.0


@dataclass
class Tally:
    """What one kind of request got back."""

    kind: str
    requests: int = 0
    ok: int = 0
    unavailable: int = 0  # a mode without its adapter: 409 / 404 model_not_found
    rejected_429: int = 0
    client_errors: int = 0  # any other 4xx: unexpected
    server_errors: int = 0  # 5xx
    transport_errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record(self, response: httpx.Response | None, elapsed_s: float, error: str = "") -> None:
        self.requests += 1
        if response is None:
            self.transport_errors += 1
            self.errors.append(error[:200])
            return
        status = response.status_code
        if status == 200:
            self.ok += 1
            self.latencies_ms.append(elapsed_s * 1000)
        elif status == 429:
            self.rejected_429 += 1
        elif status in (404, 409) and "not available on this server" in response.text:
            self.unavailable += 1
        elif 400 <= status < 500:
            self.client_errors += 1
            self.errors.append(f"{status}: {response.text[:150]}")
        else:
            self.server_errors += 1
            self.errors.append(f"{status}: {response.text[:150]}")

    @property
    def failures(self) -> int:
        return self.client_errors + self.server_errors + self.transport_errors

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        lat = data.pop("latencies_ms")
        data["errors"] = self.errors[:5]
        data["p50_ms"] = round(statistics.median(lat), 1) if lat else None
        data["p95_ms"] = round(_percentile(lat, 95), 1) if lat else None
        data["max_ms"] = round(max(lat), 1) if lat else None
        return data


def _percentile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# ------------------------------------------------------------------------------ the server
class Service:
    """``python -m pipeline serve`` on a free loopback port, logging to a file."""

    def __init__(self, args: Any) -> None:
        with socket.socket() as sock:
            sock.bind((LOOPBACK, 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="axlab-serve-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
        command = [sys.executable, "-m", "pipeline", "serve", "--host", LOOPBACK, "--port", str(self.port)]
        command += ["--queue-size", str(args.queue_size), "--query-timeout", str(args.query_timeout)]
        command += ["--log-level", "warning"]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.startup_timeout = args.startup_timeout

    def start(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"axlab serve exited during startup (log: {self.log.name})")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise SystemExit(f"axlab serve did not start in time (log: {self.log.name})")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


# ------------------------------------------------------------------------------ the clients
async def mixed_client(
    client: httpx.AsyncClient, index: int, tally: dict[str, Tally], stop_at: float, args: Any
) -> None:
    """Even clients use /ask, odd ones /v1/chat/completions; a SPARQL query after each question."""
    step = 0
    while time.monotonic() < stop_at and step < args.client_requests:
        mode = MODES[(index + step) % len(MODES)]
        question = QUESTIONS[(index + step) % len(QUESTIONS)]
        kind = f"ask {mode}" if index % 2 == 0 else f"chat {mode}"
        started = time.monotonic()
        try:
            if index % 2 == 0:
                body = {"question": question, "mode": mode, "max_tokens": args.max_tokens}
                response = await client.post("/ask", json=body)
            else:
                messages = [{"role": "user", "content": question}]
                body = {"model": f"axlab-{mode}", "messages": messages, "max_tokens": args.max_tokens}
                response = await client.post("/v1/chat/completions", json=body)
            tally[kind].record(response, time.monotonic() - started)
            if response.status_code == 429:
                await asyncio.sleep(min(float(response.headers.get("retry-after") or 1), args.backoff))
        except httpx.HTTPError as exc:
            tally[kind].record(None, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
        await sparql_once(client, SPARQL_QUERIES[(index + step) % len(SPARQL_QUERIES)], tally["sparql"])
        step += 1


async def sparql_once(client: httpx.AsyncClient, query: str, tally: Tally) -> None:
    started = time.monotonic()
    try:
        response = await client.get("/sparql", params={"query": query})
        tally.record(response, time.monotonic() - started)
    except httpx.HTTPError as exc:
        tally.record(None, time.monotonic() - started, f"{type(exc).__name__}: {exc}")


async def hostile_client(client: httpx.AsyncClient, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        await sparql_once(client, HOSTILE_QUERY, tally)


async def health_watch(client: httpx.AsyncClient, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        started = time.monotonic()
        try:
            response = await client.get("/health", timeout=5)
            tally.record(response, time.monotonic() - started)
        except httpx.HTTPError as exc:
            tally.record(None, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
        await asyncio.sleep(0.2)


async def settle(client: httpx.AsyncClient, seconds: float) -> dict[str, Any]:
    """/health once nothing runs or waits any more (or after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        health: dict[str, Any] = (await client.get("/health")).json()
        generation, sparql = health["generation"], health["sparql"]
        idle = not generation["running"] and not generation["waiting"] and not sparql["running"]
        if idle or time.monotonic() > deadline:
            return health
        await asyncio.sleep(0.2)


async def load(url: str, args: Any) -> dict[str, Any]:
    kinds = [f"{api} {mode}" for api in ("ask", "chat") for mode in MODES]
    tally = {kind: Tally(kind) for kind in [*kinds, "sparql", "hostile regex", "health"]}
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=args.request_timeout) as client:
        warm = await client.post("/ask", json={"question": QUESTIONS[0], "mode": "graph", "max_tokens": 4})
        if warm.status_code != 200:
            raise SystemExit(f"warm-up /ask failed: {warm.status_code} {warm.text[:300]}")
        started = time.monotonic()
        stop_at = started + args.hostile_seconds
        await asyncio.gather(
            *(mixed_client(client, i, tally, stop_at, args) for i in range(args.clients)),
            hostile_client(client, tally["hostile regex"], stop_at),
            health_watch(client, tally["health"], stop_at),
        )
        load_s = time.monotonic() - started
        after = await settle(client, 30)
        final_query = await client.get("/sparql", params={"query": SPARQL_QUERIES[0]})
        final_ask = await client.post(
            "/ask", json={"question": QUESTIONS[0], "mode": "graph", "max_tokens": 4}
        )
    generation, sparql = after["generation"], after["sparql"]
    stuck = {
        "generation_running": generation["running"],
        "generation_waiting": generation["waiting"],
        "sparql_running": sparql["running"],
        "worker_processes_over_limit": max(0, sparql["processes"] - sparql["workers"]),
        "final_sparql_status": final_query.status_code,
        "final_ask_status": final_ask.status_code,
    }
    return {"load_seconds": round(load_s, 1), "tally": tally, "after": after, "stuck": stuck}


def verdict(outcome: dict[str, Any]) -> list[str]:
    """Why the run failed (empty: it passed)."""
    problems: list[str] = []
    for tally in outcome["tally"].values():
        if tally.failures:
            problems.append(f"{tally.kind}: {tally.failures} failed ({tally.errors[:2]})")
    health: Tally = outcome["tally"]["health"]
    if not health.latencies_ms or max(health.latencies_ms) >= HEALTH_LIMIT_S * 1000:
        problems.append(f"/health max {max(health.latencies_ms, default=0):.0f} ms (limit 1000)")
    stuck = outcome["stuck"]
    if any(stuck[k] for k in ("generation_running", "generation_waiting", "sparql_running")):
        problems.append(f"still busy after the load: {stuck}")
    if (
        stuck["worker_processes_over_limit"]
        or stuck["final_sparql_status"] != 200
        or stuck["final_ask_status"] != 200
    ):
        problems.append(f"not usable after the load: {stuck}")
    return problems


def print_table(outcome: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    columns = (
        "requests",
        "requests",
        "200",
        "unavail.",
        "429",
        "other 4xx",
        "5xx",
        "errors",
        "p50 ms",
        "p95 ms",
        "max ms",
    )
    for index, column in enumerate(columns):
        table.add_column(column if index else "kind", justify="left" if index == 0 else "right")
    for tally in outcome["tally"].values():
        s = tally.summary()
        table.add_row(
            tally.kind, str(s["requests"]), str(s["ok"]), str(s["unavailable"]), str(s["rejected_429"]),
            str(s["client_errors"]), str(s["server_errors"]), str(s["transport_errors"]),
            *("-" if s[k] is None else f"{s[k]:.0f}" for k in ("p50_ms", "p95_ms", "max_ms")),
        )  # fmt: skip
    Console(width=130).print(table)


def run_hostile(args: Any) -> tuple[dict[str, Any], list[str]]:
    """Serve, load, check; the report and the problems found."""
    service = Service(args)
    try:
        service.start()
        outcome = asyncio.run(load(service.url, args))
    finally:
        service.stop()
    problems = verdict(outcome)
    title = (
        f"axlab serve under {args.clients} mixed clients + a regex attacker, {outcome['load_seconds']} s, "
        f"{os.cpu_count()} CPUs"
    )
    print_table(outcome, title)
    report = {
        "meta": {
            "scenario": "hostile",
            "clients": args.clients,
            "seconds": args.hostile_seconds,
            "client_requests_max": args.client_requests,
            "max_tokens": args.max_tokens,
            "queue_size": args.queue_size,
            "query_timeout_s": args.query_timeout,
            "hostile_query": HOSTILE_QUERY,
            "sparql_queries": list(SPARQL_QUERIES),
            "cpus": os.cpu_count(),
        },
        "load_seconds": outcome["load_seconds"],
        "results": [tally.summary() for tally in outcome["tally"].values()],
        "health_after": outcome["after"],
        "stuck": outcome["stuck"],
        "problems": problems,
    }
    return report, problems
