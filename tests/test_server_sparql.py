"""The SPARQL 1.1 endpoint, through real SPARQL clients against a real server on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from pipeline.server import ServerSettings
from pipeline.server.testing import ScriptedAnswerer, ServerThread, serve_double

TOKEN = "s3cret-update-token"
AX = "https://axlab.dev/ontology/solverx#"
PREFIX = f"PREFIX ax: <{AX}>\n"
FOUNDED = PREFIX + "SELECT ?year WHERE { ax:SolverX ax:foundedIn ?year }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# a triple cross product over ~2.5k triples: never finishes in time
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    settings = ServerSettings(update_token=TOKEN, query_timeout=1.5, max_results=500)
    with serve_double(ScriptedAnswerer(), settings) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def count_triples(client: httpx.Client) -> int:
    response = client.get(
        "/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# ------------------------------------------------------------------------- real clients
def test_sparqlwrapper_json_and_xml(server: ServerThread) -> None:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(FOUNDED)
    sparql.setReturnFormat(JSON)
    data = sparql.queryAndConvert()
    assert [b["year"]["value"] for b in data["results"]["bindings"]] == ["2019"]

    sparql.setReturnFormat(XML)
    document = sparql.queryAndConvert()  # an xml.dom.minidom Document
    assert [node.firstChild.data for node in document.getElementsByTagName("literal")] == ["2019"]

    sparql.setMethod("POST")
    sparql.setReturnFormat(JSON)
    assert sparql.queryAndConvert()["results"]["bindings"][0]["year"]["value"] == "2019"


def test_sparqlwrapper_reports_syntax_error(server: ServerThread) -> None:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery("SELEC ?x WHERE { ?x ?y ?z }")
    sparql.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed) as excinfo:
        sparql.queryAndConvert()
    assert "SELEC" in str(excinfo.value)  # the parser's own message comes through


def test_rdflib_sparqlstore(server: ServerThread) -> None:
    graph = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="json"))
    rows = list(graph.query(FOUNDED))
    assert [str(row[0]) for row in rows] == ["2019"]
    assert graph.query(PREFIX + "ASK { ax:SolverX ax:foundedIn ?y }").askAnswer is True
    # triple-pattern access, as any rdflib tool would use a remote graph
    objects = set(graph.objects(URIRef(AX + "SolverX"), URIRef(AX + "foundedIn")))
    assert {str(o) for o in objects} == {"2019"}

    # rdflib's default: SPARQL XML results, and RDF/XML for graphs
    xml_graph = Graph(store=SPARQLStore(server.url + "/sparql", method="POST"))
    assert [str(row[0]) for row in xml_graph.query(FOUNDED)] == ["2019"]
    construct = PREFIX + "CONSTRUCT { ax:SolverX ax:foundedIn ?y } WHERE { ax:SolverX ax:foundedIn ?y }"
    constructed = xml_graph.query(construct)
    assert constructed.graph is not None
    assert {str(o) for o in constructed.graph.objects()} == {"2019"}


# -------------------------------------------------------------------- the protocol itself
@pytest.mark.parametrize(
    ("accept", "media", "needle"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", '"2019"'),
        ("application/sparql-results+xml", "application/sparql-results+xml", ">2019</literal>"),
        ("text/csv", "text/csv", "year\r\n2019"),
        ("text/tab-separated-values", "text/tab-separated-values", '?year\n"2019"^^<'),
        ("*/*", "application/sparql-results+json", '"2019"'),
        ("text/html;q=0.9, text/csv;q=0.5", "text/csv", "2019"),
    ],
)
def test_select_content_negotiation(client: httpx.Client, accept: str, media: str, needle: str) -> None:
    response = client.get("/sparql", params={"query": FOUNDED}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    assert needle in response.text


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_construct_content_negotiation(client: httpx.Client, accept: str, media: str, fmt: str) -> None:
    query = PREFIX + "CONSTRUCT { ax:SolverX ax:foundedIn ?y } WHERE { ax:SolverX ax:foundedIn ?y }"
    response = client.post(
        "/sparql", content=query, headers={"Content-Type": "application/sparql-query", "Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    graph = Graph().parse(data=response.content, format=fmt)
    assert {str(o) for o in graph.objects()} == {"2019"}


def test_three_ways_to_send_a_query(client: httpx.Client) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = client.get("/sparql", params={"query": FOUNDED}, headers=accept)
    by_form = client.post("/sparql", data={"query": FOUNDED}, headers=accept)
    by_body = client.post(
        "/sparql", content=FOUNDED.encode(), headers={**accept, "Content-Type": "application/sparql-query"}
    )
    assert by_get.json() == by_form.json() == by_body.json()


def test_ask_and_describe(client: httpx.Client) -> None:
    ask = client.post("/sparql", data={"query": PREFIX + "ASK { ax:SolverX ax:foundedIn 2020 }"})
    assert ask.json() == {"head": {}, "boolean": False}
    csv = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert csv.text.splitlines() == ["_askResult", "true"]
    describe = client.get("/sparql", params={"query": PREFIX + "DESCRIBE ax:Bavaria"})
    assert describe.status_code == 200, describe.text
    assert describe.headers["content-type"].startswith("text/turtle")
    assert Graph().parse(data=describe.text, format="turtle")


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"query": "SELEC * WHERE {}"}, 400, "SELEC"),
        ({}, 400, "missing SPARQL query"),
        ({"query": "   "}, 400, "missing SPARQL query"),
        ({"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"}, 403, "SERVICE"),
        ({"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}, 403, "FROM"),
        ({"query": "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, 403, "SERVICE"),
        ({"query": FOUNDED, "default-graph-uri": "http://example.org/g"}, 400, "default-graph-uri"),
    ],
)
def test_bad_queries_are_4xx_with_a_message(
    client: httpx.Client, params: dict[str, str], status: int, message: str
) -> None:
    response = client.get("/sparql", params=params)
    assert response.status_code == status, response.text
    assert message in response.text


def test_not_acceptable_and_unsupported_media(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": FOUNDED}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    response = client.post("/sparql", content=FOUNDED, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


# ------------------------------------------------------------------------------- limits
def test_result_size_limit(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 413
    assert "more than 500 rows" in response.text and "--max-results" in response.text
    construct = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert construct.status_code == 413
    assert "more than 500 triples" in construct.text
    limited = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"})
    assert limited.status_code == 200


def test_query_timeout_is_503_and_stops_the_query(client: httpx.Client) -> None:
    started = time.monotonic()
    response = client.get("/sparql", params={"query": RUNAWAY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "time limit of 1.5 s" in response.text
    assert elapsed < 5
    # the worker thread was interrupted, not left running
    deadline = time.monotonic() + 5
    while client.get("/health").json()["sparql"]["running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    stats = client.get("/health").json()["sparql"]
    assert stats["running"] == 0 and stats["interrupted"] >= 1
    assert client.get("/sparql", params={"query": FOUNDED}).status_code == 200


def test_interrupted_queries_leave_no_lock_behind(client: httpx.Client) -> None:
    # several runaway queries at once, all interrupted; then an update (which needs the
    # write lock, so no reader may have leaked) and a query both go through
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: client.get("/sparql", params={"query": RUNAWAY}), range(3)))
    assert [r.status_code for r in responses] == [503, 503, 503]
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    noop = PREFIX + "DELETE DATA { ax:SolverX ax:motto 'never there' }"
    started = time.monotonic()
    assert client.post("/sparql/update", content=noop, headers=auth).status_code == 200
    assert time.monotonic() - started < 5
    assert client.get("/sparql", params={"query": FOUNDED}).status_code == 200


# ------------------------------------------------------------------------------ updates
INSERT = PREFIX + 'INSERT DATA { ax:SolverX ax:motto "test motto" }'


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/sparql", {"data": {"update": INSERT}}),
        ("/sparql", {"data": {"query": INSERT}}),
        ("/sparql", {"content": INSERT, "headers": {"Content-Type": "application/sparql-update"}}),
        ("/sparql", {"content": INSERT, "headers": {"Content-Type": "application/sparql-query"}}),
        ("/sparql/update", {"data": {"update": INSERT}}),
        ("/sparql/update", {"data": {"update": INSERT}, "headers": {"Authorization": "Bearer wrong"}}),
        ("/sparql/update", {"data": {"update": INSERT}, "headers": {"Authorization": f"Basic {TOKEN}"}}),
        ("/sparql/update", {"content": INSERT, "headers": {"Content-Type": "application/sparql-update"}}),
    ],
)
def test_update_without_the_token_is_refused_and_changes_nothing(
    client: httpx.Client, path: str, kwargs: dict[str, object]
) -> None:
    before = count_triples(client)
    response = client.post(path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code in (401, 403), response.text
    if response.status_code == 401:
        assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert count_triples(client) == before
    motto = client.get("/sparql", params={"query": PREFIX + "ASK { ?s ax:motto ?m }"}).json()
    assert motto["boolean"] is False


def test_get_with_update_parameter_is_refused(client: httpx.Client) -> None:
    before = count_triples(client)
    response = client.get("/sparql", params={"update": INSERT})
    assert response.status_code == 403
    assert count_triples(client) == before


def test_update_with_the_token(client: httpx.Client) -> None:
    before = count_triples(client)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    response = client.post(
        "/sparql/update", content=INSERT, headers={**auth, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 200, response.text
    assert count_triples(client) == before + 1
    assert client.get("/health").json()["triples"] == response.json()["triples"]
    # form encoding works too; LOAD and queries are refused even with the token
    delete = PREFIX + 'DELETE DATA { ax:SolverX ax:motto "test motto" }'
    assert client.post("/sparql/update", data={"update": delete}, headers=auth).status_code == 200
    assert count_triples(client) == before
    load = client.post("/sparql/update", data={"update": "LOAD <file:///etc/passwd>"}, headers=auth)
    assert load.status_code == 403 and "LOAD" in load.text
    query = client.post("/sparql/update", data={"update": FOUNDED}, headers=auth)
    assert query.status_code == 400 and "/sparql" in query.text
    assert count_triples(client) == before


def test_updates_disabled_without_a_configured_token() -> None:
    with serve_double(ScriptedAnswerer()) as running, httpx.Client(base_url=running.url) as http:
        response = http.post(
            "/sparql/update",
            content=INSERT,
            headers={"Authorization": "Bearer anything", "Content-Type": "application/sparql-update"},
        )
        assert response.status_code == 404
        assert "--update-token" in response.text
        assert http.get("/health").json()["updates_enabled"] is False
