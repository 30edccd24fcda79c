"""Intent: which of the ontology's properties a question asks about, read from the ontology itself.

No lexicon: every property is described by what its ontology says of it (``rdfs:label`` and
``skos:altLabel`` in English and Korean, ``rdfs:comment``, its domain's label), and a question
is matched against those descriptions two ways:

* **by name**: a property's label or altLabel occurs in the question (English words compared
  after stemming, Korean as a substring; words inside a linked entity's name do not count);
* **by meaning**: the cosine between the question (entity names removed) and each description,
  with a multilingual encoder (:mod:`retriever.encoders`), so synonyms and Korean work too.

Generic question words add what kind of value is asked: *when* a date or year property, *where*
a location property, *how many* a number, *which country* a class of the ontology (by its
labels). The asked property is then type-checked against the linked entities' classes.

When a named entity is asked about something no property describes well, the question asks for
an attribute the ontology does not have: :attr:`Intent.unsupported_attributes` holds the asked
words (in the question's language), and the gate abstains with that reason.
"""

from __future__ import annotations

import calendar
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from ontology.roles import (
    clock_properties,
    hierarchy_property,
    is_place_class,
    location_properties,
    numeric_properties,
    placing_properties,
    site_classes,
    site_properties,
    temporal_properties,
)
from ontology.schema import CLASS_BY_NAME, CLASSES, PROPERTIES, PROPERTY_BY_NAME, class_ancestors
from retriever.encoders import Encoder
from retriever.meaning import MeaningSpace, rows
from retriever.open_set import Attribute, inventory, same_attribute
from retriever.parts import asks_two_things, first_part, part_cut
from retriever.polar import has_question_word
from retriever.text import compact, has_hangul, nfc, strip_particle

NAME_MATCH = 1.0  # a property's label/altLabel is in the question
LONGER_NAME = 0.05  # per extra word (Korean: per three syllables) of a fully matched name
PARTIAL_NAME_MATCH = 0.55  # most words of a multi-word label are
TYPE_BONUS = 0.35  # the question word asks for the property's kind of value (when -> a year)
CLASS_BONUS = 0.35  # the question names the class of the property's values ("which department")
OFF_DOMAIN = 0.6  # factor for a property that cannot apply to any linked entity
ONE_HOP = 0.9  # ... that applies to what a linked entity links to (the year of a company's round)
TYPE_MISMATCH = 0.7
SIBLING_LEAD = 0.05  # the named thing's own namesake of a property it cannot have leads by this much
WEAK_TIME = 0.5  # a time property this near by meaning, beside a named relation, is not asked
GIVEN_YEAR = 0.5  # a time property when the question states a year and asks no time
REFINED_PARENT = 0.7  # a super-property when its sub-property is named ("flagship product": not any product)
THROUGH_SHARE = 1.05  # the value's property, reached through the matched link, leads just ahead of it  # ... whose values are not of the kind the question word asks for
KEEP_SHARE = 0.55  # a property is asked when it scores at least this share of the best
# How a property matches by meaning is the encoder's (retriever.encoders.Calibration).
ASKED_MIN = 0.45  # below this best score, a question about a named entity asks for something unknown
PLACE_LEAD = 0.05  # a named place class puts the location itself ahead of whatever else matched
HIERARCHY_WEIGHT = 0.6
NARROWER_LOCATION = 0.5  # a location property with a narrower domain than the general one  # "which country": the place hierarchy answers too, after the location itself

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*|\d+|[가-힣]+")

# Generic English and Korean question words (language, not domain).
_YEAR_IN_WHICH = re.compile(r"\byear (?:in which|when|that)\b", re.IGNORECASE)  # "the year in which"
_WHEN_EN = re.compile(
    r"\bwhen\b|\bwhat year\b|\bwhich year\b|\bsince when\b|\bhow long ago\b|" + _YEAR_IN_WHICH.pattern, re.I
)
_SINCE_WHEN = re.compile(r"\bsince\s+when\b", re.I)
_WHERE_EN = re.compile(r"\bwhere(?:abouts)?\b", re.I)
_YEAR_GIVEN = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_HOW_MANY_EN = re.compile(r"\bhow (?:many|much|big|large|fast|long)\b|\bnumber of\b|\bsize of\b", re.I)
# a count is asked ("how many products"), not an amount ("how much investment")
_COUNT_WORDS = re.compile(r"\bhow many\b", re.I)
_NUMBER_OF = frozenset({"number", "count"})  # the words a count's name uses ("number of beds")
_WHO_EN = re.compile(r"\bwho(?:m|se)?\b", re.I)
_WHEN_KO = ("언제", "몇 년", "몇년", "연도", "년도")
_WHERE_KO = ("어디", "어느 곳", "위치")
_HOW_MANY_KO = ("얼마", "규모")
# "몇" asks a number, but "몇 년도", "몇 년에" ask which year (a duration, "몇 년 동안", is a number)
_HOW_MANY_KO_MYEOT = re.compile(r"몇(?!\s*년(?!\s*(?:동안|간|째)))")
_WHO_KO = ("누구", "누가")
_TRUSTED_TYPES = frozenset({"where", "when"})  # their leftover words are verbs ("carry out"), not attributes
_KO_WHICH = ("어느", "무슨", "어떤", "몇")  # before a one-syllable class name ("어느 도": which province)

STOPWORDS_EN = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "into",
        "about",
        "as",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "has",
        "have",
        "had",
        "having",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "what's",
        "whats",
        "which",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "why",
        "how",
        "many",
        "much",
        "tell",
        "me",
        "please",
        "give",
        "show",
        "list",
        "name",
        "say",
        "can",
        "could",
        "would",
        "will",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "my",
        "our",
        "your",
        "their",
        "his",
        "her",
        "any",
        "some",
        "all",
        "each",
        "every",
        "other",
        "another",
        "than",
        "then",
        "so",
        "very",
        "just",
        "also",
        "only",
        "really",
        "roughly",
        "exactly",
        "approximately",
        "currently",
        "now",
        "today",
        "these",
        "days",
        "still",
        "yet",
        "ever",
        "one",
        "s",
        "d",
        "ll",
        "re",
        "ve",
        "m",
        "t",
        "know",
        "like",
        "kind",
        "sort",
        "type",
        "thing",
        "things",
        "does",
        "doesn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "don't",
        "didn't",
    ]
)
STOPWORDS_KO = frozenset(
    [
        "무엇",
        "뭐",
        "뭔가요",
        "뭐예요",
        "뭔지",
        "무슨",
        "어떤",
        "어떻게",
        "어느",
        "누구",
        "누가",
        "언제",
        "어디",
        "얼마",
        "몇",
        "인가요",
        "있나요",
        "있어요",
        "있습니까",
        "입니까",
        "나요",
        "알려",
        "주세요",
        "주세요",
        "알려주세요",
        "궁금",
        "해요",
        "합니까",
        "하나요",
        "하는",
        "인지",
        "이에요",
        "예요",
        "그",
        "이",
        "저",
        "것",
        "수",
        "좀",
        "정도",
        "대략",
        "혹시",
        "현재",
        "지금",
    ]
)


@dataclass(frozen=True)
class Intent:
    predicates: dict[str, float]  # property -> weight in (0, 1], strongest first
    answer_classes: tuple[str, ...]  # expected class of the answer (Country, Department, ...)
    cues: tuple[str, ...]  # what the question word asks: "when", "where", "how_many", "who"
    unsupported_attributes: tuple[str, ...]  # asked words no property describes (question's language)
    asks_site: bool = False  # the question names a site class ("an office", "a facility")
    site_places: tuple[str, ...] = ()  # place names a site is asked about ("Japan", "도쿄")
    confidence: float = 0.0  # the best property's score before normalising
    scores: dict[str, float] = field(default_factory=dict)  # every property's raw score (debugging)

    @property
    def predicate_list(self) -> list[str]:
        return list(self.predicates)


