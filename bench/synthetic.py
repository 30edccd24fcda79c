"""Synthetic knowledge for benchmarks: place gazetteers (continent -> ... -> dong) and companies.

Shared by ``bench/bench_reasoning.py`` (sizes in places) and ``bench/bench_scale.py`` (sizes in
N-Triples: :func:`rows_for_triples` picks the number of places for a target triple count).
Rows follow the knowledge schema (``data/SCHEMA.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LEVELS = ("Continent", "Country", "Province", "City", "District", "Neighborhood")
TRIPLES_PER_PLACE = 5.2  # N-Triples per place, companies and offices included (measured)


def synthetic_rows(n_places: int) -> list[dict[str, Any]]:
    """A balanced place tree of ``n_places`` nodes, plus companies with offices in dongs."""
    roots = 5
    branching = 2
    while roots * sum(branching**i for i in range(len(LEVELS))) < n_places:
        branching += 1
    rows: list[dict[str, Any]] = []
    level_nodes: list[str] = []
    count = 0

    def place(pid: str, cls: str, parent: str | None) -> dict[str, Any]:
        return {
            "id": f"g-{pid}",
            "kind": "gazetteer",
            "entity": {"id": pid, "class": cls, "label": {"en": pid, "ko": pid}},
            "text": {"en": f"{pid} is a place.", "ko": f"{pid}은(는) 장소이다."},
            "triples": [{"s": pid, "p": "partOf", "o": parent}] if parent else [],
            "source": "gazetteer",
        }

    for _ in range(roots):
        pid = f"P{count}"
        rows.append(place(pid, LEVELS[0], None))
        level_nodes.append(pid)
        count += 1
    dongs: list[str] = []
    deepest = level_nodes
    for depth in range(1, len(LEVELS)):
        next_nodes: list[str] = []
        for parent in level_nodes:
            for _ in range(branching):
                if count >= n_places:
                    break
                pid = f"P{count}"
                rows.append(place(pid, LEVELS[depth], parent))
                next_nodes.append(pid)
                count += 1
        level_nodes = next_nodes
        deepest = next_nodes or deepest
        if depth == len(LEVELS) - 1:
            dongs = next_nodes
    if not dongs:  # a small tree that stops before the dong level: offices in its deepest places
        dongs = deepest
    companies = max(1, n_places // 100)
    offices_per_company = 3
    for c in range(companies):
        cid = f"C{c}"
        rows.append(
            {
                "id": f"e-{cid}",
                "kind": "entity",
                "entity": {"id": cid, "class": "Company", "label": {"en": cid, "ko": cid}},
            }
        )
        for k in range(offices_per_company):
            oid = f"O{c}_{k}"
            dong = dongs[(c * offices_per_company + k) * 7 % len(dongs)]
            rows.append(
                {
                    "id": f"e-{oid}",
                    "kind": "entity",
                    "entity": {"id": oid, "class": "Office", "label": {"en": oid, "ko": oid}},
                }
            )
            triples = [{"s": cid, "p": "hasOffice", "o": oid}, {"s": oid, "p": "locatedIn", "o": dong}]
            if k == 0:
                triples[0]["p"] = "headquarters"
            rows.append(
                {
                    "id": f"f-{oid}",
                    "kind": "fact",
                    "text": {"en": "office", "ko": "사무소"},
                    "triples": triples,
                }
            )
    return rows


def places_for_triples(n_triples: int) -> int:
    return max(50, round(n_triples / TRIPLES_PER_PLACE))


def rows_for_triples(n_triples: int) -> list[dict[str, Any]]:
    """Rows whose N-Triples (``kg.bulk.rows_ntriples``) number about ``n_triples``."""
    return synthetic_rows(places_for_triples(n_triples))


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def write_ntriples(rows: list[dict[str, Any]], path: Path) -> int:
    """Write the rows' N-Triples to ``path``; the number of triples written."""
    from kg.bulk import rows_ntriples

    count = 0
    with path.open("w", encoding="utf-8") as handle:
        buffer: list[str] = []
        for line in rows_ntriples(rows):
            buffer.append(line)
            count += 1
            if len(buffer) >= 100_000:
                handle.write("".join(buffer))
                buffer = []
        handle.write("".join(buffer))
    return count
