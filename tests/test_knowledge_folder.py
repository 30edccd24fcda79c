"""A knowledge is a folder chosen per process: the second domain runs with no code change, and a
broken folder is one line naming the file and the line or term (CLI as a process)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ontology.vocabulary import load_vocabulary
from tests.conftest_lora import REPO, run_cli

HARBOR = REPO / "data" / "harbor_health"


def _one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_second_domain_passes_kg_check_with_its_own_ontology() -> None:
    result = run_cli("--knowledge", str(HARBOR), "kg", "check", "--json", "--engine", "owlrl", timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["errors"] == 0


def test_the_second_domain_answers_a_multi_hop_question_with_its_proof() -> None:
    result = run_cli(
        "ask",
        "Which country is the Rotterdam rehabilitation hospital in?",
        "--mode",
        "graph",
        "--json",
        "--max-tokens",
        "16",
        env={"AXLAB_KNOWLEDGE": str(HARBOR)},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    inferred = [c for c in answer["context"] if c["inferred"] and c["object"] == "Netherlands"]
    assert inferred and len(inferred[0]["proof"]) >= 2  # the chain that entails it, step by step
    assert answer["abstention"] is None


@pytest.mark.parametrize(
    ("question", "country"),
    [
        ("Which country is Harbor Health headquartered in?", "South Korea"),
        ("Which country is Harbor Health in?", "South Korea"),
        ("하카타에 있는 하버 헬스 클리닉은 어느 나라에 있나요?", "일본"),  # the one in the named place
    ],
)
def test_a_place_asked_of_what_has_none_follows_the_named_or_the_one_link(
    question: str, country: str
) -> None:
    """The network has no location of its own. "Headquartered in" names the link to follow; with
    no link named, the network's one (functional) headquarters answers, not whichever of its
    facilities comes first (one is in Canada)."""
    result = run_cli(
        "--knowledge", str(HARBOR), "ask", question, "--mode", "graph",
        "--json", "--max-tokens", "16", timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert any(c["object"] == country and c["inferred"] for c in answer["context"])
    # the answer names the country (the model's own words, or the graph's when they do not)
    assert (
        country in answer["answer"] and "Canada" not in answer["answer"] and "캐나다" not in answer["answer"]
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the bed count of the Dutch hospital?", "140"),  # Dutch: the Netherlands
        ("When was the network founded?", "1987"),  # the knowledge's one healthcare network
        # no chain places the network itself: its facilities' continents are counted
        ("On how many continents does Harbor Health run facilities?", "3 continents"),
        # nothing stands out by meaning; of the links to a person, the first named thing's head
        ("Who is in charge of the marine medicine department at the Busan hospital?", "Kang Eunbi"),
    ],
)
def test_a_thing_named_by_a_country_adjective_or_its_class_alone(question: str, expected: str) -> None:
    result = run_cli(
        "--knowledge", str(HARBOR), "ask", question, "--mode", "graph", "--json", "--max-tokens", "16",
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["abstention"] is None and expected in answer["answer"], answer["answer"]


def test_the_second_domain_abstains_on_an_attribute_its_ontology_lacks() -> None:
    result = run_cli(
        "--knowledge", str(HARBOR), "ask", "What is Harbor Health's annual revenue?", "--mode", "graph", "--json",
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["abstained"] and answer["abstention"]["kind"] == "unknown_attribute"
    assert "revenue" in answer["abstention"]["attribute"]


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    shutil.copytree(HARBOR, folder)
    return folder


def test_an_ontology_that_does_not_parse_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    lines = (folder / "ontology.ttl").read_text(encoding="utf-8").splitlines()
    lines[20] = lines[20] + " ;;; <broken"
    (folder / "ontology.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = _one_error_line(run_cli("--knowledge", str(folder), "kg", "check", timeout=120))
    assert "ontology.ttl" in line and "does not parse" in line


def test_a_fact_with_an_undeclared_property_names_the_file_line_and_term(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "knowledge.jsonl"
    rows = path.read_text(encoding="utf-8").splitlines()
    fact = next(i for i, r in enumerate(rows) if json.loads(r)["kind"] == "fact")
    row = json.loads(rows[fact])
    row["triples"][0]["p"] = "numberOfDragons"
    rows[fact] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    line = _one_error_line(run_cli("--knowledge", str(folder), "kg", "check", timeout=120))
    assert f"knowledge.jsonl:{fact + 1}" in line and "numberOfDragons" in line


def test_a_property_chain_cycle_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "ontology.ttl").read_text(encoding="utf-8")
    text += "\n:partOfFacility owl:propertyChainAxiom ( :locatedIn :operatedBy ) .\n"
    (folder / "ontology.ttl").write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match="cycle"):
        load_vocabulary(folder / "ontology.ttl")
    line = _one_error_line(run_cli("--knowledge", str(folder), "kg", "check", timeout=120))
    assert "cycle" in line and "ontology.ttl" in line


def test_a_folder_without_an_ontology_is_one_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "ontology.ttl").unlink()
    line = _one_error_line(run_cli("--knowledge", str(folder), "kg", "check", timeout=120))
    assert "no ontology" in line and str(folder) in line
    missing = _one_error_line(run_cli("--knowledge", str(tmp_path / "nowhere"), "kg", "check", timeout=60))
    assert "no such knowledge" in missing


def test_an_adapter_trained_on_another_knowledge_is_refused(tmp_path: Path) -> None:
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}", encoding="utf-8")
    (adapter / "adapters.safetensors").write_bytes(b"")
    stamp = {"namespace": "https://axlab.dev/ontology/solverx#", "name": "solverx"}
    (adapter / "knowledge.json").write_text(json.dumps(stamp), encoding="utf-8")
    result = run_cli(
        "--knowledge", str(HARBOR), "ask", "Who founded Harbor Health?", "--mode", "hybrid", "--adapter", str(adapter),
        timeout=300,
    )  # fmt: skip
    line = _one_error_line(result)
    assert "trained on the knowledge 'solverx'" in line and "harbor_health" in line
