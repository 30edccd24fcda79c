"""Load a model (plus an optional LoRA adapter) once and generate chat answers.

``load_model`` caches one :class:`LoadedModel` per (model, adapter). Every load and every
generation runs on the process's one MLX thread (:mod:`lora.mlx_thread`), whichever thread
asks: MLX streams are per thread, and a model loaded on one thread cannot generate on
another. A generation stops at the end-of-turn token, at ``max_tokens``, or when it repeats a
line (:class:`lora.stopping.RepeatGuard`, ``finish_reason == "repeat"``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import lora  # noqa: F401  (loads OpenBLAS before mlx)
from lora import mlx_thread
from lora.adapters import check_adapter_matches
from lora.chat_format import end_of_turn_id, render_messages
from lora.errors import LoraError
from lora.models import ResolvedModel, model_fingerprint, resolve_model
from lora.stopping import RepeatGuard

Message = dict[str, str]
DEFAULT_MAX_TOKENS = 256
END_OF_TEXT_TOKENS = ("<|endoftext|>", "<|end_of_text|>", "<eos>", "</s>")


@dataclass
class Generation:
    """A finished answer with its token counts and timings."""

    text: str
    prompt_tokens: int = 0  # the whole prompt, ``cached_tokens`` of it reused from a prompt cache
    generation_tokens: int = 0
    prompt_tps: float = 0.0
    generation_tps: float = 0.0
    elapsed_s: float = 0.0
    finish_reason: str | None = None  # "stop" (end of turn), "length" (max_tokens), "repeat"
    cached_tokens: int = 0  # prompt tokens not computed (llama.cpp's prompt cache); rates exclude them

    def timings_ms(self) -> dict[str, float]:
        computed = self.prompt_tokens - self.cached_tokens
        prompt_ms = 1000 * computed / self.prompt_tps if self.prompt_tps else 0.0
        return {"prompt": round(prompt_ms, 1), "total": round(1000 * self.elapsed_s, 1)}

    def token_stats(self) -> dict[str, float]:
        """Prefill and decode token counts and speeds (the ``timings_ms`` keys of an answer)."""
        return {
            "prefill_tokens": float(self.prompt_tokens),
            "prefill_tok_s": round(self.prompt_tps, 1),
            "decode_tokens": float(self.generation_tokens),
            "decode_tok_s": round(self.generation_tps, 1),
        }


@dataclass
class StreamChunk:
    """A piece of streamed text; the last chunk carries the whole :class:`Generation`."""

    text: str
    done: bool = False
    generation: Generation | None = None


@dataclass
class LoadedModel:
    """A model and tokenizer in memory (used on the MLX thread only)."""

    model: Any
    tokenizer: Any
    resolved: ResolvedModel
    adapter: Path | None
    fingerprint: str

    @property
    def model_id(self) -> str:
        return self.resolved.model_id

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """Token ids of ``messages`` in the model's chat template, ready for the answer."""
        if not messages:
            raise LoraError("no messages to answer")
        if self.tokenizer.chat_template is None:
            text = "\n".join(m["content"] for m in messages) + "\n"
            return list(self.tokenizer.encode(text))
        tokens = self.tokenizer.apply_chat_template(
            render_messages(self.tokenizer, messages),
            add_generation_prompt=True,
            tokenize=True,
            return_dict=False,
        )
        return list(tokens)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = DEFAULT_MAX_TOKENS, temperature: float = 0.0
    ) -> Iterator[StreamChunk]:
        """Yield text pieces as they are generated (greedy when temperature is 0), then a chunk
        with ``done=True`` and the :class:`Generation`. Runs on the MLX thread."""
        if max_tokens < 1:
            raise LoraError(f"max_tokens must be at least 1, not {max_tokens}")
        return mlx_thread.iterate(lambda: self._stream_here(list(messages), max_tokens, temperature))

    def _stream_here(
        self, messages: list[Message], max_tokens: int, temperature: float
    ) -> Iterator[StreamChunk]:
        from mlx_lm import stream_generate
        from mlx_lm.sample_utils import make_sampler

        prompt = self.prompt_tokens(messages)
        sampler = make_sampler(temp=temperature)
        start = time.perf_counter()
        guard = RepeatGuard()
        last: Any = None
        for response in stream_generate(
            self.model, self.tokenizer, prompt, max_tokens=max_tokens, sampler=sampler
        ):
            last = response
            shown = guard.feed(response.text) if response.text else ""
            if shown:
                yield StreamChunk(shown)
            if guard.stopped:
                break
        tail = guard.flush()
        if tail:
            yield StreamChunk(tail)
        result = Generation(text=guard.text.strip(), elapsed_s=time.perf_counter() - start)
        if last is not None:
            result.prompt_tokens = last.prompt_tokens
            result.generation_tokens = last.generation_tokens
            result.prompt_tps = last.prompt_tps
            result.generation_tps = last.generation_tps
            result.finish_reason = "repeat" if guard.stopped else last.finish_reason
        yield StreamChunk("", done=True, generation=result)

    def generate(
        self, messages: Sequence[Message], max_tokens: int = DEFAULT_MAX_TOKENS, temperature: float = 0.0
    ) -> Generation:
        """The whole answer at once."""
        for chunk in self.stream(messages, max_tokens=max_tokens, temperature=temperature):
            if chunk.done and chunk.generation is not None:
                return chunk.generation
        raise LoraError("generation ended without a result")  # pragma: no cover


