"""Which engine generates: MLX or llama.cpp (``--backend mlx|llama.cpp|auto``, env ``AXLAB_BACKEND``).

:func:`resolve_backend` is the one place the choice is made:

* ``mlx``: MLX (:class:`pipeline.engine.LoraBackend`), as always;
* ``llama.cpp``: llama.cpp through ``xllamacpp`` on the embedded model's shipped Q4_1 GGUF
  re-rounded to Q8_0 (``$AXLAB_LLAMA_WEIGHTS``: ``q8``, the default, the same weights in
  blocks llama.cpp's CPU kernels compute about 1.6x faster on prompts; ``shipped``, the Q4_1 file
  itself; ``f32``, its float32 copy, slower but token for token MLX's float32 answers; the
  copies: :mod:`lora.gguf_model`), with the same adapters exported as GGUF LoRA files
  (:mod:`lora.gguf_adapter`);
* ``auto`` (default): MLX on Apple Silicon (Metal), llama.cpp on Linux when ``xllamacpp`` is
  installed, MLX otherwise.

MLX stays the training engine everywhere. Whatever llama.cpp cannot do falls back to MLX with
one warning line on stderr: ``xllamacpp`` missing (when asked for by name), a model other than
the embedded one (ditto), an adapter that does not export (:class:`LlamaCppBackend`).
"""

from __future__ import annotations

import os
import platform
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pipeline.errors import AxlabError
from pipeline.types import GenerationStats

if TYPE_CHECKING:
    from pipeline.engine import Backend, LoraBackend
    from pipeline.generators.llamacpp import LlamaCppGenerator
    from pipeline.prompt import Message

BackendName = Literal["mlx", "llama.cpp"]
BACKEND_CHOICES = ("mlx", "llama.cpp", "auto")
ENV_BACKEND = "AXLAB_BACKEND"
ENV_WEIGHTS = "AXLAB_LLAMA_WEIGHTS"
#: the shipped Q4_1 GGUF re-rounded to Q8_0 (default), the Q4_1 file itself, or its float32 copy
#: (matches MLX exactly)
WEIGHT_CHOICES = ("q8", "shipped", "f32")
MLX: BackendName = "mlx"
LLAMACPP: BackendName = "llama.cpp"

_warned: set[str] = set()
_warn_lock = threading.Lock()


def warn_once(message: str) -> None:
    """One ``axlab: warning: ...`` line on stderr, once per process and message."""
    with _warn_lock:
        if message in _warned:
            return
        _warned.add(message)
    sys.stderr.write(f"axlab: warning: {message}\n")
    sys.stderr.flush()


def check_choice(choice: str | None) -> str:
    """``choice`` (else ``$AXLAB_BACKEND``, else ``auto``), or a one-line user error."""
    source = "--backend"
    if choice is None:
        choice, source = os.environ.get(ENV_BACKEND) or "auto", f"${ENV_BACKEND}"
    chosen = choice.strip().lower()
    if chosen not in BACKEND_CHOICES:
        raise AxlabError(f"{source} must be one of {', '.join(BACKEND_CHOICES)}, not {choice!r}", exit_code=2)
    return chosen


def resolve_backend(
    choice: str | None,
    *,
    system: str | None = None,
    machine: str | None = None,
    llamacpp: bool | None = None,
) -> tuple[BackendName, str | None]:
    """(the backend to use, a warning to print or None) for ``--backend choice``.

    ``system``/``machine``/``llamacpp`` default to this machine (``sys.platform``,
    ``platform.machine()``, whether ``xllamacpp`` is installed).
    """
    from pipeline.generators.llamacpp import llamacpp_installed

    chosen = check_choice(choice)
    system = system if system is not None else sys.platform
    machine = machine if machine is not None else platform.machine()
    installed = llamacpp if llamacpp is not None else llamacpp_installed()
    if chosen == MLX:
        return MLX, None
    if chosen == LLAMACPP:
        if installed:
            return LLAMACPP, None
        return MLX, "llama.cpp is not installed (pip install xllamacpp); generating with MLX"
    if system == "darwin" and machine == "arm64":
        return MLX, None  # Metal
    if system.startswith("linux") and installed:
        return LLAMACPP, None
    return MLX, None


