"""``KnowledgeGraph.query`` safety and errors: external access refused (API and CLI), one parse
per text (cached), evaluation errors told apart from syntax errors, results materialised."""

from __future__ import annotations

import threading

import pytest
from typer.testing import CliRunner

import kg.sparql as kg_sparql
from kg import KnowledgeGraph
from kg.errors import ExternalAccessError, ReadOnlyError, SparqlEvaluationError, SparqlSyntaxError
from pipeline.cli import build_app
from tests.helpers_kg import isolated_cache

runner = CliRunner()

EXTERNAL_QUERIES = {
    "from": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "from_named": "SELECT * FROM NAMED <http://127.0.0.1:9/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "service": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "service_silent_optional": "SELECT * WHERE { ?s a ax:Company OPTIONAL { SERVICE SILENT ?x { ?s ?p ?o } } }",
    "service_in_exists": "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "service_escaped": "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "describe_from": "DESCRIBE ax:SolverX FROM <http://127.0.0.1:9/g>",
}
EXTERNAL_UPDATES = {
    "load": "LOAD <file:///etc/passwd>",
    "load_into": "LOAD SILENT <http://127.0.0.1:9/x.ttl> INTO GRAPH ax:asserted",
    "using": "DELETE { ?s ?p ?o } USING <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }",
    "using_named": "INSERT { ?s ?p ?o } USING NAMED <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "service_in_where": "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
}
BAD_REGEX = 'SELECT ?o WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "[")) }'


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    with isolated_cache(tmp_path_factory.mktemp("cache")) as directory:
        yield directory


@pytest.fixture(scope="module")
def kg(cache_dir) -> KnowledgeGraph:
    return KnowledgeGraph.load(engine="owlrl")


@pytest.fixture(scope="module")
def app(kg):  # the closure is cached by `kg`: CLI calls (with --engine owlrl) do not reason again
    return build_app()


def cli(app, *args: str):
    return runner.invoke(app, ["sparql", "--engine", "owlrl", *args])


