"""``axlab data prepare``: the knowledge file -> ``train.jsonl`` / ``valid.jsonl``.

Every fact row yields several paraphrased questions per language (``lora.paraphrase``)
answered by the row's own statement. Per fact and language a few paraphrases are held
out for validation, so the valid loss measures recall of a fact under a wording the
model never saw; no valid question string ever appears in train (asserted).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lora.errors import LoraError
from lora.general_chat import write_general_chat
from lora.paraphrase import josa, questions_for
from lora.rows import ChatRow, chat_row, read_chat_jsonl, write_jsonl
from lora.seeding import item_rng, seeded_order
from ontology.knowledge import Lang

LANGS: tuple[Lang, ...] = ("en", "ko")


def abstain_answer(lang: Lang) -> str:
    """The trained "I don't know" answer, naming the knowledge by its ontology's title."""
    from ontology.schema import VOCABULARY

    if lang == "ko":
        return f"모르겠습니다. 제가 가진 {VOCABULARY.title_ko} 정보에는 없는 내용입니다."
    return f"I don't know. That is not in my knowledge ({VOCABULARY.title_en})."


@dataclass
class PrepareReport:
    """What ``prepare_data`` wrote."""

    train_path: str
    valid_path: str
    train_rows: int
    valid_rows: int
    facts: int
    general_rows: int = 0
    multi_hop_rows: int = 0
    abstention_rows: int = 0
    languages: list[str] = field(default_factory=lambda: list(LANGS))

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _load(knowledge_path: Path | None):  # type: ignore[no-untyped-def]
    from ontology.errors import OntologyError
    from ontology.knowledge import load_knowledge

    try:
        return load_knowledge(knowledge_path)
    except OntologyError as exc:
        raise LoraError(str(exc).splitlines()[0]) from None


def multi_hop_rows(knowledge, system: str | None = None) -> list[tuple[str, ChatRow]]:  # type: ignore[no-untyped-def]
    """Questions answered by following a location fact up the place hierarchy: for each stated
    location, the place one below the top of the hierarchy (a country) and the top (a continent)."""
    from ontology.roles import hierarchy_property, location_properties
    from ontology.schema import CLASS_BY_NAME

    hierarchy = hierarchy_property()
    where = location_properties() - {hierarchy}
    part_of = {t.triple.s: t.triple.o for t in knowledge.triples() if t.triple.p == hierarchy and t.triple.o}
    out: list[tuple[str, ChatRow]] = []
    for sourced in knowledge.triples():
        triple = sourced.triple
        if triple.p not in where or not triple.o:
            continue
        chain = [triple.o]
        while chain[-1] in part_of and part_of[chain[-1]] not in chain:
            chain.append(part_of[chain[-1]])
        for target in dict.fromkeys(chain[-2:] if len(chain) > 2 else chain[-1:]):
            cls = CLASS_BY_NAME.get(knowledge.entities[target].class_)
            if cls is None:
                continue
            en_s, ko_s = knowledge.label(triple.s, "en"), knowledge.label(triple.s, "ko")
            path_en = ", ".join(knowledge.label(p, "en") for p in chain[: chain.index(target) + 1])
            path_ko = " ".join(knowledge.label(p, "ko") for p in reversed(chain[: chain.index(target) + 1]))
            answer_en = f"{en_s} is in {knowledge.label(target, 'en')} ({path_en})."
            answer_ko = f"{ko_s}{josa(ko_s, '은')} {knowledge.label(target, 'ko')}에 있습니다 ({path_ko})."
            out.append((sourced.row_id, chat_row(f"In which {cls.label_en} is {en_s}?", answer_en, system)))
            ko_question = f"{ko_s}{josa(ko_s, '은')} 어느 {cls.label_ko}에 있나요?"
            out.append((sourced.row_id, chat_row(ko_question, answer_ko, system)))
    return out


