"""HTML pages: Jinja2 templates with autoescape on, and the views they are given.

Every literal reaches a page through a template expression, so it is escaped;
the one value marked safe is the page's JSON-LD, whose ``<``, ``>`` and ``&`` are
written as JSON ``\\u`` escapes so it cannot close its ``<script>`` element.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
import pyoxigraph as ox
from babel.dates import get_month_names
from babel.numbers import format_decimal
from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from twingraph.config import ONTOLOGY_IRI
from twingraph.rdf.namespaces import PREFIXES, SCHEMA, WD
from twingraph.serve import i18n

LABELS = (SCHEMA.name, RDFS.label, SKOS.prefLabel, DCTERMS.title)
TG_NS = ONTOLOGY_IRI


# The texts the views' scripts (static/views/) show, as msgids: a page gives them translated, with the
# month names, in ``#view-messages`` (``script_texts``), and common.js's ``say`` reads them; ``{name}`` is a value.
SCRIPT_TEXTS = (
    "all", "City", "People", "Organization", "Year", "person", "city", "organization",
    "date known to the day", "to the month", "to the year", "Timeline: {n} events", "Whole axis",
    "Ctrl + mouse wheel: zoom; drag: pan", "Events shown: {shown} of {total}", "Timeline: events per year, {n} cities",
    "{city}, {year}: {n} events", "home city", "partner city",
    "Map: {placed} cities with coordinates, {unplaced} without", "{name}: {agreements} agreements, {events} events",
    "No coordinates ({n})", "{name} (home city)", "Showing {shown} of {total}: those with most agreements and events.",
    "Network of meetings: {nodes} participants, {edges} links", "Participants: {nodes}, links: {edges}",
    "events: {n}", "Agreements", "Events", "Agreements and events by year and city",
    "The drawing failed ({error}); the data are in the table below.",
)  # fmt: skip


def script_texts(tr: Callable[[str], str], lang: str) -> dict[str, Any]:
    """The views' texts in a language, with its month names: standing alone, and short after a day.

    >>> texts = script_texts(lambda m: m, "en")
    >>> texts["Whole axis"], texts["months"][4], texts["monthsShort"][8]
    ('Whole axis', 'May', 'Sep')
    """
    alone = get_month_names("wide", context="stand-alone", locale=lang)
    short = get_month_names("abbreviated", context="format", locale=lang)
    months = {"months": [str(alone[m]) for m in range(1, 13)], "monthsShort": [str(short[m]) for m in range(1, 13)]}
    return {m: tr(m) for m in SCRIPT_TEXTS} | months


def environment(static: bool = False, lang: str = i18n.DEFAULT) -> jinja2.Environment:
    """The template environment of one language of the interface; autoescape is on for every template.

    Args:
        static: for the static site (``twingraph site``): no search form and no
            SPARQL link, and other formats are files with a suffix, not ``?format=``.
        lang: the interface's language (``i18n.LANGUAGES``): the templates' ``_()`` and ``{% trans %}``
            and the code's ``tr`` (a global) translate into it.
    """
    env = jinja2.Environment(loader=jinja2.PackageLoader("twingraph.serve", "templates"), autoescape=True,
                             extensions=["jinja2.ext.i18n"])  # fmt: skip
    found = i18n.translations(lang)
    env.install_gettext_translations(found, newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    env.globals["tr"] = found.gettext
    env.globals["script_texts"] = script_texts(found.gettext, lang)
    # globals, not render() arguments, so that the macros imported by the templates see them too
    env.globals["static_site"] = static
    env.globals["alternate"] = functools.partial(alternate_href, static=static)
    env.filters["human_date"] = functools.partial(format_date, lang=lang)
    return env


def translator(env: jinja2.Environment) -> Tr:
    """The interface's messages in the environment's language (``environment(lang=...)``), for the code's texts."""
    found = env.globals["tr"]
    assert callable(found)
    return lambda message: str(found(message))


