"""The view pages: timeline, network, map and years, each a drawing with a table beside it.

A page carries the table server-side (the text fallback, readable without
JavaScript) and a figure the script of ``static/views/`` draws into. A small
dataset's page shows everything and its figure fetches the named query's JSON
(``/queries/NAME?format=json``, ``/queries/NAME.json`` in the static site). Past
``SHOWN`` items a page is an overview instead (events per year and city, the
participants with most events, the busiest cities) with a way to zoom in by a query
parameter (``?city=``, ``?year=``, ``?node=``, ...; server-rendered, so the table
works without JavaScript), and a zoomed page pages its rows. Those pages carry the
rows their figure draws in the page (``data-rows``), and say what they left out.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from twingraph import charts
from twingraph.serve import lookups, pages
from twingraph.serve.render import Renderer
from twingraph.store.interface import QueryStore, select

SHOWN = 300  # rows a view lists at once; past this it aggregates or pages
TOP_NODES = 40  # participants of the network's overview
TOP_LANES = 30  # cities the timeline's overview draws a lane for
TOP_CITIES = 10  # cities the years chart stacks one by one; the others are summed
MAP_SHOWN = 100  # cities in the map's table
LABELLED = 40  # map markers with a name beside them
QUERY_ROWS = 10_000  # the LIMIT of the timeline query
KINDS = "tg:Person, tg:City, tg:Organization"


@dataclasses.dataclass(frozen=True)
class View:
    name: str
    title: str  # in English, a msgid of the catalogue
    query: str
    params: tuple[str, ...] = ()  # the query parameters the page takes


VIEWS = {
    v.name: v
    for v in (
        View("timeline", "Timeline", "timeline", ("city", "person", "organization", "year", "page")),
        View("network", "Who met whom", "network", ("node", "q")),
        View("map", "Map", "map"),
        View("years", "By year", "years", ("city",)),
    )
}


@dataclasses.dataclass(frozen=True)
class Ask:
    """What one view page is made from: the store, the renderer and the page's parameters."""

    renderer: Renderer
    store: QueryStore
    params: dict[str, str]

    @property
    def base(self) -> str:
        return self.renderer.base

    def rows(self, name: str, **values: str) -> list[charts.Row]:
        """The rows of a named query with the given parameters bound."""
        return select(self.store, self.renderer.queries[name].bound(values)).as_dicts()

    def sparql(self, query: str) -> list[charts.Row]:
        return select(self.store, lookups.PROLOGUE + query).as_dicts()

    def say(self, message: str, **values: str | int) -> str:
        """A message of the interface (an English msgid with ``%(name)s`` values) in the page's language,
        its numbers written as the language writes them (``pages.said``)."""
        return pages.said(self.renderer.tr, self.renderer.lang, message, values, html=False)

    def cut(self, shown: int, total: int, message: str, **values: str | int) -> dict[str, Any]:
        """A note that a page shows ``shown`` of ``total`` items: ``Показаны 200 из 15 700 событий``."""
        return {"shown": shown, "total": total, "text": self.say(message, shown=shown, total=total, **values)}


def zoom(path: str, **params: str | int) -> str:
    """A link to a view with parameters, escaped as a URL (the template escapes it as HTML)."""
    given = {k: str(v) for k, v in params.items() if v not in ("", None)}
    return f"/views/{path}?{urlencode(given)}" if given else f"/views/{path}"


def link(iri: str, text: str, base: str) -> dict[str, str]:
    """A name of the data (its language unsaid) as a link to its page, or as text when it has no IRI."""
    return {"href": pages.href(iri, base), "text": text, "lang": ""} if iri else {"text": text, "lang": ""}


