"""Who met whom, materialised: one tg:Meeting per event and pair of persons who took part in it.

Queries would otherwise pair the participations of every event at query time
and sort all the pairs; a meeting node gives each pair its event, date and
persons directly, and an integer sort key, which a store orders cheaply.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from twingraph.rdf.namespaces import TG

Triple = tuple[URIRef, URIRef, URIRef | Literal]
KEYS_PER_DATE = 1_000_000


@dataclasses.dataclass(frozen=True)
class Attendance:
    """The persons who took part in one event: its IRI, its start date and each person's IRI and name."""

    event: URIRef
    date: Literal
    persons: tuple[tuple[URIRef, str], ...]


@dataclasses.dataclass(frozen=True)
class Meeting:
    """Two persons at one event, the one whose IRI sorts first as ``first``."""

    event: URIRef
    date: Literal
    first: tuple[URIRef, str]
    second: tuple[URIRef, str]

    @property
    def iri(self) -> URIRef:
        slugs = (str(person).rsplit("/", 1)[-1] for person, _ in (self.first, self.second))
        return URIRef(f"{self.event}/meeting/{'--'.join(slugs)}")

    @property
    def order(self) -> tuple[str, str, str, str]:
        """Date, the two names, then the event, which breaks ties between events."""
        return str(self.date), self.first[1], self.second[1], str(self.event)


def date_number(date: str) -> int:
    """A date of any precision as YYYYMMDD, 00 for what is unknown: numbers sort as the texts do.

    >>> date_number("2023-05-25"), date_number("2023-05"), date_number("2023")
    (20230525, 20230500, 20230000)
    """
    year, month, day = ([*date.split("-"), "0", "0"])[:3]
    return (int(year) * 100 + int(month)) * 100 + int(day)


def pairs(attendance: Attendance) -> Iterator[Meeting]:
    """Each pair of distinct persons of an event once, in IRI order."""
    persons = sorted(set(attendance.persons))
    for first, second in itertools.combinations(persons, 2):
        if first[0] != second[0]:
            yield Meeting(attendance.event, attendance.date, first, second)


def sort_keys(meetings: Iterable[Meeting]) -> Iterator[tuple[Meeting, int]]:
    """Each meeting with its sort key: the date number times a million plus its rank on that date."""
    ordered = sorted(meetings, key=lambda m: m.order)
    for date, same_date in itertools.groupby(ordered, key=lambda m: str(m.date)):
        base = date_number(date) * KEYS_PER_DATE
        yield from ((meeting, base + rank) for rank, meeting in enumerate(same_date))


def meeting_triples(attendances: Iterable[Attendance]) -> Iterator[Triple]:
    """The triples of every meeting of the dataset; the keys need all of them at once."""
    for meeting, key in sort_keys(m for a in attendances for m in pairs(a)):
        iri = meeting.iri
        yield iri, RDF.type, TG.Meeting
        yield iri, TG.event, meeting.event
        yield iri, TG.date, meeting.date
        yield iri, TG.firstPerson, meeting.first[0]
        yield iri, TG.secondPerson, meeting.second[0]
        yield iri, TG.sortKey, Literal(key, datatype=XSD.integer)
