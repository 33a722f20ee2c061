"""Words of the family's language that the rules key on: posts, honorifics, event nouns.

These are common Russian words, not names of any city, person or organization.
"""

from __future__ import annotations

import re
from typing import TypeVar

from twingraph.extract import morph
from twingraph.extract.models import Models

T = TypeVar("T")

# Posts, in the nominative singular: the head noun of a phrase that names what a person is («мэр г.Энска»,
# «генеральный консул», «член городского собрания»). A name right after one is a person's (see posts.py).
RUSSIAN_POSTS = frozenset(
    """мэр вице-мэр заместитель глава руководитель начальник председатель директор президент
    вице-президент губернатор вице-губернатор министр замминистра консул генконсул секретарь архитектор
    представитель посол советник сопредседатель депутат спикер ректор проректор декан помощник атташе
    координатор менеджер исполняющий заведующий премьер-министр канцлер управляющий консультант специалист
    эксперт уполномоченный профессор доцент академик староста комиссар член""".split()
)
# The heads of a town or district in other countries, as Russian names them: the class of «мэр»'s
# equivalents abroad (German and Dutch, Spanish, Central Asian, French, Italian and Polish posts).
LOCAL_HEADS_ABROAD = frozenset(
    """бургомистр обер-бургомистр лорд-мэр алькальд хоким аким префект супрефект интендант синдик войт
    старейшина""".split()
)
ROLE_HEADS = RUSSIAN_POSTS | LOCAL_HEADS_ABROAD
# Forms of address written before a name («г-жой», «господина»), Russian ones and those of other languages
# as Russian writes them (Italian, Spanish, German, French, English, Polish), in the forms a sentence
# puts them in: a name after one is a person's too.
HONORIFICS = frozenset(
    """господин господина господину господином госпожа госпожи госпоже госпожой г-н г-на г-ну г-ном г-жа г-жи
    г-же г-жой д-р доктор доктора доктором синьор синьора синьору синьором синьоры синьорой синьорина
    сеньор сеньора сеньору сеньором сеньоры сеньорой сеньорита фрау герр герра герру герром месье мсье
    мадам мадемуазель мистер мистера мистеру мистером миссис мисс сэр сэра сэром пан пана пану паном пани""".split()
)
# Particles written in lower case between the parts of a foreign name as Russian writes it (Romance «ди», «да»,
# «дос»; Germanic and Dutch «фон», «ван», «дер»; Arabic «ибн», «бин», «аль»). Joined by a hyphen («аль-Саифи»)
# a particle is part of its word, and posts.py needs no list for it.
NAME_PARTICLES = frozenset(
    "ди да де дос дас ду дель делла ла ле дю фон ван дер ден тер цу ибн бин бен аль эль ас".split()
)
# Nouns of territorial units above a city, in the nominative singular, whose own proper name follows them
# («Республики Энии», «провинции Энской», «префектуры Ниси»): the one list of them for the package. The
# second line holds the units of other countries as Russian names them (Mongolian, Central Asian and
# Turkish, Polish, Romanian, Arab and Iranian units).
TERRITORY_NOUNS = frozenset(
    """провинция префектура область округ район штат уезд волость кантон графство департамент регион край
    республика королевство эмират княжество султанат федерация государство
    аймак сомон вилайет вилаят воеводство жудец мухафаза остан""".split()
)
# Nouns of territories and institutions, in the nominative singular, whose own proper name follows them
# («провинции Энской», «г.Энска», «Университета Энска»): that name is not a person's.
UNIT_NOUNS = TERRITORY_NOUNS | frozenset(
    """г город университет институт академия компания корпорация мэрия муниципалитет собрание палата совет
    правительство министерство комитет управление канцелярия ассоциация организация фонд банк школа колледж
    театр музей""".split()
)


def is_territory_noun(word: str, models: Models) -> bool:
    """Whether a word, in any case, is a noun of TERRITORY_NOUNS («Республике», «провинции», «Штат»).

    >>> from twingraph.extract.models import load_models
    >>> models = load_models()
    >>> [is_territory_noun(w, models) for w in ("Республики", "провинцией", "Энск", "краем", "края")]
    [True, True, False, True, True]
    """
    return _noun_of(word, TERRITORY_NOUNS, models)


def is_unit_noun(word: str, models: Models) -> bool:
    """Whether a word, in any case, is a noun of UNIT_NOUNS («провинции», «Университета», «г»)."""
    return word.lower() in UNIT_NOUNS or _noun_of(word, UNIT_NOUNS, models)


def _noun_of(word: str, nouns: frozenset[str], models: Models) -> bool:
    return any(p.normal_form in nouns for p in morph.parses(word.lower(), models) if p.tag.POS == "NOUN")


def first_match(rules: tuple[tuple[str, T], ...], text: str) -> T | None:
    """What the first rule whose pattern is found in the text gives, None when no rule's is.

    >>> first_match(((r"встре[тч]", "meeting"), (r"визит", "visit")), "визит и встреча")
    'meeting'
    """
    return next((value for pattern, value in rules if re.search(pattern, text)), None)


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
            p.normal_form in ROLE_HEADS for p in morph.parses(lowered, models) if p.tag.POS in {"NOUN", "PRTF"}
        )
    return bool(cache[lowered])
