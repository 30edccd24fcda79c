"""The generator interface shared by the in-process model and remote servers.

It mirrors :class:`lora.generate.LoadedModel`: ``generate(messages, max_tokens, stream=False)``
returns a :class:`~lora.generate.Generation`, or with ``stream=True`` an iterator of
:class:`~lora.generate.StreamChunk` whose last item has ``done=True`` and the finished
``Generation``. ``messages`` are OpenAI-style ``{"role": ..., "content": ...}`` dicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, overload

from lora.generate import Generation, StreamChunk

Message = dict[str, str]


class GeneratorError(Exception):
    """A generator failure a user can act on (one line); ``exit_code`` for the CLI."""

    exit_code: int = 1


class Generator(Protocol):
    @property
    def model_id(self) -> str: ...

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
    ) -> Generation | Iterator[StreamChunk]: ...


__all__ = ["Generation", "Generator", "GeneratorError", "Message", "StreamChunk"]
