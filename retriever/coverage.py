"""What the knowledge cannot answer about sites (offices): a site in a place where there is none.

Pure functions; the place sets come from the graph's facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kg.facts import Fact
from ontology.roles import is_place_class, location_properties, site_classes
from ontology.schema import CLASS_BY_NAME
from retriever.intent import Intent
from retriever.linking import EntityLink


def site_places_of(facts: Iterable[Fact], site_ids: Iterable[str]) -> set[str]:
    """Places with a site: where each site (office) is located (any location property)."""
    sites = set(site_ids)
    where = location_properties()
    return {
        f.object for f in facts if not f.object_is_literal and f.predicate in where and f.subject in sites
    }


def site_in(place: str, lang: str) -> str:
    """ "office in Japan" / "Japan 사무소", with the ontology's label of the site class."""
    site = sorted(site_classes())
    cls = CLASS_BY_NAME[site[0]] if site else None
    if lang == "ko":
        return f"{place} {cls.label_ko if cls else ''}".strip()
    return f"{cls.label_en if cls else 'site'} in {place}"


def unsupported_sites(
    intent: Intent,
    links: Iterable[EntityLink],
    classes: Mapping[str, str],
    places_with_site: set[str],
    lang: str = "en",
) -> list[str]:
    """``office in X`` for each place an office is asked about that has none in the knowledge.

    Only when the question asks about an office in general ("an office in Japan"); a question
    naming one of the known offices ("Is the R&D center in Gangnam?") is answered by its facts.
    """
    if not intent.asks_site:
        return []
    links = list(links)
    if any(classes.get(link.entity_id) in site_classes() for link in links):
        return []
    out: list[str] = []
    spans = [(link.start, link.end, link.surface) for link in links]
    for name in intent.site_places:
        if not any(name in surface or surface in name for _, _, surface in spans):
            out.append(site_in(name, lang))
    for link in links:
        if is_place_class(classes.get(link.entity_id)) and link.entity_id not in places_with_site:
            out.append(site_in(link.label, lang))
    return list(dict.fromkeys(out))