PHRASES = {"what"}  # the values of a message that are phrases of the interface (``the query``): translated too


def said(tr: Tr, lang: str, template: str, values: dict[str, Any], html: bool) -> str:
    """A message (an English msgid with ``%(name)s`` values) in the interface's language.

    The values a message names are data: a number as the language writes it, a phrase of the
    interface (``PHRASES``) translated, anything else (a name, an IRI, a parser's own words)
    as it is, in ``<code>`` on a page, escaped.

    >>> said(str, "ru", "the body is larger than %(limit)s bytes", {"limit": 65536}, html=False)
    'the body is larger than 65\xa0536 bytes'
    >>> said(str, "en", "unknown format %(name)s", {"name": "<b>"}, html=True)
    Markup('unknown format <code>&lt;b&gt;</code>')
    """

    def shown(key: str, value: Any) -> Any:
        if isinstance(value, int | float) or re.fullmatch(r"[0-9]+(\.[0-9]+)?", str(value)):
            return format_number(str(value), lang)
        if key in PHRASES:
            return tr(str(value))
        return Markup("<code>%s</code>") % value if html else str(value)

    text: str = Markup.escape(tr(template)) if html else tr(template)
    return text % {key: shown(key, value) for key, value in values.items()} if values else text


def static_dir() -> Path:
    """The stylesheet and other files served under ``/static``."""
    return Path(__file__).parent / "static"


def render(env: jinja2.Environment, template: str, **context: Any) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")


def curie(iri: str) -> str | None:
    """The prefixed name of an IRI in one of the project's namespaces.

    >>> curie("https://schema.org/startDate")
    'schema:startDate'
    """
    best = max((p for p, ns in PREFIXES.items() if iri.startswith(ns)), key=lambda p: len(PREFIXES[p]), default=None)
    return None if best is None else f"{best}:{iri[len(PREFIXES[best]) :]}"


def href(iri: str, base: str) -> str:
    """Where a link to the IRI points: a path on this server for the dataset's IRIs, nowhere
    for a scheme a browser would run or open (``javascript:``, ``data:``): only http(s) links out.

    >>> href("https://twingraph.example/city/tehran", "https://twingraph.example/")
    '/city/tehran'
    >>> href("javascript:alert(1)", "https://twingraph.example/"), href("http://www.wikidata.org/entity/Q900", "")
    ('#', 'http://www.wikidata.org/entity/Q900')
    """
    if iri.startswith(base) and base:
        return "/" + iri[len(base) :]
    return iri if iri.lower().startswith(("http://", "https://")) else "#"


def alternate_href(path: str, name: str, static: bool) -> str:
    """Where a page's description in another format is: ``?format=`` on the server, a file in a static site.

    >>> alternate_href("/city/tehran", "ttl", static=False), alternate_href("/city/tehran", "ttl", static=True)
    ('/city/tehran?format=ttl', '/city/tehran.ttl')
    """
    return f"{path}.{name}" if static else f"{path}?format={name}"


def list_href(path: str, params: dict[str, str], static: bool) -> str:
    """Where a list's page is: its parameters after ``?`` on the server; in a static site, its pages as files.

    >>> list_href("/event/", {"page": "2", "sort": "name", "q": ""}, static=False)
    '/event/?page=2&sort=name'
    >>> list_href("/event/", {"page": "2", "sort": "name"}, static=True)
    '/event/page-2.html'
    >>> list_href("/event/", {"page": "1"}, static=True)
    '/event/'
    """
    if static:
        page = int(params.get("page") or 1)
        return path if page == 1 else f"{path}page-{page}.html"
    kept = {k: v for k, v in params.items() if v and not (k == "page" and v == "1")}
    return path + ("?" + urlencode(kept) if kept else "")


def json_script(body: bytes) -> Markup:
    """JSON text safe inside ``<script>``: ``<``, ``>`` and ``&`` as ``\\u`` escapes.

    >>> str(json_script(b'{"a": "</script>"}'))
    '{"a": "\\\\u003c/script\\\\u003e"}'
    """
    text = body.decode("utf-8").replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # safe: every character that could end the script is escaped above


