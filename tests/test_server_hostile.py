"""A hostile client against the real ``python -m pipeline serve`` (a child process, loopback).

Catastrophic regular expressions, queries stuck in C code, cross products and half-open
connections must not stop the service: ``/health`` answers within a second throughout, the
time limit really ends a query (its worker process is gone), a too-large result is a quick
413, and a client that never finishes its request loses its connection.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import pipeline

SOURCE_ROOT = Path(pipeline.__file__).resolve().parents[1]  # the code under test (see PYTHONPATH)
QUERY_TIMEOUT = 3.0
REQUEST_TIMEOUT = 10.0  # axlab serve's default --request-timeout
SERVE_OPTIONS = ("--query-timeout", str(QUERY_TIMEOUT), "--log-level", "warning")
EVIL = "^(a+)+$"  # exponential backtracking in Python's re


def regex_query(length: int, comment: str = "") -> str:
    text = "a" * length + "!"
    return f'{comment}SELECT ?x WHERE {{ BIND("{text}" AS ?x) FILTER(REGEX(?x, "{EVIL}")) }}'


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT), "HF_HUB_OFFLINE": "1"}
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--port", str(port), "--no-warm", *SERVE_OPTIONS],
        cwd=SOURCE_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"axlab serve exited with {proc.returncode} (log: {log.name})")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("axlab serve did not start in time")
        time.sleep(0.2)
    yield Served(url, proc)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


class HealthWatch:
    """Polls /health every 0.1 s in a thread; records each answer's latency (or a failure)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=1.0) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get("/health").status_code
                    if status != 200:
                        self.failures.append(f"status {status}")
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__} after {time.monotonic() - started:.1f} s")
                self.latencies.append(time.monotonic() - started)
                self._stop.wait(0.1)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def sparql(client: httpx.Client, query: str) -> tuple[int, float, str]:
    started = time.monotonic()
    response = client.get("/sparql", params={"query": query})
    return response.status_code, time.monotonic() - started, response.text


