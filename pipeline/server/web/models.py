"""Response bodies of the page's JSON endpoints (``/ui/...``), part of the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Labels(BaseModel):
    en: str
    ko: str


class Names(BaseModel):
    en: list[str] = Field(default_factory=list)
    ko: list[str] = Field(default_factory=list)


class Term(BaseModel):
    """A fact's subject, predicate or object: an entity/class/property id with labels, or a literal."""

    id: str | None = Field(description="The id (None for a literal).")
    iri: str | None = None
    label: Labels
    literal: bool = False
    entity: bool = Field(default=False, description="Whether the id names an entity with its own page.")


class ProofStep(BaseModel):
    subject: Term
    predicate: Term
    object: Term
    source_rows: list[str] = Field(default_factory=list)


class FactView(ProofStep):
    inferred: bool = False
    proof: list[ProofStep] = Field(default_factory=list, description="Asserted steps, in chain order.")


class EntitySummary(BaseModel):
    id: str
    iri: str
    class_: Term = Field(alias="class")
    label: Labels
    aliases: Names


class EntitySearch(BaseModel):
    query: str
    total: int = Field(description="Entities matching, before the limit.")
    entities: list[EntitySummary]


class EntityDetail(BaseModel):
    entity: EntitySummary
    outgoing: list[FactView]
    incoming: list[FactView]


class ModeInfo(BaseModel):
    name: str
    chat_model: str = Field(description="The /v1 model name that selects this mode.")
    available: bool
    note: str | None = Field(default=None, description="Why the mode is not available (e.g. no adapter).")


class KnowledgeInfo(BaseModel):
    name: str
    path: str | None
    entities: int
    triples: int


class CompareQuestion(BaseModel):
    id: str
    question: str
    kind: str


class ExampleQueryModel(BaseModel):
    id: str
    title: str
    query: str


class UiConfig(BaseModel):
    knowledge: KnowledgeInfo
    model: str | None
    adapters: list[str]
    modes: list[ModeInfo]
    default_mode: str
    max_question_chars: int
    max_tokens_limit: int
    default_max_tokens: int
    prefixes: dict[str, str]
    namespace: str | None = Field(description="The namespace of the knowledge's own terms.")
    examples: list[ExampleQueryModel]
    compare_questions: list[CompareQuestion]


class EvalReport(BaseModel):
    """``reports/eval.json`` without its per-question records."""

    model_config = {"extra": "allow"}

    file: str
    records: int = Field(description="Per-question records in the file (left out here).")
    metrics: dict[str, Any] = Field(default_factory=dict)
