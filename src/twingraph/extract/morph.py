"""The package's one view of Russian morphology: pymorphy3's parses of a word, each parsed once a run.

Every stage asks its questions of a word here (its lemma, part of speech, case, whether it
names a place) instead of keeping its own helpers over the analyser.
"""

from __future__ import annotations

from typing import Any

from twingraph.extract.models import Models

Parse = Any  # pymorphy3's Parse (the library ships no types)
NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def parses(word: str, models: Models) -> list[Parse]:
    """pymorphy3's parses of a word as written (case kept: pymorphy3 reads «Энск» and «энск» alike)."""
    cache = models.cache.setdefault("parse", {})
    if word not in cache:
        cache[word] = models.morph.parse(word)
    return cache[word]  # type: ignore[no-any-return]


def best(word: str, models: Models) -> Parse:
    """The likeliest parse of a word, in lower case."""
    return parses(word.lower(), models)[0]


def lemma(word: str, models: Models) -> str:
    """The dictionary form of a word's likeliest parse («университета» -> «университет»)."""
    return str(best(word, models).normal_form)


def pos(word: str, models: Models) -> str | None:
    """The part of speech of a word's likeliest parse (NOUN, ADJF, ...), None when pymorphy3 gives none."""
    found = best(word, models).tag.POS
    return str(found) if found else None


def case(word: str, models: Models, among: frozenset[str] | None = None) -> str | None:
    """The case of a word's likeliest parse, or of its likeliest parse of a part of speech ``among``."""
    fitting = [p for p in parses(word.lower(), models) if among is None or p.tag.POS in among]
    return str(fitting[0].tag.case) if fitting and fitting[0].tag.case else None


def is_geo(word: str, models: Models) -> bool:
    """Whether the dictionary knows the word as a place's name in any of its parses («Китая», «РФ»)."""
    return any("Geox" in p.tag and p.is_known for p in parses(word, models))


def is_common(word: str, models: Models) -> bool:
    """Whether a word's likeliest parse is a known word that names no place and no person."""
    found = best(word, models)
    return bool(found.is_known) and "Geox" not in found.tag and "Name" not in found.tag


def place_nouns(prefix: str, models: Models) -> list[str]:
    """The words the dictionary knows as a place's name in the nominative singular, beginning with ``prefix``."""
    return [word for word, tag, *_ in models.morph.dictionary.iter_known_words(prefix)
            if {"Geox", "NOUN", "nomn", "sing"} <= tag.grammemes]  # fmt: skip


def is_city_form(word: str, city: str, extra: int | None = 2) -> bool:
    """Whether a lower-case word is a form of a lower-case city name by its stem (the name without its last
    letter, for names of four letters or more), which pymorphy3 may not know: a case form adding at most
    ``extra`` letters («энска», «энском» of «энск»), or any word on that stem when ``extra`` is None
    («энский», «энского»).

    >>> is_city_form("энском", "энск"), is_city_form("энскому", "энск"), is_city_form("энскому", "энск", None)
    (True, False, True)
    >>> is_city_form("уфе", "уфа"), is_city_form("энск", "энск")
    (False, True)
    """
    if len(city) < 4 or not word.startswith(city[:-1]):
        return False
    return extra is None or 0 <= len(word) - len(city) <= extra
