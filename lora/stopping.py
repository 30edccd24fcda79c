"""A safety net for generation: stop when the model writes a line it already wrote.

A small model that misses its end-of-turn token tends to loop over its context lines
("SolverX CEO: Kim Doyun / SolverX CTO: Lee Seoyeon / SolverX CEO: Kim Doyun ...") until
``max_tokens``. The cause is fixed in training (the end-of-turn token is a trained target,
see :mod:`lora.rows`); this guard only bounds the damage when a model still loops.

Text is released as it comes, except while the current line could still turn out to be a
repeat (it is a prefix of an earlier line): that part is held back, and dropped if the line
completes as a repeat, so a repeated line never reaches the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Units shorter than this (after collapsing whitespace) may repeat: "}", "```", "Yes.".
MIN_REPEAT_CHARS = 12
_SENTENCE_END = ".!?。"


def _norm(unit: str) -> str:
    return " ".join(unit.split())


@dataclass
class RepeatGuard:
    """Feed it the generated pieces; it returns what may be shown and says when to stop.

    A unit is a line, or a sentence (up to ``.``, ``!`` or ``?`` and the whitespace after it):
    small models loop within one line too ("... an office in X. ... an office in X.").
    """

    min_chars: int = MIN_REPEAT_CHARS
    stopped: bool = False
    kept: list[str] = field(default_factory=list)  # every piece of text released
    _seen: set[str] = field(default_factory=set)
    _unit: str = ""  # the current unit so far
    _held: str = ""  # its tail not released yet

    @property
    def text(self) -> str:
        return "".join(self.kept)

    def _could_repeat(self, unit: str) -> bool:
        partial = _norm(unit)
        return any(seen.startswith(partial) for seen in self._seen) if partial else True

    def _ends_unit(self, char: str) -> bool:
        if char in "\n\r":
            return True
        return char.isspace() and len(self._unit) >= 2 and self._unit[-2] in _SENTENCE_END

    def _repeats(self) -> bool:
        key = _norm(self._unit)
        return len(key) >= self.min_chars and key in self._seen

    def feed(self, piece: str) -> str:
        """The text of ``piece`` that may be shown now ("" while held back or once stopped)."""
        if self.stopped:
            return ""
        out: list[str] = []
        for char in piece:
            self._unit += char
            self._held += char
            if not self._ends_unit(char):
                continue
            if self._repeats():
                self.stopped = True
                self._held = ""
                break
            key = _norm(self._unit)
            if key:
                self._seen.add(key)
            out.append(self._held)
            self._held, self._unit = "", ""
        if not self.stopped and self._held and not self._could_repeat(self._unit):
            out.append(self._held)
            self._held = ""
        released = "".join(out)
        if released:
            self.kept.append(released)
        return released

    def flush(self) -> str:
        """What is still held back, at the end of a generation that was not stopped."""
        if self.stopped:
            return ""
        tail, self._held = self._held, ""
        if self._repeats():  # the last unit, unfinished, repeats an earlier one
            self.stopped = True
            return ""
        if tail:
            self.kept.append(tail)
        return tail
