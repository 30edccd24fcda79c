"""Randomness for generated training sets that depends only on the seed and each item itself.

One ``random.Random(seed)`` drawn in sequence makes every choice depend on every earlier one: one
question more or less (a new held-out question, a retriever change for one prompt) shifts the
stream and rewrites the distractors, held-out picks and order of every row after it. Here each
item gets its own generator, seeded from the seed and the item's key (SHA-256, never ``hash()``,
which is salted per process), and a set is ordered by the same digest: the bytes stay the same
run after run, and a change to one item leaves the others where they were.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def _digest(seed: int, parts: Iterable[str]) -> bytes:
    digest = hashlib.sha256(str(seed).encode("utf-8"))
    for part in parts:
        digest.update(b"\x00")
        digest.update(part.encode("utf-8"))
    return digest.digest()


def item_rng(seed: int, *parts: str) -> random.Random:
    """A generator for one item, the same for the same ``seed`` and ``parts`` in any process."""
    return random.Random(int.from_bytes(_digest(seed, parts)[:8], "big"))


def seeded_order(items: Iterable[T], seed: int, key: Callable[[T], str]) -> list[T]:
    """``items`` in a pseudo-random order fixed by ``seed`` and each item's ``key``.

    Items with the same key (a repeated general row) are told apart by their occurrence, so
    copies are spread out rather than kept side by side.
    """
    seen: dict[str, int] = {}
    ranked: list[tuple[bytes, int, T]] = []
    for index, item in enumerate(items):
        text = key(item)
        occurrence = seen.get(text, 0)
        seen[text] = occurrence + 1
        ranked.append((_digest(seed, (text, str(occurrence))), index, item))
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _, _, item in ranked]
