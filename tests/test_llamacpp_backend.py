"""The llama.cpp backend without running a model: the adapter export's arithmetic and checks,
the Q8_0 copy of the shipped weights, the backend choice (``--backend`` / ``$AXLAB_BACKEND``),
the weights choice (``$AXLAB_LLAMA_WEIGHTS``), the fallbacks to MLX, the repeat guard's last line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lora.convert import unpermute_rows
from lora.gguf_adapter import BaseModelInfo, GgufExportError, export_adapter, lora_tensors, permute_rows
from pipeline.backends import make_backend, resolve_backend
from pipeline.errors import AxlabError

REPO = Path(__file__).resolve().parents[1]
HIDDEN, FFN, HEADS, KV_HEADS, HEAD_DIM, RANK, SCALE = 16, 24, 4, 2, 4, 2, 20.0
BASE = BaseModelInfo(
    arch="llama",
    n_head=HEADS,
    n_head_kv=KV_HEADS,
    shapes={
        "blk.0.attn_q.weight": (HIDDEN, HEADS * HEAD_DIM),
        "blk.0.attn_k.weight": (HIDDEN, KV_HEADS * HEAD_DIM),
        "blk.0.attn_v.weight": (HIDDEN, KV_HEADS * HEAD_DIM),
        "blk.0.ffn_down.weight": (FFN, HIDDEN),
    },
)
MODULES = {
    "self_attn.q_proj": (HIDDEN, HEADS * HEAD_DIM),
    "self_attn.k_proj": (HIDDEN, KV_HEADS * HEAD_DIM),
    "self_attn.v_proj": (HIDDEN, KV_HEADS * HEAD_DIM),
    "mlp.down_proj": (FFN, HIDDEN),
}


def mlx_lora(seed: int = 0) -> dict[str, np.ndarray]:
    """mlx-lm's layout: lora_a (in, r), lora_b (r, out)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for module, (n_in, n_out) in MODULES.items():
        weights[f"model.layers.0.{module}.lora_a"] = rng.normal(size=(n_in, RANK)).astype(np.float32)
        weights[f"model.layers.0.{module}.lora_b"] = rng.normal(size=(RANK, n_out)).astype(np.float32)
    return weights


CONFIG = {"fine_tune_type": "lora", "num_layers": 1, "lora_parameters": {"rank": RANK, "scale": SCALE}}


def test_permute_rows_is_the_inverse_of_the_converters_unpermute() -> None:
    rows = np.arange(HEADS * HEAD_DIM * 3, dtype=np.float32).reshape(HEADS * HEAD_DIM, 3)
    assert np.array_equal(unpermute_rows(permute_rows(rows, HEADS), HEADS), rows)
    assert not np.array_equal(permute_rows(rows, HEADS), rows)