def pick_label(labels: Iterable[Any]) -> str | None:
    """A Russian label when there is one, else a label without language, else any."""
    ranked = sorted(labels, key=lambda lit: {"ru": 0, None: 1, "": 1}.get(getattr(lit, "language", None), 2))
    return str(ranked[0]) if ranked else None


def graph_label(graph: Graph, subject: Any) -> str | None:
    found = label_term(graph, subject)
    return str(found) if found is not None else None


def label_term(graph: Graph, subject: Any) -> Any:
    """The literal ``graph_label`` names a subject by (with its language), or None."""
    for predicate in LABELS:
        labels = [o for o in graph.objects(subject, predicate) if str(o)]
        ranked = sorted(labels, key=lambda lit: {"ru": 0, None: 1, "": 1}.get(getattr(lit, "language", None), 2))
        if ranked:
            return ranked[0]
    return None


def lang_of(term: Any) -> str:
    """A literal's language as an HTML ``lang`` attribute: ``""`` (unknown) when it has none."""
    return getattr(term, "language", None) or ""


def value_view(graph: Graph, term: Any, base: str) -> dict[str, Any]:
    """A node of the description as a page shows it: text, and a link, language or datatype."""
    if isinstance(term, URIRef):
        iri, label = str(term), label_term(graph, term)
        if label is not None:
            return {"href": href(iri, base), "text": str(label), "iri": iri, "lang": lang_of(label)}
        return {"href": href(iri, base), "text": curie(iri) or iri, "iri": iri}
    if isinstance(term, Literal):
        datatype = None if term.datatype in (None, XSD.string) else curie(str(term.datatype))
        return {"text": str(term), "lang": lang_of(term), "datatype": datatype}
    return {"text": f"_:{term}"}


def wikidata_view(graph: Graph, subject: URIRef) -> dict[str, str] | None:
    """The resource's Wikidata item (from data/links.ttl) and the English name Wikidata gives it."""
    item = next((o for o in graph.objects(subject, OWL.sameAs) if str(o).startswith(str(WD))), None)
    if item is None:
        return None
    english = next((str(o) for o in graph.objects(item, RDFS.label) if getattr(o, "language", None) == "en"), "")
    return {"iri": str(item), "qid": str(item)[len(str(WD)) :], "label_en": english}


def property_view(predicate: Any) -> dict[str, str]:
    """A property as a page names it: its label (a msgid of the catalogue: the page translates it), with its
    prefixed name.

    >>> property_view(URIRef("https://twingraph.example/ns#utcOffset"))
    {'label': 'UTC offset', 'curie': 'tg:utcOffset'}
    """
    name = curie(str(predicate)) or str(predicate)
    return {"label": PROPERTY_LABELS.get(name, name), "curie": name}


