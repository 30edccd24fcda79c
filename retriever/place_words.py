"""Country adjectives: "Dutch" names the Netherlands, "Swiss" Switzerland.

A derived form that shares its stem ("German" of Germany, "Chilean" of Chile) is recognised by
spelling (:func:`retriever.retrieve._derived`); an irregular one ("Dutch", "French", "Swiss")
through the demonyms of the ``countryinfo`` package, matched against the English names and
aliases of the knowledge's own places. (Matching by meaning was tried and not kept: e5 puts
"Tokyo" as near Japan as "Dutch" is to the Netherlands, so an unknown city would pass for its
country.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache


@cache
def countries_by_demonym() -> Mapping[str, frozenset[str]]:
    """Demonym (case-folded) -> the case-folded names and alternative spellings of the countries
    it belongs to (empty when ``countryinfo`` is not installed)."""
    try:
        from countryinfo import CountryInfo
    except ImportError:
        return {}
    out: dict[str, set[str]] = {}
    for info in CountryInfo.all().values():
        demonym = info.get("demonym")
        if not demonym or not info.get("name"):
            continue
        names = {str(info["name"]), *(str(n) for n in info.get("altSpellings") or ())}
        out.setdefault(demonym.casefold(), set()).update(n.casefold() for n in names)
    return {key: frozenset(names) for key, names in out.items()}


def place_of(word: str, places: Mapping[str, Sequence[str]]) -> str | None:
    """The place (id) of ``places`` (id -> English names) whose country ``word`` is the adjective
    of, when exactly one matches."""
    names = countries_by_demonym().get(word.casefold())
    if not names:
        return None
    found = [pid for pid, own in places.items() if any(n.casefold() in names for n in own)]
    return found[0] if len(found) == 1 else None
