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
    "date": "Дата", "endDate": "Окончание", "year": "Год", "precision": "Точность даты",
    "person": "Персона", "persons": "Персоны", "person1": "Кто", "person2": "С кем", "who": "Персона",
    "roles1": "Должности", "roles2": "Должности собеседника", "roles": "Должности", "role": "Роль",
    "post": "Должность", "onBehalfOf": "От имени", "participant": "Участник",
    "a": "Участник 1", "aName": "Участник 1", "aKind": "Вид участника 1",
    "b": "Участник 2", "bName": "Участник 2", "bKind": "Вид участника 2",
    "event": "Событие", "eventName": "Событие", "events": "Событий", "item": "Запись",
    "name": "Название", "title": "Название", "type": "Тип", "kind": "Вид", "place": "Место",
    "city": "Город", "cityIri": "Город", "agreement": "Соглашение", "agreements": "Соглашений",
    "parties": "Стороны", "party": "Сторона", "organization": "Организация", "organizations": "Организации",
    "org": "Организация", "quote": "Цитата из источника", "lat": "Широта", "lon": "Долгота",
    "count": "Количество", "s": "Ресурс", "p": "Свойство", "o": "Значение",
}  # fmt: skip
# the column that names an IRI column, where it is not ``{iri}Name`` or (for ``{x}Iri``) ``{x}``
LABEL_COLUMNS = {"p1": "person1", "p2": "person2", "who": "person", "org": "organization", "agreement": "title",
                 "item": "name", "event": "name", "city": "name"}  # fmt: skip
# the codes some columns hold (a kind, a role, a date's precision), as the page reads them
CODE_COLUMNS = {"kind", "aKind", "bKind", "role", "precision"}
CODES = {"event": "событие", "agreement": "соглашение", "city": "город", "country": "страна", "person": "персона",
         "organization": "организация", "home": "свой город", "partner": "город-партнёр", "year": "год",
         "month": "месяц", "day": "день"}  # fmt: skip
Parts = list[dict[str, str]]


def heading(variable: str) -> str:
    """A result variable as a column heading: Russian where the variable is known, else its words.

    >>> heading("eventName"), heading("roles1"), heading("person3"), heading("sortKey")
    ('Событие', 'Должности', 'Персона 3', 'Sort key')
    """
    if variable in HEADINGS:
        return HEADINGS[variable]
    stem = variable.rstrip("0123456789")
    number = variable[len(stem) :]
    words = HEADINGS.get(stem) or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem).lower().capitalize()
    return f"{words} {number}".strip() or variable


def without_comments(text: str) -> str:
    """A query's SPARQL alone: its comment lines (the header, the developer's notes) left out.

    A comment line is one whose first non-blank character is ``#``; a ``#`` inside a line (an IRI's
    fragment) is kept. The queries of ``queries/`` have no multi-line string a line could start in.

    >>> without_comments("# title: X\\n#\\nPREFIX a: <http://x.example/ns#>\\nSELECT * {\\n  # why\\n  ?s ?p ?o\\n}\\n")
    'PREFIX a: <http://x.example/ns#>\\nSELECT * {\\n  ?s ?p ?o\\n}'
    """
    return "\n".join(line.rstrip() for line in text.splitlines() if not line.lstrip().startswith("#")).strip()


def iri_name(iri: str) -> str:
    """An IRI no column names, as text: a class's Russian label, else its last segment made readable.

    >>> iri_name("https://twingraph.example/person/ilsur-metshin"), iri_name("https://twingraph.example/ns#Person")
    ('Ilsur metshin', 'персона')
    """
    if iri in pages.CLASS_LABELS:
        return pages.CLASS_LABELS[iri]
    segment = unquote(re.split(r"[/#]", iri.rstrip("/#"))[-1]).replace("-", " ").replace("_", " ").strip()
    return segment.capitalize() if segment.islower() else segment or iri


def number_text(value: str) -> str:
    """A number as Russian writes it, a year-sized one without a group space.

    >>> number_text("9700000"), number_text("2023"), number_text("55.796")
    ('9\\xa0700\\xa0000', '2023', '55,796')
    """
    shown = pages.format_number(value)
    return shown.replace("\u00a0", "") if re.fullmatch(r"-?[0-9]\u00a0[0-9]{3}(,[0-9]+)?", shown) else shown


def term_parts(term: Any, base: str, label: str | None = None) -> Parts:
    """A result term as a cell shows it: an IRI as a link named by ``label``; a literal without its
    language tag (marked in the HTML when not Russian), a date at its precision, a number in Russian."""
    if term is None:
        return []
    if isinstance(term, ox.NamedNode):
        return [{"href": pages.href(term.value, base), "text": label or iri_name(term.value)}]
    if isinstance(term, ox.BlankNode):
        return [{"text": f"_:{term.value}"}]
    if not isinstance(term, ox.Literal):
        return [{"text": str(term)}]
    if term.language:
        return [{"text": term.value} | ({"lang": term.language} if term.language != "ru" else {})]
    if term.datatype.value in DATES:
        return [{"text": pages.format_date(term.value)}]
    if term.datatype.value in NUMBERS:
        return [{"text": number_text(term.value)}]
    return [{"text": term.value}]


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


def cell_parts(column: str, term: Any, iri: Any, base: str) -> Parts:
    """One cell: the IRI its column names as a link by the term, a code in Russian, or the term."""
    if isinstance(iri, ox.NamedNode):
        return term_parts(iri, base, term.value if term is not None else None)
    if column in CODE_COLUMNS and isinstance(term, ox.Literal):
        return [{"text": CODES.get(term.value, term.value)}]
    return term_parts(term, base)


def table(variables: Sequence[str], rows: Sequence[Sequence[Any]], base: str) -> dict[str, Any]:
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
            cells.append({"parts": cell_parts(column, term, iri, base), "cls": "num" if numeric else ""})
        body.append(cells)
    return {"headings": [{"text": heading(v), "variable": v} for v in shown], "rows": body}


def form_fields(named: NamedQuery, values: dict[str, str]) -> list[dict[str, str]]:
    """The query's parameters as a form's fields: a label from the parameter's help, the value used."""
    return [{"name": p.name, "kind": p.kind, "label": (p.help[:1].upper() + p.help[1:]) or p.name,
             "value": values.get(p.name, "")} for p in named.params]  # fmt: skip


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
               outcome: Outcome, http_schema: list[str]) -> bytes:  # fmt: skip
    """The page of a named query run with ``values`` (its text bound with them: ``query``)."""
    if outcome.triples is not None:
        variables: tuple[str, ...] = ("s", "p", "o")
        rows: Sequence[Sequence[Any]] = [(t.subject, t.predicate, t.object) for t in outcome.triples]
    else:
        variables, rows = outcome.variables, outcome.rows
    static = bool(env.globals["static_site"])
    sparql = without_comments(query)
    return pages.render(env, "results.html", title=named.title, named=named, fields=form_fields(named, values),
                        table=table(variables, rows, base), count=len(rows), boolean=outcome.boolean,
                        truncated=outcome.truncated, http_schema=http_schema, sparql=sparql,
                        editor="/sparql?" + urlencode({"query": sparql}),
                        downloads=[] if outcome.triples is not None else downloads(named, values, static))  # fmt: skip
