"""RemoteGenerator against a real OpenAI-compatible server: ``mlx_lm server`` on loopback with the
embedded SmolLM2 folder from lora's converter; plus the one-line errors when nothing listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipeline.generators import GeneratorError, RemoteGenerator, generator_from_env
from pipeline.generators.remote import api_base

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_model() -> Path:
    """The converted embedded folder at lora's default precision (float32 on Linux: MLX's CPU
    quantized kernels take minutes per answer there)."""
    try:
        from lora.convert import embedded_model_path
        from lora.models import default_precision
    except ImportError as exc:  # pragma: no cover - lora's converter not available
        pytest.skip(f"lora's converter (lora.convert.embedded_model_path) is not available: {exc}")
    try:
        return embedded_model_path(default_precision())  # type: ignore[arg-type]
    except Exception as exc:  # pragma: no cover - package missing on this machine
        pytest.skip(f"the embedded model cannot be prepared here: {exc}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = embedded_model()
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    from lora.blas import _find_openblas

    blas = _find_openblas()
    if blas:  # the fast BLAS for MLX's CPU back-end, as lora does in process
        env["LD_PRELOAD"] = blas
    command = [sys.executable, "-m", "mlx_lm", "server", "--model", str(model), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--max-tokens", "64"]
    log = (tmp_path_factory.mktemp("mlx-server") / "server.log").open("w")
    proc = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"mlx_lm server exited with {proc.returncode}")
            try:
                httpx.get(f"{url}/health", timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("mlx_lm server did not start within 40 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.mark.model
def test_generate_against_mlx_server(server: str) -> None:
    gen = RemoteGenerator(server, model="default_model", timeout=60)
    result = gen.generate(QUESTION, max_tokens=16)
    assert result.text
    assert "paris" in result.text.lower()
    assert result.prompt_tokens > 0 and 0 < result.generation_tokens <= 16
    assert result.elapsed_s > 0
    assert result.finish_reason in ("stop", "length")


@pytest.mark.model
def test_stream_against_mlx_server(server: str) -> None:
    gen = generator_from_env(url=server + "/v1/")
    assert gen is not None
    chunks = list(gen.generate(QUESTION, max_tokens=16, stream=True))
    assert chunks[-1].done and chunks[-1].generation is not None
    pieces = "".join(c.text for c in chunks[:-1])
    assert len(chunks) > 2  # really streamed, piece by piece
    assert chunks[-1].generation.text == pieces.strip()
    assert gen.model_id == "default_model"  # mlx_lm's name for its --model (discovered)


@pytest.mark.model
def test_bad_request_is_one_line(server: str) -> None:
    gen = RemoteGenerator(server, model="default_model")
    with pytest.raises(GeneratorError, match="max_tokens"):
        gen.generate(QUESTION, max_tokens=0)


def test_unreachable_server_is_one_clear_line() -> None:
    port = free_port()  # nothing listens there
    gen = RemoteGenerator(f"http://127.0.0.1:{port}", model="m", timeout=5)
    with pytest.raises(GeneratorError) as info:
        gen.generate(QUESTION, max_tokens=4)
    message = str(info.value)
    assert "\n" not in message
    assert f"cannot reach the generator server at http://127.0.0.1:{port}/v1" in message
    with pytest.raises(GeneratorError, match="cannot reach"):
        list(gen.generate(QUESTION, max_tokens=4, stream=True))
    with pytest.raises(GeneratorError, match="cannot reach"):
        _ = RemoteGenerator(f"http://127.0.0.1:{port}", timeout=5).model_id


def test_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AXLAB_GENERATOR_URL", raising=False)
    assert generator_from_env() is None  # in-process MLX
    monkeypatch.setenv("AXLAB_GENERATOR_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("AXLAB_GENERATOR_MODEL", "smol")
    monkeypatch.setenv("AXLAB_GENERATOR_TIMEOUT", "3")
    gen = generator_from_env()
    assert gen is not None and gen.base_url == "http://127.0.0.1:9/v1" and gen.model_id == "smol"
    assert gen.timeout == 3.0
    monkeypatch.setenv("AXLAB_GENERATOR_TIMEOUT", "soon")
    with pytest.raises(GeneratorError, match="AXLAB_GENERATOR_TIMEOUT"):
        generator_from_env()
    assert api_base("http://h:1/v1/") == "http://h:1/v1"
    with pytest.raises(GeneratorError, match="http://"):
        api_base("ftp://h")