# --- words --------------------------------------------------------------------------------------


@cache
def _stemmer() -> object | None:
    try:
        import snowballstemmer
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return snowballstemmer.stemmer("english")


def _bare(word: str) -> str:
    """``Who's`` -> ``who`` (contractions and possessives off, case folded)."""
    word = word.casefold().replace("’", "'")
    return word.split("'")[0] if "'" in word else word


def stem(word: str) -> str:
    word = word.casefold().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    stemmer = _stemmer()
    if stemmer is None:
        return word.rstrip("s")
    stemmed: str = stemmer.stemWord(word)  # type: ignore[attr-defined]
    singular = word[:-1] if word.endswith("s") else word
    if singular == stemmed + "er" or word in (stemmed + "ered", stemmed + "ering"):
        # Porter folds an agent noun into its base ("officer" -> "offic" = "office"): keep the "-er"
        return stemmed + "er"
    return stemmed


def content_words(text: str) -> list[str]:
    """Stemmed English content words (no stopwords)."""
    out: list[str] = []
    for match in _WORD.finditer(nfc(text)):
        word = match.group(0)
        if has_hangul(word) or _bare(word) in STOPWORDS_EN or word.isdigit():
            continue
        out.append(stem(word))
    return out


def _ko_key(text: str) -> str:
    return compact(text)


def _ko_stem(word: str) -> str:
    """A Korean word's first two syllables: ``중요한`` and ``중요하게`` share ``중요``."""
    key = _ko_key(word)
    return key[:2] if len(key) > 2 else key


# --- the ontology's descriptions ----------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What the ontology says of one property, ready to match."""

    name: str
    names_en: tuple[tuple[str, ...], ...]  # stemmed content words of each English label/altLabel
    names_ko: tuple[str, ...]  # compact Korean labels/altLabels
    descriptions: tuple[str, ...]  # sentences to embed (both languages)
    stems_ko: tuple[tuple[str, ...], ...] = ()  # multi-word Korean names, each word cut to its stem
    verbs_en: tuple[str, ...] = ()  # the verb phrase's words beside its class word ("makes the product")
    verb_class: str | None = None  # the class that word names: a named entity of it stands in for it


def _humanise(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()


def _domain_label(domain: str | None, lang: str) -> str:
    cls = CLASS_BY_NAME.get(domain or "")
    if cls is None:
        return ""
    return cls.label_ko if lang == "ko" else cls.label_en


@cache
def profiles() -> tuple[Profile, ...]:
    out: list[Profile] = []
    for prop in PROPERTIES:
        en = [prop.label_en, *prop.alt_en, _humanise(prop.name)]
        ko = [prop.label_ko, *prop.alt_ko]
        names_en = tuple(dict.fromkeys(tuple(content_words(n)) for n in en if content_words(n)))
        names_ko = tuple(dict.fromkeys(_ko_key(n) for n in ko if has_hangul(n) and len(_ko_key(n)) >= 2))
        domain_en, domain_ko = _domain_label(prop.domain, "en"), _domain_label(prop.domain, "ko")
        descriptions = [
            *en[:-1],
            *ko,
            *(f"{domain_en} {n}".strip() for n in en[:1]),
            *(f"{domain_ko}의 {n}" for n in ko[:1] if domain_ko),
        ]
        if (
            prop.phrase_en and prop.phrase_en != prop.label_en
        ):  # how a sentence states it ("makes the product")
            descriptions.append(f"{domain_en} {prop.phrase_en}".strip())
        descriptions.extend(fact_descriptions().get(prop.name, ()))
        if prop.comment_en:
            descriptions.append(prop.comment_en)
        if prop.comment_ko:
            descriptions.append(prop.comment_ko)
        stems_ko = tuple(
            dict.fromkeys(
                tuple(_ko_stem(w) for w in n.split()) for n in ko if has_hangul(n) and len(n.split()) >= 2
            )
        )
        verbs, verb_class = _verb_beside_class(prop.phrase_en, (prop.range, prop.domain))
        out.append(
            Profile(
                prop.name,
                names_en,
                names_ko,
                tuple(dict.fromkeys(d for d in descriptions if d)),
                stems_ko,
                verbs,
                verb_class,
            )
        )
    return tuple(out)


_YEAR_WORDS = frozenset({"year", "date", "as", "of"})


@cache
def year_companions() -> dict[str, str]:
    """Time properties named as the year of another property of the same subjects ("cargo volume
    year" -> the yearly cargo volume, "employee count year" -> the employee count): its label
    without its year words is inside exactly one other property's label or altLabel."""
    out: dict[str, str] = {}
    for prop in PROPERTIES:
        if prop.name not in temporal_properties():
            continue
        rest = [w for w in content_words(prop.label_en) if w not in _YEAR_WORDS]
        if not rest:
            continue
        found = [
            other.name
            for other in PROPERTIES
            if other.name != prop.name
            and other.domain == prop.domain
            and other.name not in temporal_properties()
            and any(all(w in content_words(n) for w in rest) for n in (other.label_en, *other.alt_en))
        ]
        if len(found) == 1:
            out[prop.name] = found[0]
    return out


@cache
def fact_descriptions() -> dict[str, tuple[str, ...]]:
    """How the knowledge's own fact sentences state each property, with the entities' names and
    the values blanked ("___ carried ___ TEU in ___"): the author's wording, nearer a user's than
    a label. Only rows stating one property."""
    from ontology.errors import KnowledgeFileError
    from ontology.knowledge import load_knowledge

    try:
        knowledge = load_knowledge()
    except (KnowledgeFileError, OSError):  # no facts to learn wording from: labels alone
        return {}
    out: dict[str, list[str]] = {}
    for row in knowledge.facts():
        predicates = {t.p for t in row.triples}
        if len(predicates) != 1 or row.text is None:
            continue
        names: list[str] = []
        for t in row.triples:
            for eid in (t.s, t.o):
                entity = knowledge.entities.get(eid or "")
                if entity is not None:
                    names.extend(entity.names())
            if t.value is not None:
                names.append(str(t.value))
        text = row.text.en  # Korean sentences were tried too: they lost a Korean answer
        for name in sorted(set(names), key=len, reverse=True):
            text = text.replace(name, " ")
        text = " ".join(re.sub(r"\d[\d,.]*", " ", text).split())
        if len(text) >= 4:
            out.setdefault(next(iter(predicates)), []).append(text)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _verb_beside_class(phrase: str, classes: Iterable[str | None]) -> tuple[tuple[str, ...], str | None]:
    """A verb phrase that names one of the property's classes ("makes the product": Product)
    split into its other words and that class, or ``((), None)``."""
    words = content_words(phrase)
    for name in filter(None, classes):
        cls = CLASS_BY_NAME.get(name)
        if cls is None:
            continue
        for label in (cls.label_en, *cls.alt_en):
            named = content_words(label)
            rest = [w for w in words if w not in named]
            if named and len(rest) < len(words) and rest and all(w in words for w in named):
                return tuple(rest), name
    return (), None


def _verb_names(profile: Profile, words: set[str], entity_classes: Sequence[str]) -> bool:
    """ "Who makes SolverX Fusion?": the verb of "makes the product" is asked, and a named
    entity of the product class stands in for the class word."""
    return (
        profile.verb_class is not None
        and bool(profile.verbs_en)
        and all(w in words for w in profile.verbs_en)
        and any(profile.verb_class in class_ancestors(c) for c in entity_classes if c in CLASS_BY_NAME)
    )


@dataclass(frozen=True)
class ClassNames:
    name: str
    names_en: tuple[tuple[str, ...], ...]
    names_ko: tuple[str, ...]


@cache
def class_names() -> tuple[ClassNames, ...]:
    out: list[ClassNames] = []
    for cls in CLASSES:
        en = [cls.label_en, *cls.alt_en, _humanise(cls.name)]
        ko = [cls.label_ko, *cls.alt_ko]
        out.append(
            ClassNames(
                cls.name,
                tuple(dict.fromkeys(tuple(content_words(n)) for n in en if content_words(n))),
                tuple(dict.fromkeys(_ko_key(n) for n in ko if has_hangul(n) and len(_ko_key(n)) >= 1)),
            )
        )
    return tuple(out)


@cache
def _class_by_name() -> dict[str, ClassNames]:
    return {c.name: c for c in class_names()}


def class_words(classes: Iterable[str]) -> set[str]:
    """The stemmed English words of the names of ``classes`` ("site", "office", ...)."""
    by_name = _class_by_name()
    return {w for c in classes if c in by_name for name in by_name[c].names_en for w in name}


@cache
def _profile_by_name() -> dict[str, Profile]:
    return {p.name: p for p in profiles()}


def property_words(prop: str) -> set[str]:
    """The stemmed words of a property's English names."""
    profile = _profile_by_name().get(prop)
    return {w for name in profile.names_en for w in name} if profile else set()


# --- matching -----------------------------------------------------------------------------------


_NEXT_KO_WORD = re.compile(r"\s*([가-힣]+)")
_WORDS_BEFORE = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,3})$")


