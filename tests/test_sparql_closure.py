"""SPARQL over the inferred closure, through the API and the ``axlab sparql`` CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from kg import KnowledgeGraph
from pipeline.cli import build_app
from tests.helpers_kg import isolated_cache

runner = CliRunner()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    with isolated_cache(tmp_path_factory.mktemp("cache")) as directory:
        yield directory


@pytest.fixture(scope="module")
def kg(cache_dir) -> KnowledgeGraph:
    return KnowledgeGraph.load()  # "auto", the CLI's default, so the CLI tests reuse this cache


@pytest.fixture(scope="module")
def app(kg):  # the closure is cached by `kg`, so CLI calls do not reason again
    return build_app()


def ask(kg: KnowledgeGraph, pattern: str) -> bool:
    result = kg.query(f"ASK {{ {pattern} }}")
    assert result is not None
    return bool(result.askAnswer)


@pytest.mark.parametrize("place", ["Seoul", "SouthKorea", "Asia"])
def test_solverx_located_in(kg, place):
    assert ask(kg, f"ax:SolverX ax:locatedIn ax:{place}")
    assert ask(kg, f"GRAPH ax:inferred {{ ax:SolverX ax:locatedIn ax:{place} }}")


def test_rnd_center_in_gyeonggi(kg):
    assert ask(kg, "ax:SolverXRnDCenter ax:locatedIn ax:GyeonggiDo")


def test_european_office_in_germany(kg):
    assert ask(kg, "ax:SolverXEuropeOffice ax:locatedIn ax:Germany")
    assert ask(kg, "ax:SolverX ax:hasOfficeIn ax:Germany")


def test_not_asserted_only_inferred(kg):
    assert not ask(kg, "GRAPH ax:asserted { ax:SolverX ax:locatedIn ax:Seoul }")


def test_no_revenue(kg):
    result = kg.query("SELECT ?p ?o WHERE { ?s ?p ?o FILTER(CONTAINS(LCASE(STR(?p)), 'revenue')) }")
    assert result is not None and len(list(result)) == 0


def test_proof_via_sparql(kg):
    query = """
    SELECT ?row WHERE {
      ?st rdf:subject ax:SolverX ; rdf:predicate ax:locatedIn ; rdf:object ax:Seoul ; ax:proof ?list .
      ?list rdf:rest*/rdf:first ?step .
      ?step ax:sourceRow ?row .
    }"""
    result = kg.query(query)
    assert result is not None
    rows = [str(r[0]) for r in result]  # type: ignore[index]
    assert sorted(rows) == sorted(["solverx-headquarters", "gazetteer-SeochoDong", "gazetteer-SeochoGu"])


def test_superclass_membership(kg):
    result = kg.query("SELECT ?x WHERE { ?x a ax:Place }")
    assert result is not None and len(list(result)) == 20


def test_cli_table(app):
    out = runner.invoke(app, ["sparql", "SELECT ?p WHERE { ax:SolverX ax:locatedIn ?p }"])
    assert out.exit_code == 0, out.output
    assert "ax:Asia" in out.stdout and "ax:Seoul" in out.stdout


def test_cli_json_is_w3c(app):
    out = runner.invoke(
        app, ["sparql", "SELECT ?p WHERE { ax:SolverX ax:hasOfficeIn ?p }", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["head"]["vars"] == ["p"]
    values = {b["p"]["value"].rsplit("#", 1)[1] for b in doc["results"]["bindings"]}
    assert {"Germany", "Munich", "SouthKorea"} <= values
    assert all(b["p"]["type"] == "uri" for b in doc["results"]["bindings"])
    ask_out = runner.invoke(app, ["sparql", "ASK { ax:SolverX ax:locatedIn ax:Asia }", "--format", "json"])
    assert json.loads(ask_out.stdout)["boolean"] is True


def test_cli_csv_is_w3c(app):
    out = runner.invoke(app, ["sparql", "SELECT ?o WHERE { ax:SolverX ax:foundedIn ?o }", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.stdout_bytes.startswith(b"o\r\n2019\r\n")  # W3C CSV: CRLF line ends
    assert list(csv.reader(io.StringIO(out.stdout))) == [["o"], ["2019"]]


def test_cli_construct_prints_turtle(app):
    query = "CONSTRUCT { ax:SolverX ax:locatedIn ?p } WHERE { ax:SolverX ax:locatedIn ?p }"
    out = runner.invoke(app, ["sparql", query])
    assert out.exit_code == 0, out.output
    assert "@prefix ax:" in out.stdout and "ax:Asia" in out.stdout


def test_cli_file_and_stdin(app, tmp_path):
    query_file = tmp_path / "q.rq"
    query_file.write_text("ASK { ax:SolverX ax:locatedIn ax:Asia }", encoding="utf-8")
    assert runner.invoke(app, ["sparql", "--file", str(query_file)]).stdout.strip() == "true"
    piped = runner.invoke(app, ["sparql", "-"], input="ASK { ax:SolverX ax:locatedIn ax:Europe }")
    assert piped.stdout.strip() == "false"


def test_cli_syntax_error(app):
    out = runner.invoke(app, ["sparql", "SELEC ?x WHERE { ?x ?y ?z }"])
    assert out.exit_code == 2
    assert out.stderr.count("\n") == 1 and "syntax error" in out.stderr


def test_cli_update_needs_flag(app):
    out = runner.invoke(app, ["sparql", "DELETE WHERE { ?s ax:partOf ?o }"])
    assert out.exit_code == 2
    assert "--update" in out.stderr and out.stderr.count("\n") == 1
    ok = runner.invoke(app, ["sparql", "INSERT DATA { ax:X ax:partOf ax:Asia }", "--update"])
    assert ok.exit_code == 0 and "not saved" in ok.stdout