def page_of(rows: list[charts.Row], page: int) -> tuple[list[charts.Row], int]:
    """One page of SHOWN rows (the last one if past the end) and its number, from 1."""
    last = max(1, -(-len(rows) // SHOWN))
    page = min(max(page, 1), last)
    return rows[(page - 1) * SHOWN : page * SHOWN], page


# -- timeline ---------------------------------------------------------------------------------------

EVENTS_PER_YEAR = """SELECT ?year (COUNT(DISTINCT ?event) AS ?events) WHERE {
  ?event a tg:Event ; schema:startDate ?date . BIND (SUBSTR(STR(?date), 1, 4) AS ?year)
} GROUP BY ?year ORDER BY ?year"""


def timeline_context(ask: Ask) -> dict[str, Any]:
    wanted = {k: v for k, v in ask.params.items() if k in ("city", "person", "organization", "year")}
    if wanted:
        return timeline_detail(ask, wanted)
    per_year = ask.sparql(EVENTS_PER_YEAR)
    total = sum(int(r["events"]) for r in per_year)
    if total <= SHOWN:
        return {"mode": "all", "items": timeline_items(ask.rows("timeline"), ask.base)}
    return timeline_overview(ask, per_year, total)


def timeline_items(rows: list[charts.Row], base: str) -> list[dict[str, Any]]:
    return [r | {"event_link": link(r["event"], r["name"], base), "city_link": link(r["cityIri"], r["city"], base)}
            for r in rows]  # fmt: skip


def timeline_detail(ask: Ask, wanted: dict[str, str]) -> dict[str, Any]:
    """The events a city, person, organization or year has, a page of SHOWN at a time."""
    rows = ask.rows("timeline", **wanted)
    asked = ask.params.get("page", "1")
    shown, page = page_of(rows, int(asked) if asked.isdigit() else 1)
    first = (page - 1) * SHOWN
    note = None
    if len(rows) > len(shown):
        note = ask.cut(len(shown), len(rows), "Showing %(shown)s of %(total)s events (%(first)s to %(last)s).",
                       first=first + 1, last=first + len(shown))  # fmt: skip
    if note and len(rows) >= QUERY_ROWS:
        note["text"] += " " + ask.say("The query gives at most %(limit)s events: narrow it by city, year, person or "
                                      "organization.", limit=QUERY_ROWS)  # fmt: skip
    return {"mode": "detail", "items": timeline_items(shown, ask.base), "wanted": wanted, "note": note,
            "pager": pager("timeline", wanted, page, len(rows)), "rows": shown}  # fmt: skip


def pager(path: str, wanted: dict[str, str], page: int, total: int) -> dict[str, str]:
    links = {}
    if page > 1:
        links["prev"] = zoom(path, **wanted, page=page - 1)
    if page * SHOWN < total:
        links["next"] = zoom(path, **wanted, page=page + 1)
    return links


def timeline_overview(ask: Ask, per_year: list[charts.Row], total: int) -> dict[str, Any]:
    """Events per year and partner city: a table of the cities, year links, lanes for the busiest."""
    cells = [r for r in ask.rows("years") if r["kind"] == "event"]
    by_city: Counter[tuple[str, str]] = Counter()
    for r in cells:
        by_city[r["city"], r["cityIri"]] += int(r["count"])
    cities = by_city.most_common()
    lanes = {iri for (_, iri), _ in cities[:TOP_LANES]}
    listed = [{"link": link(iri, name, ask.base), "zoom": zoom("timeline", city=name), "events": n}
              for (name, iri), n in cities[:SHOWN]]  # fmt: skip
    years = [
        {"year": r["year"], "events": int(r["events"]), "zoom": zoom("timeline", year=r["year"])} for r in per_year
    ]
    note: dict[str, Any] = {"shown": 0, "total": total}
    note["text"] = ask.say("%(total)s events, more than %(shown)s: here they are summed by year and partner city "
                           "(the drawing has the %(lanes)s cities with most events, of %(cities)s). Choose a city or "
                           "a year to see the events themselves.", total=total, shown=SHOWN,
                           lanes=min(TOP_LANES, len(cities)), cities=len(cities))  # fmt: skip
    if len(cities) > SHOWN:
        note["text"] += " " + ask.say("The table has %(shown)s of %(total)s cities.", shown=SHOWN, total=len(cities))
    rows = [{"city": r["city"], "cityIri": r["cityIri"], "year": r["year"], "count": r["count"],
             "href": zoom("timeline", city=r["city"], year=r["year"])}
            for r in cells if r["cityIri"] in lanes]  # fmt: skip
    return {"mode": "overview", "cities": listed, "years": years, "note": note, "rows": rows, "total": total}


# -- network ----------------------------------------------------------------------------------------

NODE_COUNT = f"""SELECT (COUNT(DISTINCT ?node) AS ?nodes) WHERE {{
  ?part tg:participant ?node . ?node a ?class FILTER (?class IN ({KINDS}))
}}"""
TOP = f"""SELECT ?node (SAMPLE(?label) AS ?name) (SAMPLE(?class) AS ?kind) (COUNT(DISTINCT ?event) AS ?events) WHERE {{
  ?event tg:participation/tg:participant ?node . ?node a ?class FILTER (?class IN ({KINDS}))
  ?node schema:name ?label FILTER (LANG(?label) = "ru" || LANG(?label) = "")
}} GROUP BY ?node ORDER BY DESC(?events) STR(?node) LIMIT {TOP_NODES}"""
BETWEEN = """SELECT ?a ?b (COUNT(DISTINCT ?event) AS ?events) (MIN(STR(?date)) AS ?first) (MAX(STR(?date)) AS ?last)
WHERE {{
  VALUES ?a {{ {nodes} }} VALUES ?b {{ {nodes} }} FILTER (STR(?a) < STR(?b))
  ?partA tg:participant ?a . ?event tg:participation ?partA, ?partB ; schema:startDate ?date .
  ?partB tg:participant ?b .
}} GROUP BY ?a ?b ORDER BY DESC(?events) STR(?a) STR(?b)"""


def network_context(ask: Ask) -> dict[str, Any]:
    found = network_search(ask) if ask.params.get("q") else None
    if ask.params.get("node"):
        return network_detail(ask, ask.params["node"]) | {"found": found}
    nodes = int(ask.sparql(NODE_COUNT)[0]["nodes"] or 0)
    if nodes <= SHOWN:
        return network_all(charts.network(ask.rows("network")), ask.base) | {"found": found}
    return network_overview(ask, nodes) | {"found": found}


def network_all(net: charts.Network, base: str) -> dict[str, Any]:
    names = {n.iri: n for n in net.nodes}
    edges = [{"a": link(e.a, names[e.a].name, base), "b": link(e.b, names[e.b].name, base),
              "dates": ", ".join(e.dates), "count": len(e.events)} for e in net.edges]  # fmt: skip
    return {"mode": "all", "nodes": net.nodes, "edges": edges}


def network_detail(ask: Ask, node: str) -> dict[str, Any]:
    """One participant's neighbourhood: their pairs, the SHOWN with most common events if more."""
    rows = ask.rows("network", node=node)
    net = charts.network(rows)
    edges = sorted(net.edges, key=lambda e: (-len(e.events), e.a, e.b))
    kept = edges[:SHOWN]
    pairs = {(e.a, e.b) for e in kept}
    shown = network_all(charts.Network(net.nodes, tuple(kept)), ask.base)
    centre = next((n for n in net.nodes if n.iri == node), None)
    note = ask.cut(len(kept), len(edges), "Showing %(shown)s of %(total)s links: those with most events in common."
                   ) if len(edges) > SHOWN else None  # fmt: skip
    named = link(node, centre.name, ask.base) if centre else None
    return shown | {"mode": "detail", "focus": node, "note": note, "centre": named,
                    "rows": [r for r in rows if (r["a"], r["b"]) in pairs]}  # fmt: skip


def network_overview(ask: Ask, total: int) -> dict[str, Any]:
    """The TOP_NODES participants with most events and the pairs among them."""
    top = ask.sparql(TOP)
    names = {r["node"]: r for r in top}
    terms = " ".join(f"<{iri}>" for iri in names)
    pairs = ask.sparql(BETWEEN.format(nodes=terms)) if names else []
    kind = {r["node"]: r["kind"].rsplit("#", 1)[-1].lower() for r in top}
    rows = [{"a": p["a"], "aName": names[p["a"]]["name"], "aKind": kind[p["a"]], "b": p["b"],
             "bName": names[p["b"]]["name"], "bKind": kind[p["b"]], "date": p["first"], "last": p["last"],
             "event": "", "count": p["events"]} for p in pairs]  # fmt: skip
    edges = [{"a": link(r["a"], r["aName"], ask.base), "b": link(r["b"], r["bName"], ask.base),
              "dates": f"{r['date']} – {r['last']}" if r["date"] != r["last"] else r["date"], "count": r["count"]}
             for r in rows]  # fmt: skip
    listed = [{"link": link(r["node"], r["name"], ask.base), "zoom": zoom("network", node=r["node"]),
               "kind": kind[r["node"]], "events": r["events"]} for r in top]  # fmt: skip
    note = ask.cut(len(top), total, "Showing %(shown)s of %(total)s participants: those with most events, and the "
                   "links among them.")  # fmt: skip
    return {"mode": "overview", "top": listed, "edges": edges, "rows": rows, "note": note, "total": total}


def network_search(ask: Ask) -> list[dict[str, Any]]:
    """The persons, cities and organizations whose name contains ``?q=``, to open their neighbourhood."""
    kinds = {"Person", "City", "Organization", "PartnerCity"}
    found = [f for f in lookups.search(ask.store, ask.params["q"], limit=50)
             if "type" in f and f["type"].value.rsplit("#", 1)[-1] in kinds]  # fmt: skip
    return [{"link": link(f["s"].value, f["name"].value, ask.base), "zoom": zoom("network", node=f["s"].value)}
            for f in found]  # fmt: skip


# -- map and years ----------------------------------------------------------------------------------


def weight(row: charts.Row) -> int:
    return int(row.get("agreements") or 0) + int(row.get("events") or 0)


def map_context(ask: Ask) -> dict[str, Any]:
    rows = ask.rows("map")
    busiest = sorted(rows, key=lambda r: (r["role"] != "home", -weight(r), r["name"]))[:MAP_SHOWN]
    kept = [r for r in rows if r in busiest]  # in the query's order
    placed, unplaced = charts.located(kept)
    notes = []
    if len(rows) > MAP_SHOWN:
        notes.append(ask.cut(len(kept), len(rows), "Showing %(shown)s of %(total)s cities: those with most agreements "
                             "and events; the list of cities has them all."))  # fmt: skip
    located = sum(1 for r in rows if r["lat"] and r["lon"])
    if located > LABELLED:
        notes.append(ask.cut(LABELLED, located, "Showing %(shown)s of %(total)s names on the map: the cities with most "
                             "agreements and events."))  # fmt: skip
    return {"placed": [r | {"link": link(r["city"], r["name"], ask.base)} for r in placed],
            "unplaced": [r | {"link": link(r["city"], r["name"], ask.base)} for r in unplaced],
            "notes": notes, "labelled": LABELLED, "listed": MAP_SHOWN}  # fmt: skip


def years_context(ask: Ask) -> dict[str, Any]:
    city = ask.params.get("city", "")
    rows = ask.rows("years", city=city) if city else ask.rows("years")
    if len(rows) <= SHOWN:
        shown = {"mode": "detail", "rows": rows} if city else {"mode": "all"}
        return shown | {"table": charts.year_counts(rows), "city": city}
    return years_folded(ask, rows, city)


def years_folded(ask: Ask, rows: list[charts.Row], city: str) -> dict[str, Any]:
    """The TOP_CITIES cities with most agreements and events one by one, the others summed per year."""
    totals: Counter[str] = Counter()
    for r in rows:
        totals[r["city"]] += int(r["count"])
    top = {c for c, _ in totals.most_common(TOP_CITIES)}
    others = ask.say("other cities (%(n)s)", n=len(totals) - len(top))
    summed: Counter[tuple[str, str, str]] = Counter()
    for r in rows:
        summed[r["year"], r["city"] if r["city"] in top else others, r["kind"]] += int(r["count"])
    folded = [{"year": y, "city": c, "kind": k, "count": str(n)} for (y, c, k), n in sorted(summed.items())]
    listed = [{"name": c, "zoom": zoom("years", city=c)} for c, _ in totals.most_common(TOP_CITIES)]
    return {"mode": "detail" if city else "overview", "table": charts.year_counts(folded), "rows": folded,
            "note": ask.cut(len(top), len(totals), "Showing %(shown)s of %(total)s cities one by one: those with most "
                           "agreements and events; the others are summed as “%(others)s”.", others=others),
            "city": city, "cities": listed}  # fmt: skip


CONTEXTS: dict[str, Callable[[Ask], dict[str, Any]]] = {
    "timeline": timeline_context, "network": network_context, "map": map_context, "years": years_context}  # fmt: skip


def view_page(renderer: Renderer, store: QueryStore, name: str, params: Mapping[str, str] | None = None) -> bytes:
    """The HTML page of one view: the figure the script draws into and the table it falls back to.

    Args:
        params: the page's query parameters (``?city=``, ``?node=``, ...); others are ignored,
            and so are empty ones (a form sent with a field left blank).

    Raises:
        KeyError: no view of that name, or its named query is missing.
        TwingraphError: a parameter of the wrong kind (a year that is not one, a node that is no IRI).
    """
    view = VIEWS[name]
    given = {k: v.strip() for k, v in (params or {}).items() if k in view.params and v.strip()}
    context = CONTEXTS[name](Ask(renderer, store, given))
    return pages.render(renderer.env, f"views/{name}.html", title=renderer.tr(view.title), view=view,
                        views=list(VIEWS.values()), base=renderer.base, params=given, switch=renderer.switch,
                        **context)  # fmt: skip
