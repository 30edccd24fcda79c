"""Input the service must refuse with a clear 4xx before anything runs, and honest hints:
lone surrogates and invisible questions, non-integer max_tokens, modes without an adapter,
and a Retry-After that reflects the queue."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from pipeline.server import ServerSettings, create_app
from pipeline.server.testing import ScriptedAnswerer, ServerThread, serve_double

BLANK_QUESTIONS = [
    "\x00",
    "\x00\x00\x00",
    "\u200b",
    "\u200b\u200d\ufeff",
    " \u2060 \x00 ",
    "\u3164",
    "\u00ad",
]
NOT_INTEGERS = [True, False, "5", 2.0, 2.5]


@pytest.fixture(scope="module")
def answerer() -> ScriptedAnswerer:
    return ScriptedAnswerer()


@pytest.fixture(scope="module")
def client(answerer: ScriptedAnswerer) -> Iterator[httpx.Client]:
    with serve_double(answerer) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def chat(client: httpx.Client, body: str) -> httpx.Response:
    return client.post(
        "/v1/chat/completions", content=body.encode(), headers={"Content-Type": "application/json"}
    )


# ------------------------------------------------------------------------------ text
@pytest.mark.parametrize(
    "messages",
    [
        '[{"role": "user", "content": "\\ud800"}]',
        '[{"role": "user", "content": "Where is SolverX? \\udfff"}]',
        '[{"role": "user", "content": [{"type": "text", "text": "hi \\ud83d"}]}]',
        '[{"role": "system", "content": "\\udc00"}, {"role": "user", "content": "hi"}]',
    ],
)
def test_lone_surrogate_in_chat_content_is_400(
    client: httpx.Client, answerer: ScriptedAnswerer, messages: str
) -> None:
    before = len(answerer.calls)
    response = chat(client, f'{{"model": "axlab-graph", "messages": {messages}}}')
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and "surrogate" in error["message"]
    assert len(answerer.calls) == before  # nothing reached the model


def test_lone_surrogate_in_ask_is_422(client: httpx.Client) -> None:
    response = client.post(
        "/ask", content=b'{"question": "\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_a_valid_surrogate_pair_is_text(client: httpx.Client, answerer: ScriptedAnswerer) -> None:
    response = chat(
        client, '{"model": "axlab-graph", "messages": [{"role": "user", "content": "hi \\ud83d\\ude00"}]}'
    )
    assert response.status_code == 200, response.text
    assert answerer.calls[-1][0] == "hi \U0001f600"


@pytest.mark.parametrize("question", BLANK_QUESTIONS)
def test_invisible_questions_are_refused(
    client: httpx.Client, answerer: ScriptedAnswerer, question: str
) -> None:
    before = len(answerer.calls)
    ask = client.post("/ask", json={"question": question})
    assert ask.status_code == 422, ask.text
    assert "visible text" in ask.text
    completion = client.post(
        "/v1/chat/completions",
        json={"model": "axlab-graph", "messages": [{"role": "user", "content": question}]},
    )
    assert completion.status_code == 400, completion.text
    assert "visible text" in completion.json()["error"]["message"]
    assert len(answerer.calls) == before


def test_visible_text_with_invisible_characters_is_kept(
    client: httpx.Client, answerer: ScriptedAnswerer
) -> None:
    question = "\u200bWhere\x00 is SolverX?"
    assert client.post("/ask", json={"question": question}).status_code == 200
    assert answerer.calls[-1][0] == question  # verbatim: the engine decides what to strip


def test_questions_are_nfc_normalised(client: httpx.Client, answerer: ScriptedAnswerer) -> None:
    decomposed = unicodedata.normalize("NFD", "솔버엑스는 어디에 있나요?")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    assert client.post("/ask", json={"question": decomposed}).status_code == 200
    assert answerer.calls[-1][0] == "솔버엑스는 어디에 있나요?"


# ------------------------------------------------------------------------------ max_tokens
@pytest.mark.parametrize("value", NOT_INTEGERS)
def test_max_tokens_must_be_an_integer(
    client: httpx.Client, answerer: ScriptedAnswerer, value: object
) -> None:
    before = len(answerer.calls)
    ask = client.post("/ask", json={"question": "When was SolverX founded?", "max_tokens": value})
    assert ask.status_code == 422, ask.text
    assert ask.json()["detail"][0]["loc"] == ["body", "max_tokens"]
    for field in ("max_tokens", "max_completion_tokens"):
        completion = client.post(
            "/v1/chat/completions",
            json={"model": "axlab-graph", "messages": [{"role": "user", "content": "q"}], field: value},
        )
        assert completion.status_code == 400, completion.text
        assert field in completion.json()["error"]["message"]
    assert len(answerer.calls) == before


# ------------------------------------------------------------------------ unavailable modes
def test_a_mode_without_its_adapter_is_a_quick_4xx(tmp_path: Path) -> None:
    """The real engine with adapters that do not exist: lora and hybrid are refused before
    queueing (409 / OpenAI 404 model_not_found, with the engine's reason), not 503."""
    from kg import KnowledgeGraph
    from pipeline.engine import AnswerEngine

    kg = KnowledgeGraph.load()
    engine = AnswerEngine(lora_adapter=tmp_path / "no-lora", hybrid_adapter=tmp_path / "no-hybrid", kg=kg)
    app = create_app(lambda: engine, lambda: kg, ServerSettings())
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        for mode in ("lora", "hybrid"):
            started = time.monotonic()
            ask = http.post("/ask", json={"question": "Where is SolverX?", "mode": mode})
            assert ask.status_code == 409, ask.text
            assert f"mode '{mode}' is not available" in ask.json()["detail"] and "no-" in ask.json()["detail"]
            completion = http.post(
                "/v1/chat/completions",
                json={
                    "model": f"axlab-{mode}",
                    "messages": [{"role": "user", "content": "Where is SolverX?"}],
                },
            )
            assert completion.status_code == 404, completion.text
            assert completion.json()["error"]["code"] == "model_not_found"
            assert time.monotonic() - started < 2
        assert http.get("/health").json()["generation"]["completed"] == 0  # nothing was queued


# ------------------------------------------------------------------------------ Retry-After
def test_retry_after_reflects_the_queue() -> None:
    """Generations of ~8 s, one running and two waiting: the next request's turn is ~24 s
    away, and Retry-After says so (it said 5 before: a 1 s prior in a slow moving average).
    A gate holds the three generations until the refusal is seen, so a loaded machine cannot
    let the queue drain before the test looks at it."""
    gate = threading.Event()
    gate.set()
    slow = ScriptedAnswerer(text=" ".join(f"w{i}" for i in range(40)), token_delay=0.2, gate=gate)
    with (
        serve_double(slow, ServerSettings(queue_size=2)) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        assert http.post("/ask", json={"question": "first"}).status_code == 200  # learn the duration
        gate.clear()
        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(http.post, "/ask", json={"question": f"q{i}"}) for i in range(3)]
            deadline = time.monotonic() + 60
            while (generation := http.get("/health").json()["generation"])["waiting"] < 2 or (
                generation["running"] < 1
            ):
                assert time.monotonic() < deadline, "the queue did not fill"
                time.sleep(0.05)
            refused = http.post("/ask", json={"question": "one too many"})
            slow.token_delay = 0.0  # the held generations may now finish at once
            gate.set()
            assert refused.status_code == 429
            retry_after = int(refused.headers["retry-after"])
            assert 16 <= retry_after <= 32, retry_after
            for future in futures:
                assert future.result().status_code == 200
