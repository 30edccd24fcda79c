"""Generation with llama.cpp in process, through the ``xllamacpp`` wheel (prebuilt, CPU).

:class:`LlamaCppGenerator` runs one GGUF model, optionally with one GGUF LoRA adapter, in an
``xllamacpp.Server`` and answers chat messages with the model's own chat template (llama.cpp's
jinja engine renders the template stored in the GGUF, the one MLX's tokenizer applies). It has
the :class:`~pipeline.generators.base.Generator` interface.

``xllamacpp.Server.handle_chat_completions`` streams by calling a callback on the calling
thread and releases the GIL while it computes; :meth:`LlamaCppGenerator.stream` runs it on a
worker thread and hands the pieces over through a queue, so closing the stream stops the
generation at its next token (the callback answers ``True``).

Threads: decoding uses ``$AXLAB_LLAMA_THREADS``, else half the CPUs this process may use (at
least 1): on a loaded 2-core VM one thread decoded at 37-67 tok/s and two at 4-8 tok/s (spinning
OpenMP threads compete with every other process). Prompt processing, one large matrix product per
layer, uses ``$AXLAB_LLAMA_BATCH_THREADS``, else every usable CPU: 2.2 instead of 3.5 ms per prompt
token on a quiet 2-core machine, and the same as one thread with one or two busy processes beside
it (``bench/bench_latency.py --configs q8@1/1,q8@1/2``).
"""

from __future__ import annotations

import importlib.util
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, overload

from pipeline.generators.base import Generation, GeneratorError, Message, StreamChunk

ENV_THREADS = "AXLAB_LLAMA_THREADS"
ENV_BATCH_THREADS = "AXLAB_LLAMA_BATCH_THREADS"
DEFAULT_CONTEXT = 4096
_DONE = object()


def llamacpp_installed() -> bool:
    """Whether the ``xllamacpp`` wheel can be imported (without importing it)."""
    return importlib.util.find_spec("xllamacpp") is not None


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def _threads_from(name: str) -> int | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise GeneratorError(f"${name} must be a positive integer, not {raw!r}")
    return value


