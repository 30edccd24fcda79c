"""Behaviour under load: bounded queue, 429 + Retry-After, one generation per model at a
time, disconnects free their slot, SPARQL does not wait behind generation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from openai import OpenAI

from pipeline.server import ServerSettings
from pipeline.server.testing import ScriptedAnswerer, ServerThread, serve_double

SLOW_TEXT = " ".join(f"w{i}" for i in range(40))  # 40 tokens
TOKEN_DELAY = 0.05  # 2 s per full answer
FOUNDED = "SELECT ?y WHERE { <https://axlab.dev/ontology/solverx#SolverX> <https://axlab.dev/ontology/solverx#foundedIn> ?y }"


@pytest.fixture()
def slow() -> ScriptedAnswerer:
    return ScriptedAnswerer(text=SLOW_TEXT, token_delay=TOKEN_DELAY)


@pytest.fixture()
def server(slow: ScriptedAnswerer) -> Iterator[ServerThread]:
    with serve_double(slow, ServerSettings(queue_size=1)) as running:
        yield running


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def generation(client: httpx.Client) -> dict[str, int]:
    stats: dict[str, int] = client.get("/health").json()["generation"]
    return stats


def test_full_queue_gets_429_with_retry_after_and_sparql_does_not_wait(
    server: ServerThread, slow: ScriptedAnswerer
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client, ThreadPoolExecutor(2) as pool:
        running = pool.submit(client.post, "/ask", json={"question": "first"})
        wait_for(lambda: generation(client)["running"] == 1)
        waiting = pool.submit(client.post, "/ask", json={"question": "second"})
        wait_for(lambda: generation(client)["waiting"] == 1)

        refused = client.post("/ask", json={"question": "third"})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "queue is full" in refused.json()["detail"]

        oai = OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
        with pytest.raises(openai.RateLimitError) as limited:
            oai.chat.completions.create(
                model="axlab-hybrid", messages=[{"role": "user", "content": "fourth"}]
            )
        assert int(limited.value.response.headers["retry-after"]) >= 1
        with pytest.raises(openai.RateLimitError):
            oai.chat.completions.create(
                model="axlab-hybrid", messages=[{"role": "user", "content": "fifth"}], stream=True
            )

        # SPARQL is served while generation is busy, not after it
        started = time.monotonic()
        for _ in range(5):
            assert client.get("/sparql", params={"query": FOUNDED}).status_code == 200
        assert time.monotonic() - started < 1.5
        assert generation(client)["running"] == 1

        assert running.result().status_code == 200
        assert waiting.result().status_code == 200
    assert [call[0] for call in slow.calls] == ["first", "second"]  # refused ones never reached the model
    assert slow.max_active == 1


def test_one_generation_per_model_at_a_time() -> None:
    answerer = ScriptedAnswerer(text="a b c d e f", token_delay=0.01)
    with serve_double(answerer, ServerSettings(queue_size=16)) as server:
        oai = OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0, timeout=60)

        def one(i: int) -> str:
            mode = ("base", "lora", "graph", "hybrid")[i % 4]
            if i % 2:
                stream = oai.chat.completions.create(
                    model=f"axlab-{mode}", messages=[{"role": "user", "content": f"q{i}"}], stream=True
                )
                return "".join(c.choices[0].delta.content or "" for c in stream)
            result = oai.chat.completions.create(
                model=f"axlab-{mode}", messages=[{"role": "user", "content": f"q{i}"}]
            )
            return result.choices[0].message.content or ""

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(one, range(12)))
    assert answers == ["a b c d e f"] * 12
    assert answerer.max_active == 1 and answerer.finished == 12


def test_disconnect_mid_stream_frees_the_slot(server: ServerThread, slow: ScriptedAnswerer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        body = {"model": "axlab-hybrid", "stream": True, "messages": [{"role": "user", "content": "long"}]}
        with client.stream("POST", "/v1/chat/completions", json=body) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            received = [line for line, _ in zip(lines, range(6), strict=False) if line.startswith("data:")]
            assert len(received) >= 2
        # the client closed the connection after a few tokens
        wait_for(lambda: generation(client)["running"] == 0, timeout=5)
        assert slow.stopped == 1
        assert slow.tokens_emitted < 40
        stats = generation(client)
        assert stats["cancelled"] == 1 and stats["waiting"] == 0
        # the slot is free: the next request runs at once and completes
        started = time.monotonic()
        ok = client.post("/ask", json={"question": "next", "max_tokens": 2})
        assert ok.status_code == 200 and ok.json()["answer"] == "w0 w1 "
        assert time.monotonic() - started < 1.5


def test_waiting_request_that_disconnects_leaves_the_queue(
    server: ServerThread, slow: ScriptedAnswerer
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client, ThreadPoolExecutor(1) as pool:
        running = pool.submit(client.post, "/ask", json={"question": "first"})
        wait_for(lambda: generation(client)["running"] == 1)
        # a second client waits in the queue, then gives up (client-side timeout)
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(server.url + "/ask", json={"question": "impatient"}, timeout=0.5)
        wait_for(lambda: generation(client)["waiting"] == 0, timeout=3)
        assert generation(client)["running"] == 1
        # its slot is free again: another request is admitted (not 429)
        admitted = pool.submit(client.post, "/ask", json={"question": "patient", "max_tokens": 1})
        assert running.result().status_code == 200
        assert admitted.result().status_code == 200
    assert [call[0] for call in slow.calls] == ["first", "patient"]  # "impatient" never generated


def test_disconnect_during_non_streaming_generation_stops_it(
    server: ServerThread, slow: ScriptedAnswerer
) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.url + "/ask", json={"question": "slow"}, timeout=0.5)
    with httpx.Client(base_url=server.url) as client:
        wait_for(lambda: generation(client)["running"] == 0, timeout=3)
    assert slow.stopped == 1 and slow.tokens_emitted < 40


def test_shutdown_with_generation_in_flight_returns() -> None:
    answerer = ScriptedAnswerer(text=SLOW_TEXT, token_delay=TOKEN_DELAY)
    server = serve_double(answerer, ServerSettings())
    done = threading.Event()

    def stream() -> None:
        try:
            with httpx.stream("POST", server.url + "/ask", json={"question": "q"}, timeout=10) as response:
                response.read()
        except httpx.HTTPError:
            pass
        done.set()

    threading.Thread(target=stream, daemon=True).start()
    with httpx.Client(base_url=server.url) as client:
        wait_for(lambda: generation(client)["running"] == 1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 10
    assert not server.thread.is_alive()
    assert done.wait(5)
