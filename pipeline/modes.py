"""The four answer modes (DESIGN.md): which model, which adapter, whether graph context is used."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import AxlabError
from pipeline.types import MODES, Mode

#: Where ``axlab train`` / ``axlab demo`` put the two adapters by default.
ADAPTERS_DIR = Path(__file__).resolve().parents[1] / "adapters"
DEFAULT_LORA_ADAPTER = ADAPTERS_DIR / "lora"  # LoRA-only baseline: facts only, no context
DEFAULT_HYBRID_ADAPTER = ADAPTERS_DIR / "hybrid"  # trained on prompts that carry graph context


def default_adapter(kind: str) -> Path:
    """``adapters/<kind>`` for the shipped knowledge, ``adapters/<knowledge>/<kind>`` for another."""
    from ontology.paths import is_default_knowledge, knowledge_name

    return ADAPTERS_DIR / kind if is_default_knowledge() else ADAPTERS_DIR / knowledge_name() / kind


@dataclass(frozen=True)
class ModeSpec:
    name: Mode
    adapter: str | None  # "lora", "hybrid" or None (the base model)
    uses_graph: bool
    description: str


MODE_SPECS: dict[Mode, ModeSpec] = {
    "base": ModeSpec("base", None, False, "base model, no context"),
    "lora": ModeSpec("lora", "lora", False, "base model + LoRA adapter, no context"),
    "graph": ModeSpec("graph", None, True, "base model + retrieved triples"),
    "hybrid": ModeSpec("hybrid", "hybrid", True, "base model + hybrid adapter + retrieved triples"),
}


def check_mode(mode: str) -> Mode:
    """The mode, or a one-line user error naming the valid ones."""
    for name in MODES:
        if mode == name:
            return name
    raise AxlabError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}", exit_code=2)
