"""The knowledges written last, blind (a university, a shipping line, a museum foundation, an
airline): each passes ``kg check`` (the CLI, as a user runs it); their graph's own answers, and
Harbor Health's (the symbolic path alone, with a model that says nothing, in a process of its own
since a knowledge is chosen per process), read questions worded unlike their eval sets through the
generic mechanisms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest_lora import REPO, run_cli

HANBIT = REPO / "data" / "hanbit_university"
NORDLYS = REPO / "data" / "nordlys_shipping"
HARBOR = REPO / "data" / "harbor_health"
KESTREL = REPO / "data" / "kestrel_museums"
AURELIA = REPO / "data" / "aurelia_air"

_GRAPH_ANSWERS = """
import json, sys
from pipeline.engine import AnswerEngine

class Silent:
    model_id = "silent"
    def stream(self, messages, max_tokens, adapter):
        return iter(())

engine = AnswerEngine(backend=Silent())
print(json.dumps([engine.ask(q, mode="graph", max_tokens=8).answer for q in json.loads(sys.argv[1])]))
"""


def in_knowledge(folder: Path, code: str, *args: str) -> str:
    """What ``python -c code args`` prints with ``folder`` as the selected knowledge (a knowledge is
    chosen per process)."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "AXLAB_KNOWLEDGE": str(folder),
            "HF_HUB_OFFLINE": "1",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def graph_answers(folder: Path, questions: list[str]) -> list[str]:
    answers: list[str] = json.loads(
        in_knowledge(folder, _GRAPH_ANSWERS, json.dumps(questions)).splitlines()[-1]
    )
    return answers


