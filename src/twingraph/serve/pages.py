"""HTML pages: Jinja2 templates with autoescape on, and the views they are given.

Every literal reaches a page through a template expression, so it is escaped;
the one value marked safe is the page's JSON-LD, whose ``<``, ``>`` and ``&`` are
written as JSON ``\\u`` escapes so it cannot close its ``<script>`` element.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import pyoxigraph as ox
from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from twingraph.rdf.namespaces import PREFIXES, SCHEMA, WD

LABELS = (SCHEMA.name, RDFS.label, SKOS.prefLabel, DCTERMS.title)


def environment(static: bool = False) -> jinja2.Environment:
    """The template environment; autoescape is on for every template.

    Args:
        static: for the static site (``twingraph site``): no search form and no
            SPARQL link, and other formats are files with a suffix, not ``?format=``.
    """
    env = jinja2.Environment(loader=jinja2.PackageLoader("twingraph.serve", "templates"), autoescape=True)
    # globals, not render() arguments, so that the macros imported by the templates see them too
    env.globals["static_site"] = static
    env.globals["alternate"] = functools.partial(alternate_href, static=static)
    return env


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
    for predicate in LABELS:
        found = pick_label(graph.objects(subject, predicate))
        if found:
            return found
    return None


def value_view(graph: Graph, term: Any, base: str) -> dict[str, Any]:
    """A node of the description as a page shows it: text, and a link, language or datatype."""
    if isinstance(term, URIRef):
        iri = str(term)
        return {"href": href(iri, base), "text": graph_label(graph, term) or curie(iri) or iri, "iri": iri}
    if isinstance(term, Literal):
        datatype = None if term.datatype in (None, XSD.string) else curie(str(term.datatype))
        return {"text": str(term), "lang": term.language, "datatype": datatype}
    return {"text": f"_:{term}"}


def wikidata_view(graph: Graph, subject: URIRef) -> dict[str, str] | None:
    """The resource's Wikidata item (from data/links.ttl) and the English name Wikidata gives it."""
    item = next((o for o in graph.objects(subject, OWL.sameAs) if str(o).startswith(str(WD))), None)
    if item is None:
        return None
    english = next((str(o) for o in graph.objects(item, RDFS.label) if getattr(o, "language", None) == "en"), "")
    return {"iri": str(item), "qid": str(item)[len(str(WD)) :], "label_en": english}


def resource_view(graph: Graph, subject: URIRef, base: str) -> dict[str, Any]:
    """Label, types and properties (objects linked, by label) of one resource."""
    properties: dict[str, list[dict[str, Any]]] = {}
    for predicate, obj in sorted(graph.predicate_objects(subject)):
        if predicate == RDF.type:
            continue
        name = curie(str(predicate)) or str(predicate)
        properties.setdefault(name, []).append(value_view(graph, obj, base))
        if isinstance(obj, BNode):
            nested = ", ".join(f"{curie(str(p)) or p}: {o}" for p, o in graph.predicate_objects(obj))
            properties[name][-1]["text"] = nested or properties[name][-1]["text"]
    iri = str(subject)
    return {
        "iri": iri,
        "label": graph_label(graph, subject) or iri.rstrip("/").rsplit("/", 1)[-1],
        "types": [value_view(graph, t, base) for t in sorted(graph.objects(subject, RDF.type), key=str)],
        "properties": sorted(properties.items()),
        "wikidata": wikidata_view(graph, subject),
    }


def cell(term: Any, base: str, label: Any = None) -> dict[str, Any]:
    """A pyoxigraph term of a result row as a page shows it."""
    if term is None:
        return {"text": ""}
    if isinstance(term, ox.NamedNode):
        text = label.value if label is not None else curie(term.value) or term.value
        return {"href": href(term.value, base), "text": text}
    if isinstance(term, ox.BlankNode):
        return {"text": f"_:{term.value}"}
    if isinstance(term, ox.Triple):
        return {"text": str(term)}
    return {"text": term.value, "lang": term.language}


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
