"""Request and response bodies of the HTTP API (they make up its OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.prompt import MAX_QUESTION_CHARS  # the engine's own limit
from pipeline.types import DEFAULT_MODE, MODES, Mode

MAX_TOKENS_CEILING = 4096  # schema bound; a server may be configured lower (then 400)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value  # verbatim: the question is data, passed on exactly as sent


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The question, verbatim.",
        examples=["Where is SolverX's R&D center?"],
    )
    mode: Mode = Field(default=DEFAULT_MODE, description="base | lora | graph | hybrid")
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS_CEILING)

    _check_question = field_validator("question")(_not_blank)


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


class GenerationStats(BaseModel):
    running: int
    waiting: int
    queue_size: int
    completed: int
    cancelled: int
    rejected: int
    models: list[str]


class SparqlStats(BaseModel):
    running: int
    workers: int
    timeouts: int
    interrupted: int


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


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

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
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS_CEILING)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS_CEILING)
    n: int | None = Field(default=None, ge=1, le=128)


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
