"""The answer contract shared by the CLI, the HTTP service and the evaluation harness.

``Answer.to_json()`` is exactly the object ``axlab ask --json`` prints (DESIGN.md):
``question, mode, answer, context, abstained, model, adapter, timings_ms`` plus
``verification`` (what the graph says about the answer's entities and numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Mode = Literal["base", "lora", "graph", "hybrid"]
MODES: tuple[Mode, ...] = ("base", "lora", "graph", "hybrid")
DEFAULT_MODE: Mode = "hybrid"


@dataclass
class Answer:
    question: str
    mode: Mode
    answer: str
    context: list[dict[str, Any]]  # [{subject, predicate, object, inferred, proof}] with labels
    abstained: bool
    model: str
    adapter: str | None
    timings_ms: dict[str, float] = field(default_factory=dict)
    verification: dict[str, Any] | None = None
    abstention: dict[str, Any] | None = None  # why it abstained: {kind, attribute, subject, known, reason}
    backend: str | None = None  # what generated: "mlx", "llama.cpp", "remote"; None when nothing did

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` object; ``backend`` only when something generated."""
        data = {
            "question": self.question,
            "mode": self.mode,
            "answer": self.answer,
            "context": self.context,
            "abstained": self.abstained,
            "model": self.model,
            "adapter": self.adapter,
            "timings_ms": {name: round(value, 1) for name, value in self.timings_ms.items()},
            "verification": self.verification,
            "abstention": self.abstention,
        }
        if self.backend is not None:
            data["backend"] = self.backend
        return data


@dataclass(frozen=True)
class GenerationStats:
    """What a backend may yield after its last text piece: token counts and speeds.

    ``prefill_tokens`` counts the whole prompt; ``prefill_cached_tokens`` of them came from a
    prompt cache (llama.cpp's) and were not computed, so ``prefill_tok_s`` is the rate of the
    others."""

    prefill_tokens: int
    decode_tokens: int
    prefill_tok_s: float = 0.0
    decode_tok_s: float = 0.0
    finish_reason: str | None = None  # "stop", "length" or "repeat" (a repeated line)
    prefill_cached_tokens: int = 0

    def timings(self) -> dict[str, float]:
        """The ``timings_ms`` keys of an answer (counts and tok/s sit beside the milliseconds)."""
        return {
            "prefill_tokens": float(self.prefill_tokens),
            "prefill_cached_tokens": float(self.prefill_cached_tokens),
            "prefill_tok_s": round(self.prefill_tok_s, 1),
            "decode_tokens": float(self.decode_tokens),
            "decode_tok_s": round(self.decode_tok_s, 1),
        }


class Answerer(Protocol):
    """Anything that answers a question in a mode (the engine, or a test double)."""

    def ask(self, question: str, mode: Mode = DEFAULT_MODE, max_tokens: int | None = None) -> Answer: ...
