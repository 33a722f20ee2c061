"""Synthetic records shaped like the real ones: a home city and N partner cities, for benchmarks.

Everything is composed from small lists of Russian names and phrases and is
clearly fake. Each partner city gets its own source page whose sentences are
the records' quotes, so the real loader's quote check passes. Names and IRIs
depend only on an index, and each city draws from its own random stream, so a
city reads the same whatever N is and the triple count grows linearly with N.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import yaml

from twingraph.fileio import replacing_directory, write_atomic
from twingraph.model import (
    Agreement,
    AgreementType,
    City,
    CityFile,
    Credit,
    Event,
    EventType,
    Founding,
    Measure,
    Organization,
    PartialDate,
    Participant,
    Person,
    Precision,
    TimeZone,
    Website,
)
from twingraph.progress import Progress, counted
from twingraph.slugs import slugify

FIRST_NAMES = ("Алексей Борис Вадим Глеб Денис Егор Захар Игорь Кирилл Леонид Марат Никита Олег Павел Руслан "
               "Семён Тимур Фарид Эльдар Юрий").split()  # fmt: skip
SYLLABLES = "ба ва да за ка ла ма на па ра са та фа бо во до ко ло мо но ро со то бу ру ку ми ни ли".split()
SURNAME_ENDINGS = ("ов", "ин", "ев", "ский")
CITY_ENDINGS = ("град", "бург", "поль", "ск", "ово", "ань", "ополь", "инск", "ур", "абад")
COUNTRIES = ("Северия", "Заречье", "Лесогория", "Озерания", "Степания", "Морения", "Горландия", "Равниния")
MONTHS_GENITIVE = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
MONTHS_PREPOSITIONAL = "январе феврале марте апреле мае июне июле августе сентябре октябре ноябре декабре".split()
EVENT_TITLES = {
    EventType.MEETING: "Встреча", EventType.VISIT: "Визит делегации", EventType.SESSION: "Заседание рабочей группы",
    EventType.SIGNING: "Подписание документа", EventType.ONLINE_PARTICIPATION: "Видеоконференция",
    EventType.EXHIBITION: "Выставка", EventType.FESTIVAL: "Фестиваль", EventType.CONFERENCE: "Конференция",
    EventType.EXCHANGE: "Обмен школьниками", EventType.ROUND_TABLE: "Круглый стол мэров",
}  # fmt: skip
EVENT_WEIGHTS = (8, 4, 2, 1, 1, 1, 1, 1, 1, 1)
RANGED = {EventType.VISIT, EventType.EXHIBITION, EventType.FESTIVAL, EventType.CONFERENCE, EventType.EXCHANGE}
AGREEMENT_TITLES = {
    AgreementType.COOPERATION: "Соглашение о сотрудничестве",
    AgreementType.SISTER_CITY: "Соглашение об установлении побратимских отношений",
    AgreementType.FRIENDSHIP: "Соглашение об установлении дружественных отношений",
    AgreementType.ACTION_PLAN: "План действий",
    AgreementType.MEMORANDUM_OF_INTENT: "Меморандум о намерениях",
}
HOME_NAME = "Синтоград"
HOME_ID = "sintograd"
HOME_POSTS = (
    "Мэр г.Синтограда",
    "Руководитель аппарата мэра г.Синтограда",
    "Председатель Комитета внешних связей г.Синтограда",
    "Заместитель руководителя исполкома г.Синтограда",
)
HOME_PERSONS = 4  # person indices below this are the home city's
FIRST_YEAR, LAST_YEAR, HOME_MAYOR_CHANGE = 1995, 2024, 2005
RETRIEVED = "2026-01-01"
# A prime that divides none of the name spaces' sizes: consecutive indices get unlike names, still one per index.
SPREAD = 7919



def _digits(index: int, base: int, count: int) -> list[int]:
    """``index`` in base ``base`` as ``count`` digits, most significant first.

    >>> _digits(7, 4, 3)
    [0, 1, 3]
    """
    return [(index // base**power) % base for power in range(count - 1, -1, -1)]


def city_name(index: int) -> str:
    """A unique invented city name for each index (three syllables and an ending).

    >>> city_name(0), city_name(1)
    ('Бабабаград', 'Банипаабад')
    """
    mixed = (index * SPREAD) % (len(CITY_ENDINGS) * len(SYLLABLES) ** 3)
    ending = CITY_ENDINGS[mixed % len(CITY_ENDINGS)]
    stem = "".join(SYLLABLES[d] for d in _digits(mixed // len(CITY_ENDINGS), len(SYLLABLES), 3))
    return stem.capitalize() + ending


def person_name(index: int) -> str:
    """A unique invented «Имя Фамилия» for each index.

    >>> person_name(0), person_name(1)
    ('Алексей Бабабаов', 'Юрий Базатаский')
    """
    mixed = (index * SPREAD) % (len(FIRST_NAMES) * len(SURNAME_ENDINGS) * len(SYLLABLES) ** 3)
    first = FIRST_NAMES[mixed % len(FIRST_NAMES)]
    rest = mixed // len(FIRST_NAMES)
    ending = SURNAME_ENDINGS[rest % len(SURNAME_ENDINGS)]
    stem = "".join(SYLLABLES[d] for d in _digits(rest // len(SURNAME_ENDINGS), len(SYLLABLES), 3))
    return f"{first} {stem.capitalize()}{ending}"


def initials(name: str) -> str:
    """The initials form a page uses for a person: «А.Бабабаов».

    >>> initials("Алексей Бабабаов")
    'А.Бабабаов'
    """
    first, last = name.split(" ", 1)
    return f"{first[0]}.{last}"


def city_id(index: int) -> str:
    return slugify(city_name(index))


def date_phrase(date: PartialDate) -> str:
    """How a page opens a sentence with a date at its precision.

    >>> date_phrase(PartialDate.parse("2023-05-25")), date_phrase(PartialDate.parse("2023-05"))
    ('25 мая 2023 г.', 'В мае 2023 г.')
    """
    parts = [int(p) for p in date.text.split("-")]
    if len(parts) == 3:
        return f"{parts[2]} {MONTHS_GENITIVE[parts[1] - 1]} {parts[0]} г."
    if len(parts) == 2:
        return f"В {MONTHS_PREPOSITIONAL[parts[1] - 1]} {parts[0]} г."
    return f"В {parts[0]} году"


def random_date(rng: random.Random, year: int) -> tuple[PartialDate, int]:
    """A date in ``year`` known to the day (mostly), the month or only the year; also its day."""
    month, day = rng.randint(1, 12), rng.randint(1, 24)
    precision = rng.choices((3, 2, 1), weights=(65, 25, 10))[0]
    text = (f"{year:04d}", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-{day:02d}")[precision - 1]
    return PartialDate.parse(text), day


@dataclasses.dataclass(frozen=True)
class PartnerPeople:
    """A partner city's three persons; the deputy becomes mayor in ``change`` (roles over time)."""

    city: str
    mayor: str
    deputy: str
    officer: str
    change: int

    def posts(self, year: int) -> list[tuple[str, str]]:
        if year < self.change:
            return [(self.mayor, f"Мэр г.{self.city}"), (self.deputy, f"Вице-мэр г.{self.city}")]
        officer = f"Руководитель международного отдела г.{self.city}"
        return [(self.deputy, f"Мэр г.{self.city}"), (self.officer, officer)]


