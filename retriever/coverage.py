"""What the knowledge cannot answer about offices: an office in a place where there is none.

Pure functions; the place sets come from the graph's facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from kg.facts import Fact
from ontology.roles import is_place_class, location_properties, site_classes
from retriever.intent import Intent
from retriever.linking import EntityLink


def office_places(facts: Iterable[Fact], office_ids: Iterable[str]) -> set[str]:
    """Places with a site: where each site (office) is located (any location property)."""
    offices = set(office_ids)
    where = location_properties()
    return {
        f.object for f in facts if not f.object_is_literal and f.predicate in where and f.subject in offices
    }


_SERIES = re.compile(r"(?:\bseries|시리즈)\s*([A-Za-z])\b", re.IGNORECASE)


def known_series(facts: Iterable[Fact]) -> set[str]:
    """The funding series the knowledge has ("B" for a Series B round)."""
    return {f.object.upper() for f in facts if f.predicate == "fundingSeries" and f.object_is_literal}


def unsupported_rounds(question: str, series: set[str]) -> list[str]:
    """``Series X round`` for each funding series the question names that the knowledge lacks."""
    asked = dict.fromkeys(m.group(1).upper() for m in _SERIES.finditer(question))
    return [f"Series {letter} round" for letter in asked if letter not in series]


def unsupported_offices(
    intent: Intent,
    links: Iterable[EntityLink],
    classes: Mapping[str, str],
    places_with_office: set[str],
) -> list[str]:
    """``office in X`` for each place an office is asked about that has none in the knowledge.

    Only when the question asks about an office in general ("an office in Japan"); a question
    naming one of the known offices ("Is the R&D center in Gangnam?") is answered by its facts.
    """
    if not intent.asks_office:
        return []
    links = list(links)
    if any(classes.get(link.entity_id) in site_classes() for link in links):
        return []
    out: list[str] = []
    spans = [(link.start, link.end, link.surface) for link in links]
    for name in intent.office_places:
        if not any(name in surface or surface in name for _, _, surface in spans):
            out.append(f"office in {name}")
    for link in links:
        if is_place_class(classes.get(link.entity_id)) and link.entity_id not in places_with_office:
            out.append(f"office in {link.label}")
    return list(dict.fromkeys(out))
