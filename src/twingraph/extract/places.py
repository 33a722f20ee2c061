"""Cities, delegations and represented cities named in a sentence, in the nominative."""

from __future__ import annotations

import dataclasses
import re

from twingraph.extract import morph
from twingraph.extract.lexicon import is_territory_noun
from twingraph.extract.models import Models

CAP = r"[А-ЯЁ][А-Яа-яЁё\-]+"
PLACE = re.compile(rf"\b(?:в|во|из)\s+(?:(?:г\.|г|город[еау]?|городе)\s*)?(?P<w>{CAP})")
DELEGATION = re.compile(
    rf"\bделегаци\w*\s+(?:из\s+)?(?:[а-яё]+\s+)?(?:(?:г\.|город[ауе]?|провинции)\s*)?(?P<w>{CAP})(?:\s+(?P<w2>{CAP}))?"
)
# people who stand for a city: its representatives, a team of its people («команда пловцов г.Энска»), or
# people from it («студенты из Энска»: a plural animate noun, checked in represented())
REPRESENTED = re.compile(
    rf"\b(?:представител\w*|команд\w*(?:\s+[а-яё]+)?|(?P<people>[а-яё]+)\s+из)"
    rf"\s+(?:(?:г\.|города|город)\s*)?(?P<w>{CAP})"
)


@dataclasses.dataclass(frozen=True)
class Places:
    """The place names a page knows: its cities (nominative), lower-cased for lookups."""

    cities: tuple[str, ...]

    @property
    def lowered(self) -> set[str]:
        return {c.lower() for c in self.cities}


def place_name(word: str, places: Places, models: Models, geo_only: bool = True) -> str | None:
    """A known city or a geographic name in the nominative; None for other words."""
    lowered = word.lower()
    parses = morph.parses(lowered, models)
    lemmas = {p.normal_form for p in parses}
    for city in places.cities:
        c = city.lower()
        if c == lowered or c in lemmas or morph.is_city_form(lowered, c):
            return city
    geo = [p for p in morph.parses(word, models) if "Geox" in p.tag and p.is_known]
    if geo:
        return _title(geo[0].normal_form)
    return None if geo_only else _title(parses[0].normal_form)


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def sentence_place(sentence: str, places: Places, models: Models) -> str | None:
    """The first city a sentence says something happened in («в г.Энске», «в Энске», «в Энской ратуше»)."""
    for match in PLACE.finditer(_unquoted(sentence)):
        word = match["w"]
        if is_territory_noun(word, models) or _is_adjective_of_other(word, models):
            found = _adjective_city(word, places)
            if found:
                return found
            continue
        forced = bool(re.match(r"\S+\s+(?:г\.|г\s|город)", match.group(0)))
        found = place_name(word, places, models, geo_only=not forced)
        if found:
            return found
    return None


def _is_adjective_of_other(word: str, models: Models) -> bool:
    parses = morph.parses(word.lower(), models)
    return bool(parses) and parses[0].tag.POS in {"ADJF", "PRTF"}


def _adjective_city(word: str, places: Places) -> str | None:
    lowered = word.lower()
    for city in places.cities:
        c = city.lower()
        if lowered != c and morph.is_city_form(lowered, c, extra=None):
            return city
    return None


def _unquoted(text: str) -> str:
    """The text with quoted names blanked out, offsets kept."""
    return re.sub(r"«[^»]*»|\"[^\"]*\"", lambda m: " " * len(m.group()), text)


def delegations(sentence: str, places: Places, models: Models) -> list[str]:
    """Cities (or regions) whose delegation a sentence names: «делегация г.Энска», «делегации Республики Энии»."""
    found = []
    for match in DELEGATION.finditer(_unquoted(sentence)):
        first = match["w"]
        if is_territory_noun(first, models):
            if match["w2"]:
                found.append(f"{_title(morph.lemma(first, models))} {_nominative_geo(match['w2'], models)}")
            continue
        forced = bool(re.search(r"(?:г\.|город[ауе]?)\s*$", match.group(0)[: match.start("w") - match.start()]))
        name = place_name(first, places, models, geo_only=not forced)
        if name and name not in found:
            found.append(name)
    return found


def _nominative_geo(word: str, models: Models) -> str:
    parses = [p for p in morph.parses(word, models) if "Geox" in p.tag]
    return _title(parses[0].normal_form) if parses else word


def represented(sentence: str, places: Places, models: Models) -> list[str]:
    """Cities represented by their people: «представители г.Энска», «команда пловцов города Энск»."""
    found = []
    for match in REPRESENTED.finditer(_unquoted(sentence)):
        if match["people"] and not _are_people(match["people"], models):
            continue
        name = place_name(match["w"], places, models)
        if name and name not in found:
            found.append(name)
    return found


def _are_people(word: str, models: Models) -> bool:
    """A plural animate noun: «делегаты», «студенты», «спортсмены»."""
    return any({"NOUN", "anim", "plur", "nomn"} <= p.tag.grammemes for p in morph.parses(word, models))