def with_title(question: str, start: int, end: int, cls: str | None) -> tuple[int, int]:
    """A linked entity's span widened over a title naming the property it is the value of
    ("CEO Kim Doyun", "김도윤 대표"): the title describes that entity, it is not what is asked."""
    if not cls:
        return start, end
    ancestors = set(class_ancestors(cls))
    titles = [p for p in profiles() if PROPERTY_BY_NAME[p.name].range in ancestors]
    if not titles:
        return start, end
    after = _NEXT_KO_WORD.match(question, end)
    if after and has_hangul(question[start:end]):
        key = _ko_key(strip_particle(after.group(1)))
        if any(key == name for p in titles for name in p.names_ko):
            return start, after.end()
    before = _WORDS_BEFORE.search(question[:start])
    if before:
        words = before.group(1).split()
        for size in range(1, len(words) + 1):
            stems = tuple(content_words(" ".join(words[-size:])))
            if len(stems) == size and any(stems == name for p in titles for name in p.names_en):
                return start - len(" ".join(words[-size:])) - 1, end
    return start, end


def mask(question: str, spans: Iterable[tuple[int, int]]) -> str:
    """The question with the linked entities' names blanked out."""
    chars = list(question)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = " "
    return " ".join("".join(chars).split())


def substituted(name: Sequence[str], ordered: Sequence[str]) -> bool:
    """Whether the question says ``name`` with one of its words replaced by another: "chief
    financial officer" is a sibling of "chief executive officer", not a partial mention of it."""
    size = len(name)
    for start in range(len(ordered) - size + 1):
        window = ordered[start : start + size]
        same = [a == b for a, b in zip(window, name, strict=True)]
        if sum(same) >= size - 1 and not all(same) and (same[0] and same[-1]):
            return True
    return False


