"""Chat messages as a model's own chat template accepts them.

Some templates have no system role: google/gemma-2-9b-it's Jinja raises "System role not
supported" when the first message is a system one. For those, :func:`render_messages`
folds the system text into the first user turn (as Gemma's own later templates do: the
system text, a blank line, the user text). Which kind a template is, and which token ends
its turns (SmolLM2's ``<|im_end|>``, Gemma's ``<end_of_turn>``), is read from the template
itself by rendering probe conversations, once per tokenizer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

Message = dict[str, str]
_SYSTEM_PROBE = "axlab-system-probe"
_ANSWER_PROBE = "axlab-answer-probe"
_cache: dict[int, tuple[Any, bool, str | None]] = {}  # id(tokenizer) -> (tokenizer, system?, end)
_lock = threading.Lock()


def _template(tokenizer: Any) -> str | None:
    template = getattr(tokenizer, "chat_template", None)
    return template if isinstance(template, str) and template else None


def _render(tokenizer: Any, messages: list[Message], generation_prompt: bool = False) -> str:
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)
    return text if isinstance(text, str) else ""


def _probe(tokenizer: Any) -> tuple[bool, str | None]:
    """(whether the template keeps a system message, the text that ends an assistant turn)."""
    try:
        rendered = _render(tokenizer, [{"role": "system", "content": _SYSTEM_PROBE}, _user("hi")])
        system = _SYSTEM_PROBE in rendered
    except Exception:  # the template refuses the role (jinja2 TemplateError via raise_exception)
        system = False
    end: str | None = None
    try:
        rendered = _render(tokenizer, [_user("hi"), {"role": "assistant", "content": _ANSWER_PROBE}])
        after = rendered.split(_ANSWER_PROBE, 1)[1] if _ANSWER_PROBE in rendered else ""
        end = _first_special(tokenizer, after)
    except Exception:
        end = None
    return system, end


def _first_special(tokenizer: Any, text: str) -> str | None:
    """The special token that ``text`` starts with (whitespace aside), if any."""
    stripped = text.lstrip()
    specials = sorted(_special_tokens(tokenizer), key=len, reverse=True)
    return next((token for token in specials if stripped.startswith(token)), None)


def _special_tokens(tokenizer: Any) -> set[str]:
    tokens: set[str] = set()
    for name in ("all_special_tokens", "additional_special_tokens"):
        value = getattr(tokenizer, name, None)
        if isinstance(value, list | tuple):
            tokens.update(str(t) for t in value)
    decoder = getattr(tokenizer, "added_tokens_decoder", None)
    if isinstance(decoder, dict):
        tokens.update(str(getattr(t, "content", t)) for t in decoder.values())
    eos = getattr(tokenizer, "eos_token", None)
    if isinstance(eos, str):
        tokens.add(eos)
    return {t for t in tokens if t}


def _facts(tokenizer: Any) -> tuple[bool, str | None]:
    inner = getattr(tokenizer, "_tokenizer", tokenizer)  # mlx_lm's TokenizerWrapper wraps the HF one
    key = id(inner)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] is inner:
            return cached[1], cached[2]
    if _template(inner) is None:
        facts: tuple[bool, str | None] = (True, None)
    else:
        facts = _probe(inner)
    with _lock:
        _cache[key] = (inner, *facts)
    return facts


def supports_system(tokenizer: Any) -> bool:
    """Whether the tokenizer's chat template takes a system message."""
    return _facts(tokenizer)[0]


def end_of_turn(tokenizer: Any) -> str | None:
    """The special token the template writes after an assistant turn (``<|im_end|>``,
    ``<end_of_turn>``...), or None when it writes none."""
    return _facts(tokenizer)[1]


def _user(text: str) -> Message:
    return {"role": "user", "content": text}


def fold_system(messages: Sequence[Message]) -> list[Message]:
    """The same conversation without system messages: their text opens the next user turn."""
    out: list[Message] = []
    pending: list[str] = []
    for message in messages:
        if message["role"] == "system":
            pending.append(message["content"])
            continue
        if message["role"] == "user" and pending:
            out.append(_user("\n\n".join([*pending, message["content"]])))
            pending = []
            continue
        out.append(dict(message))
    if pending:  # system text and no user turn after it
        out.append(_user("\n\n".join(pending)))
    return out


def render_messages(tokenizer: Any, messages: Sequence[Message]) -> list[Message]:
    """``messages`` in a form the tokenizer's chat template accepts."""
    listed = [dict(m) for m in messages]
    if any(m["role"] == "system" for m in listed) and not supports_system(tokenizer):
        return fold_system(listed)
    return listed


def end_of_turn_id(tokenizer: Any) -> int | None:
    """The token id of :func:`end_of_turn`, when it is a single token."""
    token = end_of_turn(tokenizer)
    if token is None:
        return None
    inner = getattr(tokenizer, "_tokenizer", tokenizer)
    ids = inner.convert_tokens_to_ids([token])
    value = ids[0] if ids else None
    return int(value) if isinstance(value, int) and value != getattr(inner, "unk_token_id", None) else None
