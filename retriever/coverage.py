"""What the knowledge cannot answer about sites (offices): a site in a place where there is none.

Pure functions; the place sets come from the graph's facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kg.facts import Fact
from ontology.roles import is_place_class, location_properties, site_classes
from ontology.schema import CLASS_BY_NAME, class_ancestors
from retriever.intent import Intent
from retriever.linking import EntityLink


def site_places_of(facts: Iterable[Fact], site_ids: Iterable[str]) -> set[str]:
    """Places with a site: where each site (office) is located (any location property)."""
    sites = set(site_ids)
    where = location_properties()
    return {
        f.object for f in facts if not f.object_is_literal and f.predicate in where and f.subject in sites
    }


def site_class(named: Iterable[str] = ()) -> str | None:
    """The site class a question means: the most specific one it names ("a gallery"), else the
    most general site class (the one most site classes descend from)."""
    sites = site_classes()
    mentioned = [c for c in sorted(named) if c in sites]
    specific = [c for c in mentioned if not any(o != c and c in class_ancestors(o) for o in mentioned)]
    if specific:
        return specific[0]
    return max(sorted(sites), key=lambda c: sum(c in class_ancestors(o) for o in sites), default=None)


def site_in(place: str, lang: str, named: Iterable[str] = ()) -> str:
    """ "office in Japan" / "Japan 사무소", with the ontology's label of the site class."""
    site = site_class(named)
    cls = CLASS_BY_NAME[site] if site else None
    if lang == "ko":
        return f"{place} {cls.label_ko if cls else ''}".strip()
    return f"{cls.label_en if cls else 'site'} in {place}"


def unsupported_sites(
    intent: Intent,
    links: Iterable[EntityLink],
    classes: Mapping[str, str],
    places_with_site: set[str],
    lang: str = "en",
    named: Iterable[str] = (),
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
            out.append(site_in(name, lang, named))
    for link in links:
        if is_place_class(classes.get(link.entity_id)) and link.entity_id not in places_with_site:
            out.append(site_in(link.label, lang, named))
    return list(dict.fromkeys(out))
