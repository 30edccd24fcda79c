"""Compare the addresses stated in the knowledge with the gazetteer's ``partOf`` hierarchy.

An address is split into components (Korean: space-separated, big to small; English:
comma-separated, small to big), each component is linked to Place entities by label or
alias (longest match first, so ``샌타클래라 카운티`` is one component), and each component
must be ``partOf``+ the next larger one. A mismatch is a warning naming both sources:
the row stating the address and the gazetteer row stating the real parent.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from ontology.knowledge import Knowledge, Lang
from ontology.report import Issue
from ontology.roles import hierarchy_property, is_place_class


@dataclass(frozen=True)
class Component:
    text: str
    places: tuple[str, ...]  # candidate Place ids, best first


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def place_index(knowledge: Knowledge) -> dict[str, list[str]]:
    """Normalised label/alias -> Place ids (labels before aliases)."""
    index: dict[str, list[str]] = defaultdict(list)
    places = [e for e in knowledge.entities.values() if is_place_class(e.class_)]
    for pass_labels in (True, False):
        for entity in places:
            names = [entity.label.en, entity.label.ko] if pass_labels else entity.names()
            for name in names:
                ids = index[_norm(name)]
                if entity.id not in ids:
                    ids.append(entity.id)
    return index


def split_address(address: str, lang: Lang, index: dict[str, list[str]]) -> list[Component]:
    """Components big to small; Korean tokens are grouped greedily into the longest known name."""
    if lang == "en":
        parts = [part.strip() for part in address.split(",") if part.strip()]
        return [Component(part, tuple(index.get(_norm(part), ()))) for part in reversed(parts)]
    tokens = address.split()
    out: list[Component] = []
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            text = " ".join(tokens[i:j])
            if _norm(text) in index or j == i + 1:
                out.append(Component(text, tuple(index.get(_norm(text), ()))))
                i = j
                break
    return out


def parents(knowledge: Knowledge) -> dict[str, tuple[str, str]]:
    """Place -> (its asserted ``partOf`` parent, the row stating it)."""
    out: dict[str, tuple[str, str]] = {}
    hierarchy = hierarchy_property()
    for sourced in knowledge.triples():
        t = sourced.triple
        if t.p == hierarchy and t.o is not None:
            out.setdefault(t.s, (t.o, sourced.row_id))
    return out


def ancestors(place: str, parent_of: dict[str, tuple[str, str]]) -> list[str]:
    chain: list[str] = []
    current = parent_of.get(place)
    while current is not None and current[0] not in chain:
        chain.append(current[0])
        current = parent_of.get(current[0])
    return chain


def check_addresses(knowledge: Knowledge) -> list[Issue]:
    """Warnings for address components that the gazetteer does not nest the same way."""
    index = place_index(knowledge)
    parent_of = parents(knowledge)
    issues: list[Issue] = []
    seen: set[tuple[str, str, str]] = set()
    for row in knowledge.rows:
        if row.address is None:
            continue
        line = knowledge.lines[row.id]
        for lang in ("ko", "en"):
            text: str = getattr(row.address, lang)
            components = split_address(text, lang, index)
            for comp in components:
                if not comp.places:
                    issues.append(
                        Issue(
                            "warning",
                            "gazetteer",
                            f'"{text}" (row {row.id}, line {line}): "{comp.text}" names no place in the gazetteer',
                            (row.id,),
                            {"address": text, "component": comp.text},
                        )
                    )
            linked = [c for c in components if c.places]
            for bigger, smaller in itertools.pairwise(linked):
                if any(b in ancestors(s, parent_of) for s in smaller.places for b in bigger.places):
                    continue
                small, big = smaller.places[0], bigger.places[0]
                if (row.id, small, big) in seen:
                    continue
                seen.add((row.id, small, big))
                issues.append(_conflict(knowledge, row.id, line, text, small, big, parent_of))
    return issues


def _conflict(
    knowledge: Knowledge,
    row_id: str,
    line: int,
    text: str,
    small: str,
    big: str,
    parent_of: dict[str, tuple[str, str]],
) -> Issue:
    label = knowledge.label
    stated = f'"{text}" (row {row_id}, line {line}) places {label(small)} in {label(big)}'
    if small in parent_of:
        real, real_row = parent_of[small]
        message = (
            f"{stated}, while the gazetteer (row {real_row}, line {knowledge.lines[real_row]}) "
            f"places it in {label(real)}"
        )
        rows: tuple[str, ...] = (row_id, real_row)
        details: dict[str, str] = {
            "address": text,
            "place": small,
            "stated_parent": big,
            "gazetteer_parent": real,
        }
    else:
        message = f"{stated}, while the gazetteer has no parent for {label(small)}"
        rows = (row_id,)
        details = {"address": text, "place": small, "stated_parent": big, "gazetteer_parent": ""}
    return Issue("warning", "gazetteer", message, rows, details)
