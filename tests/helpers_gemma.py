"""A model folder with google/gemma-2-9b-it's chat template on the embedded model's weights.

The reference target's template refuses the system role ("System role not supported") and
ends turns with ``<end_of_turn>``. The embedded SmolLM2 is given that template verbatim, and
two of its unused special tokens are renamed ``<start_of_turn>`` / ``<end_of_turn>`` so that
they stay single tokens; the weights are linked, not copied.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

GEMMA2_TEMPLATE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
    "{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
)
RENAMED = {"<repo_name>": "<start_of_turn>", "<reponame>": "<end_of_turn>"}


def gemma_style_model(dest: Path) -> Path:
    """Build (once) and return the folder."""
    from lora.models import resolve_model

    if (dest / "config.json").is_file():
        return dest
    source = resolve_model(None).path
    dest.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name == "model.safetensors":
            (dest / item.name).symlink_to(item)
        elif item.name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            text = item.read_text(encoding="utf-8")
            for old, new in RENAMED.items():
                text = text.replace(old, new)
            (dest / item.name).write_text(text, encoding="utf-8")
        elif item.name != "chat_template.jinja" and item.is_file():
            shutil.copy(item, dest / item.name)
    (dest / "chat_template.jinja").write_text(GEMMA2_TEMPLATE, encoding="utf-8")
    config = json.loads((dest / "tokenizer_config.json").read_text(encoding="utf-8"))
    config.pop("chat_template", None)
    (dest / "tokenizer_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return dest
