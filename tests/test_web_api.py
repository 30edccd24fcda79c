"""The page's own endpoints (``/``, ``/ui/...``) on a real server over the real graph, with the
scripted answerer (no model): assets, config, entity search and pages, the evaluation report."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg import KnowledgeGraph
from ontology.paths import REPO_ROOT
from pipeline.server.testing import ScriptedAnswerer, ServerThread, serve_double
from pipeline.server.web.reports import ReportError, load_report
from pipeline.server.web.router import STATIC_DIR
from pipeline.standard_questions import compare_questions
from pipeline.types import MODES
from tests.helpers_kg import variant

WEB_DIR = STATIC_DIR.parent


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture(scope="module")
def server(kg: KnowledgeGraph) -> Iterator[ServerThread]:
    with serve_double(ScriptedAnswerer(), kg_factory=lambda: kg) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


# ------------------------------------------------------------------------------ the page
def test_index_and_its_assets_are_served_from_the_package(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    referenced = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
    assert "/ui/static/app.js" in referenced and "/ui/static/style.css" in referenced
    for url in referenced:
        asset = client.get(url)
        assert asset.status_code == 200, url
    modules = {p.name for p in STATIC_DIR.glob("*.js")}
    for name in modules:  # every module is served as JavaScript, every import resolves to one
        asset = client.get(f"/ui/static/{name}")
        assert asset.headers["content-type"].startswith("text/javascript")
        for imported in re.findall(r'from "\./([^"]+)"', asset.text):
            assert imported in modules, f"{name} imports {imported}"


def test_nothing_is_loaded_from_outside(client: httpx.Client) -> None:
    for path in STATIC_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        urls = set(re.findall(r"https?://[^\s\"'`)]+", text)) - {"http://www.w3.org/2000/svg"}
        assert not urls, f"{path.name} names {urls}"


def test_unknown_assets_are_404(client: httpx.Client) -> None:
    for name in ("nope.js", "..%2Frouter.py", "router.py", "%2e%2e%2f__init__.py"):
        response = client.get(f"/ui/static/{name}")
        assert response.status_code == 404, name
        assert "import" not in response.text


def shipped_names() -> set[str]:
    """Labels, aliases and ids of every entity of every shipped knowledge folder."""
    names: set[str] = set()
    for facts in (REPO_ROOT / "data").glob("*/knowledge.jsonl"):
        for line in facts.read_text(encoding="utf-8").splitlines():
            entity = json.loads(line).get("entity") if line.strip() else None
            if entity:
                aliases = entity.get("aliases", {})
                names |= {
                    entity["id"],
                    *entity["label"].values(),
                    *aliases.get("en", ()),
                    *aliases.get("ko", ()),
                }
    return {n for n in names if len(n) >= 4}


def test_the_web_code_names_nothing_of_any_knowledge() -> None:
    """Generic code: no label, alias or id of an entity of a shipped knowledge appears in it."""
    names = shipped_names()
    assert len(names) > 50
    for path in [*WEB_DIR.glob("*.py"), *STATIC_DIR.iterdir()]:
        text = path.read_text(encoding="utf-8")
        found = sorted(n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text))
        assert not found, f"{path.name} names {found}"


# ---------------------------------------------------------------------------- /ui/config
def test_the_page_follows_the_loaded_knowledge(tmp_path: Path) -> None:
    """Another knowledge file (one entity relabelled): the page's config and browser show it."""
    renamed: dict[str, str] = {}

    def relabel(rows: list[dict[str, object]]) -> None:
        row = next(r for r in rows if r["kind"] == "entity")
        entity = row["entity"]
        assert isinstance(entity, dict)
        entity["label"]["en"] = "Zephyrine Quillworks"
        renamed["id"] = entity["id"]

    path = variant(tmp_path / "relabelled_knowledge.jsonl", relabel)
    with serve_double(ScriptedAnswerer(), kg_factory=lambda: KnowledgeGraph.load(path, cache=False)) as other:
        config = httpx.get(other.url + "/ui/config", timeout=30).json()
        found = httpx.get(other.url + "/ui/entities", params={"q": "quillworks"}, timeout=30).json()
    assert config["knowledge"]["name"] == "relabelled_knowledge"
    assert config["knowledge"]["path"] == str(path)
    assert [e["id"] for e in found["entities"]] == [renamed["id"]]


def test_config_reports_what_is_loaded(client: httpx.Client, kg: KnowledgeGraph) -> None:
    config = client.get("/ui/config").json()
    assert config["knowledge"]["name"] == Path(kg.knowledge.path).parent.name  # the knowledge folder
    assert config["knowledge"]["path"] == str(kg.knowledge.path)
    assert config["knowledge"]["entities"] == len(kg.entities)
    assert config["knowledge"]["triples"] == client.get("/health").json()["triples"]
    assert config["model"] == "scripted-double"
    assert [m["name"] for m in config["modes"]] == list(MODES)
    assert all(m["available"] and m["chat_model"] == f"axlab-{m['name']}" for m in config["modes"])
    assert config["default_mode"] in MODES
    assert [q["id"] for q in config["compare_questions"]] == [q.id for q in compare_questions()]
    assert config["namespace"] in config["prefixes"].values()


