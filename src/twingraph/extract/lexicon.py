"""Words of the family's language that the rules key on: posts, honorifics, event nouns.

These are common Russian words, not names of any city, person or organization.
"""

from __future__ import annotations

import re
from typing import TypeVar

from twingraph.extract.models import Models

T = TypeVar("T")

ROLE_HEADS = frozenset(
    """мэр вице-мэр заместитель замести глава руководитель начальник председатель директор президент
    вице-президент губернатор вице-губернатор министр замминистра консул генконсул секретарь архитектор
    представитель посол советник сопредседатель депутат спикер ректор проректор декан помощник атташе
    координатор менеджер исполняющий заведующий премьер-министр канцлер бургомистр префект мер
    управляющий консультант специалист эксперт уполномоченный профессор доцент академик хоким аким алькальд
    обер-бургомистр староста комиссар интендант мадам""".split()
)
HONORIFICS = frozenset(
    """господин господина господину господином госпожа госпожи госпожой г-н г-на г-ном г-жа г-жи г-жой мистер
    миссис д-р доктор синьор синьора синьору синьором синьоры синьорой фрау герр месье мадам сеньор сеньора""".split()
)


def first_match(rules: tuple[tuple[str, T], ...], text: str) -> T | None:
    """What the first rule whose pattern is found in the text gives, None when no rule's is.

    >>> first_match(((r"встре[тч]", "meeting"), (r"визит", "visit")), "визит и встреча")
    'meeting'
    """
    return next((value for pattern, value in rules if re.search(pattern, text)), None)


def parse(word: str, models: Models) -> list:  # type: ignore[type-arg]
    """pymorphy3's parses of a word, each word parsed once per run."""
    cache = models.cache.setdefault("parse", {})
    if word not in cache:
        cache[word] = models.morph.parse(word)
    return cache[word]  # type: ignore[no-any-return]


def is_role_head(word: str, models: Models) -> bool:
    """True when a word is a form of a post («Вице-мэром», «заместителя», «Губернатор»)."""
    lowered = word.lower()
    if lowered in ROLE_HEADS or lowered.startswith("исполняющ"):
        return True
    if "-" in lowered and lowered.split("-", 1)[0] in {"вице", "обер", "экс", "зам"}:
        return is_role_head(lowered.split("-", 1)[1], models)
    cache = models.cache.setdefault("role", {})
    if lowered not in cache:
        cache[lowered] = any(
            p.normal_form in ROLE_HEADS for p in parse(lowered, models) if p.tag.POS in {"NOUN", "PRTF"}
        )
    return bool(cache[lowered])
