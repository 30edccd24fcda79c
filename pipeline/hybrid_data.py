"""Training data for the hybrid adapter: questions answered *from graph context in the prompt*.

The LoRA-only baseline (``adapters/lora``) learns the facts themselves (``axlab data prepare``).
The hybrid adapter instead learns to read the prompt the engine builds
(:func:`pipeline.prompt.grounded_messages`) and copy the fact that answers, so every row here
is exactly such a prompt:

* **fact** rows: each fact paraphrase question of the lora data prep (``lora.paraphrase``),
  with the retriever's context for it (the facts that answer are forced in), plus distractor
  facts about *other* entities, shuffled; the answer is the answering facts' sentences,
  copied from the context;
* **multi-hop** rows: "In which country/city/on which continent is X?" (and "Does SolverX
  have an office in Y?") whose answer is an *inferred* fact present in the context;
* **abstention** rows: attributes the knowledge does not have (revenue, ticker, patents,
  other executives, other offices, a product's missing version...) with their retrieved
  context; the answer is the gate's sentence (:func:`pipeline.abstain.abstention_sentence`);
* **general** rows: lora's general chat pairs with no context (the plain prompt).

Questions of the evaluation set and of ``axlab compare``/``verify-general`` are never used.
Output: ``OUT/train.jsonl`` and ``OUT/valid.jsonl`` in mlx-lm chat format
(``lora.rows``), trained with ``lora.train`` into ``adapters/hybrid``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kg.facts import Fact
from lora.seeding import item_rng, seeded_order
from ontology.questions import no_value_questions, unknown_questions
from ontology.roles import (
    hierarchy_property,
    is_place_class,
    location_properties,
    site_classes,
    site_properties,
)
from ontology.schema import CLASS_BY_NAME, PROPERTY_BY_NAME
from pipeline.abstain import abstention_sentence, gate
from pipeline.engine import entity_infos, grounding_from_context
from pipeline.prompt import SYSTEM_GROUNDED, Lang, context_limit, detect_lang, grounded_user_text
from pipeline.standard_questions import held_out_questions

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph
    from ontology.knowledge import Knowledge
    from retriever import Retriever

Kind = Literal["fact", "multihop", "abstain", "general"]
LANGS: tuple[Lang, ...] = ("en", "ko")
DISTRACTORS: dict[Lang, int] = {"en": 2, "ko": 1}  # of context_limit(lang) lines
DEFAULT_OUT = Path("data") / "hybrid"

# Multi-hop and "has a site in" questions, built from the ontology's class labels.
_HOP_TEMPLATES: dict[Lang, tuple[str, ...]] = {
    "en": ("In which {cls} is {s} located?", "What {cls} is {s} in?"),
    "ko": ("{s}{은} 어느 {cls}에 위치해 있나요?", "{s}의 소재 {cls}{은} 어디인가요?"),
}
_SITE_TEMPLATES: dict[Lang, tuple[str, ...]] = {
    "en": ("Does {s} have a {site} in {o}?", "Is there a {s} {site} in {o}?"),
    "ko": ("{s}{은} {o}에 {site}{이} 있나요?",),
}
_YES: dict[Lang, str] = {"en": "Yes.", "ko": "네."}


@dataclass(frozen=True)
class Example:
    kind: Kind
    lang: Lang
    question: str
    system: str | None
    user: str
    answer: str


@dataclass
class HybridReport:
    train_path: str
    valid_path: str
    train_rows: int
    valid_rows: int
    by_kind: dict[str, int] = field(default_factory=dict)
    dropped_held_out: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _key(question: str) -> str:
    return " ".join(question.casefold().split()).rstrip("?.! ")


def _josa_eun(word: str) -> str:
    last = word[-1:]
    if "가" <= last <= "힣":
        return "은" if (ord(last) - 0xAC00) % 28 else "는"
    return "은(는)"


def _josa_i(word: str) -> str:
    last = word[-1:]
    if "가" <= last <= "힣":
        return "이" if (ord(last) - 0xAC00) % 28 else "가"
    return "이(가)"


def _fill(template: str, lang: Lang, **slots: str) -> str:
    if lang == "ko":
        return template.format(은=_josa_eun(slots.get("s", "")), 이=_josa_i(slots.get("site", "")), **slots)
    return template.format(**slots)


class _Builder:
    """Builds examples with one graph and one retriever (shared caches)."""

    def __init__(self, kg: KnowledgeGraph, retriever: Retriever, seed: int) -> None:
        self.kg = kg
        self.retriever = retriever
        self.seed = seed
        self.entities = entity_infos(kg)
        facts = retriever.facts
        self.text: dict[Fact, tuple[str, str]] = {
            fact: (en, ko) for fact, en, ko in zip(facts, retriever.texts_en, retriever.texts_ko, strict=True)
        }
        self.pool = [f for f in facts if f.predicate != "type"]

    def sentence(self, fact: Fact, lang: Lang) -> str:
        en, ko = self.text[fact]
        return ko if lang == "ko" else en

    def label(self, entity_id: str, lang: Lang) -> str:
        return self.entities[entity_id].label(lang)

    def context(self, question: str, lang: Lang, must: Sequence[Fact]) -> list[str]:
        """Retrieved sentences with ``must`` forced in and distractors about other entities, shuffled.

        The distractors and the order come from a generator of this prompt alone
        (:func:`lora.seeding.item_rng`), so no other prompt's retrieval can change them."""
        rng = item_rng(self.seed, lang, question, *("\t".join(f.key) for f in must))
        size = context_limit(lang)
        ctx = self.retriever.retrieve(question, k=size)
        chosen: list[Fact] = list(dict.fromkeys(must))
        for sf in ctx.facts:
            if len(chosen) >= size - DISTRACTORS[lang]:
                break
            if sf.fact not in chosen:
                chosen.append(sf.fact)
        about = {f.subject for f in chosen} | {f.object for f in chosen} | set(ctx.linked_ids)
        others = [f for f in self.pool if f.subject not in about and f not in chosen]
        chosen += rng.sample(others, min(size - len(chosen), len(others)))
        rng.shuffle(chosen)
        return [self.sentence(f, lang) for f in chosen]

    def grounded(
        self, kind: Kind, lang: Lang, question: str, must: Sequence[Fact], answer: str | None = None
    ) -> Example:
        """A grounded prompt; without ``answer``, the answer is the sentences of ``must`` that fit."""
        kept = list(dict.fromkeys(must))[: context_limit(lang) - 1]
        lines = self.context(question, lang, kept)
        user = grounded_user_text(question, lines, lang)
        text = answer if answer is not None else self.answer_from(kept, lang)
        return Example(kind, lang, question, SYSTEM_GROUNDED[lang], user, text)

    def answer_from(self, facts: Iterable[Fact], lang: Lang) -> str:
        """One sentence: the first fact's, naming every object of its subject and predicate.

        Targets of one sentence then the end of turn teach the adapter where an answer ends;
        several fact sentences in a row (40% of the rows once) taught it to go on copying
        context lines until max_tokens."""
        chosen = list(dict.fromkeys(facts))
        if not chosen:
            return ""
        first = chosen[0]
        sentence = self.sentence(first, lang)
        same = [f for f in chosen if f.subject == first.subject and f.predicate == first.predicate]
        objects = list(dict.fromkeys(self.object_text(f, lang) for f in same))
        head = objects[0]
        if len(objects) == 1 or sentence.count(head) != 1:
            return sentence
        return join_objects(sentence, head, objects, lang)

    def object_text(self, fact: Fact, lang: Lang) -> str:
        if fact.object_is_literal or fact.object not in self.entities:
            return fact.object
        return self.label(fact.object, lang)