@pytest.mark.parametrize(
    "folder", [HANBIT, NORDLYS, KESTREL, AURELIA], ids=["hanbit", "nordlys", "kestrel", "aurelia"]
)
def test_kg_check_passes(folder: Path) -> None:
    result = run_cli("--knowledge", str(folder), "kg", "check", "--json", "--engine", "owlrl", timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["errors"] == 0


CASES = {
    HANBIT: [
        # the one university the knowledge is about, beside two partner universities
        ("When was the university founded?", "1968"),
        # "state" modifies "university" (the head noun): no province is asked; "private" is in
        # the value of its type, so the type answers the either-or question
        ("Is Hanbit a state university or a private one?", "private research university"),
        # a when-question whose strongest property holds no time: the time it asks is not known
        # (the year a campus opened, which any when-question brings up, is not what it asks)
        ("When did Moon Seyoung become president?", "I don't know"),
        # a yes/no question naming two things one fact links: that fact, whatever the verb
        ("Does Hanbit cooperate with Leipzig University?", "Yes. Hanbit University is a partner of"),
    ],
    HARBOR: [
        # the asked word is in the value of one property of the named clinic (its focus area)
        ("What kind of patients does the Fukuoka clinic look after?", "international patients"),
        # "for-profit" shares "profit" with its type, 'non-profit hospital network'
        ("Is Harbor Health a for-profit business?", "non-profit"),
        # ... but a word of its type ("network") does not answer an attribute it lacks (volunteers)
        ("Does Harbor Health have a network of volunteers?", "I don't know"),
        # ... unless its second part asks that time
        ("Is the Busan Medical Center JCI accredited, and since when?", "2016"),
        # a where-question about the owner with a word only one of its sites' names hold
        ("Where does Harbor Health do its research?", "Harbor Health Research Institute is located in"),
        # a time of day, which no property of the ontology holds (its opening year is no answer)
        ("What time does the Fukuoka clinic open?", "I don't know"),
    ],
    NORDLYS: [
        # "how many ships" says "number of ships" (the fleet size), not a number of its terminals
        ("How many ships does Nordlys operate altogether?", "14"),
        # a year given is not the year asked: the volume of that year
        ("What volume did Nordlys carry in 2024?", "1.28"),
        # a ship's home region climbs the place hierarchy; its flag state does not
        ("In which continent is the Nordlys Polaris based?", "Asia"),
        # a named site is placed by the location property of its own class, not a ship's
        ("Is the Incheon terminal located in Europe?", "No."),
        # a yes/no fact asked most strongly; the location read beside it ("sit in") is no "where"
        ("Can cargo sit in the Gdansk warehouse under bond?", "bonded warehouse: yes"),
    ],
    KESTREL: [
        # her nationality is unknown, and a nationality is no "where": the museum she works at
        ("What country is the curator Kang Minseo based in?", "South Korea"),
        # a continent the knowledge lacks holds none of its galleries; the places of its galleries
        (
            "Does the foundation have a gallery in Oceania?",
            "no gallery in Oceania; it has them only in France",
        ),
        # only the countries of the sites of the kind named (not the headquarters in Edinburgh)
        ("How many countries does Kestrel have museums in?", "3 countries"),
        # a number of countries is counted, though the attribute inventory has "number of countries"
        ("In how many countries is Kestrel present?", "5 countries"),
        # "since" belongs to the question word, not to the founding year's altLabel "since"
        ("Since when has the Busan museum been open?", "2011"),
        # the director is named; her birth year, which only came up as a time, is not what is asked
        ("When did Park Eunji become director?", "I don't know"),
    ],
    AURELIA: [
        # the hub the question names by a word of its name, among the airline's sites
        ("Which country is Aurelia's Cebu hub in?", "Philippines"),
        # a continent the knowledge lacks, asked as where it flies to: closed world
        ("Does Aurelia fly anywhere in North America?", "No."),
        # a possessive typed without its apostrophe still names the airline
        ("how many planes are in aurelias fleet?", "18 aircraft"),
        # where the named route lands, not where its airline (reached from it) is seated
        ("Which continent does AU 880 arrive on?", "flies to Oceania"),
        # the Korean topic (은/는) is the subject, not the airline of the relative clause before it
        ("아우렐리아가 운항하는 살 공항은 어느 나라에 있나요?", "카보베르데에 있다"),
        # the named airport's code, not the code of the airline reached from it
        ("포르투 공항 코드 알려줘", "OPO"),
        # a part of a stored number is not that number
        ("How many of the A321neo's seats are in business class?", "I don't know"),
    ],
}
CASES[NORDLYS] += [
    # the home port's country, up the place hierarchy (Incheon -> South Korea), not the port alone
    ("Is the home port of the Nordlys Polaris in Korea?", "Yes."),
    # "manages" asks its manager, whom the knowledge does not name (not where the depot is)
    ("Who manages the container depot in Durban?", "no information about its site manager"),
    # a service named by its two ends, in English and in Korean (며칠 asks a number, not yes or no)
    ("How many days does it take to sail from Gdansk to Incheon?", "33 days"),
    ("그단스크에서 인천까지 며칠 걸려요?", "33일"),
    # a ship's TEU capacity cannot be the depot's: its namesake the depot has, its storage capacity
    ("더반 데포에 컨테이너를 몇 TEU까지 쌓을 수 있나요?", "6500TEU"),
]


@pytest.mark.parametrize("folder", list(CASES), ids=["hanbit", "harbor", "nordlys", "kestrel", "aurelia"])
def test_generic_readings_on_unseen_knowledges(folder: Path) -> None:
    questions = [question for question, _ in CASES[folder]]
    for (question, expected), answer in zip(CASES[folder], graph_answers(folder, questions), strict=True):
        assert expected in answer, (question, answer)


def test_a_class_word_two_classes_share_goes_to_the_one_whose_label_has_it() -> None:
    """Hanbit's country has the altLabel "state" and its province the label "province or state":
    "which German state" asks a province, so an answer naming the country is not the answer."""
    code = (
        "from retriever.intent import mentioned_classes as m; "
        "print(m('Which German state is the Leipzig campus in?'), m('Which country is it in?'), "
        "m('Is it a state university?'))"
    )
    # "a state university" is a university: in a compound the last noun is the head
    assert in_knowledge(HANBIT, code).split() == [
        "('Campus',",
        "'Province')",
        "('Country',)",
        "('University',)",
    ]


def test_sites_are_what_an_owner_has_not_its_people_or_the_owner_itself() -> None:
    """Kestrel's ontology links a foundation to its venues both ways ("operates" / "operated by")
    and gives people a nationality: the venues are sites; the foundation (reached back from a
    venue) and people (placed only by their nationality, outside every chain) are not."""
    code = "import json; from ontology.roles import site_classes as s; print(json.dumps(sorted(s())))"
    sites = set(json.loads(in_knowledge(KESTREL, code)))
    assert {"Museum", "Gallery", "Venue", "HeadquartersBuilding"} <= sites
    assert not {"Foundation", "Person", "Curator", "Artist"} & sites
