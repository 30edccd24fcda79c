"""Matching a question to the ontology's properties by meaning, in one encoder's vector space.

Each property is described by sentences (its labels, altLabels, comment, its domain's label);
the question is embedded once and each property scores its best cosine over its own rows.
Encoders differ in scale (e5's cosines sit around 0.8 for anything, MiniLM's around 0.3), so the
thresholds come with the encoder (:class:`retriever.encoders.Calibration`). The space also holds
the open-set inventory (:mod:`retriever.open_set`) and the class labels, embedded by the same
encoder.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retriever.encoders import Calibration, Encoder
from retriever.open_set import OpenSet, inventory_names
from retriever.vector_cache import cached_vectors


@dataclass(frozen=True)
class Rows:
    """Texts to embed and the index of the property each describes."""

    texts: tuple[str, ...]
    owners: tuple[int, ...]


@dataclass(frozen=True)
class Match:
    """One question against every property, in property order."""

    standout: np.ndarray  # how far each property stands out, on [0, 1]
    cosine: np.ndarray  # each property's best raw cosine
    elsewhere: str | None  # an inventory attribute the question is nearer than any property


def standout(best: np.ndarray, calibration: Calibration) -> np.ndarray:
    """How far each property's best cosine stands out from the others', on [0, 1]: its z-score
    among all properties (cosines are compressed, so rank matters), capped by how high the
    cosine itself is."""
    spread = float(best.std()) or 1.0
    z = (best - float(np.median(best))) / spread
    by_rank = np.clip((z - calibration.z_floor) / calibration.z_span, 0.0, 1.0)
    by_cosine = np.clip((best - calibration.cosine_floor) / calibration.cosine_span, 0.0, 1.0)
    return np.minimum(by_rank, by_cosine)


def _best_per_owner(cosines: np.ndarray, owners: np.ndarray, count: int) -> np.ndarray:
    best = np.full(count, -1.0, dtype=np.float32)
    np.maximum.at(best, owners, cosines.astype(np.float32))
    return best


class MeaningSpace:
    """The property descriptions and the inventory, embedded lazily by one encoder."""

    def __init__(
        self,
        encoder: Encoder,
        descriptions: Rows,
        properties: int,
        classes: Rows | None = None,
        class_names: Sequence[str] = (),
    ) -> None:
        self.encoder = encoder
        self._rows = descriptions
        self._count = properties
        self._class_rows = classes
        self._class_names = tuple(class_names)
        self._class_matrix: np.ndarray | None = None
        self._matrices: tuple[np.ndarray, np.ndarray] | None = None
        self._open_set: OpenSet | None = None
        self._lock = threading.Lock()

    def _embedded(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._matrices is None or self._open_set is None:
                encode, key = self.encoder.encode, self.encoder.id
                matrices = (
                    cached_vectors(key, self._rows.texts, encode),
                    np.asarray(self._rows.owners, dtype=np.int64),
                )
                names = inventory_names()
                vectors = cached_vectors(key, names, encode) if names else matrices[0][:0]
                open_set = OpenSet.build(vectors, matrices[0], self.encoder.calibration)
                self._matrices, self._open_set = matrices, open_set  # together: a failure leaves neither
            return self._matrices

    def warm(self) -> None:
        self._embedded()
        self._classes()

    def match(self, text: str, lang: str) -> Match:
        """Every property's standing for the question ``text`` (entity names already removed)."""
        descriptions, owners = self._embedded()
        query = np.asarray(self.encoder.encode([text], True), dtype=np.float32)[0]
        best = _best_per_owner(descriptions @ query, owners, self._count)
        assert self._open_set is not None
        other = self._open_set.rejects(query, float(best.max()), lang)
        return Match(standout(best, self.encoder.calibration), best, other)

    def _classes(self) -> np.ndarray:
        with self._lock:
            if self._class_matrix is None:
                texts = self._class_rows.texts if self._class_rows is not None else ()
                self._class_matrix = cached_vectors(self.encoder.id, texts, self.encoder.encode)
            return self._class_matrix

    def nearest_class(self, word: str) -> str | None:
        """The class a word names by meaning ("나라" for a class labelled 국가), when it is near
        enough one class's label and clearly nearer it than any other class's."""
        if self._class_rows is None or not self._class_rows.texts:
            return None
        calibration = self.encoder.calibration
        matrix = self._classes()
        query = np.asarray(self.encoder.encode([word], True), dtype=np.float32)[0]
        owners = np.asarray(self._class_rows.owners, dtype=np.int64)
        best = _best_per_owner(matrix @ query, owners, len(self._class_names))
        order = np.argsort(-best)
        top = float(best[order[0]])
        runner_up = float(best[order[1]]) if len(order) > 1 else -1.0
        if top < calibration.class_floor or top - runner_up < calibration.class_margin:
            return None
        return self._class_names[int(order[0])]


def rows(groups: Sequence[Sequence[str]]) -> Rows:
    """``groups[i]`` are property ``i``'s texts."""
    texts = [text for group in groups for text in group]
    owners = [index for index, group in enumerate(groups) for _ in group]
    return Rows(tuple(texts), tuple(owners))