def home_posts(year: int) -> list[tuple[str, str]]:
    """The home city's persons and their posts in a year: the mayor changes in HOME_MAYOR_CHANGE."""
    mayor, aide = (0, 1) if year < HOME_MAYOR_CHANGE else (1, 2)
    return [(person_name(mayor), HOME_POSTS[0]), (person_name(aide), HOME_POSTS[1 if year < HOME_MAYOR_CHANGE else 2]),
            (person_name(3), HOME_POSTS[3])]  # fmt: skip


def partner_people(rng: random.Random, index: int) -> PartnerPeople:
    first = HOME_PERSONS + 3 * index
    return PartnerPeople(city_name(index), person_name(first), person_name(first + 1), person_name(first + 2),
                         rng.randint(FIRST_YEAR + 5, LAST_YEAR - 5))  # fmt: skip


def forum_id(year: int) -> str:
    return f"{HOME_ID}-{year}-forum"


def partner_event(rng: random.Random, people: PartnerPeople, number: int, aliases: bool) -> Event:
    """One event of a partnership: a date at mixed precision, persons with their posts that year."""
    year = rng.randint(FIRST_YEAR, LAST_YEAR)
    kind = rng.choices(list(EVENT_TITLES), weights=EVENT_WEIGHTS)[0]
    start, day = random_date(rng, year)
    end = None
    if kind in RANGED and start.precision is Precision.DAY and rng.random() < 0.5:
        end = PartialDate.parse(f"{start.text[:8]}{day + rng.randint(1, 4):02d}")
    home_side = rng.sample(home_posts(year), k=rng.randint(1, 2))
    partner_side = rng.sample(people.posts(year), k=rng.randint(1, 2))
    persons = [Participant(person=initials(n) if aliases and rng.random() < 0.3 else n, role=r,
                           on_behalf_of=HOME_NAME if (n, r) in home_side else people.city)
               for n, r in (*home_side, *partner_side)]  # fmt: skip
    others = [Participant(delegation=people.city)] if rng.random() < 0.3 else []
    if rng.random() < 0.3:
        others.append(Participant(organization=f"Торгово-промышленная палата г.{people.city}"))
    place = rng.choice((HOME_NAME, people.city))
    names = ", ".join(f"{p.role} {p.person}" for p in persons)
    ident = f"{slugify(people.city)}-{start.text}-{kind.value}-{number}"
    return Event(
        id=ident, title=f"{EVENT_TITLES[kind]}: {people.city} и {HOME_NAME}", type=kind, start=start, end=end,
        place=place, online=kind is EventType.ONLINE_PARTICIPATION, participants=(*persons, *others),
        part_of=forum_id(year) if kind is EventType.ROUND_TABLE else None,
        quote=f"{date_phrase(start)} в г.{place} состоялось мероприятие «{EVENT_TITLES[kind]}» (№{number}), "
              f"в котором приняли участие {names}.",
    )  # fmt: skip


