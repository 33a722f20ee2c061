"""A named query's page: its title and description, its parameters as a form, its results as a table a
reader can use, the same results to download, and its SPARQL without the developer's comments.

The table is for people who do not read RDF: columns are headed in Russian (``heading``), an IRI
column is shown through the column that names it (``?p1`` through ``?person1``: ``link_columns``),
literals lose their language tags, dates read as dates. Nothing here reads a request or the store:
the page is a function of the query, the values given and the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlencode

import jinja2
import pyoxigraph as ox

from twingraph.serve import pages, results
from twingraph.store.queries import NamedQuery
from twingraph.store.workers import Outcome

XSD = "http://www.w3.org/2001/XMLSchema#"
DATES = {f"{XSD}{name}" for name in ("date", "gYearMonth", "gYear")}
NUMBERS = {f"{XSD}{name}" for name in ("integer", "decimal", "double", "float", "int", "long")}
# a result variable (or its stem, the part before a closing number) as a column heading
HEADINGS = {
    "date": "Date", "endDate": "End", "year": "Year", "precision": "Date precision",
    "person": "Person", "persons": "Persons", "person1": "Who", "person2": "With whom", "who": "Person",
    "roles1": "Posts", "roles2": "Posts of the other", "roles": "Posts", "role": "Role",
    "post": "Post", "onBehalfOf": "On behalf of", "participant": "Participant",
    "a": "Participant 1", "aName": "Participant 1", "aKind": "Kind of participant 1",
    "b": "Participant 2", "bName": "Participant 2", "bKind": "Kind of participant 2",
    "event": "Event", "eventName": "Event", "events": "No. of events", "item": "Item",
    "name": "Title", "title": "Title", "type": "Type", "kind": "Kind", "place": "Place",
    "city": "City", "cityIri": "City", "agreement": "Agreement", "agreements": "No. of agreements",
    "parties": "Parties", "party": "Party", "organization": "Organization", "organizations": "Organizations",
    "org": "Organization", "quote": "Quote from the source", "lat": "Latitude", "lon": "Longitude",
    "count": "Count", "s": "Resource", "p": "Property", "o": "Value",
}  # fmt: skip
# the column that names an IRI column, where it is not ``{iri}Name`` or (for ``{x}Iri``) ``{x}``
LABEL_COLUMNS = {"p1": "person1", "p2": "person2", "who": "person", "org": "organization", "agreement": "title",
                 "item": "name", "event": "name", "city": "name"}  # fmt: skip
# the codes some columns hold (a kind, a role, a date's precision), as the page reads them
CODE_COLUMNS = {"kind", "aKind", "bKind", "role", "precision"}
# the columns of event and agreement types: the queries give the type's English label, the page its translation
TYPE_COLUMNS = {"type"}
CODES = {"event": "event", "agreement": "agreement", "city": "city", "country": "country", "person": "person",
         "organization": "organization", "home": "home city", "partner": "partner city", "year": "year",
         "month": "month", "day": "day"}  # fmt: skip
Parts = list[dict[str, str]]


def heading(variable: str, tr: pages.Tr) -> str:
    """A result variable as a column heading: its name in the interface's language (``tr``) where the
    variable is known, else its words.

    >>> from twingraph.serve.i18n import translations
    >>> ru = translations("ru").gettext
    >>> heading("eventName", ru), heading("roles1", ru), heading("person3", ru), heading("sortKey", ru)
    ('Событие', 'Должности', 'Персона 3', 'Sort key')
    >>> heading("person3", str)
    'Person 3'
    """
    if variable in HEADINGS:
        return tr(HEADINGS[variable])
    stem = variable.rstrip("0123456789")
    number = variable[len(stem) :]
    words = tr(HEADINGS[stem]) if stem in HEADINGS else re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem).lower().capitalize()
    return f"{words} {number}".strip() or variable


def without_comments(text: str) -> str:
    """A query's SPARQL alone: its comment lines (the header, the developer's notes) left out.

    A comment line is one whose first non-blank character is ``#``; a ``#`` inside a line (an IRI's
    fragment) is kept. The queries of ``queries/`` have no multi-line string a line could start in.

    >>> without_comments("# title: X\\n#\\nPREFIX a: <http://x.example/ns#>\\nSELECT * {\\n  # why\\n  ?s ?p ?o\\n}\\n")
    'PREFIX a: <http://x.example/ns#>\\nSELECT * {\\n  ?s ?p ?o\\n}'
    """
    return "\n".join(line.rstrip() for line in text.splitlines() if not line.lstrip().startswith("#")).strip()


def iri_name(iri: str, tr: pages.Tr) -> str:
    """An IRI no column names, as text: a class's label (translated by ``tr``), else its last segment made readable.

    >>> from twingraph.serve.i18n import translations
    >>> ru, TG = translations("ru").gettext, "https://twingraph.example/ns#"
    >>> iri_name("https://twingraph.example/person/ilsur-metshin", ru), iri_name(TG + "Person", ru)
    ('Ilsur metshin', 'персона')
    """
    if iri in pages.CLASS_LABELS:
        return tr(pages.CLASS_LABELS[iri])
    segment = unquote(re.split(r"[/#]", iri.rstrip("/#"))[-1]).replace("-", " ").replace("_", " ").strip()
    return segment.capitalize() if segment.islower() else segment or iri


def number_text(value: str, lang: str) -> str:
    """A number as the language writes it; a whole one of up to four digits (a year, most likely) without a group mark.

    >>> number_text("9700000", "ru"), number_text("2023", "ru"), number_text("55.796", "ru")
    ('9\xa0700\xa0000', '2023', '55,796')
    >>> number_text("9700000", "en"), number_text("2023", "en"), number_text("-1200.50", "en")
    ('9,700,000', '2023', '-1,200.5')
    """
    number = pages.decimal_of(value)
    if number is None:
        return value
    if number == number.to_integral_value() and abs(number) < 10_000:
        return str(int(number))
    return pages.decimal_text(number, lang)


def term_parts(term: Any, base: str, label: Any, tr: pages.Tr, lang: str) -> Parts:
    """A result term as a cell shows it: an IRI as a link named by ``label``; a literal without its
    language tag (marked in the HTML when not Russian), a date at its precision, a number in Russian."""
    if term is None:
        return []
    if isinstance(term, ox.NamedNode):
        if label is not None:
            return [{"href": pages.href(term.value, base), **pages.data_part(label)}]
        return [{"href": pages.href(term.value, base), "text": iri_name(term.value, tr)}]
    if isinstance(term, ox.BlankNode):
        return [{"text": f"_:{term.value}"}]
    if not isinstance(term, ox.Literal):
        return [{"text": str(term)}]
    if term.language:
        return [{"text": term.value, "lang": term.language}]
    if term.datatype.value in DATES:
        return [{"text": pages.format_date(term.value, lang)}]
    if term.datatype.value in NUMBERS:
        return [{"text": number_text(term.value, lang)}]
    return [{"text": term.value, "lang": ""}]


def link_columns(variables: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """Which column names which IRI column: ``{label column: IRI column}``.

    An IRI column (one with an IRI in it) is named by ``{iri}Name``, by ``{x}`` for ``{x}Iri``, or by its
    entry in ``LABEL_COLUMNS``, when that column is there and holds no IRI itself.

    >>> iri = ox.NamedNode("https://twingraph.example/person/a")
    >>> link_columns(("person1", "p1", "p2"), [(ox.Literal("А"), iri, iri)])
    {'person1': 'p1'}
    """
    iris = {v for i, v in enumerate(variables) if any(isinstance(row[i], ox.NamedNode) for row in rows)}
    found: dict[str, str] = {}
    for column in (v for v in variables if v in iris):
        candidates = (f"{column}Name", column.removesuffix("Iri") if column.endswith("Iri") else "",
                      LABEL_COLUMNS.get(column, ""))  # fmt: skip
        label = next((c for c in candidates if c in variables and c not in iris and c not in found), None)
        if label is not None:
            found[label] = column
    return found


def cell_parts(column: str, term: Any, iri: Any, base: str, tr: pages.Tr, lang: str) -> Parts:
    """One cell: the IRI its column names as a link by the term, a code in Russian, or the term."""
    if isinstance(iri, ox.NamedNode):
        return term_parts(iri, base, term, tr, lang)
    if column in CODE_COLUMNS and isinstance(term, ox.Literal):
        return [{"text": tr(CODES[term.value])} if term.value in CODES else {"text": term.value, "lang": ""}]
    if column in TYPE_COLUMNS and isinstance(term, ox.Literal):
        return [{"text": tr(term.value)}]  # an event's or agreement's type: the catalogue's, in the page's language
    return term_parts(term, base, None, tr, lang)


def table(variables: Sequence[str], rows: Sequence[Sequence[Any]], base: str, tr: pages.Tr,
          lang: str) -> dict[str, Any]:  # fmt: skip
    """The results as a table: readable headings, each IRI column shown through the column naming it."""
    named = link_columns(variables, rows)
    shown = [v for v in variables if v not in named.values()]
    index = {v: i for i, v in enumerate(variables)}
    body = []
    for row in rows:
        cells = []
        for column in shown:
            term, iri = row[index[column]], row[index[named[column]]] if column in named else None
            numeric = isinstance(term, ox.Literal) and term.datatype.value in NUMBERS
            cells.append({"parts": cell_parts(column, term, iri, base, tr, lang), "cls": "num" if numeric else ""})
        body.append(cells)
    return {"headings": [{"text": heading(v, tr), "variable": v} for v in shown], "rows": body}


def form_fields(named: NamedQuery, values: dict[str, str], tr: pages.Tr) -> list[dict[str, str]]:
    """The query's parameters as a form's fields: a label from the parameter's help (translated), the value used."""
    return [{"name": p.name, "kind": p.kind, "label": capitalized(tr(p.help)) if p.help else p.name,
             "value": values.get(p.name, "")} for p in named.params]  # fmt: skip


