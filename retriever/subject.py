"""Who or what a question is about, beyond the names it links: the subject-finding half of the
retriever (:class:`retriever.retrieve.Retriever` mixes it in).

* a site the question names by a word of its names ("where does it do its research": the research
  institute; "its Cebu hub": of the sites its asked link reaches), whose own place is then asked;
* a thing named by its two ends ("from Gdansk to Incheon": :mod:`retriever.ends`);
* the property a yes/no question asks when one fact links the two things it names, or when a word
  of the question is in one property's value (:mod:`retriever.value_words`).

Everything reads the graph through the index the retriever builds (facts by entity, classes,
labels, sites' owners), never by a scan of every fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cached_property

from kg.facts import Fact
from ontology.knowledge import Entity
from ontology.roles import hierarchy_property, is_place_class, location_properties
from ontology.schema import PROPERTY_BY_NAME, class_ancestors
from retriever.context import LinkedEntity
from retriever.ends import from_to
from retriever.intent import (
    NAME_MATCH,
    STOPWORDS_EN,
    STOPWORDS_KO,
    Intent,
    applies_to,
    class_names,
    class_words,
    content_words,
    mask,
    most_general_location,
)
from retriever.linking import EntityLink
from retriever.parts import asks_two_things
from retriever.polar import is_choice_question, is_polar_question
from retriever.text import detect_lang
from retriever.value_words import asked_words, describing_property, property_by_value, unsupported_words

BEHIND_SITE = 0.8  # the owner's own location, when the question names its site, is no longer primary


class SubjectFinding:
    """The subject-finding methods; the retriever provides the index they read."""

    facts: list[Fact]
    entities: Mapping[str, Entity]
    classes: dict[str, str]
    labels: dict[str, tuple[str, str]]
    _by_entity: dict[str, list[int]]
    _owner_of: dict[str, str]

    def _asked_by_link(self, question: str, entities: list[LinkedEntity], intent: Intent) -> Intent | None:
        """A yes/no question naming two things, neither a place, that a fact links: that fact's
        property is asked, whatever the question's words read as ("Can Fusion be used for heat
        transfer?", "Does Fusion handle structural analysis?": Fusion covers it)."""
        top = next(iter(intent.predicates), None)
        if not is_polar_question(question) or asks_two_things(question, detect_lang(question)):
            return None
        if top in location_properties() or "where" in intent.cues:  # "is its office in P": a place
            return None
        named = {e.id for e in entities if e.via is None and not is_place_class(self.classes.get(e.id))}
        if len(named) < 2:
            return None
        linking = [
            fact.predicate
            for n in sorted(named)
            for i in self._by_entity.get(n, ())
            if (fact := self.facts[i]).subject == n
            and not fact.object_is_literal
            and fact.predicate != "type"
            and fact.object in named - {n}
        ]
        if not linking:
            return None
        if top is not None and top not in linking and self._could_link(top, named):
            return None  # "did A found B": the named link is missing, no other link answers it
        best = max(linking, key=lambda p: intent.predicates.get(p, 0.0))  # the one asked, if any
        return replace(intent, predicates={best: 1.0}, unsupported_attributes=(), answer_classes=())

    def _could_link(self, prop: str, named: set[str]) -> bool:
        """Whether the object property ``prop`` could link two of the ``named`` things (its domain
        fits one, its range the other)."""
        definition = PROPERTY_BY_NAME.get(prop)
        if definition is None or definition.kind != "object":
            return False
        kinds = [self.classes.get(n, "") for n in named]
        return any(
            a != b
            and applies_to(prop, [a])
            and (not definition.range or definition.range in class_ancestors(b))
            for a in kinds
            for b in kinds
        )

    def _asked_by_value(
        self, question: str, spans: list[tuple[int, int]], entities: list[LinkedEntity], intent: Intent
    ) -> Intent:
        """When no property is named outright, the one whose value about a named thing holds the
        word the question asks about (:mod:`retriever.value_words`); the named things first, then
        their neighbours ("is there a hosted version of its software": its products). Where the
        question names an attribute the ontology lacks, only a word of that attribute's names counts
        ("for-profit" in 'non-profit', not "network" for "a network of volunteers")."""
        if not entities or (intent.confidence >= NAME_MATCH and not intent.unsupported_attributes):
            return intent
        stopwords = STOPWORDS_KO if detect_lang(question) == "ko" else STOPWORDS_EN
        yes_no = is_polar_question(question) or is_choice_question(question)
        words = asked_words(question, mask(question, spans), yes_no, stopwords)
        if not words:
            return intent
        named = [e.id for e in entities if e.via is None]
        near = [e.id for e in entities if e.via is not None] + [
            f.object
            for i in (j for n in named for j in self._by_entity.get(n, ()))
            if (f := self.facts[i]).subject in named
            and not f.object_is_literal
            and f.predicate != "type"
            and not is_place_class(self.classes.get(f.object))
        ]
        if intent.unsupported_attributes:  # an attribute it lacks is named: only its own words count
            own_words = unsupported_words(intent.unsupported_attributes)
            words = tuple(w for w in words if w in own_words)
        named_facts = self._facts_of(named)
        for facts in (named_facts, self._facts_of(dict.fromkeys(near))):
            asked = property_by_value(words, facts, stopwords)
            if asked is not None:
                return replace(intent, predicates={asked: 1.0}, unsupported_attributes=(), answer_classes=())
        described = describing_property(question, named_facts)
        if described is not None:  # "what sort of offering is SolverX Cloud": what the knowledge says it is
            return replace(intent, predicates={described: 1.0}, unsupported_attributes=(), answer_classes=())
        return intent

    @cached_property
    def _sites_by_owner(self) -> dict[str, list[str]]:
        """Each owner's sites (offices, facilities), sorted."""
        out: dict[str, list[str]] = {}
        for site, owner in sorted(self._owner_of.items()):
            out.setdefault(owner, []).append(site)
        return out

    def _facts_of(self, ids: Iterable[str]) -> list[Fact]:
        """The facts whose subject is one of ``ids``."""
        return [self.facts[i] for n in ids for i in self._by_entity.get(n, ()) if self.facts[i].subject == n]

    def _site_by_word(
        self, entities: list[LinkedEntity], intent: Intent, masked: str
    ) -> tuple[list[LinkedEntity], Intent]:
        """Where a location is asked of an owner, its site that the question names (linked, or by a
        word only that site's names hold: "where does Harbor Health carry out its research": its
        research institute) is the subject; the owner stays, reached from it. ``masked`` is the
        question with the linked names blanked ("Is its office in Palo Alto in Europe": Europe
        names a place, not the European office). The site's own location property joins the asked
        ones ("which continent is its Cebu hub on": where the airport is, not the airline's seat)."""
        top = next(iter(intent.predicates), None)
        located = top in location_properties() or "where" in intent.cues
        if not located and not any(is_place_class(c) for c in intent.answer_classes):
            return entities, intent
        if "how_many" in intent.cues:  # "in how many countries does it have sites": all of them
            return entities, intent
        words = set(content_words(masked))
        out = list(entities)
        for owner in [e for e in entities if e.via is None]:
            sites = self._sites_by_owner.get(owner.id, [])
            named = [e.id for e in entities if e.via is None and e.id in sites]
            if not named:  # not the owner's name, nor a class word two of its sites share ("its sites")
                shared = self._shared_class_words([self.classes.get(s, "") for s in sites])
                asked = words - self._words_of(owner.id) - shared
                named = [s for s in sites if asked & self._words_of(s)]
            if len(named) > 1:  # "its Cebu hub": of those, the ones its asked link reaches
                named = [s for s in named if self._linked_by(owner.id, s, intent.predicates)] or named
            if len(named) != 1:
                continue
            site = named[0]
            out = [e for e in out if e.id != site]
            out = [replace(e, via=site) if e.id == owner.id else e for e in out]
            out.insert(
                0, LinkedEntity(site, self._label(site, "en"), self._label(site, "ko"), owner.score, "")
            )
            kind = [self.classes.get(site, "")]
            where = most_general_location(tuple(kind))
            if where and applies_to(where, kind):  # the owner's own place steps behind the site's,
                # unless the owner is placed through this site (its head office)
                behind = {
                    p: round(w * BEHIND_SITE, 4) if self._placed_elsewhere(p, owner.id, site, kind) else w
                    for p, w in intent.predicates.items()
                    if p != where
                }
                intent = replace(intent, predicates={where: 1.0, **behind})
        return out, intent

    def _placed_elsewhere(self, prop: str, owner: str, site: str, kind: list[str]) -> bool:
        """Whether ``prop`` places the owner by something other than ``site``: a location property
        of the owner's (not the place hierarchy, not the site's own) whose chains do not start with
        the link from the owner to this site."""
        if prop not in location_properties() or prop == hierarchy_property() or applies_to(prop, kind):
            return False
        firsts = {first for first, _ in PROPERTY_BY_NAME[prop].chains}
        return not self._linked_by(owner, site, dict.fromkeys(firsts, 1.0))

    def _between_places(
        self, entities: list[LinkedEntity], links: list[EntityLink], question: str
    ) -> list[LinkedEntity]:
        """ "from Gdansk to Incheon", "세부에서 오클랜드까지": the one thing linked to the first place
        (or something in it) by one property and to the second by another (a route, a service)
        is the subject, named by its two ends."""
        spans = [(link.entity_id, link.start, link.end, link.name) for link in links]
        ends = from_to(question, spans, self.classes)
        if ends is None:
            return entities
        start, end = ends
        found = [
            e
            for e in sorted(self._placed_within(start))
            if any(a != b for a in self._reaches(e, start) for b in self._reaches(e, end))
        ]
        if len(found) != 1 or any(e.id == found[0] for e in entities):
            return entities
        thing = found[0]
        return [LinkedEntity(thing, self._label(thing, "en"), self._label(thing, "ko"), 1.0, ""), *entities]

    def _placed_within(self, place: str) -> set[str]:
        """The things (not places) a place property links to ``place`` or to a place within it,
        through the index rather than a scan (the hierarchy is materialised: every place within
        it is linked to it directly)."""
        inside = {place} | {
            f.subject
            for i in self._by_entity.get(place, ())
            if (f := self.facts[i]).object == place and is_place_class(self.classes.get(f.subject))
        }
        return {
            f.subject
            for p in inside
            for i in self._by_entity.get(p, ())
            if (f := self.facts[i]).object == p and not is_place_class(self.classes.get(f.subject))
        }

    def _reaches(self, entity_id: str, place: str) -> set[str]:
        """The object properties that place ``entity_id`` at ``place`` or at a place within it."""
        out: set[str] = set()
        for i in self._by_entity.get(entity_id, ()):
            fact = self.facts[i]
            if fact.subject != entity_id or fact.object_is_literal or fact.predicate == "type":
                continue
            if is_place_class(self.classes.get(fact.object)) and (
                fact.object == place or self._located_in(fact.object, {place})
            ):
                out.add(fact.predicate)
        return out

    def _linked_by(self, subject: str, target: str, predicates: Mapping[str, float]) -> bool:
        """Whether an asserted fact links ``subject`` to ``target`` by one of ``predicates``."""
        return any(
            (f := self.facts[i]).subject == subject and f.object == target and f.predicate in predicates
            for i in self._by_entity.get(subject, ())
        )

    @staticmethod
    def _shared_class_words(classes: list[str]) -> set[str]:
        """The stemmed words of the names of each class two or more of ``classes`` are (or descend from)."""
        return class_words(
            c.name for c in class_names() if sum(c.name in class_ancestors(k) for k in classes if k) >= 2
        )

    def _words_of(self, entity_id: str) -> set[str]:
        """The stemmed English words of an entity's label and aliases."""
        entity = self.entities.get(entity_id)
        if entity is None:
            return set()
        return {w for name in (entity.label.en, *entity.aliases.en) for w in content_words(name)}

    def _located_in(self, entity_id: str, places: set[str]) -> bool:
        """Whether a location fact (asserted or inferred) puts the entity in one of the places."""
        where = location_properties()
        return any(
            self.facts[i].subject == entity_id
            and self.facts[i].predicate in where
            and self.facts[i].object in places
            for i in self._by_entity.get(entity_id, ())
        )

    def _label(self, entity_id: str, lang: str) -> str:
        pair = self.labels.get(entity_id)
        if pair is None:
            return entity_id
        return pair[1] if lang == "ko" else pair[0]
