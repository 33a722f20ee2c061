"""Frozen record types: one city file's facts, as a reviewer writes them."""

from __future__ import annotations

import calendar
import datetime
import enum
import re
from collections.abc import Iterator
from typing import Annotated, Literal, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DATE = re.compile(r"^(?P<year>[0-9]{4})(?:-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>0[1-9]|[12][0-9]|3[01]))?)?$")
OFFSET = r"^[+-][0-9]{2}:[0-9]{2}$"

Slug = Annotated[str, Field(pattern=SLUG)]
Text = Annotated[str, Field(min_length=1)]
# where a value sits in a records file: ("events", 3, "place")
Location = tuple[str | int, ...]


class Mention(NamedTuple):
    """A name a records file writes: what it names, the file, the field and the spelling.

    ``kind`` is city, person, organization or country.
    """

    kind: str
    file: str
    loc: Location
    name: str


class Record(BaseModel):
    """Base of every record: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Precision(enum.StrEnum):
    """How much of a date the source gives."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class PartialDate(Record):
    """A date known to the day, the month or only the year, in ASCII digits; a day that the month has.

    >>> PartialDate.parse("2023-05").precision
    <Precision.MONTH: 'month'>
    >>> PartialDate.parse("2024-02-29").precision
    <Precision.DAY: 'day'>
    >>> try:
    ...     PartialDate.parse("2023-02-29")
    ... except ValueError as exc:
    ...     print(exc.errors()[0]["msg"])  # type: ignore[attr-defined]
    Value error, '2023-02-29' is not a date: February 2023 has no day 29
    """

    text: str

    @field_validator("text")
    @classmethod
    def _check(cls, value: str) -> str:
        found = DATE.match(value)
        if not found:
            raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
        if found["day"] and int(found["day"]) > days_in_month(int(found["year"]), int(found["month"])):
            month = datetime.date(2000, int(found["month"]), 1).strftime("%B")
            raise ValueError(f"{value!r} is not a date: {month} {found['year']} has no day {int(found['day'])}")
        return value

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        return cls(text=str(value))

    @property
    def precision(self) -> Precision:
        return (Precision.YEAR, Precision.MONTH, Precision.DAY)[self.text.count("-")]

    def __str__(self) -> str:
        return self.text


def days_in_month(year: int, month: int) -> int:
    """How many days a month has.

    >>> days_in_month(2024, 2), days_in_month(2023, 2), days_in_month(1900, 2), days_in_month(2023, 4)
    (29, 28, 28, 30)
    """
    return calendar.monthrange(year, month)[1]


class Quoted(Record):
    """A fact that keeps the sentence of the page it came from."""

    quote: Text


class Founding(Quoted):
    """A founding date as the page states it: a year or a century, maybe approximate."""

    text: Text
    year: int | None = None
    century: int | None = None
    approximate: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.year is None) == (self.century is None):
            raise ValueError("give exactly one of year and century")
        return self


class Measure(Quoted):
    """A number observed in a given year (population in persons, area in km²)."""

    value: Annotated[float, Field(gt=0)]
    year: int | None = None


class TimeZone(Quoted):
    offset: Annotated[str, Field(pattern=OFFSET)]


class Website(Quoted):
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]


class Credit(Quoted):
    text: Text


class City(Quoted):
    """A partner city (or the home city) with the facts of its page header."""

    id: Slug
    name: Text
    country: Text
    country_as_written: str | None = None
    role: Literal["partner", "home"] = "partner"
    founded: Founding | None = None
    population: Measure | None = None
    area: Measure | None = None
    timezone: TimeZone | None = None
    website: Website | None = None
    photo_credit: Credit | None = None
    about: str | None = None


class AgreementType(enum.StrEnum):
    SISTER_CITY = "sister-city"
    FRIENDSHIP = "friendship"
    COOPERATION = "cooperation"
    PARTNERSHIP = "partnership"
    MEMORANDUM_OF_UNDERSTANDING = "memorandum-of-understanding"
    MEMORANDUM_OF_INTENT = "memorandum-of-intent"
    PROTOCOL_OF_INTENT = "protocol-of-intent"
    ACTION_PLAN = "action-plan"
    OTHER = "other"  # a document of a kind none of the above names; its title says what it is


class Agreement(Quoted):
    id: Slug
    title: Text
    type: AgreementType
    year: int | None = None
    parties: Annotated[tuple[Text, ...], Field(min_length=1)]
    note: str | None = None  # for the reviewer, as an Event's («review: ...» when a check is wanted)


class Organization(Quoted):
    name: Text
    abbreviation: str | None = None
    also_written: tuple[str, ...] = ()


class Person(Quoted):
    name: Text
    also_written: tuple[str, ...] = ()


