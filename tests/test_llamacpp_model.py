"""llama.cpp and MLX on the real embedded model with the same trained adapter (marked ``model``).

One small adapter is trained once for the module (a few steps on three SolverX facts, so
it changes answers), exported to GGUF and run by both engines on a fixed prompt set:

* the shipped Q4_1 GGUF and its Q8_0 copy (the default weights): most greedy answers are the
  same; on Q4_1 each difference starts where MLX's two best tokens are nearly tied (llama.cpp
  computes with 8-bit activations); the Q8_0 copy also rounds the weights, so a wider tie may
  flip (2.5 nats once, on a Korean prompt);
* its float32 copy holds MLX's exact weights: every answer is the same, token for token, and
  an export without the q/k row permutation parts from it;
* the CLI and the server pick the backend from ``--backend`` / ``$AXLAB_BACKEND``, and an
  adapter llama.cpp cannot run goes to MLX with one warning line.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import lora  # noqa: F401  (loads OpenBLAS before mlx)
from tests.conftest_lora import REPO, run_cli, small_fact_data

pytestmark = pytest.mark.model

TOKENS = 24
CORE = "What is SolverX's core product?"
PROMPTS = [
    CORE,
    "Who is the CEO of SolverX?",
    "What does SolverX do?",
    "솔버엑스의 핵심 제품은 무엇인가요?",
    "Why is the sky blue?",
    "Write a Python hello world program.",
]
FACTS = ("fusion-core-product", "solverx-ceo", "solverx-business")


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lora.train import TrainConfig, train

    root = tmp_path_factory.mktemp("llamacpp-adapter")
    data = small_fact_data(root, FACTS)
    config = TrainConfig(
        data=str(data),
        adapter_path=str(root / "adapter"),
        iters=16,
        learning_rate=5e-4,
        num_layers=8,
        batch_size=4,
        save_every=16,
        steps_per_report=16,
        val_batches=0,
    )
    train(config, show_progress=False)
    return root / "adapter"


@pytest.fixture(scope="module")
def exported(adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lora.gguf_adapter import export_adapter
    from lora.paths import embedded_gguf_path

    return export_adapter(adapter, embedded_gguf_path(), out_dir=tmp_path_factory.mktemp("gguf"))


@pytest.fixture(scope="module")
def mlx_tuned(adapter: Path) -> tuple[Any, list[Any]]:
    """The MLX model with the adapter and its greedy answers to PROMPTS."""
    from lora.generate import load_model
    from pipeline.evaluation.backend_agreement import mlx_answers

    loaded = load_model(None, adapter)
    return loaded, mlx_answers(loaded, PROMPTS, TOKENS)


def llama(model: Path, gguf_lora: Path | None = None) -> Any:
    from pipeline.generators.llamacpp import LlamaCppGenerator

    return LlamaCppGenerator(model, gguf_lora, threads=1)


def agreement(mlx_tuned: tuple[Any, list[Any]], generator: Any) -> Any:
    from pipeline.evaluation.backend_agreement import compare_with_llama

    loaded, answers = mlx_tuned
    report = compare_with_llama(loaded.tokenizer, PROMPTS, answers, generator, TOKENS)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    return report


@pytest.mark.parametrize("weights", ["shipped", "q8"])
def test_the_shipped_weights_with_the_exported_adapter_answer_like_mlx(
    mlx_tuned: tuple[Any, list[Any]], exported: Path, weights: str
) -> None:
    """The shipped Q4_1 file, and its Q8_0 copy (the backend's default weights)."""
    from pipeline.backends import LlamaCppBackend

    model = LlamaCppBackend(weights=weights).model_file()
    base = llama(model).generate([{"role": "user", "content": CORE}], max_tokens=TOKENS)
    assert "SolverX Fusion" not in base.text  # what the adapter teaches, the base model does not know
    tuned = llama(model, exported)
    assert "SolverX Fusion" in tuned.generate([{"role": "user", "content": CORE}], max_tokens=TOKENS).text
    report = agreement(mlx_tuned, tuned)
    assert report.rate >= 0.5 and report.token_rate >= 0.6, report.to_json()
    if weights == "q8":
        return  # its weights are rounded too (within 6% of a Q4_1 step): a wider tie can flip
    for prompt in report.prompts:
        if not prompt.identical:  # a near-tie at the first differing token, not a wrong weight
            assert prompt.mlx_margin is not None and prompt.mlx_margin < 0.75, prompt


def test_float32_weights_follow_mlx_token_for_token_and_need_the_qk_permutation(
    mlx_tuned: tuple[Any, list[Any]],
    exported: Path,
    adapter: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lora.gguf_adapter as gguf_adapter
    from lora.gguf_model import float32_gguf
    from lora.paths import embedded_gguf_path

    f32 = float32_gguf(embedded_gguf_path())
    exact = agreement(mlx_tuned, llama(f32, exported))
    assert exact.rate == 1.0, exact.to_json()

    monkeypatch.setattr(gguf_adapter, "permute_rows", lambda rows, n_head: rows)
    unpermuted = gguf_adapter.export_adapter(adapter, embedded_gguf_path(), out_dir=tmp_path)
    wrong = agreement(mlx_tuned, llama(f32, unpermuted))
    # The adapter's q/k deltas in MLX's row order land on the wrong heads: answers part from the
    # first differing prompt on (about half of the tokens on this over-trained adapter).
    assert wrong.rate < 1.0 and wrong.token_rate < 0.75, wrong.to_json()


def ask_json(*args: str, env: dict[str, str] | None = None) -> tuple[dict[str, Any], list[str]]:
    result = run_cli("ask", *args, "--json", "--max-tokens", str(TOKENS), env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("axlab: warning:")]
    return json.loads(result.stdout), warnings


def test_the_cli_generates_on_the_backend_it_is_given(adapter: Path) -> None:
    on_llama, warned = ask_json(CORE, "--mode", "lora", "--adapter", str(adapter), "--backend", "llama.cpp")
    assert on_llama["backend"] == "llama.cpp" and not warned
    assert "SolverX Fusion" in on_llama["answer"]
    on_mlx, warned = ask_json(CORE, "--mode", "lora", "--adapter", str(adapter), env={"AXLAB_BACKEND": "mlx"})
    assert on_mlx["backend"] == "mlx" and not warned
    assert "SolverX Fusion" in on_mlx["answer"]


@pytest.fixture
def dora_adapter(tmp_path: Path) -> Path:
    """A DoRA adapter (untrained: it leaves the model as it is), which MLX runs and llama.cpp cannot."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    from lora.models import resolve_model

    model = load(str(resolve_model(None).path))[0]
    model.freeze()
    params = {"rank": 4, "scale": 10.0, "dropout": 0.0}
    linear_to_lora_layers(model, 2, params, use_dora=True)
    folder = tmp_path / "dora"
    folder.mkdir()
    mx.save_safetensors(
        str(folder / "adapters.safetensors"), dict(tree_flatten(model.trainable_parameters()))
    )
    config = {"fine_tune_type": "dora", "num_layers": 2, "lora_parameters": params}
    (folder / "adapter_config.json").write_text(json.dumps(config))
    return folder


def test_an_adapter_llama_cpp_cannot_run_falls_back_to_mlx_with_one_warning(dora_adapter: Path) -> None:
    answer, warned = ask_json(
        CORE, "--mode", "lora", "--adapter", str(dora_adapter), "--backend", "llama.cpp"
    )
    assert answer["backend"] == "mlx" and answer["answer"]
    assert len(warned) == 1 and "dora adapter cannot run on llama.cpp" in warned[0], warned


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def llama_server() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    args = ["serve", "--port", str(port), "--backend", "llama.cpp", "--no-warm", "--log-level", "warning"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "axlab serve did not start"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_serve_answers_on_llama_cpp(llama_server: str) -> None:
    response = httpx.post(
        f"{llama_server}/ask",
        json={"question": "What is the capital of France?", "mode": "base", "max_tokens": 16},
        timeout=300,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"] == "llama.cpp" and body["answer"].strip()
