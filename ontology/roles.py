"""Roles the code asks of the ontology, derived from its axioms rather than named in code.

Generic code never names a domain's classes or properties; it asks for a role:

* the *place hierarchy*: the transitive object property whose domain and range are one class
  (``partOf`` over ``Place``), and that class with its subclasses;
* *location* properties: object properties whose range is a place (``locatedIn``, ``partOf``);
* *temporal*, *numeric* and *text* data properties, by their XSD range;
* *site* links: object properties whose objects are not places but are themselves located
  (a company's office, a hospital's department), so "where is X" can go through them.
"""

from __future__ import annotations

from functools import cache

from ontology.schema import CLASS_BY_NAME, CLASSES, PROPERTIES, PROPERTY_BY_NAME, class_ancestors

TEMPORAL_RANGES = frozenset({"gYear", "date"})
NUMERIC_RANGES = frozenset({"integer", "decimal"})


@cache
def hierarchy_property() -> str | None:
    """The transitive property that orders places (``partOf``), if the ontology has one."""
    candidates = [
        p for p in PROPERTIES if p.transitive and p.kind == "object" and p.domain and p.domain == p.range
    ]
    return candidates[0].name if candidates else None


@cache
def place_class() -> str | None:
    """The class the place hierarchy orders (``Place``)."""
    name = hierarchy_property()
    return PROPERTY_BY_NAME[name].range if name else None


def is_place_class(class_name: str | None) -> bool:
    root = place_class()
    return bool(root and class_name and root in class_ancestors(class_name))


@cache
def place_classes() -> frozenset[str]:
    return frozenset(name for name in CLASS_BY_NAME if is_place_class(name))


@cache
def location_properties() -> frozenset[str]:
    """Object properties whose objects are places (including the hierarchy itself)."""
    return frozenset(p.name for p in PROPERTIES if p.kind == "object" and is_place_class(p.range))


@cache
def temporal_properties() -> frozenset[str]:
    return frozenset(p.name for p in PROPERTIES if p.kind == "data" and p.range in TEMPORAL_RANGES)


CLOCK_RANGES = frozenset({"time"})


@cache
def clock_properties() -> frozenset[str]:
    """Data properties holding a time of day (xsd:time: "what time does it leave")."""
    return frozenset(p.name for p in PROPERTIES if p.kind == "data" and p.range in CLOCK_RANGES)


@cache
def numeric_properties() -> frozenset[str]:
    return frozenset(p.name for p in PROPERTIES if p.kind == "data" and p.range in NUMERIC_RANGES)


@cache
def placing_properties() -> frozenset[str]:
    """Location properties the place hierarchy carries further: the hierarchy itself and those in a
    property chain (``locatedIn``), not a place-valued attribute outside every chain (a person's
    nationality, a ship's flag state)."""
    in_chains = {name for p in PROPERTIES for pair in p.chains for name in (p.name, *pair)}
    return frozenset(n for n in location_properties() if n in in_chains or n == hierarchy_property())


@cache
def site_properties() -> frozenset[str]:
    """Object properties to a non-place class whose members can be located (offices, facilities):
    the first link of a chain ending in a location property, or a property into a class the place
    hierarchy locates. Not the way back from a site to its owner (the inverse of a site link), and
    not into a class placed only by a property outside every chain (a person's nationality)."""
    chained = {
        first
        for p in PROPERTIES
        for first, second in p.chains
        if second in location_properties() and first not in location_properties()
    }
    located = {
        cls
        for p in PROPERTIES
        if p.name in placing_properties() and p.domain
        for cls in CLASS_BY_NAME
        if p.domain in class_ancestors(cls)
    }
    into_located = {
        p.name
        for p in PROPERTIES
        if p.kind == "object" and p.range in located and not is_place_class(p.range) and p.range != p.domain
    }
    links = chained | into_located

    def fanout(name: str) -> int:  # how many site links leave the property's domain
        domain = PROPERTY_BY_NAME[name].domain
        return sum(1 for other in links if PROPERTY_BY_NAME[other].domain == domain)

    def way_back(name: str) -> bool:  # "operated by" beside "operates": the owner has more sites
        inverse = PROPERTY_BY_NAME[name].inverse
        return name not in chained and inverse in links and fanout(name) < fanout(inverse)

    return frozenset(name for name in links if not way_back(name))


@cache
def site_classes() -> frozenset[str]:
    """The classes reached by site properties (``Office``), with their subclasses."""
    ranges = {PROPERTY_BY_NAME[name].range for name in site_properties()}
    return frozenset(c for c in CLASS_BY_NAME if any(r and r in class_ancestors(c) for r in ranges))


@cache
def location_inheriting_properties() -> frozenset[str]:
    """Links whose subject is where their object is: the ``p`` of a chain ``p o L -> L`` (``headquarters``)."""
    return frozenset(
        first
        for p in PROPERTIES
        if p.name in location_properties()
        for first, second in p.chains
        if second == p.name and first not in location_properties()
    )


@cache
def anchor_classes() -> frozenset[str]:
    """Classes whose individuals make a question about the user's knowledge: every class but the
    places and those the ontology marks ``axv:generalKnowledge true`` (industries, technologies),
    which general questions share ("the capital of Bavaria" is not about the organisation)."""
    return frozenset(c.name for c in CLASSES if not is_place_class(c.name) and not c.general)
