"""Entity linking: question text -> ontology entities, by labels and aliases in English and Korean.

Pure functions over an :class:`AliasIndex` built once from the knowledge's entities.

Rules
- Names are compared in a *compact* form (casefolded, without spaces, hyphens, dots), so
  ``Solverx``, ``Seocho dong`` and ``솔버엑스퓨전`` match ``SolverX``, ``Seocho-dong`` and ``솔버엑스 퓨전``.
- A Korean particle (``은/는/이/가/의/에/에서...``) or an English possessive (``'s``) on the last word
  of a span is ignored.
- Short names (at most 3 letters: ``US``, ``CA``, ``HQ``) and one-word aliases that are only part of
  the entity's label and an everyday English word (``Fusion``, ``Korea``: ``wordfreq``'s Zipf
  frequency at least :data:`COMMON_ZIPF`) match as whole words in the case they are written (a
  lowercase alias may still start a sentence capitalised); a rare one (``Hanbit`` of ``Hanbit
  University``) matches in any case, and with a typo like any other name.
- Fuzzy matches (Levenshtein on the compact form) are allowed for names of 7+ characters
  (Hangul: 5+ syllables): 1 edit, 2 from 12 characters; never for strict names, never for a prefix
  of a name (``solver`` is not a typo of ``SolverX``).
- Overlapping matches: the longest span wins (``SolverX Fusion`` over ``SolverX``), then the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ontology.knowledge import Entity
from retriever.text import EN_POSSESSIVES, american, compact, has_hangul, token_variants, tokenize

LABEL_SCORE = 1.0
ALIAS_SCORE = 0.95
PARTIAL_ALIAS_SCORE = 0.85
FUZZY_FACTOR = 0.95
MIN_SCORE = 0.75
COMMON_ZIPF = 3.3  # fusion 4.0, mesh 3.8, vale 3.6; leipzig 3.3, busan 3.1, azul 2.7, hanbit 0
_EXTRA_FUZZY_TOKENS = 1


@dataclass(frozen=True)
class AliasEntry:
    entity_id: str
    name: str  # as written in the knowledge
    key: str  # compact, casefolded
    key_cs: str  # compact, case kept
    n_tokens: int
    base_score: float
    strict_case: bool
    hangul: bool


@dataclass(frozen=True)
class AliasIndex:
    entries: tuple[AliasEntry, ...]
    by_key: Mapping[str, tuple[AliasEntry, ...]]
    fuzzy_keys: tuple[str, ...]
    fuzzy_by_key: Mapping[str, tuple[AliasEntry, ...]]
    max_tokens: int
    labels: Mapping[str, str] = field(default_factory=dict)  # entity id -> English label


@dataclass(frozen=True)
class EntityLink:
    entity_id: str
    label: str
    score: float
    surface: str  # the question's text that matched
    start: int  # character span in the question
    end: int
    name: str  # the label or alias it matched
    method: str  # "exact" | "fuzzy"


def _is_partial_alias(alias: str, label: str) -> bool:
    """A one-word alias that is just one word of the label (``Fusion`` of ``SolverX Fusion``)."""
    words = alias.split()
    label_words = [compact(w) for w in label.split()]
    return len(words) == 1 and len(label_words) > 1 and compact(alias) in label_words


@cache
def common_word(word: str) -> bool:
    """Whether ``word`` is an everyday English word (every word is, without ``wordfreq``)."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return True
    return bool(zipf_frequency(word, "en") >= COMMON_ZIPF)


def _entry(entity_id: str, name: str, is_label: bool, label: str) -> AliasEntry:
    key = compact(american(name))
    partial = not is_label and not has_hangul(name) and _is_partial_alias(name, label)
    strict = (len(key) <= 3 and not has_hangul(name)) or (partial and common_word(name))
    score = LABEL_SCORE if is_label else (PARTIAL_ALIAS_SCORE if partial else ALIAS_SCORE)
    return AliasEntry(
        entity_id=entity_id,
        name=name,
        key=key,
        key_cs=compact(american(name), casefold=False),
        n_tokens=max(1, len(tokenize(name))),
        base_score=score,
        strict_case=strict,
        hangul=has_hangul(name),
    )


def build_alias_index(entities: Mapping[str, Entity]) -> AliasIndex:
    """Index every label and alias of every entity, in both languages."""
    entries: list[AliasEntry] = []
    for entity_id, entity in entities.items():
        for lang in ("en", "ko"):
            label = getattr(entity.label, lang)
            entries.append(_entry(entity_id, label, True, label))
            for alias in getattr(entity.aliases, lang):
                entries.append(_entry(entity_id, alias, False, label))
    by_key: dict[str, list[AliasEntry]] = {}
    for entry in entries:
        if entry.key:
            by_key.setdefault(entry.key, []).append(entry)
    fuzzy: dict[str, list[AliasEntry]] = {}
    for entry in entries:
        if not entry.strict_case and max_edits(entry.key, entry.hangul) > 0:
            fuzzy.setdefault(entry.key, []).append(entry)
    return AliasIndex(
        entries=tuple(entries),
        by_key={k: tuple(v) for k, v in by_key.items()},
        fuzzy_keys=tuple(fuzzy),
        fuzzy_by_key={k: tuple(v) for k, v in fuzzy.items()},
        max_tokens=max((e.n_tokens for e in entries), default=1),
        labels={eid: e.label.en for eid, e in entities.items()},
    )