def resource_view(graph: Graph, subject: URIRef, base: str,
                  meanings: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:  # fmt: skip
    """Label, types and properties (objects linked, by label) of one resource.

    Args:
        meanings: what intermediate nodes stand for (``meaning_view``), shown instead of their IRIs.
    """
    meanings = meanings or {}
    properties: dict[str, dict[str, Any]] = {}
    for predicate, obj in sorted(graph.predicate_objects(subject)):
        if predicate == RDF.type:
            continue
        shown = properties.setdefault(str(predicate), {**property_view(predicate), "values": []})
        value = value_view(graph, obj, base)
        if str(obj) in meanings:
            value = {"parts": meanings[str(obj)]}
        elif isinstance(obj, BNode):
            nested = ", ".join(f"{curie(str(p)) or p}: {o}" for p, o in graph.predicate_objects(obj))
            value["text"] = nested or value["text"]
        shown["values"].append(value)
    iri = str(subject)
    types = sorted(graph.objects(subject, RDF.type), key=str)
    return {
        "iri": iri,
        "label": graph_label(graph, subject) or iri.rstrip("/").rsplit("/", 1)[-1],
        "label_lang": lang_of(label_term(graph, subject)),
        "types": [
            value_view(graph, t, base) | {"text": CLASS_LABELS.get(str(t), curie(str(t)) or str(t))}
            for t in types
            if str(t) not in HIDDEN_TYPES
        ],
        "properties": sorted(properties.values(), key=lambda p: (p["label"], p["curie"])),
        "wikidata": wikidata_view(graph, subject),
        "meaning": meanings.get(iri),
    }


def cell(term: Any, base: str, label: Any = None) -> dict[str, Any]:
    """A pyoxigraph term of a result row as a page shows it."""
    if term is None:
        return {"text": ""}
    if isinstance(term, ox.NamedNode):
        if label is not None:
            return {"href": href(term.value, base), **data_part(label)}
        return {"href": href(term.value, base), "text": curie(term.value) or term.value}
    if isinstance(term, ox.BlankNode):
        return {"text": f"_:{term.value}"}
    if isinstance(term, ox.Triple):
        return {"text": str(term)}
    return {"text": term.value, "lang": lang_of(term)}


def link_rows(rows: list[dict[str, Any]], base: str, links: dict[str, str]) -> list[dict[str, Any]]:
    """Result rows with IRI columns turned into links labelled by another column.

    ``links`` maps an IRI column to the column holding its label.
    """
    out = []
    for row in rows:
        view = {k: cell(v, base) for k, v in row.items()}
        for column, label in links.items():
            view[column] = cell(row.get(column), base, row.get(label))
        out.append(view)
    return out


# -- what a reader sees instead of IRIs -----------------------------------------------------------

# the Russian labels of tg: terms are the ontology's (tests/test_pages.py keeps them equal)
TG_LABELS = {
    "agreementType": "agreement type",
    "approximate": "approximate",
    "area": "area",
    "asDelegation": "as a delegation",
    "century": "century",
    "country": "country",
    "date": "date",
    "event": "event",
    "eventType": "event type",
    "firstPerson": "first person",
    "forProperty": "for property",
    "founding": "founding",
    "lastChecked": "last checked",
    "linkedResource": "linked resource",
    "matchMethod": "match method",
    "matchScore": "match score",
    "note": "reviewer note",
    "onBehalfOf": "on behalf of",
    "online": "online",
    "participant": "participant",
    "participation": "participation",
    "partnerOf": "partner of",
    "party": "party",
    "photoCredit": "photo credit",
    "population": "population",
    "post": "post",
    "quote": "quote",
    "retrieved": "retrieved",
    "secondPerson": "second person",
    "sha256": "SHA-256",
    "signs": "signs",
    "sortKey": "sort key",
    "statedAs": "stated as",
    "utcOffset": "UTC offset",
    "value": "value",
    "venue": "venue",
    "wikidataItem": "Wikidata item",
    "year": "year",
}  # fmt: skip
PROPERTY_LABELS = {f"tg:{name}": label for name, label in TG_LABELS.items()} | {
    "schema:name": "name", "rdfs:label": "label", "skos:prefLabel": "name", "skos:altLabel": "other name",
    "schema:alternateName": "other name", "schema:description": "description", "schema:url": "website",
    "schema:sameAs": "same as", "owl:sameAs": "same as", "schema:containedInPlace": "contained in",
    "schema:about": "about the city", "schema:location": "place", "schema:attendee": "participant",
    "schema:startDate": "start", "schema:endDate": "end", "schema:dateCreated": "date signed",
    "schema:superEvent": "part of the event", "schema:subEvent": "includes the event",
    "schema:eventAttendanceMode": "attendance mode", "schema:latitude": "latitude", "schema:longitude": "longitude",
    "prov:wasDerivedFrom": "source", "prov:used": "used", "dcterms:created": "created",
    "skos:inScheme": "in scheme", "skos:definition": "definition", "rdfs:comment": "comment",
    "oa:hasSource": "page", "oa:hasSelector": "selector", "oa:exact": "text", "oa:prefix": "text before",
    "oa:suffix": "text after", "skos:closeMatch": "close match", "schema:performerIn": "performer in",
    "schema:roleName": "role", "schema:observationAbout": "observation about",
    "schema:observationDate": "observation date",
    "schema:variableMeasured": "variable measured", "schema:value": "value", "schema:unitCode": "unit",
    "schema:spatialCoverage": "spatial coverage",
}  # fmt: skip
# how a group of links *to* a resource reads: "these ... it" (the property seen from its object)
INVERSE_LABELS = {
    "tg:party": "Agreements", "tg:partnerOf": "Partners", "tg:country": "Cities of the country",
    "tg:participant": "Taking part in events", "tg:onBehalfOf": "Represented", "tg:post": "Taking part in this post",
    "tg:firstPerson": "Meetings", "tg:secondPerson": "Meetings", "tg:event": "Meetings at this event",
    "tg:eventType": "Events of this type", "tg:agreementType": "Agreements of this type",
    "tg:linkedResource": "Link to Wikidata", "tg:quote": "What this quote supports",
    "tg:participation": "Event", "tg:population": "City", "tg:area": "City", "tg:founding": "City",
    "schema:about": "Events about the city", "schema:location": "Events at this place",
    "schema:attendee": "Took part in",
    "schema:superEvent": "Parts of this event", "schema:subEvent": "Part of the event", "tg:signs": "Signed at",
    "schema:containedInPlace": "What is here", "prov:wasDerivedFrom": "What was taken from here",
    "oa:hasSource": "Quotes from this page", "skos:inScheme": "Concepts of the scheme",
    "schema:performerIn": "Participants",
    "schema:observationAbout": "Figures of the city", "schema:spatialCoverage": "Agreements about the city",
}  # fmt: skip
CLASS_LABELS = {
    f"{TG_NS}{name}": label
    for name, label in {
        "City": "city", "PartnerCity": "partner city", "Country": "country", "Agreement": "agreement",
        "AgreementType": "agreement type", "Person": "person", "Post": "post", "Organization": "organization",
        "Event": "event", "EventType": "event type", "Participation": "participation",
        "Observation": "observation", "PopulationObservation": "population figure", "AreaObservation": "area",
        "Founding": "founding", "SourcePage": "source page", "Quote": "quote", "Meeting": "meeting",
        "WikidataLink": "link to Wikidata",
    }.items()
}  # fmt: skip
# schema.org's types repeat twingraph's (tg:City is a schema:City), so a page names only the latter
HIDDEN_TYPES = {f"{SCHEMA}{name}" for name in ("City", "Country", "CreativeWork", "Event", "Organization", "Person")}
UNITS = {"PopulationObservation": "people", "AreaObservation": "km²"}  # msgids: "чел.", "км²" in Russian
Tr = Callable[[str], str]


def inverse_label(predicate: str) -> tuple[str, bool]:
    """How a group of links to a resource through ``predicate`` is headed (a msgid), and whether that is the
    property's own label, to be read backwards.

    >>> inverse_label("https://schema.org/about"), inverse_label("https://schema.org/name")
    (('Events about the city', False), ('name', True))
    """
    name = curie(predicate) or predicate
    return (INVERSE_LABELS[name], False) if name in INVERSE_LABELS else (PROPERTY_LABELS.get(name, name), True)


def format_date(text: str, lang: str = i18n.DEFAULT) -> str:
    """A date at its precision, in Russian (or English): a day, a month or a year.

    >>> format_date("2023-05-25"), format_date("2023-05"), format_date("2023"), format_date("вчера")
    ('25 мая 2023', 'май 2023', '2023', 'вчера')
    >>> format_date("2023-05-25", lang="en"), format_date("2023-05", lang="en")
    ('25 May 2023', 'May 2023')
    """
    parts = text.split("-")
    if not (parts[0].isdigit() and len(parts[0]) == 4 and all(p.isdigit() and len(p) == 2 for p in parts[1:3])):
        return text
    if len(parts) >= 3 and 1 <= int(parts[1]) <= 12:
        return f"{int(parts[2][:2])} {month_name(int(parts[1]), False, lang)} {parts[0]}"
    if len(parts) == 2 and 1 <= int(parts[1]) <= 12:
        return f"{month_name(int(parts[1]), True, lang)} {parts[0]}"
    return parts[0]


def month_name(month: int, alone: bool, lang: str) -> str:
    """A month's name in a language, from the CLDR (Babel): after a day, or standing alone (a month and a year).

    >>> month_name(5, False, "ru"), month_name(5, True, "ru"), month_name(5, False, "en")
    ('мая', 'май', 'May')
    """
    return str(get_month_names("wide", context="stand-alone" if alone else "format", locale=lang)[month])


def format_period(start: str | None, end: str | None, lang: str = i18n.DEFAULT) -> str:
    """A date or a range of dates, each at its precision.

    >>> format_period("2002", "2018"), format_period("2023-05-25", "2023-05-25"), format_period(None, None)
    ('2002 – 2018', '25 мая 2023', '')
    >>> format_period("2019-06-15", "2019-06-19"), format_period("2019-06-30", "2019-07-02")
    ('15–19 июня 2019', '30 июня – 2 июля 2019')
    """
    if not start or not end or end == start:
        return format_date(start or end or "", lang)
    first, last = format_date(start, lang), format_date(end, lang)
    if len(start) == len(end) == 10 and start[:4] == end[:4]:  # two days of one year: the year once
        first = first.removesuffix(" " + start[:4])
        if start[:7] == end[:7]:  # and of one month: the month once
            return f"{first.split(' ')[0]}–{last}"
    return f"{first} – {last}"


def format_number(text: str, lang: str = i18n.DEFAULT) -> str:
    """A decimal as the language writes it (CLDR, by Babel): groups of three, its decimal mark, no trailing zeros.

    >>> format_number("9700000.0"), format_number("15.50"), format_number("730"), format_number("n/a")
    ('9\u00a0700\u00a0000', '15,5', '730', 'n/a')
    >>> format_number("9700000.0", "en"), format_number("15.50", "en"), format_number("0.123456", "en")
    ('9,700,000', '15.5', '0.123456')
    """
    number = decimal_of(text)
    return text if number is None else decimal_text(number, lang)


def decimal_of(text: str) -> Decimal | None:
    """A text's finite decimal number; None for anything else («n/a», «NaN», «Infinity»)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def decimal_text(number: Decimal, lang: str) -> str:
    """A decimal as the language writes it, without trailing zeros."""
    return str(format_decimal(number.normalize(), locale=lang, decimal_quantization=False))


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs: the parts between blank lines, each with its lines joined.

    >>> paragraphs("One.\\nstill one.\\n\\n  Two.\\n")
    ['One. still one.', 'Two.']
    """
    blocks = re.split(r"\n\s*\n", text.strip())
    return [" ".join(line.strip() for line in block.splitlines() if line.strip()) for block in blocks if block.strip()]


def text_fragment(source: str, exact: str) -> str:
    """A link to a source page that scrolls to and highlights a sentence (a URL text fragment).

    >>> text_fragment("https://example.org/page", "Население: 9,7 млн - 2025")
    'https://example.org/page#:~:text=%D0%9D%D0%B0%D1%81%D0%B5%D0%BB%D0%B5%D0%BD%D0%B8%D0%B5%3A%209%2C7%20%D0%BC%D0%BB%D0%BD%20%2D%202025'
    """
    page = href(source, "")
    if page == "#":
        return page
    return f"{page.split('#', 1)[0]}#:~:text={quote(exact.strip(), safe='').replace('-', '%2D')}"


def link_lines(text: str, base: str, limit: int | None = None) -> list[dict[str, str]]:
    """The links of a list column, ``IRI name`` a line (``lookups.links``), by name: all, or the first ``limit``.

    >>> link_lines("https://x.example/city/a А\\n\\nhttps://x.example/city/b Б", "https://x.example/")
    [{'href': '/city/a', 'text': 'А', 'lang': ''}, {'href': '/city/b', 'text': 'Б', 'lang': ''}]
    """
    entries = sorted((line for line in text.splitlines() if " " in line), key=lambda entry: entry.split(" ", 1)[1])
    found = [entry.split(" ", 1) for entry in entries]
    return [{"href": href(iri, base), "text": name, "lang": ""} for iri, name in found[:limit]]


def lines(text: str, limit: int = 5) -> list[str]:
    """The non-empty lines of a list column, in order, the first ``limit`` of them."""
    return sorted(line for line in text.splitlines() if line.strip())[:limit]


def term_link(term: Any, name: Any, base: str) -> dict[str, str]:
    """A link to a pyoxigraph IRI named by a term (with the term's language: data), or by the IRI's last segment."""
    if name is None:
        return {"href": href(term.value, base), "text": term.value.rstrip("/").rsplit("/", 1)[-1], "lang": ""}
    return {"href": href(term.value, base), **data_part(name)}


def data_part(term: Any) -> dict[str, str]:
    """A literal of the data as a part of a page: its text and its language, ``""`` when it has none.

    >>> data_part(ox.Literal("Казань", language="ru")), data_part(ox.Literal("Q1"))
    ({'text': 'Казань', 'lang': 'ru'}, {'text': 'Q1', 'lang': ''})
    """
    return {"text": term.value, "lang": lang_of(term)}


def meaning_view(row: dict[str, Any], base: str, tr: Tr, lang: str) -> list[dict[str, str]]:
    """What an intermediate node stands for (a row of ``lookups.meanings``), as text and links.

    A participation reads "who, post, on whose behalf — the event (date)"; an observation
    "9 700 000 чел. (2025)"; a quote its sentence; a meeting "who and who — the event (date)".
    """
    kind, parts = row["kind"].value, []
    date = [{"text": f" ({format_date(row['date'].value, lang)})"}] if "date" in row else []
    event = [{"text": " — "}, term_link(row["event"], row.get("eventName"), base), *date] if "event" in row else date
    if kind == "Participation":
        parts = [term_link(row["a"], row.get("aName"), base)]
        parts += [{"text": ", "}, data_part(row["post"])] if "post" in row else []
        parts += [{"text": f", {tr('on behalf of')} "}, data_part(row["behalf"])] if "behalf" in row else []
        return parts + event
    if kind in UNITS:
        year = f" ({row['year'].value})" if "year" in row else ""
        return [{"text": f"{format_number(row['value'].value, lang)} {tr(UNITS[kind])}{year}"}]
    if kind == "Quote":
        return [{"text": "«"}, data_part(row["exact"]), {"text": "»"}]
    return [term_link(row["a"], row.get("aName"), base), {"text": f" {tr('and')} "},
            term_link(row["b"], row.get("bName"), base),
            *event]  # fmt: skip


class Sources:
    """The source sentences a page cites, numbered in the order they are first cited."""

    def __init__(self) -> None:
        self.notes: list[dict[str, Any]] = []
        self.numbers: dict[str, int] = {}

    def cite(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        """A citation of a row's ``quote`` (``exact`` text, ``source`` page): its number and sentence."""
        if not row or "quote" not in row or "exact" not in row:
            return None
        key = row["quote"].value
        if key not in self.numbers:
            source, exact = row.get("source"), row["exact"].value
            page = text_fragment(source.value, exact) if source else None
            self.notes.append({"n": len(self.notes) + 1, "exact": exact, "href": page})
            self.numbers[key] = len(self.notes)
        return self.notes[self.numbers[key] - 1]