def test_example_queries_run_on_the_endpoint(client: httpx.Client) -> None:
    config = client.get("/ui/config").json()
    ids = [example["id"] for example in config["examples"]]
    assert ids[0] == "chain" and {"inferred", "sources"} <= set(ids)
    for example in config["examples"]:
        response = client.post(
            "/sparql",
            data={"query": example["query"]},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, (example["id"], response.text)
        assert response.json()["results"]["bindings"], f"{example['id']} has no rows"


def test_chain_example_follows_the_ontologys_chain_axiom(client: httpx.Client) -> None:
    """The chain query's two properties are those of an owl:propertyChainAxiom whose second
    step is transitive, read from the endpoint (not from the page's code)."""
    chain = client.get("/ui/config").json()["examples"][0]["query"]
    axioms = client.post(
        "/sparql",
        data={
            "query": "SELECT ?first ?second WHERE { ?p owl:propertyChainAxiom ?l . ?l rdf:first ?first ; "
            "rdf:rest/rdf:first ?second . ?second a owl:TransitiveProperty }"
        },
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    ns = client.get("/ui/config").json()["namespace"]
    pairs = {(b["first"]["value"].removeprefix(ns), b["second"]["value"].removeprefix(ns)) for b in axioms}
    used = re.findall(r"\?subject ax:(\w+) \?start \}\s*\?start ax:(\w+)\+", chain)
    assert used and used[0] in pairs


# -------------------------------------------------------------------------- /ui/entities
def test_search_by_english_or_korean_label_and_alias(client: httpx.Client, kg: KnowledgeGraph) -> None:
    entity = max(kg.entities.values(), key=lambda e: len(kg.facts_about(e.id)))
    for query in (entity.label.en, entity.label.ko, entity.label.ko[:2], entity.label.en.upper()):
        body = client.get("/ui/entities", params={"q": query}).json()
        assert entity.id in [e["id"] for e in body["entities"]], query
    exact = client.get("/ui/entities", params={"q": entity.label.ko}).json()
    assert exact["entities"][0]["id"] == entity.id
    assert exact["entities"][0]["label"] == {"en": entity.label.en, "ko": entity.label.ko}
    if entity.aliases.en:
        alias = client.get("/ui/entities", params={"q": entity.aliases.en[0]}).json()
        assert alias["entities"][0]["id"] == entity.id


def test_empty_search_lists_every_entity_and_limit_applies(client: httpx.Client, kg: KnowledgeGraph) -> None:
    body = client.get("/ui/entities", params={"q": "", "limit": 5}).json()
    assert body["total"] == len(kg.entities) and len(body["entities"]) == 5
    none = client.get("/ui/entities", params={"q": "zzqx-no-such-label"}).json()
    assert none == {"query": "zzqx-no-such-label", "total": 0, "entities": []}


def test_search_bad_input_is_4xx(client: httpx.Client) -> None:
    assert client.get("/ui/entities", params={"q": "x" * 201}).status_code == 422
    assert client.get("/ui/entities", params={"limit": 0}).status_code == 422
    assert client.get("/ui/entities", params={"limit": "many"}).status_code == 422


def test_entity_page_has_facts_in_and_out_with_proofs(client: httpx.Client, kg: KnowledgeGraph) -> None:
    entity = next(
        e for e in kg.entities.values() if any(f.inferred and f.proof for f in kg.facts_about(e.id))
    )
    body = client.get(f"/ui/entities/{entity.id}").json()
    facts = kg.facts_about(entity.id)
    assert body["entity"]["id"] == entity.id and body["entity"]["class"]["id"] == entity.class_
    assert len(body["outgoing"]) == sum(f.subject == entity.id for f in facts)
    assert len(body["incoming"]) == sum(f.subject != entity.id for f in facts)
    assert all(f["subject"]["id"] == entity.id for f in body["outgoing"])
    inferred = [f for f in body["outgoing"] if f["inferred"]]
    assert inferred
    for fact in inferred:
        steps = fact["proof"]
        assert steps and steps[0]["subject"]["id"] == entity.id
        if not fact["object"]["literal"] and fact["predicate"]["id"] != "type":
            assert steps[-1]["object"]["id"] == fact["object"]["id"]
            for a, b in itertools.pairwise(steps):
                assert a["object"]["id"] == b["subject"]["id"]  # a chain, in order
    linked = [f["object"] for f in body["outgoing"] if f["object"]["entity"]]
    assert linked and all(client.get(f"/ui/entities/{t['id']}").status_code == 200 for t in linked)


def test_unknown_entity_is_404_with_one_line(client: httpx.Client) -> None:
    response = client.get("/ui/entities/NoSuchEntity")
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown entity 'NoSuchEntity'"}


# ------------------------------------------------------------------------------ /ui/eval
def test_eval_serves_the_latest_report_without_records(client: httpx.Client) -> None:
    body = client.get("/ui/eval").json()
    on_disk = json.loads(Path(body["file"]).read_text(encoding="utf-8"))
    assert body["metrics"] == on_disk["metrics"]
    assert body["records"] == len(on_disk["records"])


def test_missing_or_broken_report_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="run 'axlab eval' first"):
        load_report(tmp_path)
    (tmp_path / "eval.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match="not a readable JSON report"):
        load_report(tmp_path)
    (tmp_path / "eval.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ReportError, match="not an evaluation report"):
        load_report(tmp_path)