def max_edits(key: str, hangul: bool) -> int:
    """How many edits a fuzzy match of a name of this compact form may need."""
    if hangul:
        return 1 if len(key) >= 5 else 0
    if len(key) < 7:
        return 0
    return 1 if len(key) < 12 else 2


def _case_ok(entry: AliasEntry, surface_cs: str) -> bool:
    if not entry.strict_case or surface_cs == entry.key_cs:
        return True
    # a lowercase alias may start a sentence capitalised ("Headquarters ...")
    return entry.key_cs == entry.key_cs.lower() and surface_cs[:1].lower() + surface_cs[1:] == entry.key_cs


@dataclass(frozen=True)
class _Candidate:
    entry: AliasEntry
    score: float
    first: int  # token indices, inclusive-exclusive
    last: int
    length: int  # compact characters matched: longer spans win
    method: str


def _strip_possessive(word: str) -> str:
    for suffix in EN_POSSESSIVES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)]
    return word


def _span_forms(words: list[str]) -> list[str]:
    """Surface forms of a span: as written and with the last word's particle/possessive removed
    (possessives inside the span are always removed: ``SolverX's offices`` -> ``SolverX offices``)."""
    inner = [_strip_possessive(w) for w in words[:-1]]
    return [" ".join([*inner, variant]) for variant in token_variants(words[-1])]


def _short_words_kept(name: str, form: str) -> bool:
    """A typo is not a different code: every short word (<= 3 letters, "US", "R&D") of the name
    must appear as written in the span ("UK office" is not a misspelt "US office")."""

    def letters(word: str) -> str:
        return "".join(ch for ch in word.casefold() if ch.isalnum())

    words = {letters(w) for w in form.split()}
    return all(letters(w) in words for w in name.split() if 0 < len(letters(w)) <= 3)


def _fuzzy(form: str, n_tokens: int, index: AliasIndex) -> list[tuple[AliasEntry, float]]:
    form_key = compact(american(form))
    if len(form_key) < 6 or not index.fuzzy_keys:
        return []
    out: list[tuple[AliasEntry, float]] = []
    hits = process.extract(form_key, index.fuzzy_keys, scorer=Levenshtein.distance, score_cutoff=2, limit=5)
    for key, distance, _ in hits:
        if distance == 0 or key.startswith(form_key) or key[0] != form_key[0]:
            continue
        for entry in index.fuzzy_by_key[key]:
            if (
                not _short_words_kept(entry.name, form)
                or distance > max_edits(key, entry.hangul)
                or abs(entry.n_tokens - n_tokens) > _EXTRA_FUZZY_TOKENS
                or (distance > 1 and entry.n_tokens != n_tokens)  # 2 edits only at the same word count
            ):
                continue
            score = entry.base_score * FUZZY_FACTOR * (1.0 - distance / max(len(key), len(form_key)))
            out.append((entry, score))
    return out


def _candidates(question: str, index: AliasIndex) -> list[_Candidate]:
    tokens = tokenize(question)
    found: list[_Candidate] = []
    for first in range(len(tokens)):
        for last in range(first + 1, min(len(tokens), first + index.max_tokens + _EXTRA_FUZZY_TOKENS) + 1):
            words = [t.text for t in tokens[first:last]]
            exact = False
            forms = _span_forms(words)
            for form in forms:
                key, key_cs = compact(american(form)), compact(american(form), casefold=False)
                for entry in index.by_key.get(key, ()):
                    if not _case_ok(entry, key_cs):
                        continue
                    exact = True
                    found.append(_Candidate(entry, entry.base_score, first, last, len(key), "exact"))
            if exact:
                continue
            for form in forms:
                for entry, score in _fuzzy(form, last - first, index):
                    found.append(_Candidate(entry, score, first, last, len(compact(form)), "fuzzy"))
    return found


def link_entities(question: str, index: AliasIndex, min_score: float = MIN_SCORE) -> list[EntityLink]:
    """Entities the question names, best link per entity, in order of appearance."""
    tokens = tokenize(question)
    candidates = [c for c in _candidates(question, index) if c.score >= min_score]
    candidates.sort(key=lambda c: (-c.length, -(c.last - c.first), -c.score, c.first))
    taken: set[int] = set()
    best: dict[str, EntityLink] = {}
    for cand in candidates:
        span = set(range(cand.first, cand.last))
        if span & taken:
            continue
        taken |= span
        start, end = tokens[cand.first].start, tokens[cand.last - 1].end
        link = EntityLink(
            entity_id=cand.entry.entity_id,
            label=index.labels.get(cand.entry.entity_id, cand.entry.entity_id),
            score=round(cand.score, 4),
            surface=question[start:end],
            start=start,
            end=end,
            name=cand.entry.name,
            method=cand.method,
        )
        previous = best.get(link.entity_id)
        if previous is None or link.score > previous.score:
            best[link.entity_id] = link
    return sorted(best.values(), key=lambda link: link.start)


def linked_ids(links: Iterable[EntityLink]) -> list[str]:
    return [link.entity_id for link in links]
