"""The symbolic gate: answer from the graph, answer as a general model, or say "I don't know".

Pure functions over a :class:`~pipeline.grounding.Grounding`:

* no linked entity and not a domain question -> ``general`` (the model, no context);
* a linked entity and an attribute the knowledge does not have (revenue, ticker...),
  or intent predicates none of whose facts is retrieved -> ``abstain`` with a fixed
  sentence, and the model is not called;
* otherwise -> ``grounded`` (the model reads the retrieved facts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ontology.schema import PROPERTY_BY_NAME
from pipeline.answering import answering_facts
from pipeline.grounding import Grounding
from pipeline.polar_place import closed_world_place, place_in_place
from pipeline.prompt import Lang

Route = Literal["general", "grounded", "abstain"]

_ABSTAIN_PATTERNS = re.compile(
    r"(i\s+(?:do\s+not|don['’]t)\s+know|not\s+(?:in|contain(?:ed)?\s+in)\s+the\s+facts|"
    r"(?:facts|knowledge)\s+(?:do(?:es)?\s+not|don['’]t)\s+(?:contain|say|mention)|no\s+information\s+about|"
    r"모르|알\s*수\s*없|정보가\s*없)",
    re.IGNORECASE,
)


#: Why a question is not answered (``Answer.abstention["kind"]``).
AbstentionKind = Literal["unknown_entity", "unknown_attribute", "no_value", "not_in_knowledge", "no_fact"]


@dataclass(frozen=True)
class GateDecision:
    route: Route
    reason: str
    attribute: str | None = None  # what the knowledge lacks, in the question's language
    subject: str | None = None  # the linked entity's label, in the question's language
    kind: AbstentionKind | None = None  # set when route == "abstain"
    known: tuple[str, ...] = ()  # not_in_knowledge: what the knowledge has instead, by label

    def abstention(self) -> dict[str, object] | None:
        """The typed reason, as ``axlab ask --json`` prints it."""
        if self.route != "abstain":
            return None
        return {
            "kind": self.kind,
            "attribute": self.attribute,
            "subject": self.subject,
            "known": list(self.known),
            "reason": self.reason,
        }


def attribute_label(attribute: str, lang: Lang) -> str:
    """A readable name for an attribute: the ontology's label of a property, else the asked words
    themselves (the retriever reports those in the question's language)."""
    prop = PROPERTY_BY_NAME.get(attribute)
    if prop is not None:
        return prop.label_ko if lang == "ko" else prop.label_en
    return attribute.replace("_", " ").strip()


def abstention_sentence(
    attribute: str | None,
    subject: str | None,
    lang: Lang,
    kind: str | None = None,
    known: tuple[str, ...] = (),
) -> str:
    """The fixed "I don't know" sentence, e.g. about a company's revenue."""
    if kind == "unknown_entity" and attribute:
        if lang == "ko":
            return f"모르겠습니다: 지식에 {attribute}에 대한 정보가 없습니다."
        return f"I don't know: the knowledge has nothing about {attribute}."
    if kind == "not_in_knowledge" and attribute and known:
        listed = ", ".join(known)
        if lang == "ko":
            return f"모르겠습니다: 지식에는 {attribute} 정보가 없고, 알려진 곳은 {listed}입니다."
        return f"I don't know of any {attribute}: the {subject or ''} knowledge has them only in {listed}.".replace(
            "  ", " "
        )
    if lang == "ko":
        if attribute and subject:
            return f"모르겠습니다: {subject}에 대한 지식에는 {attribute}에 대한 정보가 없습니다."
        if subject:
            return f"모르겠습니다: {subject}에 대한 지식에는 이 질문에 답할 정보가 없습니다."
        return "모르겠습니다: 지식에 이 질문에 답할 정보가 없습니다."
    if attribute and subject:
        return f"I don't know: the {subject} knowledge has no information about its {attribute}."
    if subject:
        return f"I don't know: the {subject} knowledge has no information to answer this."
    return "I don't know: the knowledge has no information to answer this."


def closed_world_sentence(attribute: str, subject: str | None, lang: Lang, known: tuple[str, ...]) -> str:
    """The answer to a yes/no question about a site the knowledge does not have: over the user's
    knowledge the world is closed, so the answer is no, with where the sites are."""
    listed = ", ".join(known)
    if lang == "ko":
        return f"아니요: {subject or ''}에는 {attribute}이(가) 없습니다. 있는 곳: {listed}.".replace(
            "아니요: 에는", "아니요:"
        )
    return f"No: the {subject or ''} knowledge has no {attribute}; it has them only in {listed}.".replace(
        "  ", " "
    )


def is_abstention(text: str) -> bool:
    """Whether a generated answer says it does not know."""
    return bool(_ABSTAIN_PATTERNS.search(text))


def gate(grounding: Grounding) -> GateDecision:
    """Decide how a question is answered (see the module docstring). A yes/no question about a
    place that the graph's location facts decide is grounded, whatever else the gate sees: a
    place the knowledge does not contain is a closed-world no, not an unknown entity; a place
    asked about another place names no organisation, yet is no general question."""
    decision = _gate(grounding)
    if (decision.kind in ("unknown_entity", "unknown_attribute") and closed_world_place(grounding)) or (
        decision.route == "general" and place_in_place(grounding)
    ):
        return GateDecision("grounded", "a yes/no question about a place that the graph answers")
    return decision


def _gate(grounding: Grounding) -> GateDecision:
    lang = grounding.question_lang
    if grounding.unknown_entities and (grounding.intent or grounding.anchored):
        name = grounding.unknown_entities[0]
        return GateDecision("abstain", f"unknown entity: {name}", name, None, "unknown_entity")
    if not grounding.linked and not grounding.is_domain:
        return GateDecision("general", "no linked entity: a general question")
    if not grounding.anchored:
        return GateDecision("general", "only places or general concepts linked: a general question")
    subject = grounding.label(grounding.linked[0], lang) if grounding.linked else None
    supported = answering_facts(grounding)
    if grounding.unsupported:
        asked = grounding.unsupported[0]
        kinds = grounding.unsupported_kinds
        kind: AbstentionKind = (
            "not_in_knowledge" if kinds and kinds[0] == "not_in_knowledge" else "unknown_attribute"
        )
        known = grounding.known_sites if kind == "not_in_knowledge" else ()
        what = "not in the knowledge" if kind == "not_in_knowledge" else "attribute not in the ontology"
        return GateDecision("abstain", f"{what}: {asked}", attribute_label(asked, lang), subject, kind, known)
    if grounding.intent and not supported:
        attribute = attribute_label(grounding.intent[0], lang)
        return GateDecision(
            "abstain",
            f"no value in the knowledge for: {', '.join(grounding.intent[:3])}",
            attribute,
            subject,
            "no_value",
        )
    if not grounding.facts:
        return GateDecision("abstain", "no retrieved fact", None, subject, "no_fact")
    return GateDecision("grounded", "retrieved facts support an answer")