def make_backend(model: str | None = None, choice: str | None = None) -> Backend:
    """The in-process backend for ``model`` and ``--backend choice`` (see the module docstring)."""
    from lora.models import is_embedded
    from pipeline.engine import LoraBackend

    chosen = check_choice(choice)
    name, warning = resolve_backend(chosen)
    if warning:
        warn_once(warning)
    if name == LLAMACPP and not is_embedded(model):
        if chosen == LLAMACPP:
            warn_once(f"llama.cpp runs the embedded model only; generating {model} with MLX")
        return LoraBackend(model)
    if name == LLAMACPP:
        return LlamaCppBackend()
    return LoraBackend(model)


def backend_label(backend: object, adapter: Path | None) -> str | None:
    """The engine that generates with ``adapter`` on ``backend`` (for ``Answer.backend``)."""
    label = getattr(backend, "label", None)
    if callable(label):
        return str(label(adapter))
    from pipeline.engine import GeneratorBackend, LoraBackend

    if isinstance(backend, LoraBackend):
        return MLX
    if isinstance(backend, GeneratorBackend):
        return "remote"
    return None


class LlamaCppBackend:
    """The engine's model layer on llama.cpp: the embedded GGUF, adapters exported to GGUF LoRA.

    One :class:`~pipeline.generators.llamacpp.LlamaCppGenerator` per adapter (the base model
    is mapped from the same file, so each costs its KV cache). An adapter that cannot be
    exported or loaded is generated with MLX instead, after one warning line.
    """

    def __init__(
        self, threads: int | None = None, weights: str | None = None, batch_threads: int | None = None
    ) -> None:
        self.threads = threads
        self.batch_threads = batch_threads
        self.weights = check_weights(weights)
        self._generators: dict[tuple[str | None, float], LlamaCppGenerator] = {}
        self._on_mlx: set[tuple[str | None, float]] = set()
        self._adapters: dict[tuple[str | None, float], Path | None] = {}  # key -> the path as given
        self._mlx: LoraBackend | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        from lora.models import EMBEDDED

        return EMBEDDED

    @staticmethod
    def _key(adapter: Path | None) -> tuple[str | None, float]:
        if adapter is None:
            return None, 0.0
        weights = adapter / "adapters.safetensors"
        return str(adapter.resolve()), weights.stat().st_mtime if weights.exists() else 0.0

    def _mlx_backend(self) -> LoraBackend:
        from pipeline.engine import LoraBackend

        if self._mlx is None:
            self._mlx = LoraBackend(None)
        return self._mlx

    def model_file(self) -> Path:
        """The GGUF llama.cpp runs: the shipped file's Q8_0 copy (default; the shipped file itself,
        after one warning line, when the copy cannot be written), the shipped file, or its float32
        copy."""
        from lora.errors import LoraError
        from lora.gguf_model import float32_gguf, q8_gguf
        from lora.paths import embedded_gguf_path

        shipped = embedded_gguf_path()
        if self.weights == "f32":
            return float32_gguf(shipped)
        if self.weights == "q8":
            try:
                return q8_gguf(shipped)
            except LoraError as exc:
                warn_once(f"{exc}; running the shipped Q4_1 weights")
        return shipped

    def generator(self, adapter: Path | None) -> LlamaCppGenerator | None:
        """The llama.cpp generator for ``adapter`` (None: this adapter runs on MLX)."""
        from lora.errors import LoraError
        from lora.gguf_adapter import GgufExportError, export_adapter
        from lora.paths import embedded_gguf_path
        from pipeline.generators.base import GeneratorError
        from pipeline.generators.llamacpp import LlamaCppGenerator

        key = self._key(adapter)
        with self._lock:
            if key in self._generators:
                return self._generators[key]
            if key in self._on_mlx:
                return None
            lora: Path | None = None
            if adapter is not None:
                check_embedded_adapter(adapter)  # a wrong base model is an error, as on MLX
            try:
                if adapter is not None:
                    lora = export_adapter(adapter, embedded_gguf_path())
                model = self.model_file()
                generator = LlamaCppGenerator(
                    model,
                    lora,
                    model_id=self.model_id,
                    threads=self.threads,
                    batch_threads=self.batch_threads,
                )
            except (GgufExportError, GeneratorError) as exc:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                what = f"adapter {adapter}" if adapter is not None else "the base model"
                warn_once(f"{what} does not run on llama.cpp ({first}); generating with MLX")
                self._on_mlx.add(key)
                return None
            except LoraError as exc:  # the float32 copy could not be written
                warn_once(f"llama.cpp weights unavailable ({exc}); generating with MLX")
                self._on_mlx.add(key)
                return None
            self._generators[key] = generator
            self._adapters[key] = adapter
            return generator

    def loaded(self) -> list[Path | None]:
        """What is in memory: the adapters with a llama.cpp instance, and what MLX loaded instead."""
        with self._lock:
            on_llama = [self._adapters[key] for key in self._generators]
        return on_llama + (self._mlx.loaded() if self._mlx is not None else [])

    def label(self, adapter: Path | None) -> str:
        with self._lock:
            return MLX if self._key(adapter) in self._on_mlx else LLAMACPP

    def warm(self, adapter: Path | None = None) -> None:
        if self.generator(adapter) is None:
            self._mlx_backend().warm(adapter)

    def stream(
        self, messages: Sequence[Message], max_tokens: int, adapter: Path | None
    ) -> Iterator[str | GenerationStats]:
        generator = self.generator(adapter)
        if generator is None:
            yield from self._mlx_backend().stream(messages, max_tokens, adapter)
            return
        from lora.stopping import RepeatGuard
        from pipeline.engine import generation_stats

        guard = RepeatGuard()  # the same safety net as MLX's: a repeated line ends the answer
        chunks = generator.stream(list(messages), max_tokens=max_tokens)
        try:
            for chunk in chunks:
                shown = guard.feed(chunk.text) if chunk.text else ""
                if shown:
                    yield shown
                if guard.stopped:
                    break
                if chunk.done and (tail := guard.flush()):
                    yield tail  # the last unit, held back while it could still be a repeat
                stats = generation_stats(chunk.generation) if chunk.done else None
                if stats is not None:
                    yield stats
        finally:
            close = getattr(chunks, "close", None)
            if callable(close):
                close()  # stops llama.cpp at its next token
        if guard.stopped:
            yield GenerationStats(0, 0, finish_reason="repeat")


def check_weights(weights: str | None) -> str:
    """``weights`` (else ``$AXLAB_LLAMA_WEIGHTS``, else ``q8``), or a one-line user error."""
    raw = weights if weights is not None else os.environ.get(ENV_WEIGHTS) or "q8"
    chosen = raw.strip().lower()
    if chosen not in WEIGHT_CHOICES:
        raise AxlabError(
            f"${ENV_WEIGHTS} must be one of {', '.join(WEIGHT_CHOICES)}, not {raw!r}", exit_code=2
        )
    return chosen


def check_embedded_adapter(adapter: Path) -> None:
    """Fail clearly when ``adapter`` was trained on another model than the embedded one."""
    from lora.adapters import check_adapter_matches, read_adapter_config
    from lora.models import EMBEDDED, model_fingerprint, resolve_model

    base = read_adapter_config(adapter).get("base_model")
    if isinstance(base, dict) and base.get("fingerprint"):
        check_adapter_matches(adapter, model_fingerprint(resolve_model(None).path), EMBEDDED)
