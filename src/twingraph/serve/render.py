"""The pages as bytes: one rendering, used by the server (app.py) and the static site (export_site.py).

Nothing here reads a request. A page is a function of the store, the templates,
the base IRI, the JSON-LD context, the named queries and the IRI it describes;
the path it shows is the IRI's own path on the host, ``pages.href(iri, base)``.
Whether links point at the server's routes or at the static site's files is the
templates' business (``pages.environment(static=...)``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jinja2
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from twingraph.export import serialize
from twingraph.rdf.formats import RdfFormat
from twingraph.rdf.namespaces import TG
from twingraph.rdf.schemaorg import http_schema_iris
from twingraph.serve import lookups, pages
from twingraph.serve.sparql import Outcome
from twingraph.store.interface import QueryStore
from twingraph.store.queries import NamedQuery

SECTIONS = ("quotes", "met", "roles", "agreements", "timeline", "incoming")
# where the index page's other formats are: the dataset description
INDEX_PATH = "/dataset"


@dataclasses.dataclass(frozen=True)
class Renderer:
    """What every page needs besides the store: templates, base IRI, JSON-LD context, named queries."""

    env: jinja2.Environment
    base: str
    context: dict[str, Any]
    queries: dict[str, NamedQuery]


def person_sections(renderer: Renderer, store: QueryStore, iri: str) -> dict[str, list[dict[str, Any]]]:
    """Whom a person met and the posts they held, from the named queries (when they are there)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if "who-met-whom" in renderer.queries:
        met = lookups.met_with(store, renderer.queries["who-met-whom"], iri)
        found["met"] = pages.link_rows(met, renderer.base, {"other": "otherName", "event": "eventName"})
    if "person-timeline" in renderer.queries:
        held = lookups.roles(store, renderer.queries["person-timeline"], iri)
        found["roles"] = pages.link_rows(held, renderer.base, {"event": "eventName"})
    return found


def city_sections(renderer: Renderer, store: QueryStore, iri: str) -> dict[str, list[dict[str, Any]]]:
    """A city's agreements and its events, by date."""
    return {
        "agreements": pages.link_rows(lookups.agreements(store, iri), renderer.base, {"agreement": "name"}),
        "timeline": pages.link_rows(lookups.timeline(store, iri), renderer.base, {"event": "name"}),
    }


def store_sections(renderer: Renderer, store: QueryStore, iri: str, types: set[Any]) -> dict[str, list[dict[str, Any]]]:
    """The parts of a resource page that come from the rest of the store: sources, links to it, and by type."""
    found = {
        "quotes": pages.link_rows(lookups.quotes(store, iri), renderer.base, {}),
        "incoming": pages.link_rows(lookups.incoming(store, iri), renderer.base, {"s": "label"}),
    }
    if TG.Person in types:
        found |= person_sections(renderer, store, iri)
    if TG.City in types:
        found |= city_sections(renderer, store, iri)
    return found


def resource_page(renderer: Renderer, graph: Graph, iri: str, store: QueryStore | None) -> bytes:
    """The HTML page of one resource: its description, and with a store, its sources and neighbours.

    Args:
        graph: the description, as ``lookups.describe`` gives it.
        iri: the resource; the page shows its path on this host.
        store: where quotes, meetings, posts, agreements, events and incoming links
            are looked up; None for a description that is not in the store (the dataset's).
    """
    view = pages.resource_view(graph, URIRef(iri), renderer.base)
    sections: dict[str, list[dict[str, Any]]] = {key: [] for key in SECTIONS}
    if store is not None:
        sections |= store_sections(renderer, store, iri, set(graph.objects(URIRef(iri), RDF.type)))
    jsonld = serialize(graph, RdfFormat.JSONLD, renderer.context)
    return pages.render(renderer.env, "resource.html", title=view["label"], r=view,
                        path=pages.href(iri, renderer.base), jsonld=pages.json_script(jsonld), **sections)  # fmt: skip


def index_page(renderer: Renderer, store: QueryStore, void: Graph) -> bytes:
    """The home page: the partner cities with their numbers of agreements and events, and the dataset's JSON-LD."""
    rows = pages.link_rows(lookups.partner_cities(store), renderer.base, {"city": "name"})
    jsonld = pages.json_script(serialize(void, RdfFormat.JSONLD, renderer.context))
    return pages.render(renderer.env, "index.html", title="Города-партнёры", cities=rows, path=INDEX_PATH,
                        jsonld=jsonld)  # fmt: skip


def queries_page(renderer: Renderer) -> bytes:
    """The catalogue of named queries."""
    return pages.render(renderer.env, "queries.html", title="Запросы", queries=list(renderer.queries.values()))


def results_page(renderer: Renderer, query: str, outcome: Outcome) -> bytes:
    """The results of a query as a table (a CONSTRUCT's triples as s, p, o), or an ASK's answer.

    A query that uses ``http://schema.org/`` terms gets a warning: the dataset's are ``https://schema.org/``.
    """
    if outcome.triples is not None:
        rows = [{"s": s, "p": p, "o": o} for s, p, o in outcome.triples]
        columns: tuple[str, ...] = ("s", "p", "o")
    else:
        rows = [dict(zip(outcome.variables, row, strict=True)) for row in outcome.rows]
        columns = outcome.variables
    return pages.render(renderer.env, "results.html", title="Результаты", query=query, columns=columns,
                        rows=pages.link_rows(rows, renderer.base, {}), boolean=outcome.boolean,
                        truncated=outcome.truncated, http_schema=http_schema_iris(query))  # fmt: skip
