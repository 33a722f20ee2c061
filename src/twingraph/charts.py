"""What the views draw, from the rows of their named queries: pure functions, no I/O.

The timeline, network, map and years views (served pages, their table fallbacks,
and ``twingraph plot``) all start from the rows of ``queries/{timeline,network,map,
years}.rq`` as ``{column: text}`` dicts, so every view shows the store's data and
nothing else. The browser scripts in ``serve/static/views/`` do the same joins in
JavaScript on the same rows.
"""

from __future__ import annotations

import dataclasses
import math
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


def event_span(date: str, end: str = "") -> tuple[float, float]:
    """The years an event covers: from the start of its date to the end of its end date, each at its precision.

    >>> event_span("2002", "2018"), event_span("2019-07"), event_span("2019", "2018")
    ((2002.0, 2019.0), (2019.5, 2019.5833333333333), (2019.0, 2020.0))
    """
    return date_span(date)[0], date_span(end if end and end >= date else date)[1]


def dense_range(spans: Sequence[tuple[float, float]], gap_share: float = 0.25) -> tuple[float, float]:
    """The range of the spans without their lone outliers, as the web timeline fits its axis.

    An outermost span is left out when the gap between it and the rest is wider than
    ``gap_share`` of what remains, at most a twentieth of the spans (and none of fewer than 4).

    >>> dense_range([(1963, 1964)] + [(2002, 2019), (2006, 2007), (2019, 2020), (2023, 2024)] * 5)
    (2002, 2024)
    >>> dense_range([(2001, 2002), (2003, 2004)])
    (2001, 2004)
    """
    if not spans:
        return 2000.0, 2001.0
    by_start = sorted(spans)
    by_end = sorted(spans, key=lambda s: -s[1])
    first = last = 0
    allowed = max(1, len(spans) // 20) if len(spans) >= 4 else 0
    for _ in range(allowed):
        left = by_start[first + 1][0] - by_start[first][1] if first + 1 < len(spans) else -math.inf
        right = by_end[last][0] - by_end[last + 1][1] if last + 1 < len(spans) else -math.inf
        rest = by_end[last][1] - by_start[first + 1][0] if left >= right else by_end[last + 1][1] - by_start[first][0]
        if not max(left, right) > gap_share * rest:
            break
        first, last = (first + 1, last) if left >= right else (first, last + 1)
    return by_start[first][0], by_end[last][1]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share some area.

    >>> overlaps((0, 0, 2, 2), (1, 1, 3, 3)), overlaps((0, 0, 1, 1), (1, 0, 2, 1))
    (True, False)
    """
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_places(x: float, y: float, r: float, width: float, height: float) -> list[Box]:
    """The boxes a label of this size may take around a mark of radius r at (x, y), in order of preference.

    >>> label_places(0, 0, 1, 4, 2)[0]
    (3, -1.0, 7, 1.0)
    """
    gap = r + 2
    corners = [(gap, -height / 2), (-gap - width, -height / 2), (-width / 2, gap), (-width / 2, -gap - height),
               (gap, 0), (gap, -height), (-gap - width, 0), (-gap - width, -height)]  # fmt: skip
    return [(x + dx, y + dy, x + dx + width, y + dy + height) for dx, dy in corners]


def place_labels(labels: Sequence[tuple[float, float, float, float, float]], bounds: Box,
                 taken: Sequence[Box] = ()) -> list[Box | None]:  # fmt: skip
    """Greedy placement: each label (x, y, r, width, height), in order, takes its first place inside the bounds
    that meets no box taken before (the marks in ``taken``, the labels placed); None where there is none.

    >>> place_labels([(0, 0, 1, 4, 2), (0, 0, 1, 4, 2), (0, 0, 1, 40, 2)], (-10, -10, 10, 10))
    [(3, -1.0, 7, 1.0), (-7, -1.0, -3, 1.0), None]
    """
    boxes = list(taken)
    placed: list[Box | None] = []
    for x, y, r, width, height in labels:
        inside = (b for b in label_places(x, y, r, width, height)
                  if b[0] >= bounds[0] and b[1] >= bounds[1] and b[2] <= bounds[2] and b[3] <= bounds[3])  # fmt: skip
        spot = next((b for b in inside if not any(overlaps(b, other) for other in boxes)), None)
        placed.append(spot)
        if spot is not None:
            boxes.append(spot)
    return placed


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
