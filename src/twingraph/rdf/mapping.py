"""Records to triples: the ontology's terms plus the plain schema.org view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from twingraph.model import (
    Agreement,
    City,
    Dataset,
    Event,
    EventType,
    Location,
    Measure,
    Mention,
    Organization,
    PartialDate,
    Participant,
    Precision,
    Source,
)
from twingraph.problems import Problem, Site, error
from twingraph.progress import Progress, counted, ignore
from twingraph.rdf.iris import Minter
from twingraph.rdf.meetings import Attendance, meeting_triples
from twingraph.rdf.names import Names
from twingraph.rdf.namespaces import AGREEMENT_TYPE, EVENT_TYPE, OA, SCHEMA, TG, prefixed_graph
from twingraph.slugs import slugify

T = TypeVar("T")

Triple = tuple[URIRef | BNode, URIRef, URIRef | Literal | BNode]
DATE_TYPES = {Precision.YEAR: XSD.gYear, Precision.MONTH: XSD.gYearMonth, Precision.DAY: XSD.date}
CONTEXT_CHARS = 32
# the schema.org Event subtype of the kinds of event one fits; ontology/twingraph.ttl states each
# as the concept's skos:closeMatch, and tests/test_schemaorg.py keeps the two the same
EVENT_CLASSES = {EventType.FESTIVAL: SCHEMA.Festival, EventType.EXHIBITION: SCHEMA.ExhibitionEvent,
                 EventType.TOURNAMENT: SCHEMA.SportsEvent, EventType.TRAINING: SCHEMA.EducationEvent,
                 EventType.EDUCATION_PROGRAMME: SCHEMA.EducationEvent}  # fmt: skip
# what a population or area observation measures, for schema:variableMeasured, and its UN/CEFACT unit
MEASURED = {"population": ("population", None), "area": ("area", "KMK")}


def ru(text: str) -> Literal:
    return Literal(text, lang="ru")


def date_literal(date: PartialDate) -> Literal:
    """A date typed by its precision.

    >>> date_literal(PartialDate.parse("2025-02")).datatype.endswith("gYearMonth")
    True
    """
    return Literal(date.text, datatype=DATE_TYPES[date.precision])


def decimal_literal(value: float) -> Literal:
    """An xsd:decimal written with a decimal point, as Turtle's shorthand writes it.

    >>> str(decimal_literal(730.0)), str(decimal_literal(11434.25))
    ('730.0', '11434.25')
    """
    text = format(Decimal(repr(value)), "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


@dataclass(frozen=True)
class FoldedPage:
    """A page's text, and the same text with each run of whitespace folded to one space.

    Attributes:
        text: the page as written.
        folded: the text with every run of whitespace (``\\s+``) written as one space.
        origins: for each character of ``folded``, where it stands in ``text``.
    """

    text: str
    folded: str
    origins: tuple[int, ...]


def folded_page(text: str) -> FoldedPage:
    """The page with its whitespace folded, so that a quote is found by one search, whatever its line breaks.

    >>> page = folded_page("а\\n  бв г")
    >>> page.folded, page.origins
    ('а бв г', (0, 1, 4, 5, 6, 7))
    """
    pieces: list[str] = []
    origins: list[int] = []
    position = 0
    for space in re.finditer(r"\s+", text):
        pieces += (text[position : space.start()], " ")
        origins += (*range(position, space.start()), space.start())
        position = space.end()
    pieces.append(text[position:])
    origins += range(position, len(text))
    return FoldedPage(text, "".join(pieces), tuple(origins))


def locate(quote: str, page: FoldedPage) -> tuple[str, str, str]:
    """The exact text of a quote on its page with the text just before and after it.

    The quote is found where its words first stand in that order with any whitespace
    between them; a quote not on the page is given as it is, with nothing around it.

    >>> page = folded_page("Визит. Мэр\\n  встретился с послом. Мэр встретился вновь.")
    >>> locate("Мэр встретился", page)
    ('Мэр\\n  встретился', 'Визит. ', ' с послом. Мэр встретился вновь.')
    >>> locate("Мэр уехал", page)
    ('Мэр уехал', '', '')
    """
    needle = " ".join(quote.split())
    found = page.folded.find(needle)
    if found < 0:
        return quote, "", ""
    start = page.origins[found] if needle else 0
    end = page.origins[found + len(needle) - 1] + 1 if needle else 0
    before = page.text[max(0, start - CONTEXT_CHARS) : start]
    return page.text[start:end], before, page.text[end : end + CONTEXT_CHARS]


def post_names(dataset: Dataset) -> dict[str, str]:
    """One name per post: roles written with other capitals («Мэр»/«мэр») are one post, named as first written."""
    names: dict[str, str] = {}
    for _, city_file in dataset.files:
        for event in city_file.events:
            for p in event.participants:
                if p.role:
                    names.setdefault(slugify(p.role), p.role)
    return names


@dataclass(frozen=True)
class Share:
    """One of ``count`` shares of a dataset's triples, to map them in several processes.

    Share ``index`` holds the triples of every ``count``-th records file from the
    ``index``-th; the last share also holds those of the dataset as a whole (its source
    pages, the persons' other names, the meetings). Together the shares hold the whole graph.

    >>> [Share(1, 3).of("abcdefg"), Share(0, 1).of("abc")]
    ['be', 'abc']
    """

    index: int
    count: int

    def of(self, files: Sequence[T]) -> Sequence[T]:
        """This share's records files."""
        return files[self.index :: self.count]

    @property
    def what(self) -> str:
        """What a progress bar over this share's files says.

        >>> WHOLE.what, Share(1, 2).what
        ('mapping records files', 'mapping records files (share 2 of 2)')
        """
        return "mapping records files" + (f" (share {self.index + 1} of {self.count})" if self.count > 1 else "")

    @property
    def last(self) -> bool:
        """Whether this share holds the triples of the dataset as a whole."""
        return self.index == self.count - 1


WHOLE = Share(0, 1)


class Mapper:
    """Turns one dataset into triples; holds only what the mapping needs to look up."""

    def __init__(self, dataset: Dataset, base_iri: str, progress: Progress = ignore) -> None:
        self.dataset, self.progress = dataset, progress
        self.mint = Minter(base_iri)
        self.names = Names(dataset, self.mint)
        self.sources = {s.id: s for s in dataset.sources}
        self.pages = {s.id: folded_page(s.text) for s in dataset.sources}
        self.home = next((c for c in dataset.cities if c.role == "home"), None)
        self.posts = post_names(dataset)

    def triples(self, share: Share = WHOLE) -> Iterator[Triple]:
        """The dataset's triples, some more than once; or those of one share of it (:class:`Share`)."""
        for source in self.dataset.sources if share.last else ():
            yield from self.source_page(source)
        for _, city_file in counted(share.of(self.dataset.files), share.what, self.progress):
            source = self.sources[city_file.source]
            yield from self.city(city_file.city, source)
            for agreement in city_file.agreements:
                yield from self.agreement(agreement, source)
            for event in city_file.events:
                yield from self.event(event, source, city_file.city)
            for org in city_file.organizations:
                yield from self.organization(org, source)
        if not share.last:
            return
        for person in self.dataset.persons:
            iri, _ = self.names.person(person.name)
            yield from ((iri, SKOS.altLabel, ru(alias)) for alias in person.also_written)
        yield from meeting_triples(self.attendance(e) for _, f in self.dataset.files for e in f.events)

    def attendance(self, event: Event) -> Attendance:
        """The persons who took part in an event, for the meetings."""
        persons = tuple(self.names.person(p.person) for p in event.participants if p.person)
        return Attendance(self.mint("event", event.id), date_literal(event.start), persons)

    def organization(self, org: Organization, source: Source) -> Iterator[Triple]:
        """A declared organization, its other names, and the sentence of the page that declares it."""
        iri = self.mint.named("organization", org.name)
        yield from self.labelled(iri, org.name, TG.Organization, SCHEMA.Organization)
        if org.abbreviation:
            yield iri, SCHEMA.alternateName, ru(org.abbreviation)
        yield from ((iri, SKOS.altLabel, ru(alias)) for alias in org.also_written)
        yield from self.quoted(iri, org.quote, source)

    def source_page(self, source: Source) -> Iterator[Triple]:
        page = URIRef(source.url)
        yield page, RDF.type, TG.SourcePage
        yield page, RDF.type, SCHEMA.WebPage
        yield page, SCHEMA.name, ru(source.title)
        yield page, RDFS.label, ru(source.title)
        yield page, SCHEMA.url, page
        yield page, TG.retrieved, Literal(source.retrieved, datatype=XSD.date)
        yield page, TG.sha256, Literal(source.sha256)

    def labelled(self, iri: URIRef, name: str, *types: URIRef) -> Iterator[Triple]:
        yield from ((iri, RDF.type, t) for t in types)
        yield iri, SCHEMA.name, ru(name)
        yield iri, RDFS.label, ru(name)

    def quoted(self, subject: URIRef, quote: str, source: Source, prop: URIRef | None = None) -> Iterator[Triple]:
        """Provenance of a fact: derived from the page, with the exact sentence."""
        exact, prefix, suffix = locate(quote, self.pages[source.id])
        node = self.mint.quote(exact + (str(prop) if prop else ""))
        selector = URIRef(f"{node}/selector")
        yield subject, PROV.wasDerivedFrom, URIRef(source.url)
        yield subject, TG.quote, node
        yield node, RDF.type, TG.Quote
        yield node, OA.hasSource, URIRef(source.url)
        yield node, OA.hasSelector, selector
        yield selector, RDF.type, OA.TextQuoteSelector
        yield selector, OA.exact, ru(exact)
        if prefix:
            yield selector, OA.prefix, ru(prefix)
        if suffix:
            yield selector, OA.suffix, ru(suffix)
        if prop is not None:
            yield node, TG.forProperty, prop

    def place(self, name: str) -> Iterator[Triple]:
        """A city named anywhere in the records; its own file adds its facts."""
        yield from self.labelled(self.names.city(name), name, TG.City, SCHEMA.City)

    def country(self, name: str) -> Iterator[Triple]:
        yield from self.labelled(self.names.country(name), name, TG.Country, SCHEMA.Country)

    def city(self, city: City, source: Source) -> Iterator[Triple]:
        iri = self.mint.city(city.id)
        yield from self.place(city.name)
        yield from self.quoted(iri, city.quote, source)
        yield from self.country(city.country)
        yield iri, TG.country, self.names.country(city.country)
        yield iri, SCHEMA.containedInPlace, self.names.country(city.country)
        if city.country_as_written:
            yield self.names.country(city.country), SKOS.altLabel, ru(city.country_as_written)
        if city.role == "partner":
            yield iri, RDF.type, TG.PartnerCity
        if self.home and city.role == "partner":
            yield iri, TG.partnerOf, self.mint.city(self.home.id)
            yield self.mint.city(self.home.id), TG.partnerOf, iri
        yield from self.header(iri, city, source)

    def header(self, iri: URIRef, city: City, source: Source) -> Iterator[Triple]:
        if city.founded:
            node = URIRef(f"{iri}/founding")
            yield iri, TG.founding, node
            yield node, RDF.type, TG.Founding
            yield node, TG.statedAs, ru(city.founded.text)
            yield node, RDFS.label, ru(city.founded.text)
            if city.founded.year is not None:
                yield node, TG.year, Literal(city.founded.year)
            if city.founded.century is not None:
                yield node, TG.century, Literal(city.founded.century)
            yield node, TG.approximate, Literal(city.founded.approximate)
            yield from self.quoted(node, city.founded.quote, source)
        for prop, cls, measure in ((TG.population, TG.PopulationObservation, city.population),
                                   (TG.area, TG.AreaObservation, city.area)):  # fmt: skip
            if measure:
                yield from self.observation(iri, prop, cls, measure, source)
        if city.timezone:
            yield iri, TG.utcOffset, Literal(city.timezone.offset)
            yield from self.quoted(iri, city.timezone.quote, source, TG.utcOffset)
        if city.website:
            yield iri, SCHEMA.url, URIRef(city.website.url)
            yield from self.quoted(iri, city.website.quote, source, SCHEMA.url)
        if city.photo_credit:
            yield iri, TG.photoCredit, ru(city.photo_credit.text)
            yield from self.quoted(iri, city.photo_credit.quote, source, TG.photoCredit)
        if city.about:
            yield iri, SCHEMA.description, ru(city.about)

    def observation(self, city: URIRef, prop: URIRef, cls: URIRef, m: Measure, source: Source) -> Iterator[Triple]:
        """A dated figure, in the ontology's terms and as a schema.org Observation about the city."""
        measured, unit = MEASURED[prop.split("#")[-1]]
        node = URIRef(f"{city}/{measured}/{m.year if m.year is not None else 'undated'}")
        yield city, prop, node
        yield node, RDF.type, cls
        yield node, RDF.type, SCHEMA.Observation
        yield node, SCHEMA.observationAbout, city
        yield node, SCHEMA.variableMeasured, Literal(measured)
        yield node, TG.value, decimal_literal(m.value)
        yield node, SCHEMA.value, decimal_literal(m.value)
        if unit:
            yield node, SCHEMA.unitCode, Literal(unit)
        if m.year is not None:
            yield node, TG.year, Literal(m.year)
            yield node, SCHEMA.observationDate, Literal(f"{m.year:04d}", datatype=XSD.gYear)
        yield from self.quoted(node, m.quote, source)

    def agreement(self, agreement: Agreement, source: Source) -> Iterator[Triple]:
        iri = self.mint("agreement", agreement.id)
        yield from self.labelled(iri, agreement.title, TG.Agreement, SCHEMA.CreativeWork)
        yield iri, TG.agreementType, AGREEMENT_TYPE[agreement.type.value]
        if agreement.year is not None:
            yield iri, SCHEMA.dateCreated, date_literal(PartialDate.parse(f"{agreement.year:04d}"))
        for party in agreement.parties:
            yield from self.place(party)
            yield iri, TG.party, self.names.city(party)
            yield iri, SCHEMA.spatialCoverage, self.names.city(party)
        if agreement.note:
            yield iri, TG.note, Literal(agreement.note, lang="en")
        yield from self.quoted(iri, agreement.quote, source)

    def event(self, event: Event, source: Source, section: City) -> Iterator[Triple]:
        iri = self.mint("event", event.id)
        if section.role == "partner":
            yield iri, SCHEMA.about, self.mint.city(section.id)
        yield from self.labelled(iri, event.title, TG.Event, SCHEMA.Event)
        if event.type in EVENT_CLASSES:
            yield iri, RDF.type, EVENT_CLASSES[event.type]
        yield iri, TG.eventType, EVENT_TYPE[event.type.value]
        yield iri, SCHEMA.startDate, date_literal(event.start)
        if event.end:
            yield iri, SCHEMA.endDate, date_literal(event.end)
        if event.place:
            yield from self.place(event.place)
            yield iri, SCHEMA.location, self.names.city(event.place)
        elif event.online:
            # where an online event took place, as schema.org (and Google's Event rules) ask for one
            yield iri, SCHEMA.location, URIRef(f"{iri}/online")
            yield URIRef(f"{iri}/online"), RDF.type, SCHEMA.VirtualLocation
        if event.venue:
            yield iri, TG.venue, ru(event.venue)
        if event.online:
            yield iri, TG.online, Literal(True)
            yield iri, SCHEMA.eventAttendanceMode, SCHEMA.OnlineEventAttendanceMode
        if event.part_of:
            yield iri, SCHEMA.superEvent, self.mint("event", event.part_of)
            yield self.mint("event", event.part_of), SCHEMA.subEvent, iri
        for signed in event.signs:
            yield iri, TG.signs, self.mint("agreement", signed)
        if event.note:
            yield iri, TG.note, Literal(event.note, lang="en")
        seen: dict[URIRef, int] = {}
        for participant in event.participants:
            yield from self.participation(event, participant, seen)
        yield from self.quoted(iri, event.quote, source)

    def role(self, person: URIRef, node: URIRef, event: Event, post: str | None) -> Iterator[Triple]:
        """A person's part in an event as schema.org's Role pattern: person -performerIn-> role -performerIn-> event.

        The role is the participation node: its roleName is the post the person held
        there, its dates the event's (the page gives no term of office, only the post
        held at each event).
        """
        yield person, SCHEMA.performerIn, node
        yield node, RDF.type, SCHEMA.Role
        yield node, SCHEMA.performerIn, self.mint("event", event.id)
        if post:
            yield node, SCHEMA.roleName, ru(self.posts[slugify(post)])
        yield node, SCHEMA.startDate, date_literal(event.start)
        if event.end:
            yield node, SCHEMA.endDate, date_literal(event.end)

    def participant(self, p: Participant) -> tuple[URIRef, Iterable[Triple]]:
        """The participant's IRI and the triples describing it."""
        if p.person:
            iri, name = self.names.person(p.person)
            # the canonical name again as the SKOS preferred label, beside skos:altLabel's other
            # spellings; only persons and the vocabulary's concepts have one, so who-met-whom.rq
            # finds a person by name in a short list
            return iri, [*self.labelled(iri, name, TG.Person, SCHEMA.Person), (iri, SKOS.prefLabel, ru(name))]
        if p.organization:
            found = self.names.organization(p.organization)
            iri, name = found if found else (self.mint.named("organization", p.organization), p.organization)
            return iri, self.labelled(iri, name, TG.Organization, SCHEMA.Organization)
        if p.country:
            return self.names.country(p.country), self.country(p.country)
        name = p.city or p.delegation or ""
        return self.names.city(name), self.place(name)

    def participation(self, record: Event, p: Participant, seen: dict[URIRef, int]) -> Iterator[Triple]:
        """One participant's part; a participant listed again (another post) gets -2, -3.

        schema:attendee takes persons and organizations only (its range); a city or a
        country that took part is a participant in the ontology's terms alone.
        """
        event = self.mint("event", record.id)
        who, described = self.participant(p)
        yield from described
        seen[who] = seen.get(who, 0) + 1
        suffix = f"-{seen[who]}" if seen[who] > 1 else ""
        node = URIRef(f"{event}/participant/{who.rsplit('/', 2)[-2]}-{who.rsplit('/', 1)[-1]}{suffix}")
        if p.person or p.organization:
            yield event, SCHEMA.attendee, who
        if p.person:
            yield from self.role(who, node, record, p.role)
        yield event, TG.participation, node
        yield node, RDF.type, TG.Participation
        yield node, TG.participant, who
        if p.delegation:
            yield node, TG.asDelegation, Literal(True)
        if p.role:
            slug = slugify(p.role)
            post = self.mint("post", slug)
            yield node, TG.post, post
            yield from self.labelled(post, self.posts[slug], TG.Post, SCHEMA.DefinedTerm)
        if p.on_behalf_of:
            agent, name, kind = self.names.agent(p.on_behalf_of)
            yield node, TG.onBehalfOf, agent
            if kind == "organization":
                yield from self.labelled(agent, name, TG.Organization, SCHEMA.Organization)
            else:
                yield from self.place(name)


def records_to_graph(dataset: Dataset, base_iri: str, progress: Progress = ignore) -> Graph:
    """Build the dataset's graph: a fresh graph, the same for the same records; ``progress`` counts the files."""
    return triples_graph(records_triples(dataset, base_iri, progress), base_iri)


def records_triples(dataset: Dataset, base_iri: str, progress: Progress = ignore,
                    share: Share = WHOLE) -> Iterator[Triple]:  # fmt: skip
    """The triples of the dataset's graph, some more than once, or of one share of it; ``progress`` counts the files."""
    return Mapper(dataset, base_iri, progress).triples(share)


def triples_graph(triples: Iterable[Triple], base_iri: str) -> Graph:
    """A graph of the triples with the published prefixes, and the dataset's base as the empty one."""
    graph = prefixed_graph()
    graph.bind("", Minter(base_iri).base)
    for triple in triples:
        graph.add(triple)
    return graph


def resolve(names: Names, mention: Mention) -> tuple[URIRef, str]:
    """The IRI a written name makes and the name the graph gives it, as :class:`Mapper` does."""
    if mention.kind == "person":
        return names.person(mention.name)
    if mention.kind == "organization":
        found = names.organization(mention.name)
        return found if found else (names.mint.named("organization", mention.name), mention.name)
    if mention.kind == "country":
        return names.country(mention.name), mention.name
    return names.city(mention.name), mention.name


def name_collisions(dataset: Dataset, base_iri: str, locate: Callable[[str, Location], Site]) -> list[Problem]:
    """An error for each spelling that makes the same IRI as another name (``Казан`` beside ``Казань``).

    The slugs of IRIs drop case and the soft sign, so two spellings can become one
    resource with two names. The name kept is the declared one (a file's city, a
    person or an organization of ``persons:``/``organizations:``), else the most written.

    Args:
        dataset: the records.
        base_iri: the base the IRIs are minted under.
        locate: where a field of a file is, for the problem's file and line.
    """
    names = Names(dataset, Minter(base_iri))
    uses: dict[URIRef, dict[str, list[Mention]]] = {}
    for mention in dataset.mentions():
        iri, name = resolve(names, mention)
        uses.setdefault(iri, {}).setdefault(name, []).append(mention)
    problems: list[Problem] = []
    for iri, spellings in uses.items():
        if len(spellings) > 1:
            kept, first = _kept(spellings)
            problems.extend(
                error("iri.collision", f"{name!r} and {kept!r} both make the IRI <{iri}> and would merge: "
                      f"write {kept!r}, or tell the two apart by name", locate(m.file, m.loc),
                      locate(first.file, first.loc))
                for name, mentions in spellings.items() if name != kept for m in mentions
            )  # fmt: skip
    return problems


def _kept(spellings: dict[str, list[Mention]]) -> tuple[str, Mention]:
    """The name to keep and where it is written: the declared one (its field is ``name``: city.name,
    persons.N.name, organizations.N.name), else the most written."""
    for name, mentions in spellings.items():
        declaration = next((m for m in mentions if m.loc[-1] == "name"), None)
        if declaration is not None:
            return name, declaration
    name = max(spellings, key=lambda name: len(spellings[name]))
    return name, spellings[name][0]