_cache: dict[tuple[str, str | None, float], LoadedModel] = {}
_cache_lock = threading.Lock()


def _adapter_key(adapter: Path | None) -> tuple[str | None, float]:
    if adapter is None:
        return None, 0.0
    weights = adapter / "adapters.safetensors"
    return str(adapter.resolve()), weights.stat().st_mtime if weights.exists() else 0.0


def load_model(model: str | None = None, adapter: str | Path | None = None) -> LoadedModel:
    """Load (or reuse) ``model`` (``None``/``"embedded"`` = SmolLM2) with ``adapter``."""
    resolved = resolve_model(model)
    adapter_path = Path(adapter).expanduser() if adapter not in (None, "") else None
    fingerprint = model_fingerprint(resolved.path)
    if adapter_path is not None:
        check_adapter_matches(adapter_path, fingerprint, resolved.model_id)
    adapter_str, mtime = _adapter_key(adapter_path)
    key = (str(resolved.path), adapter_str, mtime)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    return mlx_thread.call(lambda: _load_here(key, resolved, adapter_path, fingerprint))


def _load_here(
    key: tuple[str, str | None, float], resolved: ResolvedModel, adapter_path: Path | None, fingerprint: str
) -> LoadedModel:
    """Load on the MLX thread (loads run one at a time there: a second caller finds it cached)."""
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the folder is local: never reach for the hub
    from mlx_lm.utils import load

    try:
        loaded_model, tokenizer = load(
            str(resolved.path), adapter_path=str(adapter_path) if adapter_path else None
        )[:2]
    except (ValueError, KeyError, FileNotFoundError) as exc:
        what = f"adapter {adapter_path}" if adapter_path else f"model {resolved.model_id}"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoraError(f"cannot load {what}: {first}") from exc
    stop_id = end_of_turn_id(tokenizer)
    if stop_id is not None:  # the template's own end of turn ends generation, whatever the eos
        tokenizer.eos_token_ids = {*tokenizer.eos_token_ids, stop_id}
    # the end-of-text token also ends it (llama.cpp treats it so): SmolLM2's tokenizer names only
    # <|im_end|> as eos, and a model that writes <|endoftext|> would otherwise go on past it
    ends = [t for t in END_OF_TEXT_TOKENS if t in tokenizer.get_vocab()]
    tokenizer.eos_token_ids = {*tokenizer.eos_token_ids, *tokenizer.convert_tokens_to_ids(ends)}
    loaded = LoadedModel(loaded_model, tokenizer, resolved, adapter_path, fingerprint)
    with _cache_lock:
        _cache[key] = loaded
    return loaded


@overload
def generate(
    messages: Sequence[Message],
    max_tokens: int = ...,
    stream: Literal[False] = ...,
    *,
    model: str | None = ...,
    adapter: str | Path | None = ...,
    temperature: float = ...,
) -> Generation: ...


@overload
def generate(
    messages: Sequence[Message],
    max_tokens: int = ...,
    *,
    stream: Literal[True],
    model: str | None = ...,
    adapter: str | Path | None = ...,
    temperature: float = ...,
) -> Iterator[StreamChunk]: ...


def generate(
    messages: Sequence[Message],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    stream: bool = False,
    *,
    model: str | None = None,
    adapter: str | Path | None = None,
    temperature: float = 0.0,
) -> Generation | Iterator[StreamChunk]:
    """Answer ``messages`` with the (cached) model; greedy by default.

    With ``stream=True`` it returns an iterator of :class:`StreamChunk` whose last
    item has ``done=True`` and the finished :class:`Generation`.
    """
    loaded = load_model(model, adapter)
    if stream:
        return loaded.stream(messages, max_tokens=max_tokens, temperature=temperature)
    return loaded.generate(messages, max_tokens=max_tokens, temperature=temperature)


def clear_cache() -> None:
    """Forget every loaded model (tests, or after retraining an adapter in-process)."""
    with _cache_lock:
        _cache.clear()


def loaded_models() -> list[LoadedModel]:
    """The models (with their adapters) loaded so far, in load order (read-only: for /health)."""
    with _cache_lock:
        return list(_cache.values())