def capitalized(text: str) -> str:
    """A text with its first letter upper case, the rest as it is.

    >>> capitalized("the partner city: any of its names")
    'The partner city: any of its names'
    """
    return text[:1].upper() + text[1:]


def downloads(named: NamedQuery, values: dict[str, str], static: bool) -> list[dict[str, str]]:
    """Links to the same results in the SPARQL results formats; the static site has its JSON file only."""
    if static:
        return [{"label": results.RESULT_LABELS["json"], "href": f"/queries/{named.name}.json",
                 "type": results.RESULT_NAMES["json"], "file": f"{named.name}.json"}]  # fmt: skip
    given = {k: v for k, v in values.items() if v}
    return [{"label": label, "href": f"/queries/{named.name}?{urlencode({**given, 'format': name})}",
             "type": results.RESULT_NAMES[name], "file": f"{named.name}.{name}"}
            for name, label in results.RESULT_LABELS.items()]  # fmt: skip


def named_page(env: jinja2.Environment, base: str, named: NamedQuery, values: dict[str, str], query: str,
               outcome: Outcome, http_schema: list[str], switch: str = "") -> bytes:  # fmt: skip
    """The page of a named query run with ``values`` (its text bound with them: ``query``)."""
    if outcome.triples is not None:
        variables: tuple[str, ...] = ("s", "p", "o")
        rows: Sequence[Sequence[Any]] = [(t.subject, t.predicate, t.object) for t in outcome.triples]
    else:
        variables, rows = outcome.variables, outcome.rows
    static, tr, lang = bool(env.globals["static_site"]), pages.translator(env), str(env.globals["lang"])
    sparql = without_comments(query)
    return pages.render(env, "results.html", title=tr(named.title), named=named, fields=form_fields(named, values, tr),
                        table=table(variables, rows, base, tr, lang), switch=switch, count=len(rows),
                        boolean=outcome.boolean,
                        truncated=outcome.truncated, http_schema=http_schema, sparql=sparql,
                        editor="/sparql?" + urlencode({"query": sparql}),
                        downloads=[] if outcome.triples is not None else downloads(named, values, static))  # fmt: skip