_JOSA_PAIRS = ("을/를", "은/는", "이/가", "과/와")


def join_objects(sentence: str, head: str, objects: Sequence[str], lang: Lang) -> str:
    """``sentence`` with its object ``head`` replaced by all ``objects`` ("A, B and C"; in Korean
    "A, B, C" with the particle after it chosen for C)."""
    before, after = sentence.split(head, 1)
    if lang == "en":
        listed = ", ".join(objects[:-1]) + f" and {objects[-1]}"
        return f"{before}{listed}{after}"
    from retriever.text import josa

    listed = ", ".join(objects)
    for pair in _JOSA_PAIRS:
        if after[:1] and after[:1] in pair.split("/"):
            return before + josa(listed, pair) + after[1:]
    return f"{before}{listed}{after}"


def _row_facts(kg: KnowledgeGraph, row_id: str) -> list[Fact]:
    return [f for f in kg.facts() if not f.inferred and row_id in f.source_rows]


def _one_per_object(facts: Sequence[Fact], builder: _Builder) -> list[Fact]:
    """One fact per object (``HQ locatedIn X`` repeats ``SolverX locatedIn X``), known sentences only."""
    seen: dict[str, Fact] = {}
    for fact in facts:
        if fact in builder.text and fact.object not in seen:
            seen[fact.object] = fact
    return list(seen.values())


