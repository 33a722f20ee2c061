"""The dataset's entities to link, read from a graph: names, kind and the countries around them."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from twingraph.rdf.namespaces import SCHEMA, TG


class Kind(enum.Enum):
    """What an entity is; the value is the name used on the command line."""

    CITY = "cities"
    COUNTRY = "countries"
    PERSON = "persons"
    ORGANIZATION = "organizations"

    @property
    def tg_class(self) -> URIRef:
        return {Kind.CITY: TG.City, Kind.COUNTRY: TG.Country, Kind.PERSON: TG.Person}.get(self, TG.Organization)


@dataclasses.dataclass(frozen=True)
class Entity:
    """One resource of the dataset to link.

    ``country`` is the country the page gives it (cities); ``context`` the
    countries around it (the home city's, and those of the cities whose events
    it took part in), used as supporting evidence for persons and organizations.
    """

    iri: str
    kind: Kind
    names: tuple[str, ...]
    country: str | None = None
    context: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.names[0] if self.names else self.iri.rsplit("/", 1)[-1]


def names_of(graph: Graph, subject: URIRef) -> tuple[str, ...]:
    """The label first, then the other names, without repeats, in a stable order."""
    first = sorted(str(o) for o in graph.objects(subject, RDFS.label))
    others = sorted(str(o) for p in (SKOS.altLabel, SCHEMA.alternateName) for o in graph.objects(subject, p))
    return tuple(dict.fromkeys([*first, *others]))


def home_country(graph: Graph) -> str | None:
    """The country of the home city: a city others are partners of that is not itself a partner."""
    for city in graph.subjects(TG.partnerOf, None):
        if (city, RDF.type, TG.PartnerCity) not in graph and isinstance(city, URIRef):
            country = graph.value(city, TG.country)
            return str(country) if country is not None else None
    return None


def event_countries(graph: Graph) -> dict[str, set[str]]:
    """For each attendee of an event about a city, the countries of those cities."""
    found: dict[str, set[str]] = {}
    for event, city in graph.subject_objects(SCHEMA.about):
        country = graph.value(city, TG.country)
        if country is None:
            continue
        for who in graph.objects(event, SCHEMA.attendee):
            found.setdefault(str(who), set()).add(str(country))
    return found


def partner_countries(graph: Graph) -> set[str]:
    """The countries of the partner cities: where the page's organizations are likely to be."""
    return {str(c) for city in graph.subjects(RDF.type, TG.PartnerCity) for c in graph.objects(city, TG.country)}


def read_entities(graph: Graph, kinds: tuple[Kind, ...] = tuple(Kind)) -> list[Entity]:
    """The cities, countries, persons and organizations of a graph, sorted by IRI.

    The context of a person is the home country and the countries of the
    events they attended; an organization's also takes the partner cities'
    countries, since the page declares organizations in a city's section
    without saying where they are.
    """
    home = {c for c in [home_country(graph)] if c}
    around = event_countries(graph)
    page = partner_countries(graph)
    return sorted(_entities(graph, kinds, home, around, page), key=lambda e: (e.kind.value, e.iri))


def _entities(graph: Graph, kinds: tuple[Kind, ...], home: set[str], around: dict[str, set[str]],
              page: set[str]) -> Iterator[Entity]:  # fmt: skip
    for kind in kinds:
        for subject in set(graph.subjects(RDF.type, kind.tg_class)):
            if not isinstance(subject, URIRef):
                continue
            country = graph.value(subject, TG.country) if kind is Kind.CITY else None
            context = {*around.get(str(subject), set()), *home, *(page if kind is Kind.ORGANIZATION else set())}
            yield Entity(str(subject), kind, names_of(graph, subject), str(country) if country else None,
                         frozenset(context))  # fmt: skip
