"""A generator that calls any OpenAI-compatible chat server: ``mlx_lm.server``, vLLM, llama.cpp.

    gen = RemoteGenerator("http://127.0.0.1:8080", model="default_model")
    gen.generate([{"role": "user", "content": "Hi"}], max_tokens=32).text

Configuration for the CLI and services (:func:`generator_from_env`): ``AXLAB_GENERATOR_URL``
(the server's base URL, with or without ``/v1``), ``AXLAB_GENERATOR_MODEL`` (default: the first
model the server lists, else ``default_model``), ``AXLAB_GENERATOR_API_KEY`` and ``AXLAB_GENERATOR_TIMEOUT`` (seconds).
Every failure is a :class:`GeneratorError` with one line saying what happened and where.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from typing import Any, Literal, overload

from pipeline.generators.base import Generation, GeneratorError, Message, StreamChunk

ENV_URL = "AXLAB_GENERATOR_URL"
ENV_MODEL = "AXLAB_GENERATOR_MODEL"
ENV_API_KEY = "AXLAB_GENERATOR_API_KEY"
ENV_TIMEOUT = "AXLAB_GENERATOR_TIMEOUT"
DEFAULT_TIMEOUT_S = 120.0


def api_base(url: str) -> str:
    """``http://host:port`` or ``.../v1`` -> the ``.../v1`` base the OpenAI client wants."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise GeneratorError(f"generator URL must start with http:// or https://, got '{url}'")
    return base if base.endswith("/v1") else f"{base}/v1"


class RemoteGenerator:
    """``generate(messages, max_tokens, stream=False)`` against an OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        from openai import OpenAI

        self.base_url = api_base(base_url)
        self.timeout = timeout
        self._model = model
        self._client = OpenAI(
            base_url=self.base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=0
        )

    @property
    def model_id(self) -> str:
        """The model asked for: as configured, else the first one the server lists."""
        if self._model is None:
            import openai

            try:
                models = self._client.models.list().data
            except (openai.APIConnectionError, openai.APITimeoutError) as exc:
                raise self._error(exc) from None
            except Exception:  # mlx_lm.server answers an empty body for a local --model folder
                models = []
            # "default_model" is mlx_lm.server's name for its --model; llama.cpp ignores the name
            self._model = models[0].id if models else "default_model"
        return self._model

    def _error(self, exc: Exception) -> GeneratorError:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return GeneratorError(
                f"the generator server at {self.base_url} did not answer within {self.timeout:g} s"
            )
        if isinstance(exc, openai.APIConnectionError):
            return GeneratorError(f"cannot reach the generator server at {self.base_url} (is it running?)")
        if isinstance(exc, openai.APIStatusError):
            detail = " ".join(str(exc.message).split())[:200]
            return GeneratorError(
                f"the generator server at {self.base_url} answered HTTP {exc.status_code}: {detail}"
            )
        if isinstance(exc, GeneratorError):
            return exc
        return GeneratorError(f"generator server at {self.base_url}: {' '.join(str(exc).split())[:200]}")

    def _request(self, messages: Sequence[Message], max_tokens: int, temperature: float) -> dict[str, Any]:
        if max_tokens < 1:
            raise GeneratorError(f"max_tokens must be at least 1, not {max_tokens}")
        if not messages:
            raise GeneratorError("no messages to answer")
        return {
            "model": self.model_id,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }

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
        request = self._request(messages, max_tokens, temperature)
        if stream:
            return self._stream(request)
        start = time.perf_counter()
        try:
            response = self._client.chat.completions.create(**request)
        except Exception as exc:
            raise self._error(exc) from None
        elapsed = time.perf_counter() - start
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        completion = usage.completion_tokens if usage else 0
        return Generation(
            text=((choice.message.content if choice else "") or "").strip(),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            generation_tokens=completion,
            generation_tps=completion / elapsed if elapsed > 0 else 0.0,
            elapsed_s=elapsed,
            finish_reason=choice.finish_reason if choice else None,
        )

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[StreamChunk]:
        """Same as ``generate(..., stream=True)``."""
        return self._stream(self._request(messages, max_tokens, temperature))

    def _stream(self, request: dict[str, Any]) -> Iterator[StreamChunk]:
        start = time.perf_counter()
        try:
            events = self._client.chat.completions.create(
                **request, stream=True, stream_options={"include_usage": True}
            )
        except Exception as exc:
            raise self._error(exc) from None
        pieces: list[str] = []
        finish: str | None = None
        prompt_tokens = completion_tokens = 0
        try:
            for event in events:
                if event.usage is not None:
                    prompt_tokens = event.usage.prompt_tokens
                    completion_tokens = event.usage.completion_tokens
                for choice in event.choices:
                    if choice.finish_reason:
                        finish = choice.finish_reason
                    text = choice.delta.content if choice.delta else None
                    if text:
                        pieces.append(text)
                        yield StreamChunk(text)
        except GeneratorError:
            raise
        except Exception as exc:
            raise self._error(exc) from None
        finally:
            events.close()
        elapsed = time.perf_counter() - start
        result = Generation(
            text="".join(pieces).strip(),
            prompt_tokens=prompt_tokens,
            generation_tokens=completion_tokens or len(pieces),
            generation_tps=(completion_tokens or len(pieces)) / elapsed if elapsed > 0 else 0.0,
            elapsed_s=elapsed,
            finish_reason=finish,
        )
        yield StreamChunk("", done=True, generation=result)


def generator_from_env(url: str | None = None, model: str | None = None) -> RemoteGenerator | None:
    """A :class:`RemoteGenerator` when a URL is given or ``$AXLAB_GENERATOR_URL`` is set, else ``None``
    (meaning: generate in process with :mod:`lora.generate`)."""
    chosen = url or os.environ.get(ENV_URL)
    if not chosen:
        return None
    raw_timeout = os.environ.get(ENV_TIMEOUT)
    try:
        timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT_S
    except ValueError:
        raise GeneratorError(f"${ENV_TIMEOUT} must be a number of seconds, got '{raw_timeout}'") from None
    return RemoteGenerator(
        chosen,
        model=model or os.environ.get(ENV_MODEL) or None,
        api_key=os.environ.get(ENV_API_KEY) or None,
        timeout=timeout,
    )
