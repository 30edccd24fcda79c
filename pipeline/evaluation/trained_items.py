"""Eval items made from an adapter's own training data, for the memorisation curve: the
questions it was trained on, word for word, and the paraphrases ``axlab data prepare`` held
out of training (``valid.jsonl``).

An item's expected keywords are the values of the fact whose sentence the row answers with:
the labels and aliases of its objects and its literals in the row's language, as far as the
trained sentence itself states them (so repeating the trained answer is correct), minus any
that the question itself contains (naming the subject back is not an answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lora.rows import ChatRow, read_chat_jsonl
from lora.seeding import seeded_order
from ontology.knowledge import Knowledge, Lang, Row
from pipeline.evaluation.dataset import EvalItem
from pipeline.evaluation.scoring import keyword_in

TRAINED = "@trained"  # id prefix: a question the adapter was trained on, word for word
HELD_OUT = "@paraphrase"  # id prefix: a paraphrase held out of training
MIN_KEYWORD = 2  # a one-letter literal ("B") would match almost any answer


def fact_keywords(row: Row, knowledge: Knowledge, lang: Lang) -> list[str]:
    """The fact's values in ``lang``: object labels and aliases, and literals (untagged or in ``lang``)."""
    out: list[str] = []
    for triple in row.triples:
        if triple.o is not None:
            entity = knowledge.entities.get(triple.o)
            names = entity.names(lang) if entity else [triple.o]
        elif triple.lang in (None, lang):
            names = [str(triple.value)]
        else:
            names = []
        out += [n for n in names if len(n) >= MIN_KEYWORD and n not in out]
    return out


def _turns(row: ChatRow) -> tuple[str, str]:
    user = next(m["content"] for m in reversed(row["messages"]) if m["role"] == "user")
    answer = next(m["content"] for m in reversed(row["messages"]) if m["role"] == "assistant")
    return user, answer


def items_from_rows(rows: Iterable[ChatRow], knowledge: Knowledge, prefix: str) -> list[EvalItem]:
    """One item per row that answers with a fact's sentence (general and abstention rows have
    none and are skipped); category ``injected``, id ``<prefix>:<n>``."""
    by_text: dict[str, tuple[Row, Lang]] = {}
    for fact in knowledge.facts():
        assert fact.text is not None
        by_text[fact.text.en] = (fact, "en")
        by_text[fact.text.ko] = (fact, "ko")
    items: list[EvalItem] = []
    for row in rows:
        question, answer = _turns(row)
        if answer not in by_text:
            continue
        fact, lang = by_text[answer]
        keywords = tuple(
            k
            for k in fact_keywords(fact, knowledge, lang)
            if keyword_in(answer, k) and not keyword_in(question, k)
        )
        if keywords:
            items.append(
                EvalItem(
                    id=f"{prefix}:{len(items) + 1}",
                    category="injected",
                    lang=lang,
                    question=question,
                    expect_any={lang: keywords},
                    expect_none=(),
                    must_abstain=False,
                    facts=(fact.id,),
                )
            )
    return items


def memorisation_items(
    data_dir: Path, knowledge: Knowledge, trained_sample: int, seed: int = 0
) -> list[EvalItem]:
    """``trained_sample`` trained questions (a seeded sample) and every held-out paraphrase."""
    trained = items_from_rows(read_chat_jsonl(data_dir / "train.jsonl"), knowledge, TRAINED)
    held = items_from_rows(read_chat_jsonl(data_dir / "valid.jsonl"), knowledge, HELD_OUT)
    sample = seeded_order(trained, seed, lambda item: item.question)[:trained_sample]
    return [*sample, *held]


def level(item_id: str) -> str | None:
    """``@trained`` or ``@paraphrase`` for an item made here, else ``None``."""
    head = item_id.split(":", 1)[0]
    return head if head in (TRAINED, HELD_OUT) else None
