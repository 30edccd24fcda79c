"""The symbolic layer alone: how often retrieval + the graph's own answer are right, per category.

Runs the real engine in graph mode with a model that says nothing, so every answer is what
the symbolic side makes of the question: the verifier's graph answer from the retrieved facts,
or an abstention. It isolates question understanding (linking, which property is asked, typed
abstention) from the language model, and takes seconds instead of the minutes of ``axlab eval``.

    python bench/bench_grounding.py [--knowledge data/harbor_health] [--questions FILE ...] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class Silent:
    """A model that answers nothing: the engine falls back on the graph's own answer."""

    model_id = "silent"

    def stream(self, messages: Sequence[Any], max_tokens: int, adapter: Path | None) -> Iterator[str]:
        return iter(())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=None)
    parser.add_argument("--questions", type=Path, nargs="*", default=None)
    parser.add_argument("--misses", action="store_true", help="print every wrong answer")
    parser.add_argument("--out", type=Path, default=None, help="write the table as JSON")
    args = parser.parse_args(argv)
    if args.knowledge is not None:
        os.environ["AXLAB_KNOWLEDGE"] = str(args.knowledge.resolve())

    from ontology.paths import knowledge_root
    from pipeline.engine import AnswerEngine
    from pipeline.evaluation.dataset import load_eval_set
    from pipeline.evaluation.scoring import score_answer

    files = args.questions or sorted((knowledge_root() / "eval").glob("*.jsonl"))
    engine = AnswerEngine(backend=Silent())
    table: dict[str, dict[str, list[int]]] = {}
    for file in files:
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for item in load_eval_set(file):
            answer = engine.ask(item.question, mode="graph", max_tokens=8)
            score = score_answer(item, answer.answer, answer.abstained)
            for key in (item.category, f"lang:{item.lang}", "all"):
                per[key][0] += int(score.correct)
                per[key][1] += 1
            if args.misses and not score.correct:
                print(f"MISS {item.id} [{item.category}] {item.question!r} -> {answer.answer!r}")
        table[file.name] = dict(per)
    keys = ["injected", "multihop", "korean", "unknown", "general", "coding", "lang:en", "lang:ko", "all"]
    print(f"{'set':<18}" + "".join(f"{k:>11}" for k in keys))
    for name, per in table.items():
        cells = [f"{per[k][0]}/{per[k][1]}" if k in per else "-" for k in keys]
        print(f"{name:<18}" + "".join(f"{c:>11}" for c in cells))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