def city_header(rng: random.Random, name: str, ident: str, country: str, role: Literal["partner", "home"]) -> City:
    """A city with the facts of a page header: founding, population, area, time zone, site, photo."""
    founded = rng.randint(800, 1950)
    population, area, year = rng.randint(50, 9000) * 1000, rng.randint(40, 2000), rng.randint(2015, 2024)
    url, offset = f"https://{ident}.synth.example/", f"+0{rng.randint(1, 9)}:00"
    return City(
        id=ident, name=name, country=country, country_as_written=f"Республика {country}", role=role,
        quote=f"{name} (Республика {country})",
        founded=Founding(text=f"{founded} г.", year=founded, quote=f"Год основания г.{name}: {founded} г."),
        population=Measure(value=population, year=year,
                           quote=f"Население г.{name}: {population / 1e6:.3f} млн.чел. ({year} г.)."),
        area=Measure(value=area, quote=f"Площадь г.{name}: {area} км²."),
        timezone=TimeZone(offset=offset, quote=f"Часовой пояс г.{name}: GMT {offset}"),
        website=Website(url=url, quote=f"Сайт г.{name}: {url}"),
        photo_credit=Credit(text=f"Пресс-служба г.{name}", quote=f"Фото: Пресс-служба г.{name}"),
        about=f"{name} – город в Республике {country}, известный своими фестивалями.\n\n"
              f"Экономика г.{name} основана на торговле, машиностроении и туризме.",
    )  # fmt: skip


def partner_file(rng: random.Random, index: int) -> CityFile:
    """The records file of partner city ``index``: header, agreements, organizations, persons, events."""
    people = partner_people(rng, index)
    ident = city_id(index)
    city = city_header(rng, people.city, ident, COUNTRIES[index % len(COUNTRIES)], "partner")
    years = sorted(rng.sample(range(FIRST_YEAR, LAST_YEAR + 1), k=rng.randint(1, 3)))
    between = f"между городами {HOME_NAME} и {people.city}"
    agreements = tuple(
        Agreement(id=f"{ident}-{kind.value}-{year}", title=f"{AGREEMENT_TITLES[kind]} {between}", type=kind,
                  year=year, parties=(HOME_NAME, people.city),
                  quote=f"Документ: {AGREEMENT_TITLES[kind]} {between} ({year}).")
        for kind, year in zip(AGREEMENT_TITLES, years, strict=False)
    )  # fmt: skip
    chamber = f"Торгово-промышленная палата г.{people.city}"
    abbreviation = f"ТПП {people.city}"
    organizations = (Organization(name=chamber, abbreviation=abbreviation, quote=f"{chamber} ({abbreviation})."),)
    events = tuple(partner_event(rng, people, n, aliases=True) for n in range(rng.randint(8, 16)))
    met = {p.person for e in events for p in e.participants if p.person}
    persons = tuple(
        Person(name=n, also_written=(initials(n),), quote=f"{initials(n)} ({n}) – представитель г.{people.city}.")
        for n in (people.mayor, people.deputy, people.officer) if initials(n) in met
    )  # fmt: skip
    return CityFile(source=f"synth-{ident}", city=city, agreements=agreements, organizations=organizations,
                    persons=persons, events=events)  # fmt: skip


