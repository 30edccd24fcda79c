"""The retriever: link -> intent -> expand -> rank -> :class:`~retriever.context.Context`.

``Retriever(kg).retrieve(question, k)`` links the question's entities, reads its intent, collects
the facts (asserted and inferred) touching the linked entities (a linked office also brings in its
company), and ranks them by cosine similarity between the question and each fact's sentence plus
symbolic boosts (:mod:`retriever.ranking`). Fact embeddings are computed once per graph and cached
(:mod:`retriever.embedding`); the model is loaded only when a question needs ranking.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache, cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from kg.facts import Fact
from ontology.knowledge import Entity
from ontology.roles import (
    hierarchy_property,
    is_place_class,
    location_inheriting_properties,
    location_properties,
    site_classes,
    site_properties,
)
from ontology.schema import PROPERTIES, PROPERTY_BY_NAME, class_ancestors
from retriever.context import Context, LinkedEntity, ScoredFact
from retriever.coverage import site_class, site_places_of, unsupported_sites
from retriever.embedding import Embedder, Vectors, fact_embeddings
from retriever.encoders import question_encoders
from retriever.errors import RetrieverError
from retriever.intent import (
    STOPWORDS_EN,
    Intent,
    IntentReader,
    applies_to,
    korean_place_names,
    mask,
    mentioned_classes,
    named_site_classes,
    names_a_site,
    unknown_names,
    with_title,
)
from retriever.linking import EntityLink, build_alias_index, link_entities
from retriever.place_words import place_of
from retriever.polar import is_polar_question
from retriever.ranking import Signals, boosts, score
from retriever.reference import referenced_instances
from retriever.subject import SubjectFinding
from retriever.text import detect_lang, has_hangul
from retriever.threads import one_thread
from retriever.verbalise import companions_of, verbalise

EXPANSION_FACTOR = 0.9  # an entity reached from a linked one scores a little below it
HOP_MIN_WEIGHT = 0.5  # follow an asked predicate's object one hop when asked at least this strongly


def _derived(word: str, base: str) -> bool:
    """Whether ``word`` is a derived form of ``base`` or the reverse, by a short suffix
    ("korean" of "korea", "european" of "europe", "german" of "germany")."""
    return (word.startswith(base) and 0 < len(word) - len(base) <= 3) or (
        base.startswith(word) and 0 < len(base) - len(word) <= 2
    )


_KO_TOPIC = re.compile(r"(?:은|는)(?![가-힣])")


def _topic_first(links: list[EntityLink], question: str) -> list[EntityLink]:
    """The links with a Korean topic (the name before 은/는: "아우렐리아가 취항하는 살 공항은", the
    airport) first; English names keep their order."""
    topics = [
        link
        for link in links
        if _KO_TOPIC.match(question, link.end)
        or (link.surface.endswith(("은", "는")) and not link.name.endswith(("은", "는")))
    ]
    return [*topics, *(link for link in links if link not in topics)] if len(topics) == 1 else links


class GraphLike(Protocol):
    """What the retriever needs from :class:`kg.KnowledgeGraph`."""

    @property
    def entities(self) -> Mapping[str, Entity]: ...

    def facts(self) -> list[Fact]: ...


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 3)


def links_to(asked: list[str], cls: str, values: list[str]) -> set[str]:
    """The asked object properties of ``cls`` whose values the other asked properties apply to:
    "which country is it headquartered in" asks a place of its headquarters (the link)."""
    return {
        p
        for p in asked
        if p in PROPERTY_BY_NAME
        and PROPERTY_BY_NAME[p].kind == "object"
        and applies_to(p, [cls])
        and any(applies_to(v, [PROPERTY_BY_NAME[p].range or ""]) for v in values)
    }


@cache
def functional_properties() -> frozenset[str]:
    return frozenset(p.name for p in PROPERTIES if p.functional)


class Retriever(SubjectFinding):
    """Ranks the graph's facts for a question; see the module docstring."""

    def __init__(self, kg: GraphLike, model_path: Path | str | None = None, cache: bool = True) -> None:
        self.kg = kg
        self.embedder = Embedder(model_path)
        self.use_disk_cache = cache
        self.pin_threads = True  # one OpenMP thread per question (off only to measure the difference)
        self.entities: Mapping[str, Entity] = kg.entities
        self.index = build_alias_index(self.entities)
        self.classes: dict[str, str] = {eid: e.class_ for eid, e in self.entities.items()}
        self.labels: dict[str, tuple[str, str]] = {
            eid: (e.label.en, e.label.ko) for eid, e in self.entities.items()
        }
        self.facts: list[Fact] = kg.facts()
        self.companions = companions_of(self.facts)
        self.texts_en = [verbalise(f, "en", self._label, self.companions) for f in self.facts]
        self.texts_ko = [verbalise(f, "ko", self._label, self.companions) for f in self.facts]
        self._by_entity: dict[str, list[int]] = {}
        for i, fact in enumerate(self.facts):
            self._by_entity.setdefault(fact.subject, []).append(i)
            if not fact.object_is_literal and fact.predicate != "type" and fact.object != fact.subject:
                self._by_entity.setdefault(fact.object, []).append(i)
        self._owner_of: dict[str, str] = {}  # site (office) -> its owner (company)
        self._inherits_from: dict[str, str] = {}  # a site whose owner is where it is -> the owner
        sites, inheriting = site_properties(), location_inheriting_properties()
        for fact in self.facts:
            if fact.object_is_literal:
                continue
            if fact.predicate in sites:
                self._owner_of.setdefault(fact.object, fact.subject)
            if fact.predicate in inheriting:
                self._inherits_from[fact.object] = fact.subject
        site_ids = [eid for eid, cls in self.classes.items() if cls in site_classes()]
        self._places_with_site = site_places_of(self.facts, site_ids)
        self.intent_reader = IntentReader(question_encoders())
        self._place_names = {  # each place's English label and aliases
            eid: (e.label.en, *e.aliases.en) for eid, e in self.entities.items() if is_place_class(e.class_)
        }
        self._vectors: Vectors | None = None
        hierarchy = hierarchy_property()
        self._depth: dict[str, int] = {}  # a place's number of larger places (a continent: 0, a country: 1)
        for fact in self.facts:
            if fact.predicate == hierarchy and not fact.object_is_literal:
                self._depth[fact.subject] = self._depth.get(fact.subject, 0) + 1
        for entity_id, cls in self.classes.items():
            if is_place_class(cls):
                self._depth.setdefault(entity_id, 0)

    # --- helpers ------------------------------------------------------------------------------

    def fact_vectors(self) -> Vectors:
        """Embeddings of every fact's English then Korean sentence (computed once, cached)."""
        if self._vectors is None:
            self._vectors = fact_embeddings(
                self.embedder, [*self.texts_en, *self.texts_ko], use_disk=self.use_disk_cache
            )
        return self._vectors

    def warm(self) -> None:
        """Load the model and the fact embeddings now rather than on the first question."""
        self.fact_vectors()
        self.embedder.encode_query("warm-up")
        self.intent_reader.warm()

    def _expand(self, links: list[EntityLink], question: str = "") -> list[LinkedEntity]:
        out: dict[str, LinkedEntity] = {}
        for link in _topic_first(links, question):
            out[link.entity_id] = LinkedEntity(
                link.entity_id, link.label, self._label(link.entity_id, "ko"), link.score, link.surface
            )
        for link in links:
            owner = self._owner_of.get(link.entity_id)
            if owner and owner not in out:
                out[owner] = self._reached(owner, link.score, link.entity_id)
        return list(out.values())

    def _through(
        self, entities: list[LinkedEntity], intent: Intent, question: str = ""
    ) -> list[LinkedEntity]:
        """Reach the subject through the entity the question names ("Priya Raman's institute, what
        country is it in": the institute she heads): when the asked property cannot apply to a
        linked entity's class, its neighbours whose class it applies to join, one hop away.

        A place asked through a link goes through that link only ("where is it headquartered"),
        else through the entity's functional links (its one headquarters); beside a named place
        only the neighbours in it join ("its clinic in Hakata"), unless the question is yes/no."""
        asked = [p for p, w in intent.predicates.items() if w >= HOP_MIN_WEIGHT]
        if not asked:
            return entities
        known = {e.id for e in entities}
        # "the clinic in Hakata" names where the subject is; "Is her institute in Canada?" asks it
        places_named = (
            set()
            if is_polar_question(question)
            else {e.id for e in entities if is_place_class(self.classes.get(e.id))}
        )
        out = list(entities)
        for entity in entities:
            cls = self.classes.get(entity.id)
            if entity.via is not None:  # only from what the question names: not a named site's siblings
                continue
            if cls is None or is_place_class(cls):
                continue
            values = [p for p in asked if not applies_to(p, [cls])]
            # a place through a link ("where is it headquartered"); other values of a linked
            # thing (a round's amount) come with the link's facts (see _candidates)
            of_place = bool(set(values) & location_properties())
            links = links_to(asked, cls, values) if of_place else set()
            if not values or (not links and len(values) < len(asked)):
                continue  # what is asked applies to the named entity itself
            if of_place and not links and not places_named:  # "where is it": its one headquarters
                links = links_to(sorted(functional_properties()), cls, values)
            for i in self._by_entity.get(entity.id, ()):
                fact = self.facts[i]
                if fact.object_is_literal or fact.predicate == "type":
                    continue
                if links and (fact.subject != entity.id or fact.predicate not in links):
                    continue  # "where is it headquartered": through its headquarters only
                other = fact.object if fact.subject == entity.id else fact.subject
                other_cls = self.classes.get(other)
                if other in known or other_cls is None or is_place_class(other_cls):
                    continue
                if places_named and not self._located_in(other, places_named):
                    continue  # "its clinic in Hakata": the neighbour in the named place
                if any(applies_to(p, [other_cls]) for p in values):
                    known.add(other)
                    out.append(self._reached(other, entity.score, entity.id))
        return out

    def _reached(self, entity_id: str, score: float, via: str) -> LinkedEntity:
        """An entity the question reaches through ``via``, scored a little below it."""
        return LinkedEntity(
            entity_id,
            self._label(entity_id, "en"),
            self._label(entity_id, "ko"),
            round(score * EXPANSION_FACTOR, 4),
            "",
            via=via,
        )

    def _candidates(self, entities: list[LinkedEntity], intent: Intent, lang: str) -> list[int]:
        """Facts touching the entities, plus one hop along an asked predicate to a non-place entity
        (``SolverX raisedFunding SeriesB`` brings the round's amount and year)."""
        direct = {e.id for e in entities if e.via is None}
        chosen: dict[int, None] = {}
        for entity in entities:
            for i in self._by_entity.get(entity.id, ()):
                fact = self.facts[i]
                if fact.predicate == "type" and fact.subject not in direct:
                    continue
                chosen[i] = None
        known = {e.id for e in entities}
        hops = {
            self.facts[i].object
            for i in chosen
            if self.facts[i].subject in direct
            and not self.facts[i].object_is_literal
            and self.facts[i].predicate != "type"
            and intent.predicates.get(self.facts[i].predicate, 0.0) >= HOP_MIN_WEIGHT
            and self.facts[i].object not in known
            and not is_place_class(self.classes.get(self.facts[i].object))
        }
        for entity_id in sorted(hops):
            for i in self._by_entity.get(entity_id, ()):
                if self.facts[i].subject == entity_id and self.facts[i].predicate != "type":
                    chosen[i] = None
        indices = [i for i in chosen if self._language_ok(self.facts[i], lang)]
        return self._drop_inherited_duplicates(indices, entities)

    def _language_ok(self, fact: Fact, lang: str) -> bool:
        """A language-tagged literal only in the question's language (when that one exists)."""
        if not fact.object_is_literal or fact.lang is None or fact.lang == lang:
            return True
        return not any(
            other.subject == fact.subject and other.predicate == fact.predicate and other.lang == lang
            for other in (self.facts[j] for j in self._by_entity.get(fact.subject, ()))
        )

    def _drop_inherited_duplicates(self, indices: list[int], entities: list[LinkedEntity]) -> list[int]:
        """``HQ locatedIn X`` repeats ``Company locatedIn X`` when both are candidates: keep the company's."""
        ids = {e.id for e in entities}
        location = location_properties()
        owner_facts = {
            (self.facts[i].subject, self.facts[i].object)
            for i in indices
            if self.facts[i].predicate in location
        }
        kept: list[int] = []
        for i in indices:
            fact = self.facts[i]
            owner = self._inherits_from.get(fact.subject)
            if fact.predicate in location and owner in ids and (owner, fact.object) in owner_facts:
                continue
            kept.append(i)
        return kept

    def _site_places(
        self, entities: list[LinkedEntity], lang: str, named: Iterable[str] = ()
    ) -> tuple[str, ...]:
        """Where the linked entities' sites are (of the kind the question names, if it names one),
        by label."""
        owners = {e.id for e in entities}
        kind = site_class(named) if named else None
        sites = {
            site
            for owner in owners
            for site in self._sites_by_owner.get(owner, [])
            if kind is None or kind in class_ancestors(self.classes.get(site, ""))
        }
        where = location_properties()
        depth = self._depth
        places = [
            f.object
            for f in self.facts
            if f.subject in sites and f.predicate in where and not f.object_is_literal
        ]
        level = [p for p in places if depth.get(p, 0) == 1] or places  # countries, where there are any
        return tuple(dict.fromkeys(self._label(p, lang) for p in level))

    def _site_by_place(
        self, entities: list[LinkedEntity], links: list[EntityLink], intent: Intent, question: str
    ) -> list[LinkedEntity]:
        """ "SolverX's American branch", "the clinic in Fukuoka": a site word with a place names
        the owner's site in that place, which becomes the subject (the owner stays, reached from it).

        Yes/no questions keep the owner as subject ("Does it have an office in Germany?" asks
        about the owner's sites as a whole) unless the place stands right before the site word
        ("Are the Busan hospital and the Rotterdam hospital on the same continent?").
        """
        if not intent.asks_site:
            return entities
        if is_polar_question(question):
            places = self._adjectival_places(question, links)
        else:
            places = {link.entity_id for link in links if is_place_class(self.classes.get(link.entity_id))}
            places |= self._places_by_derived_word(question)
        if not places:
            return entities
        out = list(entities)
        if all(is_place_class(self.classes.get(e.id)) for e in entities):
            return self._site_in(places, entities, question) + out  # "the clinic in Fukuoka": no owner named
        for entity in entities:
            if entity.via is not None:
                continue
            sites = self._sites_by_owner.get(entity.id, [])
            matched = [site for site in sites if self._located_in(site, places)]
            if len(matched) != 1 or any(e.id == matched[0] for e in out):
                continue
            site = matched[0]
            out = [replace(e, via=site) if e.id == entity.id else e for e in out]
            out.insert(
                0, LinkedEntity(site, self._label(site, "en"), self._label(site, "ko"), entity.score, "")
            )
        if out == entities and is_polar_question(question):  # "the Rotterdam hospital", its owner unnamed
            known = {e.id for e in out}
            out += [e for e in self._site_in(places, entities, question) if e.id not in known]
        return out

    def _adjectival_places(self, question: str, links: list[EntityLink]) -> set[str]:
        """Places named right before a site word: "the Rotterdam hospital", "the Dutch hospital"."""
        found = {
            link.entity_id
            for link in links
            if is_place_class(self.classes.get(link.entity_id)) and names_a_site(question, link.surface)
        }
        words = [w for w in re.findall(r"\b[A-Z][a-z]{3,}\b", question) if names_a_site(question, w)]
        return found | (self._places_by_derived_word(" ".join(words)) if words else set())

    def _named_by_class(
        self, entities: list[LinkedEntity], links: list[EntityLink], question: str
    ) -> list[LinkedEntity]:
        """ "the company that makes Fusion", "Kim Doyun's company": a class word beside a named
        entity of another class names its one neighbour of that class, which joins, reached from
        the named entity (several such neighbours name none)."""
        named = [
            c
            for c in mentioned_classes(question, [(link.start, link.end) for link in links])
            if not is_place_class(c)
        ]
        direct = [e for e in entities if e.via is None and not is_place_class(self.classes.get(e.id))]
        known = {e.id for e in entities}
        out = list(entities)
        for cls in named:
            if any(cls in class_ancestors(self.classes.get(e.id) or "") for e in entities):
                continue  # the question names that thing itself
            for entity in direct:
                neighbours = {
                    other
                    for fact in (self.facts[i] for i in self._by_entity.get(entity.id, ()))
                    if not fact.object_is_literal and fact.predicate != "type"
                    for other in (fact.object if fact.subject == entity.id else fact.subject,)
                    if cls in class_ancestors(self.classes.get(other) or "")
                }
                if len(neighbours) != 1 or (other := next(iter(neighbours))) in known:
                    continue
                known.add(other)
                out.append(self._reached(other, entity.score, entity.id))
        return out

    def _named_by_class_alone(self, entities: list[LinkedEntity], question: str) -> list[LinkedEntity]:
        """With nothing but places named, a definite class word names the class's one instance
        ("the company", "the network": :mod:`retriever.reference`)."""
        if any(not is_place_class(self.classes.get(e.id)) for e in entities):
            return entities
        known = {e.id for e in entities}
        found = [
            LinkedEntity(eid, self._label(eid, "en"), self._label(eid, "ko"), 1.0, "")
            for _, eid in referenced_instances(question, self.classes, self._salience)
            if eid not in known
        ]
        return [*found, *entities]

    def _site_in(self, places: set[str], entities: list[LinkedEntity], question: str) -> list[LinkedEntity]:
        """The one site of the named class (any site, with none named) located in the named
        places, with its owner reached from it; none when no site or several match."""
        named = named_site_classes(question)
        matched = sorted(
            site
            for site in self._owner_of
            if (not named or self.classes.get(site) in named) and self._located_in(site, places)
        )
        if len(matched) != 1:
            return []
        site, owner = matched[0], self._owner_of[matched[0]]
        score = max((e.score for e in entities), default=1.0)
        found = [LinkedEntity(site, self._label(site, "en"), self._label(site, "ko"), score, "")]
        if all(e.id != owner for e in entities):
            found.append(self._reached(owner, score, site))
        return found

    def _places_by_derived_word(self, question: str) -> set[str]:
        """Places a capitalised word derives from ("American" -> North America, "German" -> Germany)
        or is the adjective of ("Dutch" -> the Netherlands: :mod:`retriever.place_words`)."""
        words = set(re.findall(r"\b[A-Z][a-z]{3,}\b", question))
        found: set[str] = set()
        for entity_id, (en, _) in self.labels.items():
            if not is_place_class(self.classes.get(entity_id)):
                continue
            for part in en.casefold().split():
                if len(part) >= 5 and any(len(w) >= 5 and _derived(w.casefold(), part) for w in words):
                    found.add(entity_id)
        if not found:
            found.update(filter(None, (self._place_word(w) for w in words)))
        return found

    def _place_word(self, word: str) -> str | None:
        """The place of the knowledge an unknown capitalised word is the adjective of ("Dutch")."""
        if word.casefold() in self._words or word.casefold() in STOPWORDS_EN:
            return None
        return place_of(word, self._place_names)

    @cached_property
    def _salience(self) -> dict[str, int]:
        """How many facts (asserted and inferred) each entity is the subject of."""
        counts: dict[str, int] = {}
        for fact in self.facts:
            counts[fact.subject] = counts.get(fact.subject, 0) + 1
        return counts

    @cached_property
    def _words(self) -> frozenset[str]:
        """Every English word the knowledge uses: in its facts' sentences and its names."""
        text = " ".join([*self.texts_en, *(en for en, _ in self.labels.values())])
        return frozenset(w.casefold() for w in re.findall(r"[A-Za-z][A-Za-z0-9&'-]*", text))

    @cached_property
    def _name_words(self) -> frozenset[str]:
        """The words of the entities' English names ("B" of "Series B")."""
        text = " ".join(en for en, _ in self.labels.values())
        return frozenset(w.casefold() for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9&'-]*", text))

    @cached_property
    def _korean_text(self) -> str:
        """The knowledge's Korean wording: its facts' sentences and its names."""
        return " ".join([*self.texts_ko, *(ko for _, ko in self.labels.values())])

    def _familiar(self, name: str) -> bool:
        """Whether a capitalised name is the knowledge's own wording ("SaaS" in a fact) or a
        derived form of a word it uses ("German" of Germany, "European" of Europe)."""

        def known(word: str) -> bool:
            word = word.casefold()
            if len(word) <= 2:  # a letter or code names something only as part of a name
                return word in self._name_words
            if word in self._words:
                return True
            return len(word) >= 5 and any(len(other) >= 5 and _derived(word, other) for other in self._words)

        words = name.split()
        initials = "".join(w[0] for w in words if w[:1].isupper()).casefold()
        if len(words) >= 2 and initials in self._name_words:  # "Joint Commission International": JCI
            return True
        return all(known(word) for word in words)

    # --- the public call ----------------------------------------------------------------------

    def retrieve(self, question: str, k: int = 6) -> Context:
        """The top ``k`` facts for ``question`` with the linking and intent that chose them
        (computed on one OpenMP thread unless :attr:`pin_threads` is off: :mod:`retriever.threads`)."""
        with one_thread() if self.pin_threads else contextlib.nullcontext():
            return self._retrieve(question, k)

    def _retrieve(self, question: str, k: int) -> Context:
        if not isinstance(question, str) or not question.strip():
            raise RetrieverError("empty question: nothing to retrieve")
        if k < 1:
            raise RetrieverError(f"k must be at least 1, got {k}")
        question = " ".join(question.split())
        timings: dict[str, float] = {}
        started = time.perf_counter()
        lang = detect_lang(question)

        t = time.perf_counter()
        links = link_entities(question, self.index)
        timings["link_ms"] = _ms(t)

        t = time.perf_counter()
        expanded = self._expand(links, question)
        entities = self._named_by_class(expanded, links, question)  # "the company that makes X"
        entities = self._named_by_class_alone(entities, question)  # "when was the company founded"
        entities = self._between_places(entities, links, question)  # "from Gdansk to Incheon"
        described = frozenset(e.id for e in entities) - {e.id for e in expanded}
        spans = [
            with_title(question, link.start, link.end, self.classes.get(link.entity_id)) for link in links
        ]
        intent = self.intent_reader.read(
            question, spans, [self.classes[e.id] for e in entities if e.id in self.classes]
        )
        intent = self._asked_by_link(question, entities, intent) or self._asked_by_value(
            question, spans, entities, intent
        )
        named = tuple(
            name
            for name in unknown_names(question, links)
            if not self._familiar(name) and not (" " not in name and self._place_word(name))
        )
        if lang == "ko":
            named += tuple(n for n in korean_place_names(question, links) if n not in self._korean_text)
            # a Korean word before a site word ("싱가포르 지사") the knowledge's Korean never uses
            known = tuple(p for p in intent.site_places if has_hangul(p) and p in self._korean_text)
            intent = replace(intent, site_places=tuple(p for p in intent.site_places if p not in known))
        strangers: tuple[str, ...] = ()
        if not entities:
            strangers = named if intent.confidence >= 1.0 else ()
        elif intent.asks_site:  # "SolverX's Tokyo office": a place with no site, as "an office in Tokyo"
            slots = tuple(name for name in named if names_a_site(question, name))
            intent = replace(intent, site_places=tuple(dict.fromkeys((*intent.site_places, *slots))))
            site_named = any(self.classes.get(e.id) in site_classes() for e in entities if e.via is None)
            strangers = tuple(  # "Is its Munich office in France?": the place, not a site, is unknown
                name for name in named if site_named or (name not in slots and name not in intent.site_places)
            )
        else:  # "SolverX's Series A": a named thing the knowledge does not contain
            strangers = named
        site_words = named_site_classes(question)
        absent = unsupported_sites(intent, links, self.classes, self._places_with_site, lang, site_words)
        unsupported = dict.fromkeys(intent.unsupported_attributes, "unknown_attribute")
        unsupported.update(dict.fromkeys(absent, "not_in_knowledge"))
        entities, intent = self._site_by_word(entities, intent, mask(question, spans))  # "its research"
        entities = self._site_by_place(entities, links, intent, question)  # the named site first:
        entities = self._through(entities, intent, question)  # its owner is then reached from it
        candidates = self._candidates(entities, intent, lang) if entities else []
        timings["intent_ms"] = _ms(t)

        t = time.perf_counter()
        ranked = self._rank(question, lang, intent, entities, candidates, k, described)
        timings["rank_ms"] = _ms(t)
        timings["total_ms"] = _ms(started)

        shown = {e.id for e in entities}
        for sf in ranked:
            shown.update((sf.fact.subject, sf.fact.object))
            for step in sf.fact.proof:
                shown.update((step.subject, step.object))
        return Context(
            question=question,
            lang=lang,
            entities=tuple(entities),
            intent_predicates=tuple(intent.predicates),
            intent_weights=dict(intent.predicates),
            answer_classes=intent.answer_classes,
            unsupported_attributes=tuple(unsupported),
            unsupported_kinds=tuple(unsupported.values()),
            unknown_entities=strangers,
            known_sites=self._site_places(entities, lang, site_words) if absent else (),
            facts=tuple(ranked),
            labels={eid: self.labels[eid] for eid in shown if eid in self.labels},
            companions=self.companions,
            timings_ms=timings,
        )

    def _rank(
        self,
        question: str,
        lang: str,
        intent: Intent,
        entities: list[LinkedEntity],
        candidates: list[int],
        k: int,
        described: frozenset[str] = frozenset(),
    ) -> list[ScoredFact]:
        """``described``: entities the question names by a class word ("the company that makes
        X"), as near as the ones it names outright."""
        if not candidates:
            return []
        vectors = self.fact_vectors()
        offset = len(self.facts) if lang == "ko" else 0
        query = self.embedder.encode_query(question)
        rows = np.asarray([offset + i for i in candidates])
        cosines = vectors[rows] @ query
        signals = Signals(
            intent=intent,
            link_scores={e.id: e.score for e in entities},
            direct=frozenset(e.id for e in entities if e.via is None),
            equivalent=described
            | frozenset(e.id for e in entities if e.via is not None and e.via in self._inherits_from),
            classes=self.classes,
            depth=self._depth,
        )
        scored: list[ScoredFact] = []
        for i, cosine in zip(candidates, cosines.tolist(), strict=True):
            fact = self.facts[i]
            parts = {"cosine": round(float(cosine), 4), **boosts(fact, signals)}
            total = score(float(cosine), {n: v for n, v in parts.items() if n != "cosine"}, lang)
            scored.append(ScoredFact(fact, round(total, 4), self.texts_en[i], self.texts_ko[i], parts))
        scored.sort(key=lambda sf: (-sf.score, len(sf.fact.proof)))
        return scored[:k]