def children(pid: int) -> set[int]:
    """Child process ids of ``pid`` (Linux /proc); empty where /proc has no such list."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        listing = task / "children"
        if listing.exists():
            found.update(int(p) for p in listing.read_text().split())
    return found


# -------------------------------------------------------------------------------- SPARQL
def test_catastrophic_regex_in_a_loop_never_blocks_health(served: Served) -> None:
    statuses: list[int] = []
    slowest = 0.0
    with HealthWatch(served.url) as watch, httpx.Client(base_url=served.url, timeout=60) as client:
        stop = time.monotonic() + 4
        while time.monotonic() < stop:
            status, elapsed, _ = sparql(client, regex_query(28))
            statuses.append(status)
            slowest = max(slowest, elapsed)
        # a string this long would backtrack for days in Python's re
        status, elapsed, body = sparql(client, regex_query(60))
    assert status == 200 and elapsed < 10, (status, elapsed, body)
    assert '"bindings": []' in body  # the pattern does not match "aaa...!"
    assert set(statuses) == {200} and len(statuses) >= 5, statuses
    assert slowest < 2
    assert not watch.failures, watch.failures
    assert watch.latencies and max(watch.latencies) < 1.0, max(watch.latencies)


def test_time_limit_kills_a_query_stuck_in_c_code(served: Served) -> None:
    # a text that mentions SERVICE (in a comment) is evaluated by rdflib, so this one runs
    # Python's re, which holds the GIL: only killing its process can end it
    stuck = regex_query(34, comment="# no SERVICE here\n")
    with HealthWatch(served.url) as watch, httpx.Client(base_url=served.url, timeout=60) as client:
        before = children(served.proc.pid)  # the idle workers; one of them takes the query
        status, elapsed, body = sparql(client, stuck)
        gone_by = time.monotonic() + 3
        while not before - children(served.proc.pid) and time.monotonic() < gone_by:
            time.sleep(0.05)
        killed = before - children(served.proc.pid)
        followup = sparql(client, "ASK { ?s ?p ?o }")
        stats = client.get("/health").json()["sparql"]
    assert status == 503 and f"time limit of {QUERY_TIMEOUT:g} s" in body, (status, body)
    assert QUERY_TIMEOUT - 0.5 < elapsed < QUERY_TIMEOUT + 5
    if Path("/proc/self/task").exists():  # Linux: the worker that ran it is gone
        assert len(killed) == 1, f"worker processes before {before}, now {children(served.proc.pid)}"
    assert followup[0] == 200 and '"boolean": true' in followup[2]
    assert stats["running"] == 0 and stats["interrupted"] >= 1
    assert not watch.failures, watch.failures
    assert max(watch.latencies) < 1.0


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o . ?s2 ?p2 ?o2 }",
        "CONSTRUCT { ?s ?p ?o2 } WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 }",
    ],
)
def test_a_cross_product_is_a_quick_413(served: Served, query: str) -> None:
    with httpx.Client(base_url=served.url, timeout=60) as client:
        status, elapsed, body = sparql(client, query)
    assert status == 413 and "result too large" in body, (status, body)
    assert elapsed < QUERY_TIMEOUT, elapsed  # refused before the time limit would answer 503


# ---------------------------------------------------------------------------- connections
def test_half_open_connections_are_closed(served: Served) -> None:
    """200 clients that never finish their request headers, one that trickles a header a byte
    at a time and one that never sends its body: all lose their connection."""
    host, port = "127.0.0.1", int(served.url.rsplit(":", 1)[1])
    sockets: list[socket.socket] = []
    try:
        for _ in range(200):
            sock = socket.create_connection((host, port), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # no final empty line
            sockets.append(sock)
        body_less = socket.create_connection((host, port), timeout=5)
        body_less.sendall(
            b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"question": '
        )
        sockets.append(body_less)
        trickler = socket.create_connection((host, port), timeout=5)
        sockets.append(trickler)
        started = time.monotonic()

        with httpx.Client(base_url=served.url, timeout=1.0) as client:
            assert client.get("/health").status_code == 200  # others are still served

        trickle_closed = False
        for byte in b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 100:
            try:
                trickler.sendall(bytes([byte]))
            except OSError:
                trickle_closed = True
                break
            if time.monotonic() - started > REQUEST_TIMEOUT + 4:
                break
            time.sleep(0.12)

        deadline = started + REQUEST_TIMEOUT + 5
        open_left = []
        for sock in sockets:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = sock.recv(1024)
                closed = data == b"" or b"408" in data
            except TimeoutError:
                closed = False
            except OSError:
                closed = True
            if not closed:
                open_left.append(sock)
        assert trickle_closed or trickler not in open_left, "the trickling client kept its connection"
        assert not open_left, f"{len(open_left)} of {len(sockets)} half-open connections still open"
    finally:
        for sock in sockets:
            sock.close()
    with httpx.Client(base_url=served.url, timeout=1.0) as client:
        assert client.get("/health").status_code == 200


# -------------------------------------------------------------------------------- memory
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_a_query_past_the_memory_cap_ends_its_worker_only() -> None:
    """Sorting a triple cross product needs gigabytes: the worker's allocation fails, that
    query is a 503, and the service (and the next query) carry on."""
    from pipeline.server import ServerSettings
    from pipeline.server.testing import ScriptedAnswerer, serve_double

    settings = ServerSettings(sparql_memory_mb=400, query_timeout=30)
    with (
        serve_double(ScriptedAnswerer(), settings) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        status, elapsed, body = sparql(http, "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i ?f ?c")
        assert status == 503 and "worker process" in body, (status, body)
        assert elapsed < 20
        assert http.get("/health").json()["sparql"]["worker_deaths"] == 1
        assert sparql(http, "ASK { ?s ?p ?o }")[0] == 200
