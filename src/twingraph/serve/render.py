"""The pages as bytes: one rendering, used by the server (app.py) and the static site (export_site.py).

Nothing here reads a request. A page is a function of the store, the templates,
the base IRI, the JSON-LD context, the named queries and the IRI it describes;
the path it shows is the IRI's own path on the host, ``pages.href(iri, base)``.
Whether links point at the server's routes or at the static site's files is the
templates' business (``pages.environment(static=...)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jinja2
import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from twingraph.export import serialize
from twingraph.rdf.formats import RdfFormat
from twingraph.rdf.namespaces import SCHEMA, TG
from twingraph.rdf.schemaorg import http_schema_iris
from twingraph.serve import listings, lookups, pages, query_page
from twingraph.serve.sparql import Outcome
from twingraph.store.interface import QueryStore
from twingraph.store.queries import NamedQuery

# where the index page's other formats are: the dataset description
INDEX_PATH = "/dataset"
INCOMING_SHOWN = 50  # links to a resource shown per property
KINDS = {str(TG.population): "PopulationObservation", str(TG.area): "AreaObservation"}
LIST_TITLES = {"city": "Cities", "person": "People", "organization": "Organizations", "event": "Events",
               "agreement": "Agreements"}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Renderer:
    """What every page needs besides the store: templates, base IRI, JSON-LD context and frames, named queries."""

    env: jinja2.Environment
    base: str
    context: dict[str, Any]
    queries: dict[str, NamedQuery]
    frames: dict[str, dict[str, Any]]
    switch: str = ""  # the link to the page in the interface's other language; none in the static site

    @property
    def lang(self) -> str:
        """The interface's language, the templates' (``pages.environment``)."""
        return str(self.env.globals["lang"])

    def tr(self, message: str) -> str:
        """A message of the interface (English, a msgid of the catalogue) in the interface's language."""
        return pages.translator(self.env)(message)


@dataclasses.dataclass(frozen=True)
class Subject:
    """One resource page being made: the store, its description, and the sources it cites so far."""

    renderer: Renderer
    store: QueryStore
    graph: Graph
    iri: str
    sources: pages.Sources

    @property
    def base(self) -> str:
        return self.renderer.base

    def links(self, predicate: Any) -> list[dict[str, Any]]:
        """The resources the subject points at through ``predicate``, as links with their names."""
        found = sorted(self.graph.objects(URIRef(self.iri), predicate), key=str)
        return [pages.value_view(self.graph, o, self.base) for o in found]

    def literal(self, predicate: Any) -> str | None:
        return pages.pick_label(self.graph.objects(URIRef(self.iri), predicate))


def fact(label: str, parts: list[dict[str, Any]], source: dict[str, Any] | None = None) -> dict[str, Any]:
    """One line of a page's facts: a label, its values (text and links) and the sentence it comes from."""
    return {"label": label, "parts": parts, "source": source}


def joined_all(items: list[list[dict[str, Any]]], separator: str = ", ") -> list[dict[str, Any]]:
    """Items of several parts each (a link and a note on it) one after another, with a separator between them."""
    return [part for i, item in enumerate(items) for part in ([{"text": separator}] if i else []) + item]


def joined(links: list[dict[str, Any]], separator: str = ", ") -> list[dict[str, Any]]:
    """Links one after another, with a separator between them."""
    return joined_all([[link] for link in links], separator)


def text(row: dict[str, Any], key: str) -> str | None:
    return row[key].value if key in row else None


def link(row: dict[str, Any], key: str, base: str, name: str | None = None) -> dict[str, Any]:
    """A row's IRI as a link named by another column (``{key}Name`` by default); empty when unbound."""
    return pages.term_link(row[key], row.get(name or key + "Name"), base) if key in row else {"text": ""}


def type_text(renderer: Renderer, label: str | None) -> str | None:
    """A type's English label (``lookups.TYPE_NAME``) in the interface's language."""
    return renderer.tr(label) if label else None