def home_file(rng: random.Random) -> CityFile:
    """The home city's file: its header, its persons and the yearly forum partner round tables belong to."""
    city = city_header(rng, HOME_NAME, HOME_ID, "Синтия", "home")
    events = tuple(
        Event(id=forum_id(year), title=f"Международный форум «{HOME_NAME} – {year}»", type=EventType.FORUM,
              start=PartialDate.parse(f"{year}-09-{10 + year % 10:02d}"),
              end=PartialDate.parse(f"{year}-09-{12 + year % 10:02d}"),
              place=HOME_NAME, venue=f"Ратуша г.{HOME_NAME}",
              participants=tuple(Participant(person=n, role=r, on_behalf_of=HOME_NAME) for n, r in home_posts(year)),
              quote=f"С {10 + year % 10} по {12 + year % 10} сентября {year} г. в Ратуше г.{HOME_NAME} "
                    f"прошел Международный форум «{HOME_NAME} – {year}».")
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
    )  # fmt: skip
    persons = tuple(Person(name=person_name(i), also_written=(initials(person_name(i)),),
                           quote=f"{initials(person_name(i))} ({person_name(i)}) – представитель г.{HOME_NAME}.")
                    for i in range(HOME_PERSONS))  # fmt: skip
    return CityFile(source=f"synth-{HOME_ID}", city=city, persons=persons, events=events)


def quotes(data: Any) -> Iterator[str]:
    """Every ``quote`` of dumped records, in the order of the file."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from ([value] if key == "quote" and isinstance(value, str) else quotes(value))
    elif isinstance(data, (list, tuple)):
        for item in data:
            yield from quotes(item)


def record_data(city_file: CityFile) -> dict[str, Any]:
    """A records file's data as a reviewer writes it: defaults left out, dates as strings."""
    data: dict[str, Any] = city_file.model_dump(mode="json", exclude_defaults=True)
    for event in data.get("events", []):
        for key in ("start", "end"):
            if key in event:
                event[key] = event[key]["text"]
    ordered: dict[str, Any] = quote_last(data)
    return ordered


def quote_last(data: Any) -> Any:
    """The same data with each mapping's ``quote`` moved to its end, where reviewers write it.

    >>> quote_last({"quote": "q", "name": "n"})
    {'name': 'n', 'quote': 'q'}
    """
    if isinstance(data, dict):
        items = {k: quote_last(v) for k, v in data.items() if k != "quote"}
        return items | ({"quote": data["quote"]} if "quote" in data else {})
    if isinstance(data, list):
        return [quote_last(item) for item in data]
    return data


def page_text(city_file: CityFile) -> str:
    """The synthetic source page: a heading, then every quoted sentence and the «О городе» text."""
    data = record_data(city_file)
    lines = [f"Синтетическая страница: {city_file.city.name}", *quotes(data), "О городе", city_file.city.about or ""]
    return "\n\n".join(lines) + "\n"


def sidecar(city_file: CityFile, page: bytes) -> str:
    meta = {"id": city_file.source, "title": f"Синтетическая страница: {city_file.city.name}",
            "url": f"https://synth.example/{city_file.source}", "retrieved": RETRIEVED,
            "sha256": hashlib.sha256(page).hexdigest()}  # fmt: skip
    return "# Sidecar of a synthetic page made by 'twingraph synth'.\n" + _yaml(meta)


def _yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, width=10_000)


def city_files(cities: int, seed: int) -> Iterator[CityFile]:
    """The home file, then one file per partner city, each from its own seeded stream."""
    yield home_file(random.Random(f"{seed}-home"))
    for index in range(cities):
        yield partner_file(random.Random(f"{seed}-{index}"), index)


def write_city_file(city_file: CityFile, records: Path, sources: Path) -> None:
    page = page_text(city_file).encode("utf-8")
    write_atomic(sources / f"{city_file.source}.txt", page)
    write_atomic(sources / f"{city_file.source}.yaml", sidecar(city_file, page).encode("utf-8"))
    write_atomic(records / f"{city_file.city.id}.yaml", _yaml(record_data(city_file)).encode("utf-8"))


def write_synthetic(directory: Path, cities: int, seed: int = 0, progress: Progress = lambda _: None) -> int:
    """Write DIR/records and DIR/sources for a home city and ``cities`` partners, replacing both whole.

    Returns:
        The number of records files written.
    """
    written = 0
    with replacing_directory(directory / "records") as records, replacing_directory(directory / "sources") as sources:
        for city_file in counted(city_files(cities, seed), "writing records files", progress, cities + 1):
            write_city_file(city_file, records, sources)
            written += 1
    return written