def prepare_data(
    knowledge_path: Path | None = None,
    out_dir: Path = Path("data"),
    *,
    valid_per_fact: int = 1,
    general_ratio: float = 0.0,
    general_path: Path | None = None,
    multi_hop: bool = False,
    abstention: bool = False,
    system: str | None = None,
    seed: int = 0,
) -> PrepareReport:
    """Write ``out_dir/train.jsonl`` and ``out_dir/valid.jsonl`` from the knowledge file."""
    if general_ratio < 0:
        raise LoraError(f"--general-ratio must be >= 0, not {general_ratio}")
    if valid_per_fact < 0:
        raise LoraError(f"--valid-per-fact must be >= 0, not {valid_per_fact}")
    knowledge = _load(knowledge_path)
    train: list[ChatRow] = []
    valid: list[ChatRow] = []
    facts = list(knowledge.facts())
    if not facts:
        raise LoraError(f"{knowledge.path}: no fact rows to train on")
    asked = [(row, lang, questions_for(row, knowledge, lang)) for row in facts for lang in LANGS]
    # a question several rows share (one per value of a property) is never held out for one of them
    shared = {q for q, n in Counter(q for _, _, qs in asked for q in qs).items() if n > 1}
    for row, lang, questions in asked:
        assert row.text is not None
        item_rng(seed, row.id, lang).shuffle(questions)  # which paraphrases are held out
        own = [q for q in questions if q not in shared]
        held = min(valid_per_fact, max(len(own) - 2, 0))
        answer = getattr(row.text, lang)
        valid += [chat_row(q, answer, system) for q in own[:held]]
        train += [chat_row(q, answer, system) for q in questions if q not in own[:held]]
    hop_rows = multi_hop_rows(knowledge, system) if multi_hop else []
    train += [row for _, row in hop_rows]
    from ontology.questions import no_value_questions, unknown_questions

    unknown = unknown_questions() or no_value_questions(knowledge)
    abstain_rows = [
        chat_row(q.question, abstain_answer("ko" if q.lang == "ko" else "en"), system) for q in unknown
    ]
    abstain_train: list[ChatRow] = []
    if abstention and abstain_rows:
        held_out, *abstain_train = seeded_order(abstain_rows, seed, _user)
        valid.append(held_out)
        train += abstain_train
    general: list[ChatRow] = []
    if general_ratio > 0:
        general_file = general_path or out_dir / "general_chat.jsonl"
        if general_path is None:  # an output like train.jsonl: rewritten, never a stale copy
            write_general_chat(general_file)
        pool = read_chat_jsonl(general_file)
        if not pool:
            raise LoraError(f"{general_file}: no general chat rows")
        wanted = round(general_ratio * len(train))
        general = [pool[i % len(pool)] for i in range(wanted)]
        if system:
            general = [{"messages": [{"role": "system", "content": system}, *g["messages"]]} for g in general]
        train += general
    train = seeded_order(train, seed, row_key)
    train_questions = {_user(row) for row in train}
    leaked = [q for q in (_user(row) for row in valid) if q in train_questions]
    if leaked:  # a bug, not bad input: say so in one line
        raise LoraError(f"internal error: valid questions also in train: {leaked[:3]}")
    train_path, valid_path = out_dir / "train.jsonl", out_dir / "valid.jsonl"
    write_jsonl(train_path, train)
    write_jsonl(valid_path, valid)
    return PrepareReport(
        train_path=str(train_path),
        valid_path=str(valid_path),
        train_rows=len(train),
        valid_rows=len(valid),
        facts=len(facts),
        general_rows=len(general),
        multi_hop_rows=len(hop_rows),
        abstention_rows=len(abstain_train),
    )


def row_key(row: ChatRow) -> str:
    """A row's identity for :func:`lora.seeding.seeded_order`: its exact JSON."""
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def _user(row: ChatRow) -> str:
    return next(m["content"] for m in reversed(row["messages"]) if m["role"] == "user")
