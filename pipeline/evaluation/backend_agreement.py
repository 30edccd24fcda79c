"""Do MLX and llama.cpp give the same greedy answers? Token by token, with the reason when not.

Both run the same weights (the shipped Q4_1 GGUF; MLX dequantizes it to float32) and the same
adapter (exported with :mod:`lora.gguf_adapter`), but not the same arithmetic: llama.cpp's CPU
kernels multiply Q4_1 weights by activations quantized to 8 bits and keep the KV cache in float16.
So where MLX's two best next tokens are nearly tied, llama.cpp may pick the other one, and
from there the answers go apart. :func:`compare_greedy` finds the first token where they
differ and records MLX's log-probability margin between its top two tokens at that point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import lora  # noqa: F401  (loads OpenBLAS before mlx)

Message = dict[str, str]


@dataclass
class Decoded:
    """Greedy tokens and text of MLX; ``margins[i]``: top-1 minus top-2 log-prob at step i
    (one more than ``tokens`` when the answer ended with the end-of-turn token)."""

    tokens: list[int]
    text: str
    margins: list[float] = field(default_factory=list)


@dataclass
class PromptAgreement:
    prompt: str
    identical: bool
    first_difference: int | None  # index of MLX's first token that llama.cpp did not produce
    tokens: int  # MLX's answer length in tokens
    mlx_margin: float | None  # MLX's top-1 minus top-2 log-prob where they part
    mlx_text: str
    llama_text: str


@dataclass
class AgreementReport:
    prompts: list[PromptAgreement]

    @property
    def rate(self) -> float:
        """Share of prompts whose greedy answers are the same text."""
        return sum(p.identical for p in self.prompts) / len(self.prompts) if self.prompts else 0.0

    @property
    def token_rate(self) -> float:
        """Share of MLX's tokens generated before the first difference."""
        total = sum(p.tokens for p in self.prompts)
        same = sum(p.tokens if p.first_difference is None else p.first_difference for p in self.prompts)
        return same / total if total else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement_rate": round(self.rate, 3),
            "token_agreement_rate": round(self.token_rate, 3),
            "identical": sum(p.identical for p in self.prompts),
            "n": len(self.prompts),
            "prompts": [asdict(p) for p in self.prompts],
        }


def mlx_greedy(loaded: Any, messages: Sequence[Message], max_tokens: int) -> Decoded:
    """Greedy tokens of a :class:`lora.generate.LoadedModel`, with MLX's top-2 margin per step."""
    import mlx.core as mx
    import numpy as np
    from mlx_lm import stream_generate

    from lora import mlx_thread

    def work() -> Decoded:  # on the MLX thread, which owns the model's stream
        tokens: list[int] = []
        margins: list[float] = []
        pieces: list[str] = []
        prompt = loaded.prompt_tokens(messages)
        for response in stream_generate(loaded.model, loaded.tokenizer, prompt, max_tokens=max_tokens):
            pieces.append(response.text)
            top2 = mx.topk(response.logprobs, 2)
            margins.append(abs(float(np.array(top2[1] - top2[0]))))
            if response.finish_reason == "stop":
                break  # its token is the end of turn: no text
            tokens.append(int(response.token))
        return Decoded(tokens, "".join(pieces), margins)

    return mlx_thread.call(work)


def visible(text: str) -> str:
    """The answer as compared: stripped, without a character cut off by ``max_tokens`` (MLX
    shows its first bytes as U+FFFD, llama.cpp holds them back)."""
    return text.strip().rstrip("\ufffd").rstrip()


def first_difference(tokenizer: Any, mlx: Decoded, llama_text: str) -> int | None:
    """MLX's first token whose text llama.cpp's answer does not continue with (None: same answer)."""
    if visible(mlx.text) == visible(llama_text):
        return None
    for index in range(len(mlx.tokens)):
        # a token may end inside a UTF-8 character: compare what is decoded so far
        piece = tokenizer.decode(mlx.tokens[: index + 1]).rstrip("\ufffd")
        if not llama_text.startswith(piece):
            return index
    if len(mlx.margins) == len(mlx.tokens):
        return None  # MLX ran out of tokens, not of answer: llama.cpp's goes on the same way
    return len(mlx.tokens)  # MLX ended its turn where llama.cpp went on


def compare_answers(prompt: str, tokenizer: Any, mlx: Decoded, llama_text: str) -> PromptAgreement:
    first = first_difference(tokenizer, mlx, llama_text)
    margin = mlx.margins[first] if first is not None and first < len(mlx.margins) else None
    return PromptAgreement(
        prompt=prompt,
        identical=first is None,
        first_difference=first,
        tokens=len(mlx.tokens),
        mlx_margin=round(margin, 4) if margin is not None else None,
        mlx_text=mlx.text.strip(),
        llama_text=llama_text.strip(),
    )


def one_turn(prompt: str) -> list[Message]:
    return [{"role": "user", "content": prompt}]


def mlx_answers(loaded: Any, prompts: Sequence[str], max_tokens: int) -> list[Decoded]:
    """MLX's greedy answers to each prompt as a one-turn chat."""
    return [mlx_greedy(loaded, one_turn(prompt), max_tokens) for prompt in prompts]


def compare_with_llama(
    tokenizer: Any, prompts: Sequence[str], mlx: Sequence[Decoded], generator: Any, max_tokens: int
) -> AgreementReport:
    """llama.cpp's (``generator``, a LlamaCppGenerator) greedy answers against MLX's."""
    results = []
    for prompt, decoded in zip(prompts, mlx, strict=True):
        response = generator.complete(
            {"messages": one_turn(prompt), "max_tokens": max_tokens, "temperature": 0.0, "top_k": 1}
        )
        llama_text = str(response["choices"][0]["message"].get("content") or "")
        results.append(compare_answers(prompt, tokenizer, decoded, llama_text))
    return AgreementReport(results)


def compare_greedy(loaded: Any, generator: Any, prompts: Sequence[str], max_tokens: int) -> AgreementReport:
    """Greedy answers of MLX (``loaded``, a LoadedModel) and llama.cpp (``generator``) compared."""
    mlx = mlx_answers(loaded, prompts, max_tokens)
    return compare_with_llama(loaded.tokenizer, prompts, mlx, generator, max_tokens)
