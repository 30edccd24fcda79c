"""Chat training rows in mlx-lm's ``{"messages": [...]}`` format: build, read, write.

Other packages build their own training sets with :func:`rows_from_prompts` (e.g. the
hybrid adapter: prompts that carry retrieved graph context) and train on them with
:func:`lora.train.train`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lora.atomic import replacing
from lora.errors import LoraError
from ontology.jsonl import json_lines

ChatRow = dict[str, list[dict[str, str]]]
ROLES = {"system", "user", "assistant"}


def chat_row(user: str, assistant: str, system: str | None = None) -> ChatRow:
    """One training example: optional system prompt, a user turn, the assistant's answer."""
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}


def rows_from_prompts(examples: Iterable[tuple[str | None, str, str]]) -> list[ChatRow]:
    """Training rows from ``(system prompt or None, user prompt, assistant answer)`` triples."""
    rows = [chat_row(user, answer, system) for system, user, answer in examples]
    for index, row in enumerate(rows, start=1):
        problem = row_problem(row)
        if problem:
            raise LoraError(f"example {index}: {problem}")
    return rows


def row_problem(row: Any) -> str | None:
    """Why ``row`` is not a usable chat example, or None."""
    if not isinstance(row, dict):
        return f"a row must be a JSON object, got {type(row).__name__}"
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        return "a row needs a non-empty 'messages' list"
    for message in messages:
        if not isinstance(message, dict):
            return "each message must be an object with 'role' and 'content'"
        if message.get("role") not in ROLES:
            return f"unknown role {message.get('role')!r} (use system, user or assistant)"
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            return f"a {message['role']} message needs non-empty text 'content'"
    if messages[-1]["role"] != "assistant":
        return "the last message must be the assistant's answer"
    return None


def read_chat_jsonl(path: Path) -> list[ChatRow]:
    """Read and validate a chat JSONL file; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoraError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoraError(f"{path}: cannot read: {exc}") from None
    rows: list[ChatRow] = []
    for number, row in json_lines(path, text, LoraError):
        problem = row_problem(row)
        if problem:
            raise LoraError(f"{path}:{number}: {problem}")
        rows.append(row)
    return rows


def write_jsonl(path: Path, rows: Sequence[Any]) -> None:
    """Write one JSON object per line, atomically (temp file + ``os.replace``)."""
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_json(path: Path, obj: Any) -> None:
    """Write a JSON document atomically."""
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8") as out:
        json.dump(obj, out, ensure_ascii=False, indent=2)
        out.write("\n")