def default_threads() -> int:
    """``$AXLAB_LLAMA_THREADS``, else half the usable CPUs (at least one)."""
    return _threads_from(ENV_THREADS) or max(1, _usable_cpus() // 2)


def default_batch_threads() -> int:
    """Threads for prompt processing: ``$AXLAB_LLAMA_BATCH_THREADS``, else every usable CPU."""
    return _threads_from(ENV_BATCH_THREADS) or _usable_cpus()


def _error_line(error: Any) -> str:
    if isinstance(error, dict):
        return " ".join(str(error.get("message", error)).split())[:200]
    return " ".join(str(error).split())[:200]


class LlamaCppGenerator:
    """One GGUF model (plus an optional GGUF LoRA adapter) served by llama.cpp in this process."""

    def __init__(
        self,
        gguf: Path,
        lora: Path | None = None,
        *,
        model_id: str | None = None,
        threads: int | None = None,
        batch_threads: int | None = None,
        n_ctx: int = DEFAULT_CONTEXT,
    ) -> None:
        try:
            import xllamacpp
        except ImportError as exc:
            raise GeneratorError(f"llama.cpp is not available: {exc} (pip install xllamacpp)") from None
        self.gguf = gguf
        self.lora = lora
        self.threads = threads if threads is not None else default_threads()
        self.batch_threads = batch_threads if batch_threads is not None else default_batch_threads()
        self._model_id = model_id or gguf.name
        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.verbosity = 0  # llama.cpp logs nothing but errors
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.batch_threads
        if lora is not None:
            params.lora_adapters = [xllamacpp.CommonAdapterLoraInfo(str(lora), 1.0)]
        try:
            self._server = xllamacpp.Server(params)
        except RuntimeError as exc:
            what = f"{gguf.name} with the adapter {lora.name}" if lora is not None else gguf.name
            raise GeneratorError(f"llama.cpp could not load {what}: {exc}") from None

    @property
    def model_id(self) -> str:
        return self._model_id

    def _request(
        self, messages: Sequence[Message], max_tokens: int, temperature: float, stream: bool
    ) -> dict[str, Any]:
        if max_tokens < 1:
            raise GeneratorError(f"max_tokens must be at least 1, not {max_tokens}")
        if not messages:
            raise GeneratorError("no messages to answer")
        # plain temperature sampling like MLX's make_sampler(temp); greedy at 0
        return {
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "top_k": 1 if temperature <= 0 else 0,
            "top_p": 1.0,
            "min_p": 0.0,
            "stream": stream,
        }

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """llama.cpp's own answer to an OpenAI-style chat request (for diagnostics: logprobs...)."""
        response = self._server.handle_chat_completions({**request, "stream": False})
        if not isinstance(response, dict) or "error" in response or not response.get("choices"):
            error = response.get("error", response) if isinstance(response, dict) else response
            raise GeneratorError(f"llama.cpp: {_error_line(error)}")
        return response

    @overload
    def generate(
        self,
        messages: Sequence[Message],
        max_tokens: int = ...,
        stream: Literal[False] = ...,
        temperature: float = ...,
    ) -> Generation: ...

    @overload
    def generate(
        self,
        messages: Sequence[Message],
        max_tokens: int = ...,
        *,
        stream: Literal[True],
        temperature: float = ...,
    ) -> Iterator[StreamChunk]: ...

    def generate(
        self,
        messages: Sequence[Message],
        max_tokens: int = 256,
        stream: bool = False,
        temperature: float = 0.0,
    ) -> Generation | Iterator[StreamChunk]:
        """The answer (a ``Generation``), or with ``stream=True`` its pieces then the ``Generation``."""
        if stream:
            return self.stream(messages, max_tokens, temperature)
        request = self._request(messages, max_tokens, temperature, stream=False)
        start = time.perf_counter()
        response = self.complete(request)
        elapsed = time.perf_counter() - start
        choice = response["choices"][0]
        result = Generation(
            text=str(choice.get("message", {}).get("content") or "").strip(),
            elapsed_s=elapsed,
            finish_reason=choice.get("finish_reason"),
        )
        _add_timings(result, response.get("timings"))
        return result

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[StreamChunk]:
        """Text pieces as llama.cpp produces them; the last chunk carries the ``Generation``."""
        request = self._request(messages, max_tokens, temperature, stream=True)
        return self._stream(request)

    def _stream(self, request: dict[str, Any]) -> Iterator[StreamChunk]:
        chunks: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            chunks.put(chunk)
            return stop.is_set()  # True: llama.cpp stops after this token

        def work() -> None:
            try:
                self._server.handle_chat_completions(request, on_chunk)
            except Exception as exc:  # surfaced on the consumer's thread
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        start = time.perf_counter()
        worker = threading.Thread(target=work, name="llama.cpp-generate", daemon=True)
        worker.start()
        pieces: list[str] = []
        finish: str | None = None
        timings: Any = None
        try:
            while (item := chunks.get()) is not _DONE:
                if isinstance(item, Exception):
                    raise GeneratorError(f"llama.cpp: {_error_line(item)}")
                if not isinstance(item, dict):
                    continue
                if "error" in item:
                    raise GeneratorError(f"llama.cpp: {_error_line(item['error'])}")
                timings = item.get("timings", timings)
                for choice in item.get("choices", ()):
                    finish = choice.get("finish_reason") or finish
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        pieces.append(text)
                        yield StreamChunk(text)
        finally:
            stop.set()
            worker.join()
        result = Generation(
            text="".join(pieces).strip(), elapsed_s=time.perf_counter() - start, finish_reason=finish
        )
        _add_timings(result, timings)
        yield StreamChunk("", done=True, generation=result)


def _add_timings(result: Generation, timings: Any) -> None:
    """Copy llama.cpp's token counts and rates (``timings``) into ``result``."""
    if not isinstance(timings, dict):
        return
    result.cached_tokens = int(timings.get("cache_n", 0))
    result.prompt_tokens = int(timings.get("prompt_n", 0)) + result.cached_tokens
    result.generation_tokens = int(timings.get("predicted_n", 0))
    result.prompt_tps = float(timings.get("prompt_per_second", 0.0))
    result.generation_tps = float(timings.get("predicted_per_second", 0.0))
