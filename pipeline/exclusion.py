"""What a question sets aside: "a continent other than Asia", "아시아 말고 다른 대륙".

The things named after "other than / apart from / besides / except" (Korean: before 말고 / 빼고 /
외에 / 제외) are not the answer; :func:`pipeline.verify.target_facts` drops the facts that give
them, when others remain. Pure functions over a grounding's linked entities and their names.
"""

from __future__ import annotations

import re

from pipeline.grounding import Grounding

_CUE_EN = re.compile(
    r"\b(?:other than|apart from|aside from|besides|except(?: for)?|excluding)\s+(?:the\s+)?", re.I
)
_CUE_KO = r"\s*(?:을|를|은|는|이|가)?\s*(?:말고|빼고|외에|이외|제외)"


def excluded(grounding: Grounding, question: str = "") -> set[str]:
    """The linked entities the question sets aside."""
    text = question or grounding.question
    if not text:
        return set()
    starts = [m.end() for m in _CUE_EN.finditer(text)]
    out: set[str] = set()
    for entity_id in grounding.linked:
        info = grounding.entities.get(entity_id)
        if info is None:
            continue
        for name in (n for n in info.names() if n):
            after_cue = any(text[start:].casefold().startswith(name.casefold()) for start in starts)
            before_ko = re.search(re.escape(name) + _CUE_KO, text) is not None
            if after_cue or before_ko:
                out.add(entity_id)
                break
    return out