def type_links(c: Subject, predicate: Any) -> list[dict[str, Any]]:
    """Links to the subject's types (of event or agreement), each named by its English label in the interface's
    language: the catalogue's, the same as in the lists and the named queries."""
    found = []
    for link_view in c.links(predicate):
        english = next((str(o) for o in c.graph.objects(URIRef(link_view["iri"]), SKOS.prefLabel)
                        if getattr(o, "language", None) == "en"), None)  # fmt: skip
        found.append({"href": link_view["href"], "text": c.renderer.tr(english)} if english else link_view)
    return found


def city_sections(c: Subject) -> dict[str, Any]:
    """A city's facts with their sentences, the partnership, «О городе», agreements, partners and events."""
    quoted = lookups.sources(c.store, c.iri)

    def cite(holder: str, prop: Any = None) -> dict[str, Any] | None:
        row = next((r for r in quoted if r["holder"].value == holder and text(r, "prop") == prop), None)
        return c.sources.cite(row)

    facts = [fact("Country", joined(c.links(TG.country)), cite(c.iri))] if c.links(TG.country) else []
    labels = {str(TG.population): "Population", str(TG.area): "Area"}
    for row in sorted(lookups.observations(c.store, c.iri), key=lambda r: r["prop"].value != str(TG.population)):
        meaning = pages.meaning_view({"kind": ox.Literal(KINDS[row["prop"].value]), **row}, c.base,
                                     c.renderer.tr, c.renderer.lang)  # fmt: skip
        facts.append(fact(labels[row["prop"].value], meaning, cite(row["obs"].value)))
    for founding in c.graph.objects(URIRef(c.iri), TG.founding):
        founded = [{"text": pages.graph_label(c.graph, founding) or "", "lang": ""}]
        facts.append(fact("Founded", founded, cite(str(founding))))
    if offset := c.literal(TG.utcOffset):
        facts.append(fact("Time zone", [{"text": f"UTC{offset}"}], cite(c.iri, str(TG.utcOffset))))
    for site in c.links(SCHEMA.url):
        facts.append(fact("Website", [site | {"text": site["iri"]}], cite(c.iri, str(SCHEMA.url))))
    for row in quoted:  # the sentences no fact above cites, such as the photo's credit
        c.sources.cite(row)
    about = c.literal(SCHEMA.description)
    partner = (URIRef(c.iri), RDF.type, TG.PartnerCity) in c.graph
    agreements = [{"agreement": link(r, "agreement", c.base, "name"),
                   "date": signing_date(r, c.renderer.lang),
                   "type": type_text(c.renderer, text(r, "type")), "others": text(r, "others"), "others_lang": ""}
                  for r in lookups.agreements(c.store, c.iri)]  # fmt: skip
    return {"facts": facts, "about": pages.paragraphs(about) if about else [], "agreements": agreements,
            "partnership": partnership(c) if partner else [],
            "partners": [] if partner else pages.link_rows(lookups.partners(c.store, c.iri), c.base,
                                                           {"partner": "name"}),
            "timeline": pages.link_rows(lookups.timeline(c.store, c.iri), c.base, {"event": "name"})}  # fmt: skip


def signing_date(row: dict[str, Any], lang: str) -> str:
    """When an agreement was signed: the dates of the event that signed it, at their precision (a range when
    the sentence gives no single day), else the agreement's own year."""
    if "signed" in row:
        return pages.format_period(text(row, "signed"), text(row, "signedEnd"), lang)
    return pages.format_date(text(row, "date") or "", lang)


def partnership(c: Subject) -> list[dict[str, Any]]:
    """A partner city's number of events and its first and latest contacts."""
    found = lookups.contacts(c.store, c.iri)
    facts = [fact("No. of events", [{"text": found[0]["count"].value}])] if found else []
    for which, label in (("first", "First contact"), ("latest", "Latest contact")):
        for row in (r for r in found if text(r, "which") == which):
            when = pages.format_period(text(row, "date"), text(row, "end"), c.renderer.lang)
            facts.append(fact(label, [{"text": f"{when} — "}, link(row, "event", c.base, "name")]))
    return facts


