"""Text helpers shared by linking and intent: normalisation, tokens, Korean particles.

All functions are pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# a word: letters/digits/&, with inner . - ' ’ joining parts ("U.S.", "Seocho-dong", "SolverX's", "R&D")
_TOKEN = re.compile(r"[\w&]+(?:[.\-'’][\w&]+)*\.?")
_NON_WORD = re.compile(r"[^\w]+")

# Korean particles (josa) and copula endings that attach to a noun, longest first.
KO_PARTICLES: tuple[str, ...] = tuple(
    sorted(
        {
            "은",
            "는",
            "이",
            "가",
            "을",
            "를",
            "의",
            "에",
            "에서",
            "에게",
            "께서",
            "한테",
            "으로",
            "로",
            "와",
            "과",
            "도",
            "만",
            "까지",
            "부터",
            "이나",
            "나",
            "이랑",
            "랑",
            "하고",
            "에는",
            "에서는",
            "으로는",
            "로는",
            "에도",
            "에서도",
            "이란",
            "란",
            "이라는",
            "라는",
            "이에요",
            "예요",
            "이야",
            "야",
            "입니다",
            "인가요",
            "인가",
            "인지",
            "이죠",
            "죠",
            "이고",
            "고",
            "에서의",
            "에의",
            "와의",
            "과의",
            "처럼",
            "보다",
            "이며",
            "며",
            "이라고",
            "라고",
        },
        key=len,
        reverse=True,
    )
)
EN_POSSESSIVES: tuple[str, ...] = ("'s", "’s", "s'", "s’")


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))


_LATIN = re.compile(r"[A-Za-z]")


def detect_lang(text: str) -> str:
    """``ko`` when the text is mostly Hangul, else ``en`` (same rule as the prompt builder)."""
    hangul = len(_HANGUL_ANY.findall(text))
    latin = len(_LATIN.findall(text))
    return "ko" if hangul and hangul * 2 >= latin else "en"


_HANGUL_ANY = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def question_lang(text: str) -> str:
    """``ko`` when the text contains Hangul, else ``en``."""
    return "ko" if has_hangul(text) else "en"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def compact(text: str, casefold: bool = True) -> str:
    """Letters and digits only (no spaces, hyphens, dots): ``Seocho-dong`` -> ``seochodong``."""
    out = _NON_WORD.sub("", nfc(text)).replace("_", "")
    return out.casefold() if casefold else out


# British and American spellings of one word ("programme"/"program", "centre"/"center", "flier"/
# "flyer", "harbour"/"harbor", "organise"/"organize"): spelling, not domain
_SPELLINGS = (
    (re.compile(r"programme", re.I), "program"),
    (re.compile(r"(?<=[a-z])tre(?=s?\b)", re.I), "ter"),
    (re.compile(r"(?<=[a-z]{3})our(?=s?\b)", re.I), "or"),
    (re.compile(r"(?<=[a-z]{2})is(e|ed|es|ing|ation)\b", re.I), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|ed|es|ing)\b", re.I), r"yz\1"),
    (re.compile(r"flier", re.I), "flyer"),
    (re.compile(r"catalogue", re.I), "catalog"),
)


def american(text: str) -> str:
    """``text`` in American spelling, so both spellings of a name meet ("Harbour Health")."""
    if has_hangul(text):
        return text
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Word tokens with their character spans; punctuation between words is dropped."""
    out: list[Token] = []
    for m in _TOKEN.finditer(nfc(text)):
        word = m.group(0)
        end = m.end()
        if word.endswith(".") and len(word) > 1 and "." not in word[:-1]:
            word, end = word[:-1], end - 1  # a sentence period, not an abbreviation like "U.S."
        out.append(Token(word, m.start(), end))
    return out


def token_variants(word: str) -> list[str]:
    """The word and the forms left after removing one Korean particle or an English possessive."""
    variants = [word]
    for suffix in EN_POSSESSIVES:
        if word.endswith(suffix) and len(word) > len(suffix):
            variants.append(word[: -len(suffix)])
    if len(word) >= 5 and word.endswith("s") and not word.endswith("ss") and word[-2:-1].isalpha():
        variants.append(word[:-1])  # a possessive typed without its apostrophe ("aurelias fleet"), a plural
    if has_hangul(word):
        for particle in KO_PARTICLES:
            if word.endswith(particle) and len(word) > len(particle):
                variants.append(word[: -len(particle)])
    return variants


# --- Korean particle choice (josa) -------------------------------------------------------------

# whether the Korean reading of a final digit / Latin letter ends in a consonant (batchim)
_DIGIT_BATCHIM = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}
_LETTER_BATCHIM = set("lmnr")
_RIEUL_DIGITS = set("178")


def _final_consonant(word: str) -> tuple[bool, bool]:
    """(has a final consonant, that consonant is ㄹ) for the last pronounced character."""
    stripped = word.rstrip(" )]}\"'.")
    if not stripped:
        return False, False
    ch = stripped[-1]
    if "\uac00" <= ch <= "\ud7a3":
        jong = (ord(ch) - 0xAC00) % 28
        return jong != 0, jong == 8
    if ch.isdigit():
        return _DIGIT_BATCHIM[ch], ch in _RIEUL_DIGITS
    low = ch.lower()
    return low in _LETTER_BATCHIM, low in ("l", "r")


def josa(word: str, pair: str) -> str:
    """``word`` followed by the right particle of ``pair`` (``은/는``, ``이/가``, ``을/를``, ``과/와``, ``으로/로``)."""
    with_batchim, without = pair.split("/")
    batchim, rieul = _final_consonant(word)
    if with_batchim == "으로":
        return word + ("로" if (not batchim or rieul) else "으로")
    return word + (with_batchim if batchim else without)


def strip_particle(word: str) -> str:
    """A Korean word without its trailing particle (the longest that leaves a stem)."""
    variants = [v for v in token_variants(word) if v != word and len(v) >= 1]
    return min(variants, key=len) if variants else word