def assert_one_line(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error:"), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr


# --------------------------------------------------------------------------- external access
@pytest.mark.parametrize("name", list(EXTERNAL_QUERIES))
def test_api_refuses_external_queries(kg, name):
    with pytest.raises(ExternalAccessError) as caught:
        kg.query(EXTERNAL_QUERIES[name])
    message = str(caught.value)
    assert "\n" not in message and "not allowed" in message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("name", list(EXTERNAL_UPDATES))
def test_api_refuses_external_updates(kg, name):
    before = len(kg)
    with pytest.raises(ExternalAccessError):
        kg.query(EXTERNAL_UPDATES[name], update=True)
    assert len(kg) == before
    with pytest.raises(ReadOnlyError):  # the read-only rule still comes first
        kg.query(EXTERNAL_UPDATES[name])


def test_refusal_names_the_clause(kg):
    for text, word in (
        (EXTERNAL_QUERIES["from"], "FROM"),
        (EXTERNAL_QUERIES["service"], "SERVICE"),
        (EXTERNAL_UPDATES["load"], "LOAD"),
        (EXTERNAL_UPDATES["using"], "USING"),
    ):
        with pytest.raises(ExternalAccessError, match=word):
            kg.query(text, update=True)


def test_keywords_in_strings_and_iris_are_not_refused(kg):
    result = kg.query('ASK { ?s ?p ?o FILTER(?o != "SERVICE FROM LOAD USING") } # FROM <x>')
    assert result is not None and result.askAnswer
    result = kg.query("SELECT * WHERE { <http://x/SERVICE> <http://x/FROM> ?o }")
    assert result is not None and list(result) == []


def test_opt_in_reads_the_local_file(tmp_path):
    """``allow_external=True`` really lets rdflib read the file: what the default refuses."""
    data = tmp_path / "outside.ttl"
    data.write_text("<urn:x:secret> <urn:x:is> 'outside' .\n", encoding="utf-8")
    graph = KnowledgeGraph.load(engine="owlrl")  # a fresh graph: LOAD changes it
    query = f"SELECT ?o FROM <{data.as_uri()}> WHERE {{ <urn:x:secret> <urn:x:is> ?o }}"
    with pytest.raises(ExternalAccessError):
        graph.query(query)
    result = graph.query(query, allow_external=True)
    assert result is not None and [str(row[0]) for row in result] == ["outside"]  # type: ignore[index]
    load = f"LOAD <{data.as_uri()}> INTO GRAPH <urn:x:g>"
    with pytest.raises(ExternalAccessError):
        graph.query(load, update=True)
    assert graph.query(load, update=True, allow_external=True) is None
    ask = graph.query("ASK { GRAPH <urn:x:g> { <urn:x:secret> <urn:x:is> 'outside' } }")
    assert ask is not None and ask.askAnswer


@pytest.mark.parametrize("name", ["from", "from_named", "service", "service_escaped", "describe_from"])
def test_cli_refuses_external_queries(app, name):
    assert_one_line(cli(app, EXTERNAL_QUERIES[name]), 2, "not allowed", "--allow-external")


@pytest.mark.parametrize("name", ["load", "using", "service_in_where"])
def test_cli_refuses_external_updates(app, name):
    assert_one_line(cli(app, "--update", EXTERNAL_UPDATES[name]), 2, "not allowed", "--allow-external")


def test_cli_refusal_comes_before_loading(app, tmp_path):
    missing = tmp_path / "no-such-knowledge.jsonl"
    out = cli(app, "--knowledge", str(missing), EXTERNAL_QUERIES["service"])
    assert_one_line(out, 2, "SERVICE")


def test_cli_allow_external(app, tmp_path):
    data = tmp_path / "outside.ttl"
    data.write_text("<urn:x:secret> <urn:x:is> 'outside' .\n", encoding="utf-8")
    query = f"ASK FROM <{data.as_uri()}> WHERE {{ <urn:x:secret> <urn:x:is> 'outside' }}"
    assert cli(app, query).exit_code == 2
    out = cli(app, "--allow-external", query)
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == "true"


# ------------------------------------------------------------------------------------ errors
def test_evaluation_error_is_not_a_syntax_error(kg):
    for text in (BAD_REGEX, 'ASK { ?s ?p ?o FILTER(REGEX(STR(?o), "(")) }'):
        with pytest.raises(SparqlEvaluationError) as caught:
            kg.query(text)
        assert not isinstance(caught.value, SparqlSyntaxError)
        message = str(caught.value)
        assert "\n" not in message and "could not be evaluated" in message
        assert "unterminated" in message  # the cause, from Python's re
    with pytest.raises(SparqlSyntaxError):
        kg.query("SELEC ?x WHERE { ?x ?y ?z }")
    with pytest.raises(SparqlSyntaxError, match="prefix"):  # static errors are syntax errors
        kg.query("SELECT * WHERE { nope:x ?p ?o }")


def test_update_evaluation_error(kg):
    before = len(kg)
    with pytest.raises(SparqlEvaluationError, match="update could not be evaluated"):
        kg.query('DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "[")) }', update=True)
    assert len(kg) == before


def test_cli_evaluation_error_is_one_line(app):
    assert_one_line(cli(app, BAD_REGEX), 1, "could not be evaluated", "unterminated")
    assert_one_line(cli(app, BAD_REGEX, "--format", "json"), 1, "could not be evaluated")


def test_select_is_materialised_inside_the_wrapper(kg, monkeypatch):
    """Iterating a returned result runs no SPARQL evaluation (so it cannot raise rdflib errors)."""
    import rdflib.plugins.sparql.evaluate as evaluate

    result = kg.query("SELECT ?p ?o WHERE { ax:SolverX ?p ?o }")
    assert result is not None

    def boom(*args, **kwargs):
        raise AssertionError("evaluated while iterating")

    monkeypatch.setattr(evaluate, "evalPart", boom)
    monkeypatch.setattr(evaluate, "evalBGP", boom)
    rows = list(result)
    assert len(rows) > 5


# -------------------------------------------------------------------------------- parse once
def test_each_text_is_parsed_once(kg, monkeypatch):
    calls: list[str] = []
    real = kg_sparql._parse

    def counting(text: str):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(kg_sparql, "_parse", counting)
    text = "SELECT ?p WHERE { ax:SolverX ax:locatedIn ?p } # parse-once"
    assert kg_sparql.kind_of(text) == "query"  # what the CLI does first
    first = sorted(str(row[0]) for row in kg.query(text))
    second = sorted(str(row[0]) for row in kg.query(text))
    assert first == second and len(first) >= 4
    assert calls == [text]


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(kg_sparql, "CACHE_SIZE", 8)
    texts = [f"ASK {{ ?s ?p {n} }}" for n in range(12)]
    for text in texts:
        kg_sparql.prepare(text)
    assert len(kg_sparql._cache) == 8
    assert texts[-1] in kg_sparql._cache and texts[0] not in kg_sparql._cache


def test_concurrent_runs_of_one_cached_query_agree(kg):
    """rdflib keeps evaluation state in the algebra: concurrent runs must not share it."""
    text = "SELECT ?s ?o WHERE { ?s ax:locatedIn ?o FILTER(STRSTARTS(STR(?o), STR(ax:))) }"
    expected = sorted(map(tuple, kg.query(text)))
    outcomes: list[object] = []

    def work() -> None:
        try:
            for _ in range(5):
                outcomes.append(sorted(map(tuple, kg.query(text))) == expected)
        except Exception as exc:  # pragma: no cover - reported below
            outcomes.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [True] * 20


@pytest.mark.parametrize("text", ["#!", "# only a comment\n", "  # a\n# b"])
def test_comment_only_text_is_a_syntax_error(text):
    """rdflib parses comments alone as an empty update; that is bad input, not an internal error."""
    with pytest.raises(SparqlSyntaxError, match="no operation"):
        kg_sparql.prepare(text)