def test_exported_tensors_give_llama_cpp_the_same_weight_delta_as_mlx() -> None:
    """llama.cpp adds (alpha / r) * B A to its (permuted) weight; mlx-lm adds scale * (A B)^T."""
    weights = mlx_lora()
    tensors, alpha = lora_tensors(CONFIG, weights, BASE)
    assert alpha == SCALE * RANK
    for module, (n_in, n_out) in MODULES.items():
        a, b = weights[f"model.layers.0.{module}.lora_a"], weights[f"model.layers.0.{module}.lora_b"]
        mlx_delta = SCALE * (a @ b).T  # (out, in), the Hugging Face row order
        kind = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k"}.get(module)
        target = f"blk.0.{kind or {'self_attn.v_proj': 'attn_v', 'mlp.down_proj': 'ffn_down'}[module]}.weight"
        la, lb = tensors[f"{target}.lora_a"], tensors[f"{target}.lora_b"]
        assert la.shape == (RANK, n_in) and lb.shape == (n_out, RANK)
        llama_delta = (alpha / RANK) * lb @ la
        heads = {"attn_q": HEADS, "attn_k": KV_HEADS}.get(kind or "")
        expected = permute_rows(mlx_delta, heads) if heads else mlx_delta
        np.testing.assert_allclose(llama_delta, expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    ("config", "weights", "message"),
    [
        ({**CONFIG, "fine_tune_type": "dora"}, mlx_lora(), "dora adapter cannot run on llama.cpp"),
        (
            CONFIG,
            {**mlx_lora(), "model.layers.0.self_attn.q_proj.lora_b": np.zeros((RANK, 7), np.float32)},
            "does not fit blk.0.attn_q.weight",
        ),
        (
            CONFIG,
            {
                "model.embed_tokens.lora_a": np.zeros((HIDDEN, RANK), np.float32),
                "model.embed_tokens.lora_b": np.zeros((RANK, 5), np.float32),
            },
            "no llama.cpp equivalent",
        ),
        (CONFIG, {"model.layers.0.self_attn.q_proj.lora_a": np.zeros((HIDDEN, RANK))}, "not lora_a/lora_b pairs"),
        (CONFIG, {"model.layers.9.self_attn.q_proj.lora_a": np.zeros((HIDDEN, RANK)),
                  "model.layers.9.self_attn.q_proj.lora_b": np.zeros((RANK, 16))}, "has no tensor blk.9"),
    ],
)  # fmt: skip
def test_adapters_llama_cpp_cannot_run_are_refused(
    config: dict[str, object], weights: dict[str, np.ndarray], message: str
) -> None:
    with pytest.raises(GgufExportError, match=message):
        lora_tensors(config, weights, BASE)


def write_adapter(folder: Path, weights: dict[str, np.ndarray], config: dict[str, object]) -> Path:
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(folder / "adapters.safetensors"))
    (folder / "adapter_config.json").write_text(json.dumps(config))
    return folder


def test_export_of_the_embedded_model_is_cached_by_content_and_leaves_no_temp_files(tmp_path: Path) -> None:
    from lora.paths import embedded_gguf_path

    hidden, layers = 576, "model.layers.29.self_attn"
    rng = np.random.default_rng(1)
    weights = {
        f"{layers}.q_proj.lora_a": rng.normal(size=(hidden, 4)).astype(np.float32),
        f"{layers}.q_proj.lora_b": rng.normal(size=(4, hidden)).astype(np.float32),
        f"{layers}.k_proj.lora_a": rng.normal(size=(hidden, 4)).astype(np.float32),
        f"{layers}.k_proj.lora_b": rng.normal(size=(4, 192)).astype(np.float32),
    }
    config = {"fine_tune_type": "lora", "num_layers": 1, "lora_parameters": {"rank": 4, "scale": 10.0}}
    adapter = write_adapter(tmp_path / "adapter", weights, config)
    out = tmp_path / "exported"
    first = export_adapter(adapter, embedded_gguf_path(), out_dir=out)
    again = export_adapter(adapter, embedded_gguf_path(), out_dir=out)
    assert first == again and first.stat().st_mtime_ns == again.stat().st_mtime_ns
    assert sorted(p.name for p in out.iterdir()) == [first.name]  # no temp file left

    from gguf import GGUFReader

    reader = GGUFReader(str(first))
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.type"].contents() == "lora"
    assert reader.fields["adapter.lora.alpha"].contents() == pytest.approx(40.0)
    assert {t.name for t in reader.tensors} == {
        f"blk.29.attn_{kind}.weight.lora_{ab}" for kind in ("q", "k") for ab in ("a", "b")
    }
    weights[f"{layers}.q_proj.lora_b"] *= 2
    changed = export_adapter(write_adapter(adapter, weights, config), embedded_gguf_path(), out_dir=out)
    assert changed != first and changed.is_file()


