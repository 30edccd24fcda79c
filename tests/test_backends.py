"""Store back-ends with real engines: rdflib in memory, Oxigraph on disk, and an Oxigraph server
(the ``oxigraph`` CLI from PyPI) on loopback reached as a SPARQL 1.1 endpoint."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg import KnowledgeGraph
from kg.backends import StoreGraph, TripleStore, endpoints, store_config
from kg.bulk import load_knowledge_into
from kg.errors import KGError
from tests.helpers_kg import isolated_cache

QUESTION = "Which country is SolverX in?"
TOP = ("SolverX", "locatedIn", "SouthKorea")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_cli() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).is_file():
        pytest.skip("the oxigraph server CLI (pip install oxigraph) is not installed")
    return found


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with isolated_cache(tmp_path_factory.mktemp("axlab-cache")) as directory:
        yield directory


@pytest.fixture(scope="module")
def reference(cache: Path) -> KnowledgeGraph:
    return KnowledgeGraph.load(engine="owlrl")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oxigraph serve`` on 127.0.0.1, killed at teardown."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    proc = subprocess.Popen(
        [
            oxigraph_cli(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(
                    f"oxigraph serve exited: {proc.stderr.read().decode()[:300] if proc.stderr else ''}"
                )
            try:
                httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("oxigraph serve did not start within 20 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def disk_dir(tmp_path_factory: pytest.TempPathFactory, reference: KnowledgeGraph) -> Path:
    location = tmp_path_factory.mktemp("oxigraph-disk") / "db"
    store = TripleStore.open("oxigraph", str(location))
    load_knowledge_into(store, engine="owlrl")
    store.close()
    return location


@pytest.fixture(scope="module")
def stores(reference: KnowledgeGraph, disk_dir: Path, server: str) -> dict[str, StoreGraph]:
    memory = TripleStore.open("memory")
    load_knowledge_into(memory, engine="owlrl")
    remote = TripleStore.open("sparql", server)
    load_knowledge_into(remote, engine="owlrl")
    # the disk store is reopened: what was written by one process is read by another
    return {
        "memory": StoreGraph(memory),
        "oxigraph": StoreGraph(TripleStore.open("oxigraph", str(disk_dir))),
        "remote": StoreGraph(TripleStore.open("sparql", server)),
    }


def fact_rows(facts: list) -> list[tuple]:
    return sorted((f.key, f.inferred, tuple(s.key for s in f.proof), f.source_rows) for f in facts)


@pytest.mark.parametrize("backend", ["memory", "oxigraph", "remote"])
def test_every_backend_holds_the_same_facts_and_proofs(
    backend: str, stores: dict[str, StoreGraph], reference: KnowledgeGraph
) -> None:
    graph = stores[backend]
    assert len(graph) == len(reference)
    assert graph.entities.keys() == reference.entities.keys()
    assert graph.entities["SeochoDong"].class_ == "Neighborhood"
    assert fact_rows(graph.facts()) == fact_rows(reference.facts())
    assert fact_rows(graph.facts_about("SolverX")) == fact_rows(reference.facts_about("SolverX"))
    country = next(f for f in graph.facts_about("SolverX") if f.key == TOP)
    assert country.inferred and next(s.key for s in country.proof) == ("SolverX", "locatedIn", "SeochoDong")


@pytest.mark.model
def test_retriever_gives_the_same_top_fact_on_every_backend(
    stores: dict[str, StoreGraph], reference: KnowledgeGraph
) -> None:
    from retriever import Retriever
    from retriever.scale import StoreRetriever

    expected = [sf.fact.key for sf in Retriever(reference).retrieve(QUESTION).facts]
    assert expected[0] == TOP
    for name, graph in stores.items():
        got = [sf.fact.key for sf in Retriever(graph).retrieve(QUESTION).facts]
        assert got == expected, name
    lazy = StoreRetriever(stores["remote"]).retrieve(QUESTION)
    assert lazy.facts[0].fact.key == TOP and lazy.timings_ms["store_ms"] > 0


def test_sparql_against_the_server_and_the_disk_store(stores: dict[str, StoreGraph]) -> None:
    query = "SELECT ?c WHERE { ax:SolverX ax:locatedIn ?c . ?c a ax:Country }"
    for name in ("oxigraph", "remote"):
        rows = stores[name].select(query)
        assert [str(r[0]).rsplit("#", 1)[1] for r in rows] == ["SouthKorea"], name
    path = "SELECT (COUNT(?p) AS ?n) WHERE { ax:SeochoDong ax:partOf+ ?p }"
    assert int(str(stores["remote"].select(path)[0][0])) == 4  # gu, Seoul, Korea, Asia


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_axlab_sparql_on_configured_stores(server: str, stores: dict[str, StoreGraph]) -> None:
    query = "SELECT ?c WHERE { ax:SolverX ax:locatedIn ?c . ?c a ax:Country }"
    out = run_cli(
        "sparql", query, "--format", "csv", env={"AXLAB_STORE": "sparql", "AXLAB_STORE_LOCATION": server}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].endswith("#SouthKorea")
    down = run_cli(
        "sparql", query, "--store", "sparql", "--store-location", f"http://127.0.0.1:{free_port()}"
    )
    assert down.returncode != 0
    assert "cannot reach the SPARQL endpoint" in down.stderr and "Traceback" not in down.stderr


def test_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AXLAB_STORE", raising=False)
    monkeypatch.delenv("AXLAB_STORE_LOCATION", raising=False)
    assert store_config().kind == "memory"
    monkeypatch.setenv("AXLAB_STORE", "oxigraph")
    monkeypatch.setenv("AXLAB_STORE_LOCATION", "/tmp/x")
    assert store_config() == store_config("oxigraph", "/tmp/x")
    assert store_config("memory").kind == "memory"  # an explicit option wins
    with pytest.raises(KGError, match="unknown store"):
        store_config("postgres")
    monkeypatch.delenv("AXLAB_STORE_LOCATION")
    with pytest.raises(KGError, match="endpoint URL"):
        store_config("sparql")
    assert endpoints("http://h:7878") == ("http://h:7878/query", "http://h:7878/update")
    assert endpoints("http://h/ds/sparql") == ("http://h/ds/sparql", "http://h/ds/sparql")
    assert endpoints("http://h/q http://h/u") == ("http://h/q", "http://h/u")
