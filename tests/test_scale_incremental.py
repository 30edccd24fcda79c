"""Incremental (semi-naive) materialisation checked against a full re-materialisation: in memory on
random splits of the SolverX knowledge and of a synthetic gazetteer, in an Oxigraph store, and
through ``axlab kg add``; plus the per-text embedding cache that embeds only new sentences."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bench.synthetic import synthetic_rows, write_jsonl, write_ntriples
from kg.backends import PROOF_STEPS, StoreGraph, TripleStore, decode_proof
from kg.bulk import load_rdf_file, rows_update
from kg.incremental import (
    DictClosure,
    add_statements,
    asserted_statements_in,
    extend_closure,
    materialize_store,
)
from ontology.justify import closure_with_proofs
from ontology.knowledge import load_knowledge
from ontology.rdf import INFERRED_GRAPH
from ontology.statements import Statement, asserted_statements

REPO = Path(__file__).resolve().parents[1]


def check_against_full(asserted: list[Statement], new: list[Statement]) -> None:
    fresh = set(new)
    base = DictClosure.full([st for st in asserted if st not in fresh])
    delta = extend_closure(base, new)
    base.apply(delta)
    full = DictClosure.full(asserted)
    assert base.asserted == full.asserted
    assert base.inferred.keys() == full.inferred.keys()
    for st, proof in base.inferred.items():
        assert len(proof) == len(full.inferred[st]), st  # a shortest proof, like the full search
        assert set(proof) <= full.asserted
        assert st in closure_with_proofs(proof)  # the proof really entails the statement


@pytest.mark.parametrize("seed", range(6))
def test_incremental_equals_full_on_the_knowledge(seed: int) -> None:
    asserted = list(asserted_statements(load_knowledge()))
    new = random.Random(seed).sample(asserted, len(asserted) // (3 + seed))
    check_against_full(asserted, new)


@pytest.mark.parametrize("seed", range(3))
def test_incremental_equals_full_on_a_gazetteer(tmp_path: Path, seed: int) -> None:
    knowledge = load_knowledge(write_jsonl(synthetic_rows(1500), tmp_path / "k.jsonl"))
    asserted = list(asserted_statements(knowledge))
    rng = random.Random(seed)
    check_against_full(asserted, rng.sample(asserted, 25))  # a few new facts
    check_against_full(asserted, rng.sample(asserted, len(asserted) // 3))  # many


def test_new_fact_only_derives_its_consequences() -> None:
    asserted = list(asserted_statements(load_knowledge()))
    closure = DictClosure.full(asserted)
    delta = extend_closure(closure, [Statement("SolverXMesh", "partOf", "SolverXFusion")])
    # nothing about an unrelated chain is re-derived: only the new statement's consequences
    assert all(st.s in ("SolverXMesh", "SolverXFusion") for st in delta.inferred)
    again = extend_closure(closure, [asserted[5]])  # already asserted: nothing to do
    assert not again.asserted and not again.inferred


def store_inferred(store: TripleStore) -> dict[Statement, int]:
    graph = StoreGraph(store)
    out: dict[Statement, int] = {}
    for s, p, o in store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"):
        from kg.backends import node_statement

        st = node_statement(s, p, o)  # type: ignore[arg-type]
        assert st is not None
        out[st] = 0
    from ontology.owl import statement_node

    for st in out:
        rows = store.select(
            f"SELECT ?j WHERE {{ GRAPH ax:provenance {{ <{statement_node(st)}> <{PROOF_STEPS}> ?j }} }}"
        )
        assert len(rows) == 1, st  # exactly one proof per inferred statement
        out[st] = len(decode_proof(str(rows[0][0])))
    assert graph is not None
    return out


def test_store_add_equals_full_rematerialisation(tmp_path: Path) -> None:
    rows = synthetic_rows(800)
    rng = random.Random(7)
    late = set(rng.sample(range(len(rows)), 40))
    base_rows = [r for i, r in enumerate(rows) if i not in late and r.get("kind") != "fact"]
    base_rows += [r for i, r in enumerate(rows) if i not in late and r.get("kind") == "fact"]
    late_rows = [r for i, r in enumerate(rows) if i in late]
    # entities first: a late fact may reference a late entity
    write_ntriples(base_rows, tmp_path / "base.nt")
    incremental = TripleStore.open("oxigraph", str(tmp_path / "inc"))
    load_rdf_file(incremental, tmp_path / "base.nt")
    materialize_store(incremental)
    known = StoreGraph(incremental).entities
    update = rows_update(write_jsonl(late_rows, tmp_path / "late.jsonl"), known)
    delta = add_statements(incremental, update.statements, update.quads)
    assert delta.asserted

    write_ntriples(rows, tmp_path / "all.nt")
    full = TripleStore.open("oxigraph", str(tmp_path / "full"))
    load_rdf_file(full, tmp_path / "all.nt")
    materialize_store(full)
    assert set(asserted_statements_in(incremental)) == set(asserted_statements_in(full))
    assert store_inferred(incremental) == store_inferred(full)  # same statements, same proof sizes


def test_axlab_kg_add_and_incremental_embeddings(tmp_path: Path) -> None:
    env = {**os.environ, "AXLAB_CACHE": str(tmp_path / "cache")}
    db = str(tmp_path / "db")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
            cwd=REPO,
        )

    loaded = cli(
        "kg",
        "load",
        str(REPO / "data" / "solverx" / "knowledge.jsonl"),
        "--store",
        "oxigraph",
        "--store-location",
        db,
        "--engine",
        "owlrl",
    )
    assert loaded.returncode == 0, loaded.stderr
    rows = tmp_path / "tokyo.jsonl"
    rows.write_text(
        '{"id": "e-TokyoOffice", "kind": "entity", "entity": {"id": "TokyoOffice", "class": "Office", '
        '"label": {"en": "Tokyo office", "ko": "도쿄 사무소"}}}\n'
        '{"id": "g-Tokyo", "kind": "gazetteer", "entity": {"id": "Tokyo", "class": "City", "label": '
        '{"en": "Tokyo", "ko": "도쿄"}}, "text": {"en": "Tokyo is in Japan.", "ko": "도쿄는 일본에 있다."}, '
        '"triples": [{"s": "Tokyo", "p": "partOf", "o": "Japan"}]}\n'
        '{"id": "g-Japan", "kind": "gazetteer", "entity": {"id": "Japan", "class": "Country", "label": '
        '{"en": "Japan", "ko": "일본"}}, "text": {"en": "Japan is in Asia.", "ko": "일본은 아시아에 있다."}, '
        '"triples": [{"s": "Japan", "p": "partOf", "o": "Asia"}]}\n'
        '{"id": "solverx-tokyo", "kind": "fact", "text": {"en": "SolverX has an office in Tokyo.", '
        '"ko": "솔버엑스는 도쿄에 사무소가 있다."}, "triples": [{"s": "SolverX", "p": "hasOffice", "o": '
        '"TokyoOffice"}, {"s": "TokyoOffice", "p": "locatedIn", "o": "Tokyo"}]}\n',
        encoding="utf-8",
    )
    added = cli("kg", "add", str(rows), "--store", "oxigraph", "--store-location", db, "--no-embed")
    assert added.returncode == 0, added.stderr
    assert "added 7 asserted statements from 4 rows" in added.stdout
    query = "SELECT ?p WHERE { ax:SolverX ax:hasOfficeIn ?p . ?p a ax:Country }"
    out = cli("sparql", query, "--format", "csv", "--store", "oxigraph", "--store-location", db)
    assert out.returncode == 0, out.stderr
    assert sorted(line.rsplit("#", 1)[-1] for line in out.stdout.split()[1:]) == [
        "Germany",
        "Japan",
        "SouthKorea",
        "UnitedStates",
    ]
    again = cli("kg", "add", str(rows), "--store", "oxigraph", "--store-location", db)
    assert again.returncode != 0 and "already exists" in again.stderr and "Traceback" not in again.stderr
    memory = cli("kg", "add", str(rows), "--store", "memory")
    assert memory.returncode != 0 and "persistent store" in memory.stderr


@pytest.mark.model
def test_text_embeddings_encode_only_new_sentences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retriever import embedding

    monkeypatch.setenv("AXLAB_CACHE", str(tmp_path))
    embedding.clear_memory_cache()
    embedding.STATS.reset()
    embedder = embedding.Embedder()
    first = embedding.text_embeddings(embedder, ["SolverX is in Seoul.", "Seoul is in South Korea."])
    assert embedding.STATS.fact_texts_encoded == 2
    embedding.clear_memory_cache()  # a new process: the shards on disk serve
    both = embedding.text_embeddings(
        embedder, ["Seoul is in South Korea.", "Tokyo is in Japan.", "SolverX is in Seoul."]
    )
    assert embedding.STATS.fact_texts_encoded == 3  # only "Tokyo is in Japan." was new
    assert (both[0] == first[1]).all() and (both[2] == first[0]).all()
    # the whole-set cache of the in-memory retriever falls back on the per-text one
    embedding.STATS.reset()
    embedding.fact_embeddings(embedder, ["Tokyo is in Japan.", "A new sentence."])
    assert embedding.STATS.fact_texts_encoded == 1
