"""``axlab serve`` as a user starts it (a subprocess), asked in every mode through its real API.

MLX keeps streams per thread: a model with a LoRA adapter loaded on one thread (the start-up
warm-up) could not generate on another (the request worker), so lora and hybrid answered 500
("There is no Stream(cpu, 0) in current thread"). These tests ask base, lora, graph and hybrid
interleaved, send concurrent chat completions to two models, and use ``ask --server``.

Marked ``model``: the embedded SmolLM2-135M on CPU with a tiny adapter trained for the module.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest_lora import REPO, run_cli

pytestmark = pytest.mark.model

TOKENS = 16
DOMAIN = "Where is the SolverX R&D center?"
QUESTIONS = {
    "base": "What is the capital of France?",
    "lora": "What is SolverX's core product?",
    "graph": DOMAIN,
    "hybrid": "Who is the CEO of SolverX?",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny adapter trained on the first rows of freshly prepared fact data (3 steps, 2 layers: the
    point is loading it; the generated sets are not tracked files)."""
    from lora.prepare import prepare_data
    from lora.train import TrainConfig, train

    root = tmp_path_factory.mktemp("serve-adapter")
    prepare_data(out_dir=root / "full")
    data = root / "data"
    data.mkdir()
    rows = (root / "full" / "train.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    (data / "train.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = TrainConfig(
        data=str(data),
        adapter_path=str(root / "adapter"),
        iters=3,
        batch_size=2,
        num_layers=2,
        learning_rate=1e-4,
        save_every=3,
        steps_per_report=3,
        steps_per_eval=3,
    )
    train(config, show_progress=False)
    return root / "adapter"


@pytest.fixture(scope="module")
def server(adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    args = [
        sys.executable, "-m", "pipeline", "serve", "--port", str(port),
        "--lora-adapter", str(adapter), "--hybrid-adapter", str(adapter), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            assert proc.poll() is None, f"axlab serve exited: {log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "axlab serve did not come up"
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def _ask(url: str, mode: str, question: str) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/ask", json={"question": question, "mode": mode, "max_tokens": TOKENS}, timeout=600
    )
    assert response.status_code == 200, (mode, response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


def test_every_mode_answers_interleaved(server: str, adapter: Path) -> None:
    for _ in range(2):
        for mode in ("hybrid", "base", "lora", "graph"):
            body = _ask(server, mode, QUESTIONS[mode])
            assert body["mode"] == mode and body["answer"].strip(), body
            assert body["adapter"] == (str(adapter) if mode in ("lora", "hybrid") else None)
            timings = body["timings_ms"]
            assert timings["prefill_tokens"] > 10 and 1 <= timings["decode_tokens"] <= TOKENS, timings
            assert timings["decode_tok_s"] > 0
            if mode in ("graph", "hybrid"):
                assert body["context"], "graph and hybrid modes carry the retrieved facts"


def _chat(url: str, model: str, stream: bool) -> tuple[int, str]:
    payload = {
        "model": model,
        "messages": [{"role": "user", "content": DOMAIN}],
        "max_tokens": TOKENS,
        "stream": stream,
    }
    if not stream:
        response = httpx.post(f"{url}/v1/chat/completions", json=payload, timeout=600)
        text = response.json()["choices"][0]["message"]["content"] if response.status_code == 200 else ""
        return response.status_code, text
    pieces: list[str] = []
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=payload, timeout=600) as response:
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[len("data: ") :])
            assert "error" not in event, event
            pieces.append(event["choices"][0]["delta"].get("content") or "")
        return response.status_code, "".join(pieces)


def test_concurrent_chat_completions_with_two_models(server: str) -> None:
    jobs = [("axlab-graph", False), ("axlab-hybrid", False), ("axlab-hybrid", True), ("axlab-graph", True)]
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(lambda job: _chat(server, *job), jobs))
    for (model, stream), (status, text) in zip(jobs, results, strict=True):
        assert status == 200, (model, stream, status)
        assert text.strip(), (model, stream)
    health = httpx.get(f"{server}/health", timeout=30).json()
    assert health["generation"]["running"] == 0


def test_ask_client_mode_prints_the_servers_answer(server: str) -> None:
    local_keys = {"question", "mode", "answer", "context", "abstained", "model", "adapter", "timings_ms"}
    result = run_cli(
        "ask", DOMAIN, "--mode", "graph", "--json", "--max-tokens", str(TOKENS), "--server", server
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert local_keys <= set(body) and body["mode"] == "graph" and body["answer"].strip()
    assert body["context"]

    via_env = run_cli("ask", QUESTIONS["hybrid"], "--max-tokens", str(TOKENS), env={"AXLAB_SERVER": server})
    assert via_env.returncode == 0, via_env.stderr
    assert via_env.stdout.strip() and "mode hybrid" in via_env.stderr

    blank = run_cli("ask", "   ", "--server", server)
    assert blank.returncode == 2 and "Traceback" not in blank.stderr
    assert "question" in blank.stderr and len(blank.stderr.strip().splitlines()) == 1


def test_ask_client_mode_without_a_server_is_one_line() -> None:
    result = run_cli("ask", DOMAIN, "--server", f"http://127.0.0.1:{_free_port()}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot reach the AX Lab server" in result.stderr