@pytest.mark.parametrize(
    ("choice", "system", "machine", "installed", "expected", "warns"),
    [
        ("auto", "darwin", "arm64", True, "mlx", False),  # Metal
        ("auto", "linux", "x86_64", True, "llama.cpp", False),
        ("auto", "linux", "aarch64", False, "mlx", False),
        ("auto", "darwin", "x86_64", False, "mlx", False),
        ("llama.cpp", "darwin", "arm64", True, "llama.cpp", False),
        ("llama.cpp", "linux", "x86_64", False, "mlx", True),
        ("mlx", "linux", "x86_64", True, "mlx", False),
        ("LLAMA.CPP", "linux", "x86_64", True, "llama.cpp", False),
    ],
)
def test_backend_choice(
    choice: str, system: str, machine: str, installed: bool, expected: str, warns: bool
) -> None:
    name, warning = resolve_backend(choice, system=system, machine=machine, llamacpp=installed)
    assert name == expected
    assert (warning is not None) == warns


def test_backend_choice_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXLAB_BACKEND", "mlx")
    assert resolve_backend(None, system="linux", machine="x86_64", llamacpp=True) == ("mlx", None)
    monkeypatch.delenv("AXLAB_BACKEND")
    assert resolve_backend(None, system="linux", machine="x86_64", llamacpp=True)[0] == "llama.cpp"
    monkeypatch.setenv("AXLAB_BACKEND", "cuda")
    with pytest.raises(AxlabError, match=r"\$AXLAB_BACKEND must be one of mlx, llama.cpp, auto, not 'cuda'"):
        resolve_backend(None)


def test_missing_xllamacpp_falls_back_to_mlx_with_one_warning_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pipeline.backends as backends
    import pipeline.generators.llamacpp as llamacpp
    from pipeline.engine import LoraBackend

    monkeypatch.setattr(llamacpp, "llamacpp_installed", lambda: False)
    monkeypatch.setattr(backends, "_warned", set())
    first, second = make_backend(None, "llama.cpp"), make_backend(None, "llama.cpp")
    assert isinstance(first, LoraBackend) and isinstance(second, LoraBackend)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "axlab: warning: llama.cpp is not installed (pip install xllamacpp); generating with MLX"
    ]
    assert isinstance(make_backend(None, "auto"), LoraBackend)  # auto: MLX, quietly
    assert capsys.readouterr().err == ""