def _name_score(
    names_en: Sequence[tuple[str, ...]],
    names_ko: Sequence[str],
    words: set[str],
    ko: str,
    ordered: Sequence[str] = (),
) -> float:
    best = 0.0
    for name in names_en:
        hits = sum(1 for w in name if w in words)
        if hits == len(name):  # a longer name is the more specific reading ("chief technology officer")
            best = max(best, NAME_MATCH + LONGER_NAME * min(len(name) - 1, 3))
            continue
        if (len(name) >= 2 and hits >= 2) or (len(name) >= 3 and hits * 3 >= len(name) * 2):
            if len(name) >= 3 and substituted(name, ordered):
                continue
            best = max(best, PARTIAL_NAME_MATCH)
    for key in names_ko:
        if key and key in ko:
            best = max(best, NAME_MATCH + LONGER_NAME * min(len(key) // 3, 3))
    return best


_INFLECTED_VERB = re.compile(r"\b([A-Za-z]{3,}?)(?:es|s|ed|ing)\b")


def _agent_nouns(text: str) -> set[str]:
    """The agent nouns of the inflected verbs of ``text`` that a property's name uses ("manages" ->
    manager, "directs" -> director), stemmed: a verb asks the one who does it. A bare word ("outside
    work") is none."""
    out: set[str] = set()
    for match in _INFLECTED_VERB.finditer(text):
        word = match.group(0).lower()
        if word.endswith("ss") or _bare(word) in STOPWORDS_EN:
            continue
        base = stem(word)
        if len(base) >= 3:
            out |= {stem(base + "er"), stem(base + "or")}
    return out & {w for p in profiles() for w in property_words(p.name)}


def _to_the_named_things_own(scores: dict[str, float], entity_classes: Sequence[str]) -> dict[str, float]:
    """When the best property cannot apply to the first named thing, its namesake that can takes
    its score ("더반 데포에는 몇 TEU": a ship's TEU capacity read off the depot is the depot's TEU
    storage capacity): the sibling sharing a word of its English name, nearest by score."""
    if not scores or not entity_classes:
        return scores
    top = max(scores, key=lambda p: scores[p])
    first = entity_classes[:1]
    if applies_to(top, first) or applies_to(top, one_hop_classes(first)):
        return scores  # it applies to the first named thing, or to what it links to (its round's amount)
    words = property_words(top)
    kind = PROPERTY_BY_NAME[top].range
    siblings = [
        p
        for p in scores
        if p != top
        and applies_to(p, first)
        and PROPERTY_BY_NAME[p].range == kind
        and words & property_words(p)
    ]
    if not siblings:
        return scores
    best = max(siblings, key=lambda p: scores[p])
    return {**scores, best: round(scores[top] + SIBLING_LEAD, 4)}


def _time_of_a_named_relation(
    top: str, words: set[str], entity_classes: Sequence[str], semantic: Mapping[str, float]
) -> bool:
    """Whether a when-question names a relation that holds no time and its time property only
    came up as a time ("when did she take over as CEO": CEO is named; her birth year, barely near
    by meaning, is not what is asked). A word naming a named thing's class is no relation: "its
    Series B financing" is the round, whose year answers."""
    kinds = class_words(entity_classes)
    named = any(
        p.name not in temporal_properties() and _name_score(p.names_en, (), words - kinds, "") >= NAME_MATCH
        for p in profiles()
    )
    profile = _profile_by_name().get(top)
    if not named or (profile and _name_score(profile.names_en, (), words, "") >= NAME_MATCH):
        return False
    return semantic.get(top, 0.0) < WEAK_TIME


def _long_name_words(words: set[str]) -> set[str]:
    """The question's words inside a fully matched property name of two words or more."""
    taken: set[str] = set()
    for profile in profiles():
        for name in profile.names_en:
            if len(name) >= 2 and all(w in words for w in name):
                taken.update(name)
    return taken


def asked_types(question: str) -> tuple[str, ...]:
    """What kind of value the question word asks for (generic English and Korean)."""
    text = nfc(question)
    found: list[str] = []
    if _WHEN_EN.search(text) or any(w in text for w in _WHEN_KO):
        found.append("when")
    if _WHERE_EN.search(text) or any(w in text for w in _WHERE_KO) or _KO_AT_END.search(text):
        found.append("where")
    if _HOW_MANY_EN.search(text) or any(w in text for w in _HOW_MANY_KO) or _HOW_MANY_KO_MYEOT.search(text):
        found.append("how_many")
    if _WHO_EN.search(text) or any(w in text for w in _WHO_KO):
        found.append("who")
    return tuple(found)


# "how many of its seats are business class": a part of a stored number, which it does not hold
_SUBSET_EN = re.compile(
    r"\bhow many of (?:the |its |their |[\w'’]+['’]s? )?\w+ (?:are|is|were|was)\b[^?]*", re.I
)
_CLOCK = re.compile(r"\b(?:what|which) time\b|\bat what hour\b|몇\s*시(?:에|까지|쯤|부터|\b|$)", re.I)


def asks_clock_time(question: str) -> bool:
    """Whether the question asks a time of day ("what time does it leave", "몇 시에"), not a
    duration ("몇 시간") or a year."""
    return bool(_CLOCK.search(nfc(question)))


_WHEN_KO_ASKED = re.compile(r"언제(?![나든])|몇\s*년(?!\s*(?:동안|째|간))|(?<![0-9])(?:연도|년도)")
_WH_EN = re.compile(r"\b(?:what|which|who|whom|whose|where|when|how|why)\b(?:\s+year\b)?", re.IGNORECASE)


def asks_when(question: str) -> bool:
    """Whether the question asks for a time: its first question word is "when" / "what year",
    or it asks for "the year in which" (not "what happens when ..."); Korean 언제 (not 언제나),
    몇 년 (not the duration 몇 년 동안/째), 연도/년도 (not a year given, 2020년도)."""
    text = nfc(question)
    if has_hangul(text):
        return bool(_WHEN_KO_ASKED.search(text))
    if _YEAR_IN_WHICH.search(text):
        return True
    first = _WH_EN.search(text)
    word = first.group(0).lower() if first else ""
    return word.startswith("when") or word.endswith("year")


@dataclass(frozen=True)
class ClassLabels:
    name: str
    names: tuple[str, ...]  # every label and altLabel, both languages


@cache
def class_labels() -> tuple[ClassLabels, ...]:
    return tuple(
        ClassLabels(c.name, tuple(n for n in (c.label_en, *c.alt_en, c.label_ko, *c.alt_ko) if n))
        for c in CLASSES
    )


# "which country", and "the same country", "different countries": the word names a class
_WHICH_EN = re.compile(
    r"\b(?:which|what|same|different)\s+(?:kind\s+of\s+|sort\s+of\s+|type\s+of\s+)?([A-Za-z][A-Za-z-]+)",
    re.I,
)
_WHICH_KO = re.compile(r"(?:어느|어떤|무슨|같은|다른|동일한)\s*([가-힣]+)")


def word_after_which(text: str) -> str | None:
    """The noun a which-question asks about ("which nation", "어느 나라에" -> 나라), or None."""
    found = _WHICH_KO.search(text) if has_hangul(text) else _WHICH_EN.search(text)
    if not found:
        return None
    word = strip_particle(found.group(1)) if has_hangul(text) else found.group(1).lower()
    if word in STOPWORDS_EN or word in STOPWORDS_KO or len(word) < 2:
        return None
    return word


def words_after_which(text: str) -> tuple[str, ...]:
    """The word after "which" and, in English, the one after it ("which Dutch province"): the
    noun may follow an adjective."""
    first = word_after_which(text)
    if first is None or has_hangul(text):
        return (first,) if first else ()
    found = _WHICH_EN.search(text)
    following = _WORD.search(text, found.end()) if found else None
    second = following.group(0).lower() if following else ""
    return (first, second) if second and second not in STOPWORDS_EN and len(second) >= 3 else (first,)


def class_in_comment(word: str) -> str | None:
    """The one class whose comment names ``word`` as an example ("a first-level division, such as
    a province, prefecture or state": province -> that class), or None."""
    key = stem(word.lower()) if not has_hangul(word) else word
    hits = {
        c.name
        for c in CLASSES
        if (key in content_words(c.comment_en) if not has_hangul(word) else key in c.comment_ko)
    }
    return next(iter(hits)) if len(hits) == 1 else None


def mentioned_classes(
    question: str, spans: Iterable[tuple[int, int]] = (), taken: Iterable[str] = ()
) -> tuple[str, ...]:
    """Classes the question names by a label or altLabel ("which country", "어느 나라"); ``taken``
    words belong to a longer property name ("chief technology officer" is not "technology")."""
    masked = mask(question, spans)
    words = set(content_words(masked)) - set(taken)
    ko = _ko_key(masked)
    # a one-syllable class word with its particle ("주는", "주(州)는"), not an adverb ending in
    # 로 ("주로": mainly)
    ko_words = {
        strip_particle(w.split("(")[0]) for w in masked.split() if has_hangul(w) and not w.endswith("로")
    }
    hits = [
        c.name
        for c in class_names()
        if _name_score(c.names_en, [k for k in c.names_ko if len(k) >= 2], words, ko) >= NAME_MATCH
        or any(len(k) == 1 and (k in ko_words or any(f"{d}{k}" in ko for d in _KO_WHICH)) for k in c.names_ko)
    ]
    # a word two classes share goes to the one whose label has it ("state": "province or state",
    # not the country's altLabel "state")
    by_name = _class_by_name()
    label_words = {c: set(by_name[c].names_en[0]) & words if by_name[c].names_en else set() for c in hits}
    hits = [
        c
        for c in hits
        if label_words[c]
        or not any(
            o != c
            and label_words[o]
            and all(w in label_words[o] for n in by_name[c].names_en if set(n) <= words for w in n)
            for o in hits
        )
    ]
    hits = [c for c in hits if not _modifies_another(c, hits, masked, words)]
    # the most specific mention wins: "which province ... place" keeps Province
    return tuple(c for c in hits if not any(o != c and c in class_ancestors(o) for o in hits))


def _modifies_another(cls: str, hits: Sequence[str], masked: str, words: set[str]) -> bool:
    """Whether every English word naming ``cls`` sits right before a word naming another of the
    ``hits``: in a compound the last noun is the head ("a state school" is a school, not a state;
    "city district" names the district)."""
    by_name = _class_by_name()
    own = by_name[cls].names_en
    if any(len(n) > 1 and all(w in words for w in n) for n in own):
        return False
    single = {n[0] for n in own if len(n) == 1 and n[0] in words}
    heads = class_words(o for o in hits if o != cls)
    tokens = [stem(m.group(0)) for m in _WORD.finditer(masked) if not has_hangul(m.group(0))]
    at = [i for i, t in enumerate(tokens) if t in single]
    return bool(at) and all(i + 1 < len(tokens) and tokens[i + 1] in heads for i in at)


def _type_bonus(prop_name: str, types: Sequence[str]) -> float:
    prop = PROPERTY_BY_NAME[prop_name]
    bonus = 0.0
    if "when" in types and prop_name in temporal_properties():
        bonus = TYPE_BONUS
    if "where" in types and prop_name in location_properties():
        bonus = max(bonus, TYPE_BONUS)
    if "where" in types and prop_name in site_properties():
        bonus = max(bonus, TYPE_BONUS / 2)
    if "how_many" in types and prop_name in numeric_properties():
        bonus = max(bonus, TYPE_BONUS)
    if (
        "who" in types
        and prop.kind == "object"
        and not is_place_class(prop.range)
        and prop.range not in site_classes()
    ):
        bonus = max(bonus, TYPE_BONUS / 2)
    return bonus


def _class_bonus(prop_name: str, classes: Sequence[str], entity_classes: Sequence[str] = ()) -> float:
    """The question names the class of the property's values ("which department"), or, read
    backwards, of its subjects when a named entity is of the class of its values ("which company
    makes Fusion": a company has the product)."""
    prop = PROPERTY_BY_NAME[prop_name]
    if prop.kind != "object" or not prop.range or not classes:
        return 0.0
    if any(prop.range in class_ancestors(c) for c in classes):
        return CLASS_BONUS
    backwards = _of_class(prop_name, classes) and any(
        prop.range in class_ancestors(e) for e in entity_classes
    )
    return CLASS_BONUS if backwards else 0.0


_COUNTED_EN = re.compile(r"\bhow many\s+((?:[A-Za-z][A-Za-z-]+\s+){0,2}[A-Za-z][A-Za-z-]+)", re.I)
_COUNT_ADJECTIVES = frozenset({"different", "distinct", "separate", "other", "individual", "unique", "total"})


def uncounted_noun(masked: str, ordered: Mapping[str, float], classes: Sequence[str]) -> str | None:
    """The thing a "how many <noun>" question counts when the knowledge can neither count it
    nor holds its number: the noun names no class ("how many engineers work at its Munich
    office": the office is where), and the property asked first links to things (customer
    *industries* for "how many customers"), not to a number."""
    found = _COUNTED_EN.search(masked)
    if found is None or not ordered:
        return None
    phrase = found.group(1).lower()
    if set(mentioned_classes(phrase)) & set(classes):
        return None  # "how many (different) offices": a class the knowledge counts
    noun = next((w for w in phrase.split() if w not in _COUNT_ADJECTIVES), "")
    if not noun or noun in STOPWORDS_EN:
        return None
    # the asked property that names the noun, else the one asked first ("how many customers":
    # the customer industries, whatever number the question word also brought up)
    key = stem(noun)
    names = {p.name: p.names_en for p in profiles()}
    named = [p for p in ordered if any(key in name for name in names.get(p, ()))]
    top = named[0] if named else next(iter(ordered))
    if PROPERTY_BY_NAME[top].kind != "object" or top in numeric_properties():
        return None
    return noun


def _of_class(prop_name: str, classes: Sequence[str]) -> bool:
    """Whether the property's subjects are of a named class ("회사를 세운 해": a company's)."""
    domain = PROPERTY_BY_NAME[prop_name].domain
    return bool(domain) and any(domain in class_ancestors(c) for c in classes)


def _through_the_value(
    scores: dict[str, float], types: Sequence[str], classes: Sequence[str] = (), counting: bool = False
) -> None:
    """ "How much investment did it get": the best match links to a round, and the question word
    asks for a number; the round's property of that kind is what is asked, the link its path.
    When a count question names a class ("how many products", "how many ships does it run"), that
    class is what is counted, not a number of the link's values ("how much investment" still
    asks one)."""
    if not types or not scores:
        return
    top = max(scores, key=lambda name: scores[name])
    prop = PROPERTY_BY_NAME[top]
    if prop.kind != "object" or not prop.range or _type_bonus(top, types):
        return
    if counting and classes:  # "how many products": those are counted, not a number of theirs;
        return  # "how many ships does it run": a number of ships, not of the sites it runs
    for other in PROPERTIES:
        if other.domain and prop.range in class_ancestors(other.domain) and _type_bonus(other.name, types):
            scores[other.name] = max(scores[other.name], round(scores[top] * THROUGH_SHARE, 4))


@cache
def most_general_location(entity_classes: tuple[str, ...] = ()) -> str | None:
    """The location property with the broadest domain (none at all is broadest), among those
    that apply to the named entities when any does; of equally broad ones, one that climbs the
    place hierarchy by a property chain."""
    names = [
        p for p in sorted(location_properties()) if PROPERTY_BY_NAME[p].domain != PROPERTY_BY_NAME[p].range
    ]
    placing = [p for p in names if _locates(p)]
    applying = [p for p in names if applies_to(p, entity_classes)]
    first = [p for p in applying if p in placing and applies_to(p, entity_classes[:1])]
    # the first named thing's own (where flight AU 880 lands, not its airline's seat); a place-valued
    # attribute of the entity (a person's nationality) is not where it is: then the broadest placing
    # property, reached through the entity's links (the museum she works at)
    names = first or [p for p in applying if p in placing] or placing or applying or names

    def breadth(name: str) -> tuple[int, bool]:
        domain = PROPERTY_BY_NAME[name].domain
        span = (
            len(CLASS_BY_NAME) + 1
            if domain is None
            else sum(domain in class_ancestors(c) for c in CLASS_BY_NAME)
        )
        # then one that climbs the place hierarchy (a home port's country and continent), not a
        # place-valued attribute that stops at one level (a ship's flag state)
        hierarchy = hierarchy_property()
        return span, any(second == hierarchy for _, second in PROPERTY_BY_NAME[name].chains)

    return max(names, key=breadth) if names else None


def _locates(prop: str) -> bool:
    """Whether a location property says where a thing is: carried up the place hierarchy by a
    chain, or valued in a place class with narrower kinds (a port "departs from"); not a
    one-level attribute such as a nationality or a flag state (a country)."""
    if prop in placing_properties():
        return True
    value = PROPERTY_BY_NAME[prop].range
    return bool(value) and any(c != value and value in class_ancestors(c) for c in CLASS_BY_NAME)


def one_hop_classes(entity_classes: Sequence[str]) -> tuple[str, ...]:
    """Classes one object property away from the entities' classes (a company's funding round)."""
    out: list[str] = []
    for prop in PROPERTIES:
        if prop.kind == "object" and prop.range and applies_to(prop.name, entity_classes):
            out.append(prop.range)
    return tuple(dict.fromkeys(out))


def applies_to(prop_name: str, entity_classes: Iterable[str]) -> bool:
    """Whether a property's domain admits one of the classes (no domain admits all)."""
    domain = PROPERTY_BY_NAME[prop_name].domain
    classes = list(entity_classes)
    if domain is None or not classes:
        return True
    return any(domain in class_ancestors(c) for c in classes if c in CLASS_BY_NAME)


def leftover_words(question: str, spans: Iterable[tuple[int, int]]) -> str:
    """The asked words: the question without entity names, question words and stopwords."""
    masked = mask(question, spans)
    words: list[str] = []
    for match in _WORD.finditer(masked):
        word = match.group(0)
        if has_hangul(word):
            word = strip_particle(word)
            if word and word not in STOPWORDS_KO and not any(word.startswith(s) for s in _KO_QUESTION_STEMS):
                words.append(word)
        elif _bare(word) not in STOPWORDS_EN and _bare(word) not in _TIME_FILLERS and not word.isdigit():
            words.append(word)
    return " ".join(words[:4])


def _only_acronyms(question: str, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether the asked words are acronyms ("CFO"): embeddings confuse them (CFO ~ CEO), so
    only an exact label or altLabel may match them."""
    asked = leftover_words(question, spans).split()
    return bool(asked) and all(w.isupper() and 2 <= len(w) <= 5 for w in asked)


_TIME_FILLERS = frozenset({"last", "next", "year", "years", "ago", "month", "months", "week", "recently"})
_KO_QUESTION_STEMS = (
    "어디",
    "언제",
    "누구",
    "누가",
    "얼마",
    "무엇",
    "무슨",
    "어느",
    "어떤",
    "몇",
    "있",
    "알려",
)


_SITE_IN_EN = r"(?i:\b(?:{words})\b[^.?!]*?\b(?:in|at)\s+(?:the\s+)?)([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)"


def names_a_site(question: str, name: str) -> bool:
    """Whether ``name`` stands right before a site class's word ("the Tokyo office")."""
    words = class_words(site_classes())
    for m in re.finditer(re.escape(name), question):
        following = _WORD.search(question, m.end())
        if following and stem(following.group(0)) in words:
            return True
    return False


_KO_AT = re.compile(r"(?<![가-힣A-Za-z0-9])([가-힣A-Za-z]{2,}?)(?:에는|에도|에서|에)(?![가-힣])")
_KO_WHICH_BEFORE = re.compile(r"(?:어느|어떤|무슨|몇|같은|다른|동일한)\s*(?:개\s*)?$")
# Korean nouns for "somewhere" that name no place (language, not domain): "해외에 사무소가 있나요?"
_KO_GENERIC_PLACES = frozenset(
    {"해외", "국내", "외국", "국외", "지역", "근처", "주변", "현지", "전국", "세계", "다른곳"}
)
# the question ends on "is (it) at/in X" ("...에 있나요?", "...에 위치해 있습니까?"): where is asked
_KO_BEING_AT = re.compile(r"\s*(?:있|위치|속|자리)")  # right after "X에": is / is located / belongs
_KO_AT_END = re.compile(r"에\s*(?:있|위치)[가-힣\s]*[?？.]?\s*$")


def asks_which_place(text: str, start: int, word: str) -> bool:
    """Whether a Korean word marked as where ("X에") asks which place rather than naming one:
    "어디에", "어느 나라에", "몇 개 나라에", "해외에"."""
    return (
        word.startswith("어디") or word in _KO_GENERIC_PLACES or bool(_KO_WHICH_BEFORE.search(text[:start]))
    )


def korean_place_names(question: str, links: Iterable[object]) -> tuple[str, ...]:
    """Korean words named as where something is ("솔버엑스는 프랑스에 있나요?" -> "프랑스": the place
    particle, then "is/is located/belongs") that no
    linked entity covers. Korean writes no capitals, so the locative particle is what marks a
    name here; whether the knowledge uses the word is the caller's to check."""
    text = nfc(question)
    spans = [(getattr(link, "start", 0), getattr(link, "end", 0)) for link in links]
    out: list[str] = []
    for m in _KO_AT.finditer(text):
        word = m.group(1)
        if not has_hangul(word) or asks_which_place(text, m.start(1), word):
            continue
        if not _KO_BEING_AT.match(text, m.end()):  # "결과에 확신이 없을 때": not where something is
            continue
        if any(s < m.end(1) and m.start(1) < e for s, e in spans):
            continue
        out.append(word)
    return tuple(dict.fromkeys(out))


def named_site_classes(question: str) -> frozenset[str]:
    """The site classes the question names by one of their names ("the clinic in Fukuoka")."""
    text = nfc(question)
    stems, ko = set(content_words(text)), _ko_key(text)
    return frozenset(
        c.name
        for c in class_names()
        if c.name in site_classes()
        and (any(n and all(w in stems for w in n) for n in c.names_en) or any(k in ko for k in c.names_ko))
    )


def site_mentions(question: str) -> tuple[bool, tuple[str, ...]]:
    """(names a site class, the capitalised place names after "<site word> ... in")."""
    text = nfc(question)
    words_en = sorted(class_words(site_classes()), key=len)
    words_ko = [k for c in class_names() if c.name in site_classes() for k in c.names_ko]
    stems = set(content_words(text))
    asks = any(w in stems for w in words_en) or any(k in _ko_key(text) for k in words_ko)
    if not asks:
        return False, ()
    places: list[str] = []
    if words_en:
        raw = [
            m.group(0)
            for m in _WORD.finditer(text)
            if not has_hangul(m.group(0)) and stem(m.group(0)) in words_en
        ]
        if raw:
            pattern = re.compile(_SITE_IN_EN.format(words="|".join(re.escape(w) for w in raw)))
            places.extend(m.group(1).rstrip(".") for m in pattern.finditer(text))
    for m in _KO_AT.finditer(text):  # "일본에 사무소가": the place of a site word that follows
        window = _ko_key(text[m.end() : m.end() + 12])
        if any(key in window for key in words_ko) and not asks_which_place(text, m.start(1), m.group(1)):
            places.append(m.group(1))
    for m in _KO_NOUN_BEFORE.finditer(text):  # "싱가포르 지사의 주소": a name right before a site word
        word, following = m.group(1), m.group(2)
        before_site = any(following.startswith(key) for key in words_ko)
        a_name = (
            strip_particle(word) == word  # "일본에 사무소가": the place particle's (above)
            and word not in _KO_DETERMINERS
            and not _KO_MODIFIER_END.search(word)
            and not any(word.startswith(key) for key in words_ko)
        )
        if before_site and a_name and not asks_which_place(text, m.start(1), word):
            places.append(word)
    return True, tuple(dict.fromkeys(p for p in places if p))


_KO_NOUN_BEFORE = re.compile(r"(?<![가-힣A-Za-z0-9])([가-힣]{2,})\s+(?=([가-힣]+))")
# Korean determiners and quantifiers before a noun (language, not domain): "모든 사무소", "주요 병원"
_KO_DETERMINERS = frozenset(
    {
        "모든",
        "다른",
        "주요",
        "여러",
        "일부",
        "전체",
        "해당",
        "기존",
        "신규",
        "현재",
        "최근",
        "각각",
        "대부분",
        "전부",
    }
)
_KO_MODIFIER_END = re.compile(
    r"(?:는|은|한|된|인|의|던|할|적|운|큰)$"
)  # an adjective or a possessive, not a name
_PROPER = re.compile(r"(?<![\w'’])([A-Z][\w&.-]*(?:\s+(?:of\s+|de\s+)?[A-Z][\w&.-]*)*)")


@cache
def _calendar_words() -> frozenset[str]:
    names = [*calendar.month_name, *calendar.month_abbr, *calendar.day_name, *calendar.day_abbr]
    return frozenset(n.casefold() for n in names if n)


def _calendar(name: str) -> bool:
    """ "March", "Monday": a date, not a named thing."""
    return all(word.casefold().rstrip(".") in _calendar_words() for word in name.split())


def _acronym(word: str) -> bool:
    """``CFO``, ``SaaS``, ``IoT``: a short word with two or more capitals names a kind of thing."""
    return " " not in word and len(word) <= 5 and sum(ch.isupper() for ch in word) >= 2


def unknown_names(question: str, links: Iterable[object]) -> tuple[str, ...]:
    """Capitalised names in an English question that no entity of the knowledge matched
    ("Who is the CEO of Acme?" -> "Acme"); the question's first word does not count."""
    spans = [(getattr(link, "start", 0), getattr(link, "end", 0)) for link in links]
    out: list[str] = []
    for m in _PROPER.finditer(question):
        words = m.group(1).rstrip(".").split()
        while words and (words[0].isupper() or words[0] in ("of", "de")):  # "CEO of Acme" -> "Acme"
            words = words[1:]
        name = " ".join(words)
        sentence_start = m.start() == 0 or bool(re.search(r"[.?!:;]\s*$", question[: m.start()]))
        if not name or sentence_start or _bare(name.split()[0]) in STOPWORDS_EN:
            continue
        if any(s < m.end() and m.start() < e for s, e in spans) or _acronym(name) or _calendar(name):
            continue
        out.append(name)
    return tuple(dict.fromkeys(out))


# --- the reader ---------------------------------------------------------------------------------


@cache
def _inventory_keys() -> tuple[tuple[tuple[str, ...] | str, bool, Attribute], ...]:
    """Each inventory name as matched (English stems, compact Korean), whether it is an acronym,
    and its row. Names the user's ontology itself uses are left out, and so is a whole row whose
    main name, or two of whose names, it uses (see :func:`retriever.open_set.same_attribute`)."""
    taken = {n for p in profiles() for n in p.names_en} | {k for p in profiles() for k in p.names_ko}
    out: list[tuple[tuple[str, ...] | str, bool, Attribute]] = []
    for row in inventory():
        keys = [
            (_ko_key(name) if has_hangul(name) else tuple(content_words(name)), name.isupper())
            for name in (*row.en, *row.ko)
        ]
        used = [key in taken for key, _ in keys]
        if same_attribute(row, used):
            continue
        out.extend(
            (key, acronym, row) for (key, acronym), hit in zip(keys, used, strict=True) if key and not hit
        )
    return tuple(out)


def _nearest(
    cosines: dict[str, float], entity_classes: Sequence[str], types: Sequence[str], lead: float
) -> str | None:
    """The property nearest by meaning among those that apply to the named entities and hold
    the kind of value the question word asks for ("how much": a number), when it leads the next
    one by ``lead`` (the encoder's :attr:`~retriever.encoders.Calibration.nearest_lead`). For
    "who", only the links to a person count, the first named thing's first."""
    narrow = "who" in types  # who: one of the few links to a person, not any value of any kind
    fitting = sorted(
        (
            (c, n)
            for n, c in cosines.items()
            if applies_to(n, entity_classes) and (not narrow or _type_bonus(n, types) > 0)
        ),
        reverse=True,
    )
    first = [(c, n) for c, n in fitting if narrow and entity_classes and applies_to(n, entity_classes[:1])]
    fitting = first or fitting  # who heads the first named thing ("the unit at the Busan hospital")
    if not fitting or (len(fitting) > 1 and fitting[0][0] - fitting[1][0] < lead):
        return None
    nearest = fitting[0][1]
    return nearest if not types or _type_bonus(nearest, types) > 0 else None


def lang_of(text: str) -> str:
    return "ko" if has_hangul(text) else "en"


class IntentReader:
    """Reads a question's intent against the ontology's property descriptions (see the module doc).

    ``encoders`` maps a question language ("en", "ko") to the encoder that reads it
    (:func:`retriever.encoders.question_encoders`); each has its own :class:`MeaningSpace`, built
    on first use. With none, questions are read by names and question words only.
    """

    def __init__(self, encoders: Mapping[str, Encoder] | None = None) -> None:
        self._encoders = dict(encoders or {})
        self._spaces: dict[str, MeaningSpace] = {}
        self._lock = threading.RLock()

    def _space(self, lang: str) -> MeaningSpace | None:
        encoder = self._encoders.get(lang) or next(iter(self._encoders.values()), None)
        if encoder is None or not profiles():
            return None
        key = f"{encoder.id}:{id(encoder.encode)}"
        with self._lock:
            space = self._spaces.get(key)
            if space is None:
                space = MeaningSpace(
                    encoder,
                    rows([p.descriptions for p in profiles()]),
                    len(profiles()),
                    rows([c.names for c in class_labels()]),
                    [c.name for c in class_labels()],
                )
                self._spaces[key] = space
            return space

    def warm(self) -> None:
        for lang in self._encoders:
            space = self._space(lang)
            if space is not None:
                space.warm()

    def _named_elsewhere(
        self, words: Sequence[str], ko: str, lang: str, ko_text: str = "", counted: Iterable[str] = ()
    ) -> str | None:
        """An inventory attribute the question names outright (all its words, or its Korean name)
        by a longer name than any property's it names: "chief nursing officer" beats "chief". Not
        a number of a ``counted`` class the graph counts ("in how many countries is it present")."""
        counted_words = class_words(counted)
        if not self._encoders:
            return None
        present = set(words)

        def size(name: tuple[str, ...] | str) -> int:
            if isinstance(name, str):
                return len(name) // 2 if len(name) >= 2 and name in ko else 0
            return len(name) if name and all(w in present for w in name) else 0

        best = max(
            [
                *(size(n) for p in profiles() for n in p.names_en),
                *(size(k) for p in profiles() for k in p.names_ko),
            ],
            default=0,
        )
        korean_words = {strip_particle(w) for w in ko_text.split() if has_hangul(w)}
        found = None
        for key, acronym, row in _inventory_keys():
            if not isinstance(key, str) and counted_words & set(key):
                continue
            matched = size(key)
            whole_korean = isinstance(key, str) and key in korean_words  # "매출은" names 매출
            # an acronym the ontology does not use ("CFO") outweighs a property word as long as it
            if (matched > best or (acronym and matched and matched == best)) and (
                matched >= 2 or acronym or whole_korean
            ):
                best, found = matched, ((row.ko or row.en)[0] if lang == "ko" else row.en[0])
        return found

    def read(
        self,
        question: str,
        spans: Sequence[tuple[int, int]] = (),
        entity_classes: Sequence[str] = (),
    ) -> Intent:
        """The intent of ``question``; ``spans`` are the linked entities' character spans."""
        text = " ".join(nfc(question).split())
        masked = _SINCE_WHEN.sub("when", mask(text, spans))  # "since" is the question word's, no name
        ordered_words = content_words(masked)
        words = set(ordered_words)
        if _COUNT_WORDS.search(masked):  # "how many ships" says "number of ships"
            words |= _NUMBER_OF
        ko = _ko_key(masked)
        agents = _agent_nouns(masked)  # "who manages it": its manager
        types = asked_types(text)
        when = "when" in types or asks_when(text)
        year_given = bool(_YEAR_GIVEN.search(text))  # "what volume did it move in 2024": not its year
        if (
            not types
            and any(is_place_class(c) for c in entity_classes)
            and len(entity_classes) > 1
            and not has_question_word(text)
        ):
            # a named place beside the subject: "is X in Y", "X는 Y에 있나요" (with a question word of
            # its own, "what care does the clinic in Fukuoka give", the place only says which clinic)
            types = ("where",)
        classes = mentioned_classes(text, spans, _long_name_words(words))
        if not classes and (which := word_after_which(masked)):
            space = self._space(lang_of(text))
            named = space.nearest_class(which) if space is not None else None
            if named is None:  # "which province" where a class's comment says "such as a province"
                heads = reversed(words_after_which(masked))  # the noun before its adjective
                named = next(filter(None, map(class_in_comment, heads)), None)
            classes = (named,) if named else ()  # "어느 나라" where the ontology says 국가
        reachable = one_hop_classes(entity_classes)
        semantic, nearest, elsewhere = (
            self._semantic_scores(masked, lang_of(text))
            if masked.strip() and not _only_acronyms(text, spans)
            else ({}, {}, None)
        )
        scores: dict[str, float] = {}
        content = 0.0  # how well the best property matches the asked words themselves
        own: dict[str, float] = {}  # each property's match by its own names
        for profile in profiles():
            by_name = _name_score(profile.names_en, profile.names_ko, words | agents, ko, ordered_words)
            stemmed = [len(name) for name in profile.stems_ko if all(stem_ in ko for stem_ in name)]
            if stemmed:
                by_name = max(
                    by_name, NAME_MATCH + LONGER_NAME * min(max(stemmed) - 1, 3)
                )  # "가장 중요한 제품" in "가장 중요하게 내세우는 제품"
            if by_name < NAME_MATCH and _verb_names(profile, words, entity_classes):
                by_name = NAME_MATCH
            score = max(by_name, semantic.get(profile.name, 0.0))
            if profile.name in temporal_properties() and not when:
                if year_given:  # "what volume did it move in 2024": the year is given, not asked
                    score *= GIVEN_YEAR
                elif by_name < NAME_MATCH:
                    score *= TYPE_MISMATCH  # a time nobody asked for ("the newest release number")
            own[profile.name] = by_name
            content = max(content, score)
            bonus = _type_bonus(profile.name, types)
            score += _class_bonus(profile.name, classes, entity_classes)
            if types and not bonus and any(_type_bonus(p.name, types) for p in profiles()):
                score *= TYPE_MISMATCH  # "when ...": a property of another kind is at most the path
            score += bonus  # "몇 명 ... 사람": the count is asked; the named class is what is counted
            if not applies_to(profile.name, entity_classes):
                score *= ONE_HOP if applies_to(profile.name, reachable) else OFF_DOMAIN
            scores[profile.name] = round(score, 4)
        scores = _to_the_named_things_own(scores, entity_classes)
        for prop in PROPERTIES:  # a named sub-property is the more specific reading of its parent
            if prop.parent in scores and own.get(prop.name, 0.0) >= NAME_MATCH:
                scores[prop.parent] = round(min(scores[prop.parent], REFINED_PARENT * scores[prop.name]), 4)
        _through_the_value(scores, types, classes, bool(_COUNT_WORDS.search(text)) or "몇" in text)
        if year_given and not when:  # "the cargo volume in 2024": the value the year is the year of
            for name, value in year_companions().items():
                scores[value] = max(scores[value], round(scores[name] / GIVEN_YEAR, 4))
        place_asked = [c for c in classes if is_place_class(c)]
        if place_asked:  # "which country ...": a location question whose answer is of that class
            top = max(scores.values(), default=1.0)
            general = most_general_location(tuple(entity_classes))
            for name in location_properties():
                prop = PROPERTY_BY_NAME[name]
                if prop.domain == prop.range:
                    boost = HIERARCHY_WEIGHT
                else:  # "where is X" is the most general location property; "has an office in" is narrower
                    boost = 1.0 if name == general else NARROWER_LOCATION
                scores[name] = max(scores[name], boost * (top + PLACE_LEAD), boost)
        best = max(scores.values(), default=0.0)
        weights = (
            {n: round(s / best, 4) for n, s in scores.items() if best > 0 and s >= KEEP_SHARE * best}
            if best >= ASKED_MIN or (types and best > 0)
            else {}
        )
        ordered = dict(sorted(weights.items(), key=lambda item: -item[1]))
        unsupported: tuple[str, ...] = ()
        asked = leftover_words(_SINCE_WHEN.sub("when", text), spans)
        counting = classes if _COUNT_WORDS.search(text) or "몇" in text else ()
        named = (
            self._named_elsewhere(ordered_words, ko, lang_of(text), masked, counting)
            if entity_classes
            else None
        )
        if named:
            unsupported = (named,)  # the question names an attribute the ontology lacks
            ordered = {}
        elif (
            entity_classes
            and elsewhere
            and max(own.values(), default=0.0) < NAME_MATCH
            and not classes
            and "where" not in types
        ):
            unsupported = (elsewhere,)  # nearer an attribute the ontology lacks than any it has
            ordered = {}
        elif (
            entity_classes
            and asked
            and content < ASKED_MIN
            and not classes
            and not _TRUSTED_TYPES & set(types)
        ):
            space = self._space(lang_of(text))  # ``nearest`` is empty without one
            lead = space.encoder.calibration.nearest_lead if space is not None else 0.0
            guess = _nearest(nearest, entity_classes, types, lead)
            if guess is not None:  # no property stands out, but one is clearly nearest and fits
                ordered = {guess: 1.0}
            else:  # the question's own words name nothing the ontology has
                unsupported = (asked,)
                ordered = {}
        elif entity_classes and classes and not ordered and nearest:
            # "which company makes Fusion", "the year the company was set up": only the class word
            # matched; of the properties it names (its values, read backwards, or its subjects)
            # that hold the kind of value the question word asks, the one clearly nearest by meaning
            by_class = {
                n: c
                for n, c in nearest.items()
                if (_class_bonus(n, classes, entity_classes) or _of_class(n, classes))
                and (not types or _type_bonus(n, types) > 0)
            }
            space = self._space(lang_of(text))
            lead = space.encoder.calibration.nearest_lead if space is not None else 0.0
            guess = _nearest(by_class, entity_classes, types, lead)
            ordered = {guess: 1.0} if guess is not None else {}
        if (
            asks_when(text)
            and entity_classes
            and ordered
            and (
                next(iter(ordered)) not in temporal_properties()
                or _time_of_a_named_relation(next(iter(ordered)), words, entity_classes, semantic)
            )
            and not (
                asks_two_things(text, lang_of(text)) and any(p in temporal_properties() for p in ordered)
            )
        ):
            # "when did she take office as president": no time property answers (one a when-question
            # only brings up, the year a campus opened, is not what it asks, unless its second part
            # asks it: "does it hold the accreditation, and since when")
            unsupported = (asked or text,)
            ordered = {}
        if (
            ordered
            and not unsupported
            and next(iter(ordered)) in numeric_properties()
            and (part := _SUBSET_EN.search(masked))
        ):
            unsupported = (asked or part.group(0),)  # "how many of its seats are business class": a part
            ordered = {}
        if entity_classes and asks_clock_time(text) and not clock_properties():
            unsupported = (asked or text,)  # "what time does it leave": no property holds a time of day
            ordered = {}
        if ordered and not unsupported and (counted := uncounted_noun(masked, ordered, classes)):
            unsupported = (f"number of {counted}",)  # "how many customers": it holds their industries
            ordered = {}
        if ordered and not unsupported:
            ordered = self._with_first_part(text, spans, entity_classes, ordered)
        elif entity_classes and not named and (both := self._each_part(text, spans, entity_classes)):
            ordered, unsupported = both, ()  # neither part drowned out by the other's words
        asks_site, places = site_mentions(text)
        if "how_many" in types and ordered and next(iter(ordered)) in numeric_properties():
            classes = ()  # "how many people work there": a number answers; the class is what it counts
        return Intent(
            predicates=ordered,
            answer_classes=tuple(classes),
            cues=types,
            unsupported_attributes=unsupported,
            asks_site=asks_site,
            site_places=places,
            confidence=round(best, 4),
            scores=scores,
        )

    def _with_first_part(
        self,
        text: str,
        spans: Sequence[tuple[int, int]],
        entity_classes: Sequence[str],
        ordered: dict[str, float],
    ) -> dict[str, float]:
        """A two-part question (:mod:`retriever.parts`) also asks what its first part asks:
        "What's its headcount, and which year is that from?" asks the headcount beside its year."""
        part = first_part(text, lang_of(text))
        if part is None:
            return ordered
        inside = [(start, min(end, len(part))) for start, end in spans if start < len(part)]
        merged = dict(ordered)
        for name, weight in self.read(part, inside, entity_classes).predicates.items():
            merged[name] = max(merged.get(name, 0.0), weight)
        return merged

    def _each_part(
        self, text: str, spans: Sequence[tuple[int, int]], entity_classes: Sequence[str]
    ) -> dict[str, float]:
        """A two-part question whose whole reading found nothing ("How long is the fellowship and
        how many fellows does it take?"): each part read on its own, both merged when both are
        understood (the first part's properties first); else nothing."""
        cut = part_cut(text, lang_of(text))
        if cut is None:
            return {}
        merged: dict[str, float] = {}
        for start, end in ((0, cut), (cut, len(text))):
            inside = [(max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start]
            found = self.read(text[start:end], inside, entity_classes).predicates
            if not found:
                return {}
            for name, weight in found.items():
                merged[name] = max(merged.get(name, 0.0), weight)
        return merged

    def _semantic_scores(
        self, masked: str, lang: str
    ) -> tuple[dict[str, float], dict[str, float], str | None]:
        """Each property's standout by meaning, its raw best cosine, and the inventory attribute
        the question asks for instead (:mod:`retriever.open_set`), if any."""
        space = self._space(lang)
        if space is None:
            return {}, {}, None
        found = space.match(masked, lang)
        names = [profile.name for profile in profiles()]
        return (
            dict(zip(names, found.standout.tolist(), strict=True)),
            dict(zip(names, found.cosine.tolist(), strict=True)),
            found.elsewhere,
        )


@cache
def _lexical_reader() -> IntentReader:
    return IntentReader()


def detect_intent(question: str) -> Intent:
    """The intent from names and question words only (no encoder): tests and quick checks."""
    return _lexical_reader().read(question)
