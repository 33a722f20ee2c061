"""The view pages: timeline, network, map and years, each a drawing with a table beside it.

A page carries the table server-side (the text fallback, readable without
JavaScript) and an empty figure whose ``data-source`` names the named query's
JSON (``/queries/NAME?format=json`` on the server, ``/queries/NAME.json`` in the
static site); the script of ``static/views/`` fetches it and draws. Both come from
the same named query, so no data lives in the scripts.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from twingraph import charts
from twingraph.serve import pages
from twingraph.serve.render import Renderer
from twingraph.store.interface import QueryStore, select


@dataclasses.dataclass(frozen=True)
class View:
    name: str
    title: str
    query: str


VIEWS = {
    v.name: v
    for v in (
        View("timeline", "Хронология", "timeline"),
        View("network", "Кто с кем встречался", "network"),
        View("map", "Карта", "map"),
        View("years", "По годам", "years"),
    )
}


def query_rows(renderer: Renderer, store: QueryStore, name: str) -> list[charts.Row]:
    """The rows of a named query, unbound, as text."""
    return select(store, renderer.queries[name].text).as_dicts()


def link(iri: str, text: str, base: str) -> dict[str, str]:
    return {"href": pages.href(iri, base), "text": text} if iri else {"text": text}


def timeline_context(rows: list[charts.Row], base: str) -> dict[str, Any]:
    items = [r | {"event_link": link(r["event"], r["name"], base), "city_link": link(r["cityIri"], r["city"], base)}
             for r in rows]  # fmt: skip
    return {"items": items}


def network_context(rows: list[charts.Row], base: str) -> dict[str, Any]:
    net = charts.network(rows)
    names = {n.iri: n for n in net.nodes}
    edges = [{"a": link(e.a, names[e.a].name, base), "b": link(e.b, names[e.b].name, base),
              "dates": ", ".join(e.dates), "count": len(e.events)} for e in net.edges]  # fmt: skip
    return {"nodes": net.nodes, "edges": edges}


def map_context(rows: list[charts.Row], base: str) -> dict[str, Any]:
    placed, unplaced = charts.located(rows)
    return {"placed": [r | {"link": link(r["city"], r["name"], base)} for r in placed],
            "unplaced": [r | {"link": link(r["city"], r["name"], base)} for r in unplaced]}  # fmt: skip


def years_context(rows: list[charts.Row], base: str) -> dict[str, Any]:
    return {"table": charts.year_counts(rows)}


CONTEXTS = {"timeline": timeline_context, "network": network_context, "map": map_context, "years": years_context}


def view_page(renderer: Renderer, store: QueryStore, name: str) -> bytes:
    """The HTML page of one view: the figure the script draws into and the table it falls back to.

    Raises:
        KeyError: no view of that name, or its named query is missing.
    """
    view = VIEWS[name]
    rows = query_rows(renderer, store, view.query)
    context = CONTEXTS[name](rows, renderer.base)
    return pages.render(renderer.env, f"views/{name}.html", title=view.title, view=view, views=list(VIEWS.values()),
                        base=renderer.base, count=len(rows), **context)  # fmt: skip

