"""Bulk loading into Oxigraph: formats, idempotent re-loads, and a load killed with SIGKILL mid-way
that reopens consistent and completes on a re-run without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.synthetic import rows_for_triples, synthetic_rows, write_ntriples
from kg.backends import StoreGraph, TripleStore
from kg.bulk import line_chunks, load_rdf_file
from kg.errors import KGError
from ontology.rdf import ASSERTED_GRAPH

REPO = Path(__file__).resolve().parents[1]


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def test_line_chunks_end_on_line_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "x.nt"
    write_ntriples(synthetic_rows(300), path)
    chunks = list(line_chunks(path, chunk_bytes=1000))
    assert len(chunks) > 5 and all(c.endswith(b"\n") for c in chunks)
    assert b"".join(chunks) == path.read_bytes()


def test_formats_and_idempotent_reload(tmp_path: Path) -> None:
    nt = tmp_path / "g.nt"
    expected = write_ntriples(synthetic_rows(400), nt)
    store = TripleStore.open("oxigraph", str(tmp_path / "db"))
    seen: list[tuple[int, int]] = []
    report = load_rdf_file(store, nt, progress=lambda done, sent: seen.append((done, sent)), chunk_bytes=4096)
    assert report.triples_sent == expected and store.count(ASSERTED_GRAPH) == expected
    assert len(seen) > 3 and seen[-1] == (nt.stat().st_size, expected)  # progress per chunk
    load_rdf_file(store, nt)  # RDF set semantics: loading twice adds nothing
    assert store.count(ASSERTED_GRAPH) == expected
    # Turtle goes through Oxigraph's bulk loader in one call, into the same graph: still no duplicates
    from rdflib import Graph

    ttl = tmp_path / "g.ttl"
    Graph().parse(nt, format="nt").serialize(ttl, format="turtle")
    load_rdf_file(store, ttl)
    assert store.count(ASSERTED_GRAPH) == expected
    assert StoreGraph(store).entities["P5"].class_ == "Country"
    (tmp_path / "x.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(KGError, match="unknown RDF format"):
        load_rdf_file(store, tmp_path / "x.csv")
    bad = tmp_path / "bad.nt"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(KGError):
        load_rdf_file(store, bad)


def test_sigkill_mid_load_reopens_consistent_and_rerun_completes(tmp_path: Path) -> None:
    nt = tmp_path / "big.nt"
    expected = write_ntriples(rows_for_triples(400_000), nt)
    db = tmp_path / "db"
    command = [sys.executable, "-m", "pipeline", "kg", "load", str(nt), "--store", "oxigraph"]
    command += ["--store-location", str(db), "--no-reason"]
    env = {**os.environ, "AXLAB_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start_size = 0
    deadline = time.monotonic() + 60
    killed_mid_way = False
    while time.monotonic() < deadline and proc.poll() is None:
        size = dir_bytes(db)
        if start_size == 0 and size:
            start_size = size  # the empty database's files
        if start_size and size > start_size + 2_000_000:  # at least one chunk is in
            proc.send_signal(signal.SIGKILL)
            killed_mid_way = True
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    if not killed_mid_way:
        pytest.skip("the load finished before it could be killed (machine too fast for this file)")
    assert proc.returncode == -signal.SIGKILL

    store = TripleStore.open("oxigraph", str(db))  # reopens: RocksDB recovers its log
    partial = store.count(ASSERTED_GRAPH)
    assert 0 <= partial < expected
    assert store.ask("ASK { GRAPH ax:asserted { ?s ?p ?o } }") == (partial > 0)
    store.close()

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert rerun.returncode == 0, rerun.stderr
    store = TripleStore.open("oxigraph", str(db))
    assert store.count(ASSERTED_GRAPH) == expected  # every triple once: no duplicates, none missing