def fact_examples(builder: _Builder, knowledge: Knowledge) -> list[Example]:
    """One example per fact paraphrase question (lora's), per language."""
    from lora.paraphrase import questions_for

    out: list[Example] = []
    for row in knowledge.facts():
        facts = _row_facts(builder.kg, row.id)
        for lang in LANGS:
            answers: dict[str, list[Fact]] = {}
            for predicate in dict.fromkeys(t.p for t in row.triples):
                part = row.model_copy(update={"triples": tuple(t for t in row.triples if t.p == predicate)})
                matching = [
                    f
                    for f in facts
                    if f.predicate == predicate and (f.lang is None or f.lang == lang) and f in builder.text
                ]
                by_object = _one_per_object(matching, builder)
                for question in questions_for(part, knowledge, lang):
                    answers.setdefault(question, []).extend(
                        f for f in by_object if f not in answers[question]
                    )
            for question, must in answers.items():
                # "SolverX has the SolverX R&D center" says nothing the office's location does not
                informative = [f for f in must if f.predicate not in site_properties()]
                rest = [f for f in facts if f.predicate not in site_properties() and f.lang in (None, lang)]
                must = informative or _one_per_object(rest, builder) or must
                if must:
                    out.append(builder.grounded("fact", lang, question, must))
    return out


def multihop_examples(builder: _Builder) -> list[Example]:
    """Where is X (in which country, city, continent...): answered by an inferred location fact;
    does the owner have a site in a place: answered by a location fact of the owner."""
    out: list[Example] = []
    cls = {eid: info.cls for eid, info in builder.entities.items()}
    where = location_properties() - {hierarchy_property()}
    sites = site_classes()
    located = [
        f for f in builder.pool if f.predicate in where and f.inferred and cls.get(f.subject) not in sites
    ]
    site_facts = [f for f in builder.pool if f.predicate in where and cls.get(f.subject) in sites]
    for fact in [*located, *site_facts]:
        target = CLASS_BY_NAME.get(cls.get(fact.object, ""))
        if target is None or not is_place_class(target.name):
            continue
        for lang in LANGS:
            subject = builder.label(fact.subject, lang)
            name = target.label_ko if lang == "ko" else target.label_en
            for template in _HOP_TEMPLATES[lang]:
                question = _fill(template, lang, s=subject, cls=name)
                out.append(builder.grounded("multihop", lang, question, [fact], builder.sentence(fact, lang)))
    site = CLASS_BY_NAME.get(min(sites)) if sites else None
    owner_in = [
        f
        for f in builder.pool
        if f.predicate in where
        and PROPERTY_BY_NAME[f.predicate].domain
        and cls.get(f.subject) not in sites
        and is_place_class(cls.get(f.object))
        and site is not None
    ]
    for fact in owner_in:
        assert site is not None
        for lang in LANGS:
            site_name = site.label_ko if lang == "ko" else site.label_en
            for template in _SITE_TEMPLATES[lang]:
                question = _fill(
                    template,
                    lang,
                    s=builder.label(fact.subject, lang),
                    o=builder.label(fact.object, lang),
                    site=site_name,
                )
                answer = f"{_YES[lang]} {builder.sentence(fact, lang)}"
                out.append(builder.grounded("multihop", lang, question, [fact], answer))
    return out