def test_another_model_than_the_embedded_one_runs_on_mlx(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pipeline.backends as backends
    from pipeline.engine import LoraBackend

    monkeypatch.setattr(backends, "_warned", set())
    backend = make_backend("some/hub-model", "llama.cpp")
    assert isinstance(backend, LoraBackend) and backend.model == "some/hub-model"
    assert "llama.cpp runs the embedded model only" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ("ask", "Where is SolverX?", "--backend", "tpu"),
            {},
            "--backend must be one of mlx, llama.cpp, auto",
        ),
        (("ask", "Where is SolverX?"), {"AXLAB_BACKEND": "tpu"}, "$AXLAB_BACKEND must be one of"),
        (("serve", "--backend", "gpu", "--port", "0"), {}, "--backend must be one of mlx, llama.cpp, auto"),
        (
            ("ask", "Where is SolverX?", "--backend", "llama.cpp"),
            {"AXLAB_LLAMA_WEIGHTS": "q2"},
            "$AXLAB_LLAMA_WEIGHTS must be one of q8, shipped, f32",
        ),
    ],
)
def test_a_bad_backend_is_one_line_and_exit_2(
    args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


class ScriptedGenerator:
    """A llama.cpp generator's stream interface, replaying fixed pieces (no model)."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces

    def stream(self, messages: object, max_tokens: int = 256) -> object:
        from lora.generate import Generation, StreamChunk

        for piece in self.pieces:
            yield StreamChunk(piece)
        done = Generation(text="".join(self.pieces), prompt_tokens=9, generation_tokens=len(self.pieces))
        yield StreamChunk("", done=True, generation=done)


def test_the_last_line_held_back_by_the_repeat_guard_reaches_the_answer() -> None:
    from pipeline.backends import LlamaCppBackend
    from pipeline.types import GenerationStats

    backend = LlamaCppBackend(threads=1)
    # the last line starts like the first one, so the guard holds it until the stream ends
    pieces = ["SolverX has 120 employees.\n", "SolverX has", " 120"]
    backend._generators[backend._key(None)] = ScriptedGenerator(pieces)  # type: ignore[assignment]
    out = list(backend.stream([{"role": "user", "content": "?"}], 8, None))
    text = "".join(piece for piece in out if isinstance(piece, str))
    assert text == "SolverX has 120 employees.\nSolverX has 120"
    assert isinstance(out[-1], GenerationStats) and out[-1].decode_tokens == 3


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, "q8"), ("Q8", "q8"), ("shipped", "shipped"), (" f32 ", "f32")]
)
def test_llama_weights_default_to_the_q8_copy(
    raw: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.backends import check_weights

    if raw is None:
        monkeypatch.delenv("AXLAB_LLAMA_WEIGHTS", raising=False)
    else:
        monkeypatch.setenv("AXLAB_LLAMA_WEIGHTS", raw)
    assert check_weights(None) == expected


def test_the_q8_copy_keeps_the_shipped_weights_and_metadata(tmp_path: Path) -> None:
    from gguf import GGMLQuantizationType, GGUFReader
    from gguf.quants import dequantize

    from lora.gguf_model import q8_gguf
    from lora.paths import embedded_gguf_path

    shipped = embedded_gguf_path()
    first = q8_gguf(shipped, out_dir=tmp_path)
    again = q8_gguf(shipped, out_dir=tmp_path)
    assert first == again and first.stat().st_mtime_ns == again.stat().st_mtime_ns
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temp file left
    source, copy = GGUFReader(str(shipped)), GGUFReader(str(first))
    assert copy.fields["general.file_type"].contents() == 7  # LLAMA_FTYPE_MOSTLY_Q8_0
    for key in ("tokenizer.ggml.tokens", "tokenizer.chat_template", "llama.attention.head_count"):
        assert copy.fields[key].contents() == source.fields[key].contents()
    assert [t.name for t in copy.tensors] == [t.name for t in source.tensors]
    converted = 0
    for old, new in zip(source.tensors, copy.tensors, strict=True):
        if old.tensor_type in (GGMLQuantizationType.F32, GGMLQuantizationType.Q8_0):
            assert new.tensor_type == old.tensor_type and np.array_equal(new.data, old.data), old.name
            continue
        assert old.tensor_type == GGMLQuantizationType.Q4_1 and new.tensor_type == GGMLQuantizationType.Q8_0
        before = dequantize(old.data, old.tensor_type).reshape(-1, 32).astype(np.float64)
        after = dequantize(new.data, new.tensor_type).reshape(-1, 32).astype(np.float64)
        step = (before.max(axis=1) - before.min(axis=1)) / 15  # one Q4_1 level
        assert np.all(np.abs(after - before).max(axis=1) <= 0.06 * step + 1e-12), old.name
        converted += 1
    assert converted > 100


def test_thread_counts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoding on half the CPUs, prompts on all of them (bench/bench_latency.py: prompt processing
    1.6x faster on a quiet 2-core machine, the same under load); each overridable."""
    from pipeline.generators.base import GeneratorError
    from pipeline.generators.llamacpp import default_batch_threads, default_threads

    monkeypatch.delenv("AXLAB_LLAMA_THREADS", raising=False)
    monkeypatch.delenv("AXLAB_LLAMA_BATCH_THREADS", raising=False)
    cpus = len(os.sched_getaffinity(0))
    assert default_threads() == max(1, cpus // 2) and default_batch_threads() == cpus
    monkeypatch.setenv("AXLAB_LLAMA_BATCH_THREADS", "3")
    assert default_batch_threads() == 3
    monkeypatch.setenv("AXLAB_LLAMA_THREADS", "zero")
    with pytest.raises(GeneratorError, match="AXLAB_LLAMA_THREADS must be a positive integer"):
        default_threads()
