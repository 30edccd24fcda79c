"""``axlab kg check``: consistency, SHACL shapes, addresses vs. gazetteer."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from ontology.gazetteer import place_index, split_address
from ontology.knowledge import load_knowledge
from pipeline.cli import build_app
from tests.helpers_kg import KNOWLEDGE, row, variant

runner = CliRunner()


@pytest.fixture(scope="module")
def app():
    return build_app()


def check(app, path=KNOWLEDGE, engine="owlrl"):
    result = runner.invoke(app, ["kg", "check", "--json", "--knowledge", str(path), "--engine", engine])
    return result, json.loads(result.stdout)


@pytest.fixture(scope="module")
def real_report(app):
    return check(app)


def test_real_data_passes_with_the_seocho_warning(real_report):
    result, report = real_report
    assert result.exit_code == 0
    assert report["ok"] and report["errors"] == 0
    assert report["checks"] == {"consistency": "ok", "shacl": "ok", "gazetteer": "warning"}
    [issue] = report["issues"]
    assert issue["severity"] == "warning" and issue["check"] == "gazetteer"
    assert issue["rows"] == ["solverx-headquarters", "gazetteer-SeochoDong"]
    line = load_knowledge().lines["solverx-headquarters"]
    assert issue["message"] == (
        f'"서울 강남구 서초동" (row solverx-headquarters, line {line}) places Seocho-dong in Gangnam-gu, '
        f"while the gazetteer (row gazetteer-SeochoDong, line {line + 30}) places it in Seocho-gu"
    )


def test_rich_report(app):
    result = runner.invoke(app, ["kg", "check", "--engine", "owlrl"])
    assert result.exit_code == 0
    assert "Seocho-gu" in result.stdout and "1 warning" in result.stdout


def test_addresses_split_with_multiword_names():
    knowledge = load_knowledge()
    index = place_index(knowledge)
    parts = split_address("캘리포니아주 샌타클래라 카운티 팔로알토", "ko", index)
    assert [p.places[0] for p in parts] == ["California", "SantaClaraCounty", "PaloAlto"]
    parts = split_address("Munich, Bavaria, Germany", "en", index)
    assert [p.places[0] for p in parts] == ["Germany", "Bavaria", "Munich"]


def test_shacl_company_without_founding_year(app, tmp_path):
    def edit(rows):
        founding = row(rows, "solverx-founding")
        founding["triples"] = [t for t in founding["triples"] if t["p"] != "foundedIn"]

    result, report = check(app, variant(tmp_path / "k.jsonl", edit))
    assert result.exit_code == 1
    assert report["checks"]["shacl"] == "error"
    assert any("SolverX" in i["message"] and "foundedIn" in i["message"] for i in report["issues"])


def test_shacl_place_with_two_parents(app, tmp_path):
    def edit(rows):
        row(rows, "gazetteer-SeochoDong")["triples"].append(
            {"s": "SeochoDong", "p": "partOf", "o": "GangnamGu"}
        )

    result, report = check(app, variant(tmp_path / "k.jsonl", edit))
    assert result.exit_code == 1
    assert any(i["check"] == "shacl" and "SeochoDong" in i["message"] for i in report["issues"])


def test_unknown_address_component_warns(app, tmp_path):
    def edit(rows):
        row(rows, "europe-office")["address"]["en"] = "Munich, Atlantis, Germany"

    result, report = check(app, variant(tmp_path / "k.jsonl", edit))
    assert result.exit_code == 0
    assert any('"Atlantis" names no place' in i["message"] for i in report["issues"])


def two_headquarters(rows):
    row(rows, "rnd-center")["triples"].append({"s": "SolverX", "p": "headquarters", "o": "SolverXRnDCenter"})


def test_inconsistent_owlrl(app, tmp_path):
    result, report = check(app, variant(tmp_path / "k.jsonl", two_headquarters))
    assert result.exit_code == 1
    assert report["checks"]["consistency"] == "error"
    assert "inconsistent" in report["issues"][0]["message"]


@pytest.mark.java
@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
def test_inconsistent_hermit_explained(app, tmp_path):
    result, report = check(app, variant(tmp_path / "k.jsonl", two_headquarters), engine="hermit")
    assert result.exit_code == 1
    message = report["issues"][0]["message"]
    assert "HermiT" in message and "SolverXRnDCenter" in message