def abstention_examples(builder: _Builder) -> list[Example]:
    """Unknown attributes: retrieved context that lacks the answer -> the gate's sentence."""
    out: list[Example] = []
    for item in unknown_questions() or no_value_questions(builder.kg.knowledge):
        lang: Lang = "ko" if item.lang == "ko" else "en"
        ctx = builder.retriever.retrieve(item.question, k=context_limit(lang))
        grounding = grounding_from_context(ctx, lang, builder.entities)
        decision = gate(grounding)
        subject = decision.subject or (builder.label(item.subject, lang) if item.subject else None)
        answer = abstention_sentence(decision.attribute, subject, lang, decision.kind, decision.known)
        out.append(builder.grounded("abstain", lang, item.question, [], answer))
    return out


def general_examples(count: int) -> list[Example]:
    """lora's general chat pairs, with no context (as the engine asks general questions)."""
    from lora.general_chat import general_qa

    pairs = list(general_qa())
    out: list[Example] = []
    for i in range(count):
        question, answer = pairs[i % len(pairs)]
        out.append(Example("general", detect_lang(question), question, None, question, answer))
    return out


def build_examples(
    kg: KnowledgeGraph,
    retriever: Retriever,
    *,
    seed: int = 0,
    general_ratio: float = 0.15,
    held_out: Iterable[str] = (),
) -> tuple[list[Example], int]:
    """All examples (shuffled) and how many were dropped as held-out questions."""
    builder = _Builder(kg, retriever, seed)
    examples = (
        fact_examples(builder, kg.knowledge) + multihop_examples(builder) + abstention_examples(builder)
    )
    banned = {_key(q) for q in held_out}
    kept = [e for e in examples if _key(e.question) not in banned]
    dropped = len(examples) - len(kept)
    general = [
        e for e in general_examples(round(general_ratio * len(kept))) if _key(e.question) not in banned
    ]
    kept += general
    return seeded_order(kept, seed, _example_key), dropped


def _example_key(example: Example) -> str:
    return "\x00".join((example.kind, example.lang, example.system or "", example.user, example.answer))


def _row(example: Example) -> dict[str, list[dict[str, str]]]:
    from lora.rows import chat_row

    return chat_row(example.user, example.answer, example.system)


def prepare_hybrid_data(
    out_dir: Path | str = DEFAULT_OUT,
    *,
    kg: KnowledgeGraph | None = None,
    retriever: Retriever | None = None,
    seed: int = 0,
    general_ratio: float = 0.15,
    valid_fraction: float = 0.08,
) -> HybridReport:
    """Write ``out_dir/train.jsonl`` and ``out_dir/valid.jsonl`` for the hybrid adapter."""
    from lora.rows import write_json, write_jsonl

    if kg is None:
        from kg.graph import KnowledgeGraph

        kg = KnowledgeGraph.load()
    if retriever is None:
        from retriever import Retriever

        retriever = Retriever(kg)
    examples, dropped = build_examples(
        kg, retriever, seed=seed, general_ratio=general_ratio, held_out=held_out_questions()
    )
    n_valid = max(1, round(valid_fraction * len(examples)))
    valid, train = examples[:n_valid], examples[n_valid:]
    train_questions = {_key(e.question) for e in train}
    valid = [e for e in valid if _key(e.question) not in train_questions] or valid[:1]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "train.jsonl", [_row(e) for e in train])
    write_jsonl(out / "valid.jsonl", [_row(e) for e in valid])
    by_kind: dict[str, int] = dict(sorted(Counter(e.kind for e in train).items()))
    report = HybridReport(
        str(out / "train.jsonl"), str(out / "valid.jsonl"), len(train), len(valid), by_kind, dropped
    )
    # the folder's own record names its files relatively: the same bytes wherever it is written
    record = {**report.as_dict(), "train_path": "train.jsonl", "valid_path": "valid.jsonl"}
    write_json(out / "hybrid_data.json", record)
    return report
