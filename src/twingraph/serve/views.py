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
    title: str
    query: str
    params: tuple[str, ...] = ()  # the query parameters the page takes


VIEWS = {
    v.name: v
    for v in (
        View("timeline", "Хронология", "timeline", ("city", "person", "organization", "year", "page")),
        View("network", "Кто с кем встречался", "network", ("node", "q")),
        View("map", "Карта", "map"),
        View("years", "По годам", "years", ("city",)),
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


def cut(shown: int, total: int, what: str, more: str = "") -> dict[str, Any]:
    """A note that a page shows ``shown`` of ``total`` items: ``показаны 200 из 15 700 событий``."""
    return {"shown": shown, "total": total, "text": f"Показаны {number(shown)} из {number(total)} {what}{more}."}


def number(n: int) -> str:
    """A count with its thousands apart, as Russian writes them.

    >>> number(15700), number(12)
    ('15\\xa0700', '12')
    """
    return f"{n:,}".replace(",", "\u00a0")


def zoom(path: str, **params: str | int) -> str:
    """A link to a view with parameters, escaped as a URL (the template escapes it as HTML)."""
    given = {k: str(v) for k, v in params.items() if v not in ("", None)}
    return f"/views/{path}?{urlencode(given)}" if given else f"/views/{path}"


def link(iri: str, text: str, base: str) -> dict[str, str]:
    return {"href": pages.href(iri, base), "text": text} if iri else {"text": text}


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
        note = cut(len(shown), len(rows), "событий", f" (с {first + 1} по {first + len(shown)})")
    if note and len(rows) >= QUERY_ROWS:
        note["text"] += (
            f" Запрос отдаёт не больше {number(QUERY_ROWS)} событий: уточните город, год, человека или организацию."
        )
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
    note["text"] = (f"Событий {number(total)} — больше {SHOWN}: здесь они сложены по годам и городам-партнёрам "
                    f"(рисунок — {min(TOP_LANES, len(cities))} городов с наибольшим числом событий из "
                    f"{number(len(cities))}). Выберите город или год, чтобы увидеть сами события.")  # fmt: skip
    if len(cities) > SHOWN:
        note["text"] += f" В таблице — {SHOWN} из {number(len(cities))} городов."
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
    note = cut(len(kept), len(edges), "связей", " — с наибольшим числом общих событий") if len(edges) > SHOWN else None
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
    note = cut(len(top), total, "участников", " — те, у кого больше всего событий, и связи между ними")
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
        notes.append(
            cut(len(kept), len(rows), "городов", " — с наибольшим числом соглашений и событий; все — в списке городов")
        )
    located = sum(1 for r in rows if r["lat"] and r["lon"])
    if located > LABELLED:
        notes.append(
            cut(LABELLED, located, "подписей на карте", " — у городов с наибольшим числом соглашений и событий")
        )
    return {"placed": [r | {"link": link(r["city"], r["name"], ask.base)} for r in placed],
            "unplaced": [r | {"link": link(r["city"], r["name"], ask.base)} for r in unplaced],
            "notes": notes, "labelled": LABELLED, "listed": MAP_SHOWN}  # fmt: skip


def years_context(ask: Ask) -> dict[str, Any]:
    city = ask.params.get("city", "")
    rows = ask.rows("years", city=city) if city else ask.rows("years")
    if len(rows) <= SHOWN:
        shown = {"mode": "detail", "rows": rows} if city else {"mode": "all"}
        return shown | {"table": charts.year_counts(rows), "city": city}
    return years_folded(rows, city)


def years_folded(rows: list[charts.Row], city: str) -> dict[str, Any]:
    """The TOP_CITIES cities with most agreements and events one by one, the others summed per year."""
    totals: Counter[str] = Counter()
    for r in rows:
        totals[r["city"]] += int(r["count"])
    top = {c for c, _ in totals.most_common(TOP_CITIES)}
    others = f"другие города ({number(len(totals) - len(top))})"
    summed: Counter[tuple[str, str, str]] = Counter()
    for r in rows:
        summed[r["year"], r["city"] if r["city"] in top else others, r["kind"]] += int(r["count"])
    folded = [{"year": y, "city": c, "kind": k, "count": str(n)} for (y, c, k), n in sorted(summed.items())]
    more = f" по отдельности, с наибольшим числом соглашений и событий; остальные сложены в «{others}»"
    listed = [{"name": c, "zoom": zoom("years", city=c)} for c, _ in totals.most_common(TOP_CITIES)]
    return {"mode": "detail" if city else "overview", "table": charts.year_counts(folded), "rows": folded,
            "note": cut(len(top), len(totals), "городов", more), "city": city, "cities": listed}  # fmt: skip


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
    return pages.render(renderer.env, f"views/{name}.html", title=view.title, view=view, views=list(VIEWS.values()),
                        base=renderer.base, params=given, **context)  # fmt: skip
