"""Open-set rejection: is the question asking for an attribute the ontology does not have?

An encoder always finds *some* property closest to a question ("Who is the CFO?" lands next to
the CEO), so closeness alone cannot tell an unknown attribute from a paraphrase. The question is
therefore also compared with a generic, domain-independent inventory of attributes people ask
about organisations, people, products, places and events (``data/general/attributes.jsonl``:
revenue, CFO, street address, ticker...). Inventory names close to one of the user's own
property descriptions are dropped first (they may be the same thing in other words); when the
question is clearly nearer a remaining inventory name than any property description, it asks
for something the knowledge cannot answer, and that name is the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ontology.errors import OntologyError
from ontology.jsonl import json_lines, read_text
from ontology.paths import data_dir
from retriever.encoders import Calibration


def inventory_path() -> Path:
    """``data/general/attributes.jsonl`` under :func:`ontology.paths.data_dir`."""
    return data_dir() / "general" / "attributes.jsonl"


@dataclass(frozen=True)
class Attribute:
    """One inventory row: an attribute's names in English and Korean."""

    id: str
    en: tuple[str, ...]
    ko: tuple[str, ...]


@cache
def inventory(path: Path | None = None) -> tuple[Attribute, ...]:
    """The inventory's rows (none when the file is absent: nothing is rejected); a malformed
    row is ``OntologyError("file:line: reason")``."""
    path = path or inventory_path()
    if not path.exists():
        return ()
    rows: list[Attribute] = []
    for number, row in json_lines(path, read_text(path, OntologyError, "attribute inventory"), OntologyError):
        names = row.get("en") if isinstance(row, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise OntologyError(f"{path}:{number}: an attribute needs 'en': a list of names")
        ko = row.get("ko", [])
        if not isinstance(ko, list) or not all(isinstance(n, str) and n.strip() for n in ko):
            raise OntologyError(f"{path}:{number}: 'ko' must be a list of names")
        rows.append(Attribute(str(row.get("id", number)), tuple(names), tuple(ko)))
    return tuple(rows)


def same_attribute(row: Attribute, hits: list[bool]) -> bool:
    """Whether an inventory row is an attribute the ontology has, given which of its names
    (English then Korean) a property uses: its main name, or two of its names. One shared word
    alone is not enough: "partner" (an organisation's) does not make a spouse a partner."""
    if not hits:
        return False
    main_en = hits[0]
    main_ko = bool(row.ko) and len(hits) > len(row.en) and hits[len(row.en)]
    return main_en or main_ko or sum(hits) >= 2


@dataclass(frozen=True)
class OpenSet:
    """The inventory names left after pruning, with their vectors (unit rows)."""

    owners: tuple[Attribute, ...]  # the row of each vector
    vectors: np.ndarray
    names: tuple[str, ...] = ()  # the name of each vector
    calibration: Calibration | None = None

    @classmethod
    def build(cls, vectors: np.ndarray, descriptions: np.ndarray, calibration: Calibration) -> OpenSet:
        """The inventory (``vectors``: one row per :func:`inventory_names` entry) without the names
        within ``calibration.prune`` of a property description, and without the rows that are
        then the same attribute as a property (:func:`same_attribute`)."""
        owners = tuple(row for row in inventory() for _ in (*row.en, *row.ko))
        names = inventory_names()
        if not owners or descriptions.size == 0:
            return cls(owners, vectors, names, calibration)
        near = ((vectors @ descriptions.T).max(axis=1) >= calibration.prune).tolist()
        by_row: dict[int, list[bool]] = {}
        for owner, hit in zip(owners, near, strict=True):
            by_row.setdefault(id(owner), []).append(hit)
        same = {id(row) for row in inventory() if same_attribute(row, by_row.get(id(row), []))}
        keep = [id(o) not in same and not n for o, n in zip(owners, near, strict=True)]
        return cls(
            tuple(o for o, k in zip(owners, keep, strict=True) if k),
            vectors[np.asarray(keep, dtype=bool)],
            tuple(n for n, k in zip(names, keep, strict=True) if k),
            calibration,
        )

    def named(self, index: int, lang: str) -> str:
        """The attribute of the ``index``-th kept name, in the question's language."""
        row = self.owners[index]
        return (row.ko or row.en)[0] if lang == "ko" else row.en[0]

    def rejects(self, query: np.ndarray, best_property: float, lang: str) -> str | None:
        """The attribute the question asks for, in its language, when an inventory name beats
        every property description."""
        if not self.owners or self.calibration is None:
            return None
        cosines = self.vectors @ query
        index = int(cosines.argmax())
        nearest = float(cosines[index])
        floor, margin = self.calibration.reject_floor, self.calibration.reject_margin
        if nearest < floor or nearest < best_property + margin:
            return None
        return self.named(index, lang)


def inventory_names() -> tuple[str, ...]:
    """Every name of the inventory, English then Korean, row by row (duplicates kept)."""
    return tuple(name for row in inventory() for name in (*row.en, *row.ko))
