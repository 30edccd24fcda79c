"""``axlab ask --server URL`` (or ``$AXLAB_SERVER``): ask a running ``axlab serve``, as ollama's
CLI asks its server. Nothing but httpx is imported, so the answer costs one HTTP round trip
plus the server's own time; the server's ``/ask`` returns the same JSON as a local ``--json``.
"""

from __future__ import annotations

import os
from typing import Any

from pipeline.errors import AxlabError
from pipeline.types import MODES, Answer

SERVER_ENV = "AXLAB_SERVER"
TIMEOUT_S = 600.0  # a cold server may load its model first


def server_from_env() -> str | None:
    value = os.environ.get(SERVER_ENV, "").strip()
    return value or None


def _detail(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip().splitlines()[0] if response.text.strip() else response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
    return str(detail) if detail else str(body)


def answer_from_json(data: Any) -> Answer:
    """An :class:`Answer` from ``/ask``'s JSON (the ``axlab ask --json`` object)."""
    try:
        mode = data["mode"]
        if mode not in MODES:
            raise ValueError(mode)
        return Answer(
            question=str(data["question"]),
            mode=mode,
            answer=str(data["answer"]),
            context=list(data.get("context") or []),
            abstained=bool(data["abstained"]),
            model=str(data["model"]),
            adapter=data.get("adapter"),
            timings_ms={k: float(v) for k, v in (data.get("timings_ms") or {}).items()},
            verification=data.get("verification"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AxlabError(
            f"the server's answer is not an AX Lab answer ({type(exc).__name__}: {exc})"
        ) from None


def ask_server(
    url: str, question: str, mode: str, max_tokens: int | None, timeout: float = TIMEOUT_S
) -> dict[str, Any]:
    """POST the question to ``URL/ask``; the JSON answer, or a one-line :class:`AxlabError`
    (exit code 2 for a request the server refused as invalid, 1 when it cannot answer)."""
    import httpx

    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise AxlabError(f"--server must be an http:// or https:// URL, not {url!r}", exit_code=2)
    payload: dict[str, Any] = {"question": question, "mode": mode}
    if max_tokens is not None:
        payload["max_tokens"] = max_tokens
    try:
        response = httpx.post(f"{base}/ask", json=payload, timeout=timeout)
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AxlabError(f"cannot reach the AX Lab server at {base}: {reason}") from None
    if response.status_code >= 400:
        code = 2 if 400 <= response.status_code < 500 and response.status_code != 429 else 1
        raise AxlabError(
            f"the server at {base} answered {response.status_code}: {_detail(response)}", exit_code=code
        )
    try:
        data = response.json()
    except ValueError:
        raise AxlabError(f"the server at {base} did not answer with JSON") from None
    answer_from_json(data)  # checks the shape
    return dict(data)
