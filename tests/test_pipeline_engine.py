"""The engine's routing, gate, fallback and bad input with a scripted model (no language model).

Uses the real graph and retriever (the small embedding model), a fake generation backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import AxlabError
from pipeline.types import Answer


class Scripted:
    """A backend that answers with a fixed text and records what it was asked."""

    model_id = "scripted"

    def __init__(self, reply: str = "SolverX is located in South Korea.") -> None:
        self.reply = reply
        self.calls: list[tuple[list[dict[str, str]], Path | None]] = []

    def stream(
        self, messages: Sequence[dict[str, str]], max_tokens: int, adapter: Path | None
    ) -> Iterator[str]:
        self.calls.append((list(messages), adapter))
        for word in self.reply.split(" "):
            yield word + " "


@pytest.fixture(scope="module")
def shared() -> dict[str, Any]:
    from kg.graph import KnowledgeGraph
    from retriever import Retriever

    kg = KnowledgeGraph.load()
    return {"kg": kg, "retriever": Retriever(kg)}


@pytest.fixture
def adapters(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name in ("lora", "hybrid"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "adapter_config.json").write_text("{}")
        (folder / "adapters.safetensors").write_bytes(b"")
        out[name] = folder
    return out


def make(shared: dict[str, Any], adapters: dict[str, Path], reply: str, **kw: Any) -> tuple[Any, Scripted]:
    from pipeline.engine import AnswerEngine

    backend = Scripted(reply)
    engine = AnswerEngine(
        lora_adapter=adapters["lora"],
        hybrid_adapter=adapters["hybrid"],
        kg=shared["kg"],
        retriever=shared["retriever"],
        backend=backend,
        **kw,
    )
    return engine, backend


def test_hybrid_grounded_prompt_uses_the_hybrid_adapter(shared: dict, adapters: dict) -> None:
    engine, backend = make(shared, adapters, "SolverX is located in South Korea.")
    answer = engine.ask("Which country is SolverX in?", "hybrid")
    messages, adapter = backend.calls[0]
    assert adapter == adapters["hybrid"]
    assert (
        messages[0]["role"] == "system" and "- SolverX is located in South Korea." in messages[1]["content"]
    )
    assert answer.verification is not None and answer.verification["status"] == "supported"
    assert answer.answer == "SolverX is located in South Korea."


@pytest.mark.parametrize(("routing", "expected"), [("base", None), ("adapter", "hybrid")])
def test_general_question_routing(shared: dict, adapters: dict, routing: str, expected: str | None) -> None:
    engine, backend = make(shared, adapters, "Because of Rayleigh scattering.", hybrid_general=routing)
    answer = engine.ask("Why is the sky blue?", "hybrid")
    messages, adapter = backend.calls[0]
    assert messages == [{"role": "user", "content": "Why is the sky blue?"}]
    assert adapter == (adapters[expected] if expected else None)
    assert answer.context == [] and answer.verification is None


def test_gate_abstains_without_calling_the_model(shared: dict, adapters: dict) -> None:
    engine, backend = make(shared, adapters, "SolverX earns a lot.")
    for question, kind in (
        ("What is SolverX's revenue?", "unknown_attribute"),
        ("Which city is SolverX's office in Japan in?", "not_in_knowledge"),
        ("Who is the CFO of SolverX?", "unknown_attribute"),
    ):
        answer = engine.ask(question, "graph")
        assert answer.abstained and answer.answer.startswith("I don't know")
        assert answer.abstention is not None and answer.abstention["kind"] == kind
    japan = engine.ask("Which city is SolverX's office in Japan in?", "graph")
    assert (
        japan.abstention is not None and "Germany" in japan.abstention["known"] and "Germany" in japan.answer
    )
    # a yes/no question about a place with no site: over the knowledge the world is closed
    polar = engine.ask("Does SolverX have an office in Japan?", "graph")
    assert not polar.abstained and polar.answer.startswith("No") and "Germany" in polar.answer
    assert backend.calls == []
    # base and lora modes have no gate: they ask the model
    assert not engine.ask("What is SolverX's revenue?", "base").abstained
    assert len(backend.calls) == 1


def test_contradiction_falls_back_in_graph_modes_only(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "SolverX was founded in 2017 in Japan.")
    graph = engine.ask("When was SolverX founded?", "graph")
    assert graph.answer == "SolverX was founded in 2019."
    assert graph.verification is not None and graph.verification["status"] == "fallback"
    assert graph.verification["fallback_from"] == "SolverX was founded in 2017 in Japan."
    base = engine.ask("When was SolverX founded?", "base")
    assert base.answer == "SolverX was founded in 2017 in Japan."
    assert base.verification is not None and base.verification["status"] == "contradicted"


def test_refusal_with_answering_facts_falls_back(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "I don't know.")
    answer = engine.ask("What is SolverX's core product?", "hybrid")
    assert answer.answer == "The core product of SolverX is SolverX Fusion."
    assert not answer.abstained


@pytest.mark.parametrize(
    ("question", "reply", "expected"),
    [
        # another office's place is not where the named office is
        ("What city is SolverX's head office in?", "SolverX's head office is in Palo Alto.", "Seoul"),
        ("On which continent is SolverX's head office?", "It is located in Europe.", "Asia"),
        ("Which district (gu) is SolverX's R&D center in?", "SolverX is located in Seocho-gu.", "Bundang-gu"),
        # the asked fact, not a sibling one: founders for a year, another product for the core one
        ("솔버엑스가 세워진 해는 언제예요?", "솔버엑스는 이서연이 설립했다.", "2019"),
        (
            "솔버엑스가 가장 중요하게 내세우는 제품은 무엇인가요?",
            "솔버엑스 메시는 솔버엑스의 제품이다.",
            "퓨전",
        ),
    ],
)
def test_answer_about_the_wrong_fact_falls_back(
    shared: dict, adapters: dict, question: str, reply: str, expected: str
) -> None:
    engine, _ = make(shared, adapters, reply)
    answer = engine.ask(question, "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "fallback"
    assert expected in answer.answer


@pytest.mark.parametrize(
    ("question", "reply", "expected"),
    [
        # the graph infers yes (office -> Munich -> Bavaria -> Germany) and shows the chain
        (
            "Does SolverX have an office in Germany?",
            "No, SolverX has no office in Germany.",
            "Yes. SolverX has an office in Germany, because: SolverX has the SolverX European office; "
            "SolverX European office is located in Munich; Munich is part of Bavaria; Bavaria is part of Germany.",
        ),
        # the graph infers no: the named office is in North America
        (
            "Is SolverX's US office located in Europe?",
            "Yes, it is in Europe.",
            "No. SolverX US office is located in North America",
        ),
        (
            "솔버엑스는 독일에 사무소가 있나요?",
            "아니요, 독일에는 사무소가 없습니다.",
            "네. 솔버엑스는 독일에 사무소가 있다 (근거:",
        ),
        # restating the question affirms it: the graph says the R&D center is not in Seoul
        (
            "솔버엑스 연구개발센터는 서울에 있나요?",
            "솔버엑스 연구개발센터는 서울에 위치한다.",
            "아니요. 솔버엑스 연구개발센터는",
        ),
        ("Would I have to travel to Europe to visit SolverX's headquarters?", "Yes, it is in Europe.", "No."),
    ],
)
def test_yes_no_place_question_answered_by_the_graph(
    shared: dict, adapters: dict, question: str, reply: str, expected: str
) -> None:
    engine, _ = make(shared, adapters, reply)
    answer = engine.ask(question, "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "fallback"
    assert answer.answer.startswith(expected)


def test_an_answer_that_restates_the_question_is_replaced(shared: dict, adapters: dict) -> None:
    """ "Which office is in Bavaria?" - "SolverX has an office in Bavaria." copies a true fact, but
    one made of the question's own things: it names no office, so the graph answers."""
    engine, _ = make(shared, adapters, "SolverX has an office in Bavaria.")
    answer = engine.ask("Which SolverX office is in Bavaria?", "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "fallback"
    assert "European office" in answer.answer


def test_which_of_its_sites_are_in_or_outside_a_place(shared: dict, adapters: dict) -> None:
    """The sites listed from their inferred locations; an answer naming only some is replaced."""
    engine, _ = make(shared, adapters, "SolverX has its headquarters in Seoul.")
    inside = engine.ask("Which of SolverX's offices are in Asia?", "hybrid")
    assert inside.answer == "SolverX's sites in Asia: SolverX headquarters; SolverX R&D center."
    assert inside.verification is not None and inside.verification["status"] == "fallback"
    outside = engine.ask("Which SolverX sites are outside Asia?", "graph").answer
    assert "European office (Europe)" in outside and "US office (North America)" in outside
    assert "headquarters" not in outside
    one = engine.ask("Which country is the office in Munich in?", "graph").answer
    assert one.startswith("SolverX European office is located in Germany")  # one site's place, no list


@pytest.mark.parametrize(
    ("question", "opening", "shown"),
    [
        # two named things compared at the named place level, asserted or inferred
        ("Are the US office and the European office on the same continent?", "No.", "North America"),
        ("Are SolverX's R&D center and its headquarters in the same country?", "Yes.", "South Korea"),
        ("Are the US office and the European office in different countries?", "Yes.", "Germany"),
        ("솔버엑스 연구개발센터와 본사는 같은 나라에 있나요?", "네.", "대한민국"),
        # a place right before the site word names the site; the place asked is the other one
        ("Is the Munich office located in Asia?", "No.", "Europe"),
        ("Is SolverX's office in Palo Alto located in Europe?", "No.", "North America"),
    ],
)
def test_yes_no_comparisons_and_named_sites(
    shared: dict, adapters: dict, question: str, opening: str, shown: str
) -> None:
    engine, _ = make(shared, adapters, "")
    answer = engine.ask(question, "graph")
    assert not answer.abstained and answer.answer.startswith(opening) and shown in answer.answer, (
        answer.answer
    )


@pytest.mark.parametrize(
    ("question", "opening", "shown"),
    [
        # a place the knowledge does not contain holds none of its things (closed world)
        ("Is the SolverX US office located in Canada?", "No. The knowledge does not place", "North America"),
        ("Is SolverX in France?", "No. The knowledge does not place SolverX in France.", "South Korea"),
        # "any of its sites": through the site link's chain, not the company's own address
        ("Are any of SolverX's sites in Gyeonggi-do?", "Yes.", "Pangyo"),
        # a place asked about another place: the hierarchy answers, no organisation named
        ("Is Palo Alto part of Bavaria?", "No. Palo Alto is part of California", "Santa Clara County"),
        ("뮌헨은 독일에 속하나요?", "네. 뮌헨은 독일에 속한다", "바이에른"),
        # Korean has no capitals: an unlinked word named as where ("X에 있나요") is the stranger
        ("솔버엑스 유럽 사무소는 프랑스에 있나요?", "아니요. 지식에는", "뮌헨"),
        ("솔버엑스는 일본에 사무소가 있나요?", "아니요", "독일"),
    ],
)
def test_yes_no_place_questions_the_graph_decides(
    shared: dict, adapters: dict, question: str, opening: str, shown: str
) -> None:
    engine, _ = make(shared, adapters, "")
    answer = engine.ask(question, "graph")
    assert not answer.abstained and answer.answer.startswith(opening) and shown in answer.answer


def test_a_yes_no_question_about_no_place_gets_no_place_verdict(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "")
    partner = engine.ask("Is SolverX a partner of Siemens?", "graph")  # no location asked
    assert partner.abstained and partner.abstention is not None
    assert partner.abstention["kind"] == "unknown_entity"
    bigger = engine.ask("Is Seoul bigger than Munich?", "graph")  # two places, no "in"
    assert not bigger.answer.startswith(("Yes", "No"))


def test_yes_no_answer_agreeing_with_the_graph_stands(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "Yes, SolverX has an office in Munich, Germany.")
    answer = engine.ask("Does SolverX have an office in Germany?", "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "supported"


def test_unbacked_answer_to_an_unanswered_question_becomes_i_dont_know(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "Its favourite colour is a deep blue, chosen by Mr. Park in 2021.")
    answer = engine.ask("What is SolverX Fusion's favourite colour?", "hybrid")
    # no property of the ontology describes a colour: the gate abstains before the model is asked
    assert answer.abstained and answer.answer.startswith("I don't know: the SolverX Fusion knowledge")
    assert "blue" not in answer.answer
    assert answer.abstention is not None and answer.abstention["kind"] == "unknown_attribute"
    # base mode keeps what the model said (it is only verified)
    assert not engine.ask("What is SolverX Fusion's favourite colour?", "base").abstained


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("솔버엑스가 시리즈 B 투자를 받은 건 언제인가요?", "2023"),
        ("솔버엑스 미국 사무소 주소가 어떻게 되나요?", "팔로알토"),
    ],
)
def test_an_answer_that_repeats_the_question_falls_back(
    shared: dict, adapters: dict, question: str, expected: str
) -> None:
    engine, _ = make(shared, adapters, question)
    answer = engine.ask(question, "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "fallback"
    assert expected in answer.answer


def test_amount_of_the_round_one_hop_away_stands(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "SolverX raised 30 billion won.")
    answer = engine.ask("How much money did SolverX raise in 2023?", "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "supported"
    assert answer.answer == "SolverX raised 30 billion won."


def test_answer_naming_the_named_office_place_stands(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "SolverX's head office is in Seoul.")
    answer = engine.ask("What city is SolverX's head office in?", "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "supported"
    assert answer.answer == "SolverX's head office is in Seoul."


def test_korean_question_gets_korean_prompt_and_context(shared: dict, adapters: dict) -> None:
    engine, backend = make(shared, adapters, "솔버엑스는 대한민국에 위치한다.")
    answer = engine.ask("솔버엑스는 어느 나라에 있나요?", "graph")
    messages, _ = backend.calls[0]
    assert messages[1]["content"].startswith("사실:") and "질문:" in messages[1]["content"]
    assert any(c["object"] == "대한민국" for c in answer.context)
    assert answer.answer == "솔버엑스는 대한민국에 위치한다."


def test_stream_then_answer_and_timings(shared: dict, adapters: dict) -> None:
    engine, _ = make(shared, adapters, "SolverX is located in South Korea.")
    items = list(engine.stream("Which country is SolverX in?", "hybrid", 8))
    assert all(isinstance(i, str) for i in items[:-1]) and isinstance(items[-1], Answer)
    assert set(items[-1].timings_ms) >= {"retrieve", "generate", "verify", "total"}
    assert engine.ask_stream == engine.stream


def test_one_adapter_argument_sets_both_modes(shared: dict, adapters: dict) -> None:
    from pipeline.engine import AnswerEngine

    engine = AnswerEngine(adapter=adapters["lora"], kg=shared["kg"], retriever=shared["retriever"])
    assert engine.adapter_for("lora") == engine.adapter_for("hybrid") == adapters["lora"]


@pytest.mark.parametrize(
    ("question", "mode", "tokens", "message"),
    [
        ("", "hybrid", None, "the question is empty"),
        ("x" * 2001, "hybrid", None, "too long"),
        ("Where?", "oracle", None, "unknown mode"),
        ("Where?", "hybrid", 0, "--max-tokens"),
    ],
)
def test_bad_input_raises_before_any_work(
    shared: dict, adapters: dict, question: str, mode: str, tokens: int | None, message: str
) -> None:
    engine, backend = make(shared, adapters, "x")
    with pytest.raises(AxlabError, match=message) as info:
        engine.ask(question, mode, tokens)
    assert info.value.exit_code == 2 and backend.calls == []


def test_missing_default_adapter_says_how_to_train(shared: dict, tmp_path: Path) -> None:
    from pipeline.engine import AnswerEngine

    engine = AnswerEngine(kg=shared["kg"], retriever=shared["retriever"], backend=Scripted())
    engine.lora_adapter = tmp_path / "missing"
    with pytest.raises(AxlabError, match="axlab train"):
        engine.ask("Where is SolverX?", "lora")


def test_generator_backend_streams_a_generator_and_refuses_adapters(shared: dict, adapters: dict) -> None:
    from types import SimpleNamespace

    from pipeline.engine import AnswerEngine, GeneratorBackend

    class Remote:
        model_id = "remote-model"

        def generate(self, messages: list, max_tokens: int, stream: bool = False) -> Iterator[Any]:
            yield SimpleNamespace(text="SolverX is located in ")
            yield SimpleNamespace(text="South Korea.")
            yield SimpleNamespace(text="", done=True)

    engine = AnswerEngine(
        hybrid_adapter=adapters["hybrid"],
        kg=shared["kg"],
        retriever=shared["retriever"],
        backend=GeneratorBackend(Remote()),
    )
    answer = engine.ask("Which country is SolverX in?", "graph")
    assert answer.model == "remote-model" and answer.answer == "SolverX is located in South Korea."
    with pytest.raises(AxlabError, match="cannot apply the adapter"):
        engine.ask("Which country is SolverX in?", "hybrid")


@pytest.mark.parametrize(
    ("question", "reply", "expected"),
    [
        (
            "On how many continents does SolverX have sites?",
            "SolverX operates on 2 continents.",
            "3 continents",
        ),
        ("How many countries does SolverX have offices in?", "SolverX is in South Korea.", "3 countries"),
        ("솔버엑스는 몇 개 나라에 사무소가 있나요?", "솔버엑스는 두 나라에 있다.", "국가 3개"),
    ],
)
def test_a_count_question_is_answered_by_counting_the_graph(
    shared: dict, adapters: dict, question: str, reply: str, expected: str
) -> None:
    """No stored number says how many continents: the graph's distinct places of the asked class
    (asserted or inferred) are counted, and an answer with another number is replaced."""
    engine, _ = make(shared, adapters, reply)
    answer = engine.ask(question, "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "fallback"
    assert expected in answer.answer


def test_an_answer_giving_the_graph_count_stands_and_a_stored_number_is_not_counted(
    shared: dict, adapters: dict
) -> None:
    from pipeline.counting import count_asked

    engine, _ = make(
        shared, adapters, "SolverX has sites on three continents: Asia, Europe and North America."
    )
    answer = engine.ask("On how many continents does SolverX have sites?", "hybrid")
    assert answer.answer.startswith("SolverX has sites on three continents")
    grounding = engine.ground("How many employees does SolverX have?", "en")
    assert count_asked(grounding) is None  # the headcount is stored: nothing to count
    grounding = engine.ground("How much did SolverX raise in its Series B?", "en")
    assert count_asked(grounding) is None  # an amount, not a count


def test_what_the_question_sets_aside_is_not_the_answer(shared: dict, adapters: dict) -> None:
    from pipeline.exclusion import excluded

    engine, _ = make(shared, adapters, "SolverX has an office in Asia.")
    answer = engine.ask("Which continent besides Asia has a SolverX office?", "hybrid")
    assert answer.verification is not None and answer.verification["status"] == "fallback"
    assert "North America" in answer.answer or "Europe" in answer.answer
    grounding = engine.ground("솔버엑스가 아시아 말고 사무소를 둔 대륙은 어디인가요?", "ko")
    assert excluded(grounding) == {"Asia"}
    assert excluded(engine.ground("Which continent is the R&D center in?", "en")) == set()
