"""The two knowledges written last, blind (a university, a shipping line), through the CLI as a
user runs it: each passes ``kg check`` and answers questions worded unlike its own eval sets
through the generic mechanisms (a class word alone, a count, a given year, a ship's home region)."""

from __future__ import annotations

import json

import pytest

from tests.conftest_lora import REPO, run_cli

HANBIT = REPO / "data" / "hanbit_university"
NORDLYS = REPO / "data" / "nordlys_shipping"


@pytest.mark.parametrize("folder", [HANBIT, NORDLYS], ids=["hanbit", "nordlys"])
def test_kg_check_passes(folder) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--knowledge", str(folder), "kg", "check", "--json", "--engine", "owlrl", timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["errors"] == 0


@pytest.mark.parametrize(
    ("folder", "question", "expected"),
    [
        # the one university the knowledge is about, beside two partner universities
        (HANBIT, "When was the university founded?", "1968"),
        # "how many ships" says "number of ships" (the fleet size), not a number of its terminals
        (NORDLYS, "How many ships does Nordlys operate altogether?", "14"),
        # a year given is not the year asked: the volume of that year
        (NORDLYS, "What volume did Nordlys carry in 2024?", "1.28"),
        # a ship's home region climbs the place hierarchy; its flag state does not
        (NORDLYS, "In which continent is the Nordlys Polaris based?", "Asia"),
    ],
    ids=["class-alone", "count-named", "given-year", "home-region"],
)
def test_generic_readings_on_unseen_knowledges(folder, question: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "--knowledge", str(folder), "ask", question, "--mode", "graph", "--json", "--max-tokens", "16",
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["abstention"] is None and expected in answer["answer"], answer["answer"]