def person_sections(c: Subject) -> dict[str, Any]:
    """A person's posts over time, whom they met and when, and the events they took part in."""
    held = lookups.participations(c.store, c.iri)
    roles = [{"date": text(r, "date") or "", "end": text(r, "end"), "post": text(r, "postName") or "",
              "behalf": text(r, "behalfName") or "", "event": link(r, "event", c.base), "source": c.sources.cite(r)}
             for r in held]  # fmt: skip
    met = [{"date": text(r, "date"), "other": link(r, "other", c.base), "post": text(r, "post"),
            "event": link(r, "event", c.base), "place": text(r, "place"), "source": c.sources.cite(r)}
           for r in lookups.meetings(c.store, c.iri)]  # fmt: skip
    return {"posts": posts_held(held, c.renderer.lang), "met": met, "roles": roles}


def posts_held(held: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The posts of a person's participations: each with its first and last date, whom it represented, how often."""
    posts: dict[str, dict[str, Any]] = {}
    for row in held:
        if "post" not in row:
            continue
        post = posts.setdefault(row["post"].value,
                                {"post": text(row, "postName"), "dates": [], "behalf": set(), "n": 0})  # fmt: skip
        post["dates"] += [d for d in (text(row, "date"), text(row, "end")) if d]
        post["n"] += 1
        post["behalf"] |= {text(row, "behalfName")} - {None}
    shown = []
    for post in posts.values():
        first, last = min(post["dates"], default=None), max(post["dates"], default=None)
        shown.append({"post": post["post"], "first": first or "", "period": pages.format_period(first, last, lang),
                      "behalf": ", ".join(sorted(post["behalf"])), "count": post["n"]})  # fmt: skip
    return sorted(shown, key=lambda p: p["first"])


def event_sections(c: Subject) -> dict[str, Any]:
    """An event's date at its precision, type, place, partner city, larger event, organizations and participants."""
    cited = c.sources.cite(next(iter(lookups.sources(c.store, c.iri)), None))
    when = pages.format_period(c.literal(SCHEMA.startDate), c.literal(SCHEMA.endDate), c.renderer.lang)
    venue = [{"text": ", "}, {"text": found, "lang": ""}] if (found := c.literal(TG.venue)) else []
    place = joined(c.links(SCHEMA.location)) + venue
    modes = c.graph.objects(URIRef(c.iri), SCHEMA.eventAttendanceMode)
    online = c.literal(TG.online) == "true" or any(str(m).endswith("OnlineEventAttendanceMode") for m in modes)
    who = [participant_view(r, c) for r in lookups.participants(c.store, c.iri)]
    organizations = {w["who"]["href"]: w["who"] for w in who if w["kind"] == str(TG.Organization)}
    organizations |= {w["behalf"]["href"]: w["behalf"] for w in who if w["behalf_kind"] == str(TG.Organization)}
    # cities and countries that took part as a whole: a line each; the others, with their posts, a table
    delegation = {"text": f" ({c.renderer.tr('delegation')})"}
    whole = {kind: joined_all([[w["who"], *([delegation] if w["delegation"] else [])] for w in who
                               if w["kind"] == str(kind) and not (w["post"] or w["behalf"])])
             for kind in (TG.City, TG.Country)}  # fmt: skip
    facts = [fact(label, parts, source) for label, parts, source in (
        ("Date", [{"text": when}], cited), ("Type", joined(type_links(c, TG.eventType)), None), ("Place", place, cited),
        ("Format", [{"text": c.renderer.tr("online")}] if online else [], None),
        ("Partner city", joined(c.links(SCHEMA.about)), cited),
        ("Part of", joined(c.links(SCHEMA.superEvent)), None),
        ("Cities taking part", whole[TG.City], cited), ("Countries taking part", whole[TG.Country], cited),
        ("Organizations", joined(list(organizations.values())), cited)) if parts]  # fmt: skip
    who = [w for w in who if w["kind"] == str(TG.Person) or w["post"] or w["behalf"]]
    in_parts = [participant_view(r, c) for r in lookups.participants(c.store, c.iri, in_parts=True)]
    notes = [{"text": str(n), "lang": getattr(n, "language", None)} for n in c.graph.objects(URIRef(c.iri), TG.note)]
    subs = [{"event": link(r, "sub", c.base, "name"),
             "period": pages.format_period(text(r, "date"), text(r, "endDate"), c.renderer.lang)}
            for r in lookups.sub_events(c.store, c.iri)]  # fmt: skip
    return {"facts": facts, "participants": who, "subevents": subs, "notes": notes, "in_parts": in_parts}


def participant_view(row: dict[str, Any], c: Subject) -> dict[str, Any]:
    """One who took part in an event, as its page lists them: who, their kind, post, on whose behalf, as a
    delegation, and the smaller event they took part in (for those of its parts)."""
    date = pages.format_date(text(row, "subDate") or "", c.renderer.lang)
    part = {"part": link(row, "sub", c.base, "subName"), "part_period": date} if "sub" in row else {}
    return {"who": link(row, "who", c.base), "kind": text(row, "kind"), "post": text(row, "postName"),
            "behalf": link(row, "behalf", c.base) if "behalf" in row else None,
            "delegation": text(row, "delegation") == "true", "behalf_kind": text(row, "behalfKind"),
            **part}  # fmt: skip


def agreement_sections(c: Subject) -> dict[str, Any]:
    """An agreement's type, date and parties, with its sentence."""
    cited = c.sources.cite(next(iter(lookups.sources(c.store, c.iri)), None))
    date = c.literal(SCHEMA.dateCreated)
    signed = [[{"text": pages.format_period(text(r, "date"), text(r, "endDate"), c.renderer.lang) + " — "},
               link(r, "event", c.base, "name")] for r in lookups.signings(c.store, c.iri)]  # fmt: skip
    facts = [fact("Type", joined(type_links(c, TG.agreementType))),
             fact("Date signed", [{"text": pages.format_date(date, c.renderer.lang)}] if date else [], cited),
             fact("Signed at", joined_all(signed, "; ")),
             fact("Parties", joined(c.links(TG.party)), cited)]  # fmt: skip
    return {"facts": [f for f in facts if f["parts"]]}


def organization_sections(c: Subject) -> dict[str, Any]:
    """The events an organization took part in, and who represented it where."""
    lang = c.renderer.lang
    took_part = [{"period": pages.format_period(text(r, "date"), text(r, "end"), lang),
                  "event": link(r, "event", c.base),
                  "behalf": text(r, "behalfName"), "source": c.sources.cite(r)}
                 for r in lookups.participations(c.store, c.iri)]  # fmt: skip
    represented = [{"period": pages.format_period(text(r, "date"), text(r, "end"), lang), "who": link(r, "who", c.base),
                    "post": text(r, "postName"), "event": link(r, "event", c.base), "source": c.sources.cite(r)}
                   for r in lookups.participations(c.store, c.iri, "onBehalfOf")]  # fmt: skip
    return {"took_part": took_part, "represented": represented}


SECTIONS = ((TG.City, "city", city_sections), (TG.Person, "person", person_sections),
            (TG.Event, "event", event_sections), (TG.Agreement, "agreement", agreement_sections),
            (TG.Organization, "organization", organization_sections))  # fmt: skip


def meanings_of(c: Subject) -> dict[str, list[dict[str, Any]]]:
    """What the unnamed nodes the page shows (intermediate ones among them) stand for."""
    subject = URIRef(c.iri)
    nodes = {subject, *c.graph.objects(subject, None), *(s for s, _ in c.graph.subject_predicates(subject))}
    unnamed = sorted(str(n) for n in nodes if isinstance(n, URIRef) and not pages.graph_label(c.graph, n))
    found = lookups.meanings(c.store, unnamed[:1000])
    return {r["n"].value: pages.meaning_view(r, c.base, c.renderer.tr, c.renderer.lang) for r in found}


def incoming_groups(c: Subject, meanings: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The links to the resource, by property: a readable heading, how many, and the first ``INCOMING_SHOWN``."""
    counts = {r["p"].value: int(r["n"].value) for r in lookups.incoming_counts(c.store, c.iri)}
    by_property: dict[str, list[Any]] = {}
    for s, p in c.graph.subject_predicates(URIRef(c.iri)):
        if isinstance(s, URIRef):
            by_property.setdefault(str(p), []).append(s)
    for predicate in counts.keys() - by_property.keys():  # past the description's cap: counted, not shown
        by_property[predicate] = []
    groups = []
    for predicate, found in by_property.items():
        items = [meanings.get(str(s)) or [pages.value_view(c.graph, s, c.base)] for s in found]
        items.sort(key=lambda parts: ("".join(p["text"] for p in parts).lower(), [p.get("href", "") for p in parts]))
        label, inverse = pages.inverse_label(predicate)
        groups.append({"label": label, "inverse": inverse, "curie": pages.curie(predicate) or predicate,
                       "count": counts.get(predicate, len(found)), "items": items[:INCOMING_SHOWN]})  # fmt: skip
    return sorted(groups, key=lambda g: (-g["count"], g["label"], g["curie"]))


def store_sections(c: Subject) -> dict[str, Any]:
    """The parts of a resource page that come from the rest of the store: facts by type, sources, links to it."""
    types = set(c.graph.objects(URIRef(c.iri), RDF.type))
    found: dict[str, Any] = {"kind": None}
    for cls, kind, sections in SECTIONS:
        if cls in types:
            found |= {"kind": kind, **sections(c)}
            break
    for row in lookups.sources(c.store, c.iri) if found["kind"] is None else []:
        c.sources.cite(row)
    meanings = meanings_of(c)
    return found | {"meanings": meanings, "incoming": incoming_groups(c, meanings)}


def resource_page(renderer: Renderer, graph: Graph, iri: str, store: QueryStore | None) -> bytes:
    """The HTML page of one resource: the facts a reader came for, each with its source sentence, then
    the description itself (folded) and the links to it, grouped by property.

    Args:
        graph: the description, as ``lookups.describe`` gives it.
        iri: the resource; the page shows its path on this host.
        store: where facts, sentences, meetings, posts, participants, agreements, events and incoming
            links are looked up; None for a description that is not in the store (the dataset's).
    """
    sections: dict[str, Any] = {"kind": None, "facts": [], "incoming": [], "meanings": {}}
    sources = pages.Sources()
    if store is not None:
        sections |= store_sections(Subject(renderer, store, graph, iri, sources))
    view = pages.resource_view(graph, URIRef(iri), renderer.base, sections.pop("meanings"))
    jsonld = serialize(graph, RdfFormat.JSONLD, renderer.context, graph_iri=iri, frames=renderer.frames)
    return pages.render(renderer.env, "resource.html", title=view["label"], r=view, switch=renderer.switch,
                        sources=sources.notes,
                        path=pages.href(iri, renderer.base), jsonld=pages.json_script(jsonld), **sections)  # fmt: skip


def index_page(renderer: Renderer, store: QueryStore, void: Graph) -> bytes:
    """The home page: the home city, the partner cities with their numbers and dates, the way in to every list."""
    rows = pages.link_rows(lookups.partner_cities(store), renderer.base, {"city": "name"})
    homes = pages.link_rows(lookups.home_cities(store), renderer.base, {"city": "name"})
    counts = listings.class_counts(store)
    lists = [{"href": f"/{path}/", "title": title, "count": counts.get(path, 0)} for path, title in LIST_TITLES.items()]
    jsonld = pages.json_script(serialize(void, RdfFormat.JSONLD, renderer.context))
    return pages.render(renderer.env, "index.html", title=renderer.tr("Partner cities"), switch=renderer.switch,
                        cities=rows, homes=homes, lists=lists,
                        path=INDEX_PATH, jsonld=jsonld)  # fmt: skip


# -- the lists -------------------------------------------------------------------------------------

Cell = Callable[[dict[str, Any], "Renderer"], list[dict[str, Any]]]  # a row, and the base IRI and language
FACET_LABELS = {"city": "Partner city", "year": "Year", "type": "Type", "country": "Country", "role": "Role",
                "side": "On behalf of"}  # fmt: skip
ROLE_LABELS = {"partner": "partner city", "home": "home city (whose ties are described)", "other": "other city"}
ASCENDING = {"name", "country"}  # the sorts whose first click goes up; the others (numbers, dates) go down


def name_cell(row: dict[str, Any], rr: Renderer) -> list[dict[str, Any]]:
    """The resource as a link by its Russian name, with Wikidata's English one after it."""
    english = [{"text": f" · {row['en'].value}", "lang": "en"}] if "en" in row else []
    home = [{"text": f" ({rr.tr('home city')})"}] if text(row, "role") == "home" else []
    return [link(row, "s", rr.base, "name"), *english, *home]


def column_text(key: str, form: Callable[[str, str], str] | None = None) -> Cell:
    """A column of a value as it is (a number), or as ``form`` writes it in the language (a date)."""
    return lambda row, rr: [{"text": form(row[key].value, rr.lang) if form else row[key].value}] if key in row else []


def column_type(row: dict[str, Any], rr: Renderer) -> list[dict[str, Any]]:
    """An event's or agreement's type: its English label (``lookups.TYPE_NAME``) in the interface's language."""
    return [{"text": rr.tr(row["type"].value)}] if "type" in row else []


LINKS_SHOWN = 8  # the links a list's cell shows; past them it says how many more the resource's page has


def column_links(key: str) -> Cell:
    """A column of links (an agreement's parties): the first ``LINKS_SHOWN`` by name, then how many are left out."""

    def cell(row: dict[str, Any], rr: Renderer) -> list[dict[str, Any]]:
        found = pages.link_lines(text(row, key) or "", rr.base)
        left_out = len(found) - LINKS_SHOWN
        more = [{"text": " " + rr.tr("and %(count)s more") % {"count": left_out}}] if left_out > 0 else []
        return joined(found[:LINKS_SHOWN]) + more

    return cell


def period_cell(row: dict[str, Any], rr: Renderer) -> list[dict[str, Any]]:
    return [{"text": pages.format_period(text(row, "date"), text(row, "end"), rr.lang)}]


def population_cell(row: dict[str, Any], rr: Renderer) -> list[dict[str, Any]]:
    year = f" ({row['populationYear'].value})" if "populationYear" in row else ""
    return [{"text": pages.format_number(row["population"].value, rr.lang) + year}] if "population" in row else []


ACTIVITY_COLUMNS: tuple[tuple[str, str | None, Cell, str], ...] = (
    ("No. of events", "events", column_text("events"), "num"),
    ("First", "first", column_text("first", pages.format_date), ""),
    ("Latest", "latest", column_text("latest", pages.format_date), ""),
)
# each list's columns: heading, the sort it offers (or None), its cell, its class
COLUMNS: dict[str, tuple[tuple[str, str | None, Cell, str], ...]] = {
    "city": (("City", "name", name_cell, ""),
             ("Country", "country",
              lambda r, rr: [link(r, "country", rr.base, "countryName")] if "country" in r else [], ""),
             ("Population", "population", population_cell, "num"),
             ("No. of agreements", "agreements", column_text("agreements"), "num"),
             ("No. of events", "events", column_text("events"), "num"),
             ("First contact", "first", column_text("first", pages.format_date), ""),
             ("Last contact", "latest", column_text("latest", pages.format_date), "")),
    "person": (("Name", "name", name_cell, ""),
               ("Posts", None, lambda r, rr: [{"text": "; ".join(pages.lines(text(r, "posts") or "", 3)), "lang": ""}],
                ""),
               ("On behalf of", None, column_links("behalf"), ""),
               *ACTIVITY_COLUMNS[:1], ("People met", "met", column_text("met"), "num"), *ACTIVITY_COLUMNS[1:]),
    "organization": (("Title", "name", name_cell, ""), *ACTIVITY_COLUMNS[:1],
                     ("No. of representatives", "people", column_text("people"), "num"), *ACTIVITY_COLUMNS[1:]),
    "event": (("Date", "date", period_cell, "date"), ("Event", "name", name_cell, ""),
              ("Type", None, column_type, ""),
              ("Place", None, lambda r, rr: [link(r, "place", rr.base, "placeName")] if "place" in r else [], ""),
              ("Partner city", None, column_links("cities"), ""),
              ("No. of participants", "participants", column_text("participants"), "num")),
    "agreement": (("Date", "date", column_text("date", pages.format_date), "date"),
                  ("Agreement", "name", name_cell, ""), ("Type", None, column_type, ""),
                  ("Parties", None, column_links("parties"), "")),
}  # fmt: skip


def list_params(query: listings.ListQuery, **changed: str) -> dict[str, str]:
    """A list request's parameters as a link writes them, with some changed (a sort, a page, a facet)."""
    return {"q": query.text, **dict(query.filters), "sort": query.sort, "page": str(query.page), **changed}


def list_columns(kind: str, query: listings.ListQuery, static: bool) -> list[dict[str, Any]]:
    """The column headings, each sortable one a link that sorts by it (again: the other way)."""
    current = query.sort or listings.LISTINGS[kind].default_sort
    found = []
    for heading, sort, _, cls in COLUMNS[kind]:
        column = {"heading": heading, "cls": cls, "href": None, "arrow": ""}
        if sort and not static:
            first = sort if sort in ASCENDING else "-" + sort
            wanted = {sort: "-" + sort, "-" + sort: sort}.get(current, first)
            column |= {"href": pages.list_href(f"/{kind}/", list_params(query, sort=wanted, page="1"), False),
                       "arrow": {sort: " ▲", "-" + sort: " ▼"}.get(current, "")}  # fmt: skip
        found.append(column)
    return found


def facet_views(renderer: Renderer, store: QueryStore, kind: str, query: listings.ListQuery) -> list[dict[str, Any]]:
    """Each facet's values with their counts, the chosen one marked (and kept when it counts nothing)."""
    listing, chosen = listings.LISTINGS[kind], dict(query.filters)
    views = []
    for name, found in listings.list_facets(store, listing, query, renderer.base).items():
        facet, options = listing.facets[name], []
        for row in found:
            value = row["v"].value
            if isinstance(row["v"], ox.NamedNode):
                value = listings.facet_value(facet, value, renderer.base)
            data = "label" in row or value not in ROLE_LABELS
            label = text(row, "label") or (renderer.tr(ROLE_LABELS[value]) if value in ROLE_LABELS else value)
            if name == "type" and "label" in row:  # a type's English label (``lookups.TYPE_NAME``), translated
                label, data = renderer.tr(label), False
            selected = value == chosen.get(name)
            lang = (pages.lang_of(row["label"]) if "label" in row else "") if data else None
            options.append({"value": value, "text": label, "count": row["n"].value, "selected": selected, "lang": lang})
        if name in chosen and not any(o["selected"] for o in options):
            options.insert(0, {"value": chosen[name], "text": chosen[name], "count": "0", "selected": True, "lang": ""})
        removed = pages.list_href(f"/{kind}/", list_params(query, page="1", **{name: ""}), False)
        active = next(({"label": FACET_LABELS[name], "text": o["text"], "lang": o["lang"], "remove": removed}
                       for o in options
                       if o["selected"]), None)  # fmt: skip
        views.append({"name": name, "label": FACET_LABELS[name], "options": options, "active": active})
    return views


def list_page(renderer: Renderer, store: QueryStore, kind: str, query: listings.ListQuery) -> bytes:
    """One page of a list (``/city/``, ``/person/``...): counts, the facets and name filter, sortable columns.

    The static site's copy has its pages alone: filters and sorts need the server.
    """
    listing, static, path = listings.LISTINGS[kind], bool(renderer.env.globals["static_site"]), f"/{kind}/"
    count = listings.list_count(store, listing, query, renderer.base)
    found = listings.list_page(store, listing, query, renderer.base)
    rows = [[{"parts": cell(row, renderer), "cls": cls} for _, _, cell, cls in COLUMNS[kind]] for row in found]
    pages_count = max(1, -(-count // listings.PAGE_SIZE))
    pager = {n: pages.list_href(path, list_params(query, page=str(n)), static)
             for n in {1, query.page - 1, query.page + 1, pages_count} if 1 <= n <= pages_count and n != query.page}
    facets = [] if static else facet_views(renderer, store, kind, query)
    return pages.render(renderer.env, "list.html", title=renderer.tr(LIST_TITLES[kind]), switch=renderer.switch,
                        path=path, count=count, rows=rows,
                        columns=list_columns(kind, query, static), facets=facets, q=query.text, sort=query.sort,
                        filtered=bool(query.text or query.filters), page=query.page, pages=pages_count,
                        pager=pager, lists=list_links(kind),
                        q_label="Name" if kind == "person" else "Title")  # fmt: skip


def list_links(current: str) -> list[dict[str, Any]]:
    """The way in to every list, the current one marked."""
    return [{"href": f"/{path}/", "title": title, "current": path == current} for path, title in LIST_TITLES.items()]


def queries_page(renderer: Renderer) -> bytes:
    """The catalogue of named queries, each with its form (on the server) or its text (in the static site)."""
    shown = [{"q": q, "fields": query_page.form_fields(q, {}, renderer.tr)} for q in renderer.queries.values()]
    return pages.render(renderer.env, "queries.html", title=renderer.tr("Queries"), queries=shown,
                        switch=renderer.switch)


def results_page(renderer: Renderer, query: str, outcome: Outcome, named: NamedQuery | None = None,
                 values: dict[str, str] | None = None) -> bytes:  # fmt: skip
    """The results of a query as a table (a CONSTRUCT's triples as s, p, o), or an ASK's answer.

    A named query's (``query`` is its text bound with ``values``; a query that is a named one's own
    text is that query, unbound) is its page (``query_page``). A query that uses ``http://schema.org/``
    terms gets a warning: the dataset's are ``https://schema.org/``.
    """
    named = named or next((q for q in renderer.queries.values() if q.text == query), None)
    if named is not None:
        return query_page.named_page(renderer.env, renderer.base, named, values or {}, query, outcome,
                                     http_schema_iris(query), renderer.switch)  # fmt: skip
    if outcome.triples is not None:
        rows = [{"s": s, "p": p, "o": o} for s, p, o in outcome.triples]
        columns: tuple[str, ...] = ("s", "p", "o")
    else:
        rows = [dict(zip(outcome.variables, row, strict=True)) for row in outcome.rows]
        columns = outcome.variables
    return pages.render(renderer.env, "results.html", title=renderer.tr("Results"), switch=renderer.switch,
                        query=query, columns=columns,
                        rows=pages.link_rows(rows, renderer.base, {}), boolean=outcome.boolean,
                        truncated=outcome.truncated, http_schema=http_schema_iris(query))  # fmt: skip
