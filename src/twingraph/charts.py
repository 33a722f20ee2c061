"""What the views draw, from the rows of their named queries: pure functions, no I/O.

The timeline, network, map and years views (served pages, their table fallbacks,
and ``twingraph plot``) all start from the rows of ``queries/{timeline,network,map,
years}.rq`` as ``{column: text}`` dicts, so every view shows the store's data and
nothing else. The browser scripts in ``serve/static/views/`` do the same joins in
JavaScript on the same rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

Row = dict[str, str]


@dataclasses.dataclass(frozen=True)
class Node:
    iri: str
    name: str
    kind: str  # person, city or organization


@dataclasses.dataclass(frozen=True)
class Edge:
    """Two participants who met, with the dates of their common events."""

    a: str
    b: str
    dates: tuple[str, ...]
    events: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Network:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def network(rows: Iterable[Row], year: str | None = None) -> Network:
    """Join the rows of network.rq (one per pair and event) into nodes and one edge per pair.

    Args:
        year: keep only the meetings of events that started in this year.

    >>> rows = [{"a": "x", "aName": "X", "aKind": "person", "b": "y", "bName": "Y", "bKind": "city",
    ...          "date": d, "event": e} for d, e in (("2023-05", "e1"), ("2019", "e2"))]
    >>> net = network(rows)
    >>> [n.name for n in net.nodes], net.edges[0].dates
    (['Y', 'X'], ('2019', '2023-05'))
    >>> len(network(rows, year="2019").edges), len(network(rows, year="2020").nodes)
    (1, 0)
    """
    nodes: dict[str, Node] = {}
    meetings: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        if year and not row["date"].startswith(year):
            continue
        nodes.setdefault(row["a"], Node(row["a"], row["aName"], row["aKind"]))
        nodes.setdefault(row["b"], Node(row["b"], row["bName"], row["bKind"]))
        meetings.setdefault((row["a"], row["b"]), {})[row["event"]] = row["date"]
    edges = tuple(
        Edge(a, b, tuple(sorted(set(events.values()))), tuple(sorted(events)))
        for (a, b), events in sorted(meetings.items())
    )
    return Network(tuple(sorted(nodes.values(), key=lambda n: (n.kind, n.name, n.iri))), edges)


def neighbourhood(net: Network, iri: str) -> Network:
    """The node, its neighbours and the edges that touch it."""
    edges = tuple(e for e in net.edges if iri in (e.a, e.b))
    near = {iri} | {e.a for e in edges} | {e.b for e in edges}
    return Network(tuple(n for n in net.nodes if n.iri in near), edges)


def located(rows: Iterable[Row]) -> tuple[list[Row], list[Row]]:
    """Split the rows of map.rq into cities with coordinates and cities without.

    >>> located([{"name": "A", "lat": "55.8", "lon": "49.1"}, {"name": "B", "lat": "", "lon": ""}])
    ([{'name': 'A', 'lat': '55.8', 'lon': '49.1'}], [{'name': 'B', 'lat': '', 'lon': ''}])
    """
    placed: list[Row] = []
    unplaced: list[Row] = []
    for row in rows:
        (placed if row.get("lat") and row.get("lon") else unplaced).append(row)
    return placed, unplaced


@dataclasses.dataclass(frozen=True)
class YearCounts:
    """Agreements and events per year and partner city, as a table."""

    years: tuple[str, ...]
    cities: tuple[str, ...]
    counts: dict[tuple[str, str, str], int]  # (year, city, kind) -> count

    def total(self, year: str, kind: str) -> int:
        return sum(n for (y, _, k), n in self.counts.items() if y == year and k == kind)


def year_counts(rows: Iterable[Row]) -> YearCounts:
    """The rows of years.rq as a table of years by cities.

    >>> t = year_counts([{"year": "2019", "city": "Тегеран", "kind": "event", "count": "3"}])
    >>> t.years, t.total("2019", "event"), t.total("2019", "agreement")
    (('2019',), 3, 0)
    """
    counts = {(r["year"], r["city"], r["kind"]): int(r["count"]) for r in rows}
    return YearCounts(
        years=tuple(sorted({y for y, _, _ in counts})),
        cities=tuple(sorted({c for _, c, _ in counts})),
        counts=counts,
    )


def date_span(date: str) -> tuple[float, float]:
    """A date of day, month or year precision as the span of years it covers.

    >>> date_span("2019"), date_span("2019-07"), date_span("2019-01-01")
    ((2019.0, 2020.0), (2019.5, 2019.5833333333333), (2019.0, 2019.0027397260274))
    """
    parts = [int(p) for p in date.split("-")[:3]]
    if len(parts) == 1:
        return float(parts[0]), parts[0] + 1.0
    if len(parts) == 2:
        return parts[0] + (parts[1] - 1) / 12, parts[0] + parts[1] / 12
    start = parts[0] + ((parts[1] - 1) * 30.5 + parts[2] - 1) / 366
    return start, start + 1 / 365


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The arcs of a quantized TopoJSON topology as absolute (longitude, latitude) points.

    >>> decode_arcs({"transform": {"scale": [1, 2], "translate": [10, 20]}, "arcs": [[[0, 0], [1, 1], [2, -1]]]})
    [[(10, 20), (11, 22), (13, 20)]]
    """
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def ring_points(arcs: Sequence[list[tuple[float, float]]], indices: Sequence[int]) -> list[tuple[float, float]]:
    """One ring of a TopoJSON polygon: its arcs joined, a negative index ``~i`` being arc i reversed.

    >>> ring_points([[(0, 0), (1, 0)], [(1, 0), (1, 1)]], [0, 1])
    [(0, 0), (1, 0), (1, 1)]
    >>> ring_points([[(0, 0), (1, 0)]], [~0])
    [(1, 0), (0, 0)]
    """
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def outline(topology: dict[str, Any], name: str = "land") -> list[list[tuple[float, float]]]:
    """Every ring (outer and holes) of one object of a TopoJSON topology, in longitude and latitude."""
    arcs = decode_arcs(topology)
    geometries = topology["objects"][name].get("geometries", [topology["objects"][name]])
    rings: list[list[tuple[float, float]]] = []
    for geometry in geometries:
        polygons = {"Polygon": [geometry.get("arcs", [])], "MultiPolygon": geometry.get("arcs", [])}
        for polygon in polygons.get(geometry["type"], []):
            rings.extend(ring_points(arcs, ring) for ring in polygon)
    return rings
