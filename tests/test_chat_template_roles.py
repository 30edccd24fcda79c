"""A chat template without a system role (google/gemma-2-9b-it's): asking, training data and the
OpenAI endpoint's system messages all fold the system text into the first user turn, and the
template's own end-of-turn token ends generation and is a trained target.

Marked ``model``: the embedded model's weights under Gemma 2's template (tests/helpers_gemma.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers_gemma import gemma_style_model

pytestmark = pytest.mark.model

QUESTION = "Where is the SolverX R&D center?"
SYSTEM = "Answer in one short sentence."


@pytest.fixture(scope="module")
def gemma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gemma_style_model(tmp_path_factory.mktemp("gemma-style") / "model")


@pytest.fixture(scope="module")
def loaded(gemma: Path) -> Any:
    from lora.generate import load_model

    return load_model(str(gemma))


def test_the_template_refuses_the_system_role_and_the_system_text_is_folded(loaded: Any) -> None:
    from jinja2 import TemplateError

    from lora.chat_format import end_of_turn, render_messages, supports_system

    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
    with pytest.raises(TemplateError, match="System role not supported"):
        loaded.tokenizer.apply_chat_template(messages, tokenize=False)
    assert not supports_system(loaded.tokenizer)
    assert end_of_turn(loaded.tokenizer) == "<end_of_turn>"
    assert render_messages(loaded.tokenizer, messages) == [
        {"role": "user", "content": f"{SYSTEM}\n\n{QUESTION}"}
    ]
    stop = loaded.tokenizer.convert_tokens_to_ids("<end_of_turn>")
    assert stop in loaded.tokenizer.eos_token_ids  # generation ends at the template's end of turn


def test_the_embedded_template_keeps_its_system_role() -> None:
    from lora.chat_format import end_of_turn, render_messages, supports_system
    from lora.generate import load_model

    tokenizer = load_model(None).tokenizer
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
    assert supports_system(tokenizer) and end_of_turn(tokenizer) == "<|im_end|>"
    assert render_messages(tokenizer, messages) == messages


def test_graph_mode_asks_the_gemma_style_model(gemma: Path, loaded: Any) -> None:
    from pipeline.engine import AnswerEngine
    from pipeline.prompt import SYSTEM_GROUNDED, grounded_messages

    engine = AnswerEngine(model=str(gemma))
    answer = engine.ask(QUESTION, "graph", max_tokens=8)
    assert answer.context and answer.timings_ms["prefill_tokens"] > 50
    lines = [f"{c['subject']} {c['predicate']} {c['object']}." for c in answer.context]
    prompt = loaded.tokenizer.decode(loaded.prompt_tokens(grounded_messages(QUESTION, lines, "en")))
    assert f"<start_of_turn>user\n{SYSTEM_GROUNDED['en']}\n\nFacts:" in prompt
    assert prompt.endswith("<start_of_turn>model\n") and "system" not in prompt


def test_training_data_folds_the_system_turn_and_targets_end_of_turn(
    gemma: Path, loaded: Any, tmp_path: Path
) -> None:
    from mlx_lm.tuner.datasets import ChatDataset

    from lora.rows import chat_row, write_jsonl
    from lora.train import TrainConfig, template_rows, train

    rows = [chat_row(f"Question {i}: {QUESTION}", "Pangyo, Seongnam.", system=SYSTEM) for i in range(4)]
    tokenizer = loaded.tokenizer
    tokens, offset = ChatDataset(template_rows(tokenizer, rows), tokenizer, mask_prompt=True).process(
        {"messages": template_rows(tokenizer, rows)[0]["messages"]}
    )
    target = tokenizer.decode(tokens[offset:])
    assert target.startswith("Pangyo, Seongnam.") and "<end_of_turn>" in target
    assert SYSTEM in tokenizer.decode(tokens[:offset])

    write_jsonl(tmp_path / "data" / "train.jsonl", rows)
    config = TrainConfig(
        model=str(gemma),
        data=str(tmp_path / "data"),
        adapter_path=str(tmp_path / "adapter"),
        iters=1,
        batch_size=2,
        num_layers=1,
        save_every=1,
        steps_per_report=1,
        steps_per_eval=1,
        val_batches=0,
    )
    result = train(config, show_progress=False)  # before the fold: "System role not supported"
    assert result.steps == 1 and result.train_loss is not None


def test_openai_system_messages_reach_a_template_without_a_system_role(gemma: Path) -> None:
    from pipeline.commands.serve_commands import real_factories
    from pipeline.server import ServerSettings, create_app
    from pipeline.server.testing import ServerThread

    answerer_factory, kg_factory = real_factories(model=str(gemma))
    app = create_app(answerer_factory, kg_factory, ServerSettings(queue_size=2))
    with (
        ServerThread(app, startup_timeout=600) as server,
        httpx.Client(base_url=server.url, timeout=600) as http,
    ):
        prefill: dict[tuple[str, bool], float] = {}
        for model in ("axlab-base", "axlab-graph"):
            for with_system in (False, True):
                head = [{"role": "system", "content": SYSTEM * 3}] if with_system else []
                body = {
                    "model": model,
                    "messages": [*head, {"role": "user", "content": QUESTION}],
                    "max_tokens": 4,
                }
                response = http.post("/v1/chat/completions", json=body)
                assert response.status_code == 200, response.text
                data = response.json()
                # SmolLM2's weights under a foreign template may answer with nothing: it generated
                assert data["axlab"]["timings_ms"]["decode_tokens"] >= 1, json.dumps(data)[:500]
                prefill[(model, with_system)] = data["axlab"]["timings_ms"]["prefill_tokens"]
        for model in ("axlab-base", "axlab-graph"):
            assert prefill[(model, True)] >= prefill[(model, False)] + 15, prefill