class EventType(enum.StrEnum):
    MEETING = "meeting"
    VISIT = "visit"
    FORUM = "forum"
    SESSION = "session"
    ROUND_TABLE = "round-table"
    CONFERENCE = "conference"
    ASSEMBLY = "assembly"
    SIGNING = "signing"
    ONLINE_PARTICIPATION = "online-participation"
    TOURNAMENT = "tournament"
    EXHIBITION = "exhibition"
    FESTIVAL = "festival"
    GREETING = "greeting"
    AWARD = "award"
    PRESENTATION = "presentation"
    TRAINING = "training"
    EXCHANGE = "exchange"
    APPOINTMENT = "appointment"
    EDUCATION_PROGRAMME = "education-programme"
    COMPETITION = "competition"


class Participant(Record):
    """One taking part in an event: a person, an organization, a delegation, a city or a country."""

    person: str | None = None
    role: str | None = None
    on_behalf_of: str | None = None
    organization: str | None = None
    delegation: str | None = None
    city: str | None = None
    country: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [k for k in ("person", "organization", "delegation", "city", "country") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("give exactly one of person, organization, delegation, city, country")
        if (self.role or self.on_behalf_of) and not self.person:
            raise ValueError("role and on_behalf_of belong to a person")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("person", "organization", "delegation", "city", "country") if getattr(self, k))

    @property
    def name(self) -> str:
        return str(getattr(self, self.kind))


class Event(Quoted):
    id: Slug
    title: Text
    type: EventType
    start: PartialDate
    end: PartialDate | None = None
    place: str | None = None
    venue: str | None = None
    online: bool = False
    part_of: str | None = None
    signs: tuple[Slug, ...] = ()  # a signing's documents: the ids of the agreements the sentence says it signed
    participants: tuple[Participant, ...] = ()
    note: str | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        return value if value is None or isinstance(value, PartialDate) else PartialDate.parse(value)

    @model_validator(mode="after")
    def _who_or_where(self) -> Self:
        if not self.participants and not self.place:
            raise ValueError("an event needs a participant or a place")
        if self.signs and self.type is not EventType.SIGNING:
            raise ValueError(f"only a signing signs agreements (signs:), not a {self.type.value}")
        return self


class Unparsed(Quoted):
    """A statement of the page not (yet) turned into records, kept for a reviewer with the reason."""

    reason: Text


class CityFile(Record):
    """The contents of one records file."""

    source: Slug
    city: City
    agreements: tuple[Agreement, ...] = ()
    organizations: tuple[Organization, ...] = ()
    persons: tuple[Person, ...] = ()
    events: tuple[Event, ...] = ()
    unparsed: tuple[Unparsed, ...] = ()

    def mentions(self) -> Iterator[tuple[str, Location, str]]:
        """(kind, field, name) of every name the file writes; ``agent`` is an on_behalf_of."""
        yield "city", ("city", "name"), self.city.name
        yield "country", ("city", "country"), self.city.country
        for i, agreement in enumerate(self.agreements):
            yield from (("city", ("agreements", i, "parties", j), p) for j, p in enumerate(agreement.parties))
        yield from (("organization", ("organizations", i, "name"), o.name) for i, o in enumerate(self.organizations))
        yield from (("person", ("persons", i, "name"), p.name) for i, p in enumerate(self.persons))
        for i, event in enumerate(self.events):
            if event.place:
                yield "city", ("events", i, "place"), event.place
            for j, p in enumerate(event.participants):
                yield p.kind if p.kind != "delegation" else "city", ("events", i, "participants", j, p.kind), p.name
                if p.on_behalf_of:
                    yield "agent", ("events", i, "participants", j, "on_behalf_of"), p.on_behalf_of


class Source(Record):
    """A source page: its stable id, where it came from and its text."""

    id: str
    url: str
    retrieved: str
    sha256: str
    title: str
    text: str


class Dataset(Record):
    """All records of a build, merged and cross-checked."""

    sources: tuple[Source, ...]
    files: tuple[tuple[str, CityFile], ...]

    @property
    def cities(self) -> tuple[City, ...]:
        return tuple(f.city for _, f in self.files)

    @property
    def agreements(self) -> tuple[Agreement, ...]:
        return tuple(a for _, f in self.files for a in f.agreements)

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(e for _, f in self.files for e in f.events)

    @property
    def organizations(self) -> tuple[Organization, ...]:
        return tuple(o for _, f in self.files for o in f.organizations)

    @property
    def persons(self) -> tuple[Person, ...]:
        return tuple(p for _, f in self.files for p in f.persons)

    def mentions(self) -> Iterator[Mention]:
        """Every name the records write, with what it names and where, in file order.

        A file's own city and the places, parties, cities and delegations of its
        events are cities; ``on_behalf_of`` is an organization when one is declared
        by that name (or alias), else a city, as the graph reads it.
        """
        organizations = {a for o in self.organizations for a in (o.name, o.abbreviation, *o.also_written) if a}
        for name, city_file in self.files:
            for kind, loc, value in city_file.mentions():
                if kind == "agent":
                    kind = "organization" if value in organizations else "city"
                yield Mention(kind, name, loc, value)
