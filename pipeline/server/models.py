"""Request and response bodies of the HTTP API (they make up its OpenAPI schema)."""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from pipeline.prompt import MAX_QUESTION_CHARS  # the engine's own limit
from pipeline.types import DEFAULT_MODE, MODES, Mode

MAX_TOKENS_CEILING = 4096  # schema bound; a server may be configured lower (then 400)


# letters that render as nothing (Hangul fillers, the blank Braille pattern)
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in ``text`` (JSON can carry them; no encoder accepts them)."""
    return next((ch for ch in text if "\ud800" <= ch <= "\udfff"), None)


def is_blank(text: str) -> bool:
    """Whether nothing visible is left after NFKC normalisation: only whitespace, control
    characters (NUL ...), format characters (zero-width space, joiners, BOM ...) or fillers."""
    for ch in unicodedata.normalize("NFKC", text):
        if ch in _INVISIBLE_LETTERS or ch.isspace():
            continue
        if unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            return False
    return True


def check_text(value: str) -> str:
    """Text a client sends to the model: valid Unicode (no lone surrogate), NFC-normalised
    (canonically the same text: NFD Hangul becomes syllables); otherwise kept as sent."""
    surrogate = _lone_surrogate(value)
    if surrogate is not None:
        raise ValueError(f"contains a lone surrogate (U+{ord(surrogate):04X}): not valid Unicode text")
    return unicodedata.normalize("NFC", value)


def check_question(value: str) -> str:
    """:func:`check_text`, and some visible text (not only NUL, zero-width or blank characters)."""
    text = check_text(value)
    if is_blank(text):
        raise ValueError("must contain visible text (not only whitespace, control or zero-width characters)")
    return text


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The question, verbatim.",
        examples=["Where is it located?"],
    )
    mode: Mode = Field(default=DEFAULT_MODE, description="base | lora | graph | hybrid")
    max_tokens: StrictInt | None = Field(default=None, ge=1, le=MAX_TOKENS_CEILING)

    _check_question = field_validator("question")(check_question)


class ContextTriple(BaseModel):
    model_config = ConfigDict(extra="allow")

    subject: str
    predicate: str
    object: str
    inferred: bool = False
    proof: list[Any] = Field(default_factory=list)


class AnswerResponse(BaseModel):
    """Exactly the object ``axlab ask --json`` prints."""

    model_config = ConfigDict(extra="allow")

    question: str
    mode: Mode
    answer: str
    context: list[dict[str, Any]]
    abstained: bool
    model: str
    adapter: str | None
    timings_ms: dict[str, float]
    verification: dict[str, Any] | None = None
    abstention: dict[str, Any] | None = None  # why it abstained: {kind, attribute, subject, known, reason}


class GenerationStats(BaseModel):
    running: int
    waiting: int
    queue_size: int
    completed: int
    cancelled: int
    rejected: int
    models: list[str]


class SparqlStats(BaseModel):
    running: int = Field(description="Read queries in progress.")
    workers: int = Field(description="Read queries that may run at once.")
    timeouts: int
    interrupted: int = Field(description="Queries stopped at the time limit (worker killed).")
    processes: int = Field(description="Query worker processes alive (0: queries run in threads).")
    worker_deaths: int = Field(description="Workers that died mid-query (e.g. past their memory cap).")


class HealthResponse(BaseModel):
    status: Literal["ok"]
    model: str | None = Field(description="Model id or path the answerer uses.")
    model_loaded: bool
    adapters: list[str] = Field(description="LoRA adapters currently loaded.")
    triples: int = Field(description="Triples in the graph (asserted + inferred).")
    modes: list[str]
    updates_enabled: bool
    generation: GenerationStats
    sparql: SparqlStats


class ErrorResponse(BaseModel):
    detail: Any


# ------------------------------------------------------------------------ OpenAI subset
class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None

    @field_validator("text")
    @classmethod
    def _valid_text(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

    @field_validator("content")
    @classmethod
    def _valid_content(cls, value: str | list[TextPart] | None) -> str | list[TextPart] | None:
        return check_text(value) if isinstance(value, str) else value

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text or "" for part in self.content if part.type == "text")


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat request. ``model`` selects the mode (``axlab-hybrid`` ...); the last user
    message is the question and the system messages the model's system text; sampling
    parameters are ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(
        min_length=1,
        max_length=200,
        description="axlab-base | axlab-lora | axlab-graph | axlab-hybrid (any other name: 404)",
        json_schema_extra={"enum": [f"axlab-{mode}" for mode in MODES]},
    )
    messages: list[ChatMessage] = Field(min_length=1, max_length=256)
    stream: bool | None = False
    max_tokens: StrictInt | None = Field(default=None, ge=1, le=MAX_TOKENS_CEILING)
    max_completion_tokens: StrictInt | None = Field(default=None, ge=1, le=MAX_TOKENS_CEILING)
    n: StrictInt | None = Field(default=None, ge=1, le=128)


class AxlabExtra(BaseModel):
    """AX Lab's extra field on a completion (and on the final stream chunk)."""

    mode: Mode
    answer: str
    context: list[dict[str, Any]]
    abstained: bool
    verification: dict[str, Any] | None = None
    model: str
    adapter: str | None
    timings_ms: dict[str, float]


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatCompletionChoice(BaseModel):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: Literal["stop", "length"] = "stop"


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    axlab: AxlabExtra


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "axlab"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    error: OpenAIErrorBody
