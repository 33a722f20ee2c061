"""Countries as a page writes them after a city («Итальянская Республика»), put in their short form.

The names come from pycountry's Russian translation of ISO 3166-1 (short, official and common names,
shipped inside its wheel) and from pymorphy3's dictionary of geographic names; none is kept here.
"""

from __future__ import annotations

import gettext
import unicodedata

import pycountry

from twingraph.extract import morph
from twingraph.extract.models import Models

# the shortest shared beginning that ties an adjective to a country's name («российск-» and «росси-я»)
MIN_SHARED_STEM = 4


def _unstressed(name: str) -> str:
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", name) if ch != "\u0301"))


def normalised(name: str) -> str:
    """A name lower-cased, without stress marks, «ё» as «е» and single spaces.

    >>> normalised("Народная  Респу\u0301блика Энния")
    'народная республика энния'
    """
    return " ".join(_unstressed(name).lower().replace("ё", "е").split())


def country_table() -> dict[str, str]:
    """Every Russian name pycountry has for a country, normalised, mapped to its short name."""
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    table: dict[str, str] = {}
    for country in pycountry.countries:
        short = _unstressed(translation.gettext(getattr(country, "common_name", None) or country.name))
        for key in ("name", "official_name", "common_name"):
            if name := getattr(country, key, None):
                table.setdefault(normalised(translation.gettext(name)), short)
    return table


def short_country(written: str, models: Models) -> str:
    """The short nominative name of a country given by its name as written.

    A name pycountry knows gives its short or common Russian name. Otherwise the words naming the
    form of the state are dropped (dictionary nouns and adjectives that are not geographic names):
    what is left is the name («Республика Энния» -> «Энния»); when only an adjective is left, the
    geographic name it is made from («Российская Федерация» -> «Россия»).
    """
    table = models.cache.get("countries")
    if table is None:
        table = models.cache["countries"] = country_table()
    known = table.get(normalised(written))
    words = (known or written).split()
    named = [w for w in words if not _is_form_word(w, models)]
    if known and (named or len(words) == 1):
        return known
    if named and not all(morph.pos(w, models) == "ADJF" for w in named):
        return " ".join(named)
    adjectives = (w for w in words if morph.pos(w, models) == "ADJF")
    return next((name for w in adjectives if (name := _country_of_adjective(w, table, models))), known or written)


def _is_form_word(word: str, models: Models) -> bool:
    """A common word of a state's long name: «Республика», «Федеративная», «Народная»."""
    parses = morph.parses(word.lower(), models)
    best = parses[0]
    if not best.is_known or {"Geox", "Name", "Surn"} & best.tag.grammemes:
        return False
    return best.tag.POS in {"NOUN", "ADJF"}


def _country_of_adjective(adjective: str, table: dict[str, str], models: Models) -> str | None:
    """The country or geographic name an adjective is made from: «российская» -> «Россия».

    The candidates are pycountry's one-word short names and pymorphy3's geographic nouns that begin
    like the adjective; the one sharing the longest beginning with its stem wins.
    """
    stem = morph.lemma(adjective, models)
    for suffix in ("ский", "цкий", "ий", "ый", "ой"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if len(stem) < MIN_SHARED_STEM:
        return None
    prefix = stem[:MIN_SHARED_STEM]
    candidates = {s.lower(): s for s in set(table.values()) if " " not in s and s.lower().startswith(prefix)}
    for word in morph.place_nouns(prefix, models):
        candidates.setdefault(word, word.capitalize())
    best = max(sorted(candidates), key=lambda c: (_shared(c, stem), c in table), default=None)
    return candidates[best] if best else None


def _shared(one: str, other: str) -> int:
    """How many letters two words share at their beginning."""
    return next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), min(len(one), len(other)))
