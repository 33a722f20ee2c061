"""``twingraph plot``: the timeline, network, map and years views as SVG or PNG files, without a browser.

Each view is drawn with matplotlib from the rows of the same named query the web
views fetch (``queries/{timeline,network,map,years}.rq``), joined by ``charts``.
Every drawn item carries an SVG id (``event-N``, ``node-N``, ``edge-N``,
``marker-N``, ``unplaced-N``, ``bar-N``) so a report, or a test, can find it.
The map's outline is the world-atlas TopoJSON bundled with the web views.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from twingraph import charts
from twingraph.config import Settings
from twingraph.errors import TwingraphError
from twingraph.fileio import atomic_output, ensure_writable
from twingraph.store import EmbeddedStore, load_queries

# the same file the map page draws (vendored by scripts/vendor-views)
WORLD_ATLAS = Path(__file__).parent / "serve" / "static" / "vendor" / "world-atlas" / "countries-110m.json"
VIEWS = ("timeline", "network", "map", "years")
FORMATS = {".svg": "svg", ".png": "png"}
KIND_COLOURS = {"person": "#1f5fa8", "city": "#c0392b", "organization": "#2e8b57"}


@dataclasses.dataclass(frozen=True)
class Plotted:
    """What a plot drew: the file and how many items of each kind."""

    path: Path
    counts: dict[str, int]


def timeline_figure(rows: list[charts.Row]) -> tuple[Figure, dict[str, int]]:
    """One bar per event, as wide as its date's precision, in one lane per partner city."""
    lanes = sorted({r["city"] or "—" for r in rows})
    fig = Figure(figsize=(12, 0.4 * len(lanes) + 1.5))
    ax = fig.add_subplot()
    alpha = {"day": 0.95, "month": 0.6, "year": 0.25}
    for i, row in enumerate(rows):
        start, end = charts.date_span(row["date"])
        lane = lanes.index(row["city"] or "—")
        bar = Rectangle((start, lane - 0.35), max(end - start, 0.05), 0.7, color="#1f5fa8",
                        alpha=alpha.get(row["precision"], 0.5), gid=f"event-{i}")  # fmt: skip
        ax.add_patch(bar)
    if rows:
        spans = [charts.date_span(r["date"]) for r in rows]
        ax.set_xlim(min(s for s, _ in spans) - 1, max(e for _, e in spans) + 1)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_title(f"Хронология: {len(rows)} событий (день, месяц или год — по точности даты)")
    fig.tight_layout()
    return fig, {"events": len(rows)}


def spring_layout(count: int, edges: list[tuple[int, int]], steps: int = 200) -> np.ndarray[Any, Any]:
    """Fruchterman-Reingold positions in the unit square, the same for the same graph (fixed seed)."""
    pos = np.random.default_rng(7).random((count, 2))
    if count < 2:
        return pos
    k = 1 / math.sqrt(count)
    temperature = 0.1
    for _ in range(steps):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        force = (delta / distance[..., None] * (k * k / distance)[..., None]).sum(axis=1)
        for a, b in edges:
            pull = (pos[a] - pos[b]) * np.linalg.norm(pos[a] - pos[b]) / k
            force[a] -= pull
            force[b] += pull
        length = np.maximum(np.linalg.norm(force, axis=1), 1e-9)
        pos += force / length[:, None] * np.minimum(length, temperature)[:, None]
        pos = np.clip(pos, 0, 1)
        temperature *= 0.98
    return pos


def network_figure(rows: list[charts.Row], year: str | None = None,
                   focus: str | None = None) -> tuple[Figure, dict[str, int]]:  # fmt: skip
    """Persons, cities and organizations, one edge per pair that met, labelled with the dates when few."""
    net = charts.network(rows, year)
    if focus:
        net = charts.neighbourhood(net, focus)
    index = {n.iri: i for i, n in enumerate(net.nodes)}
    pairs = [(index[e.a], index[e.b]) for e in net.edges]
    pos = spring_layout(len(net.nodes), pairs)
    fig = Figure(figsize=(14, 11))
    ax = fig.add_subplot()
    ax.set_axis_off()
    for i, (edge, (a, b)) in enumerate(zip(net.edges, pairs, strict=True)):
        ax.plot([pos[a, 0], pos[b, 0]], [pos[a, 1], pos[b, 1]], color="#99a3b3", alpha=0.6,
                linewidth=min(len(edge.events), 6) * 0.6, gid=f"edge-{i}")  # fmt: skip
        if len(net.edges) <= 60:
            mid_x, mid_y = (pos[a] + pos[b]) / 2
            ax.text(mid_x, mid_y, ", ".join(edge.dates), fontsize=6, color="#5b6473", ha="center")
    for i, node in enumerate(net.nodes):
        ax.plot(pos[i, 0], pos[i, 1], "o", color=KIND_COLOURS.get(node.kind, "#777"),
                markersize=9 if node.kind == "city" else 6, gid=f"node-{i}")  # fmt: skip
        ax.text(pos[i, 0] + 0.008, pos[i, 1], node.name, fontsize=6, va="center")
    ax.set_title(f"Кто с кем встречался: {len(net.nodes)} участников, {len(net.edges)} связей"
                 + (f", {year}" if year else ""))  # fmt: skip
    fig.tight_layout()
    return fig, {"nodes": len(net.nodes), "edges": len(net.edges)}


def unwrapped(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring made continuous across the antimeridian, with its copy on the other side; others as they are.

    A ring that goes round the globe (Antarctica) cannot be closed on a flat map and is left out.

    >>> unwrapped([(170, 0), (-170, 0), (-170, 1), (170, 1)])
    [[(170, 0), (190, 0), (190, 1), (170, 1)], [(-190, 0), (-170, 0), (-170, 1), (-190, 1)]]
    """
    shift, points = 0, [ring[0]]
    for (lon0, _), (lon1, lat1) in itertools.pairwise(ring):
        shift += 360 if lon1 - lon0 < -180 else -360 if lon1 - lon0 > 180 else 0
        points.append((lon1 + shift, lat1))
    if shift:
        return []
    if all(-180 <= lon <= 180 for lon, _ in points):
        return [points]
    offset = -360 if max(lon for lon, _ in points) > 180 else 360
    return [points, [(lon + offset, lat) for lon, lat in points]]


def map_figure(rows: list[charts.Row], topology: dict[str, Any]) -> tuple[Figure, dict[str, int]]:
    """The world outline, a marker per city with coordinates, and the cities without them listed at the side."""
    placed, unplaced = charts.located(rows)
    fig = Figure(figsize=(14, 6.5))
    ax = fig.add_axes((0.01, 0.05, 0.78, 0.9))
    ax.set_axis_off()
    for ring in (part for r in charts.outline(topology, "land") for part in unwrapped(r)):
        ax.add_patch(Polygon(ring, closed=True, facecolor="#dfe4d8", edgecolor="#b8bfb0", linewidth=0.3))
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 85)
    ax.set_aspect("equal")
    for i, row in enumerate(placed):
        lon, lat = float(row["lon"]), float(row["lat"])
        ax.plot(lon, lat, "o", color="#1d2430" if row["role"] == "home" else "#c0392b", markersize=6, gid=f"marker-{i}")
        ax.text(lon + 1.5, lat, row["name"], fontsize=7, va="center")
    side = fig.add_axes((0.8, 0.05, 0.19, 0.9))
    side.set_axis_off()
    side.text(0, 1, f"Без координат ({len(unplaced)})", fontsize=10, weight="bold", va="top")
    for i, row in enumerate(unplaced):
        side.text(0, 0.94 - i * 0.05, row["name"], fontsize=9, va="top", gid=f"unplaced-{i}")
    ax.set_title("Казань и города-партнёры")
    return fig, {"markers": len(placed), "unplaced": len(unplaced)}


def years_figure(rows: list[charts.Row]) -> tuple[Figure, dict[str, int]]:
    """Agreements and events per year, stacked by partner city, in two panels."""
    table = charts.year_counts(rows)
    fig = Figure(figsize=(14, 7))
    colours = {c: f"C{i % 10}" for i, c in enumerate(table.cities)}
    bars = 0
    for panel, (kind, title) in enumerate((("agreement", "Соглашения"), ("event", "События")), start=1):
        ax = fig.add_subplot(2, 1, panel)
        bottom = dict.fromkeys(table.years, 0)
        for city in table.cities:
            for year in table.years:
                count = table.counts.get((year, city, kind), 0)
                if count:
                    ax.bar(year, count, bottom=bottom[year], color=colours[city], gid=f"bar-{bars}",
                           label=city if year == min(y for y in table.years if table.counts.get((y, city, kind))) else None)  # fmt: skip # noqa: E501
                    bottom[year] += count
                    bars += 1
        ax.set_title(title)
        ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    fig.axes[-1].legend(fontsize=7, ncols=5)
    fig.tight_layout()
    return fig, {"bars": bars}


def draw(view: str, rows: list[charts.Row]) -> tuple[Figure, dict[str, int]]:
    """The figure of one view from its query's rows, and the counts of what it drew.

    Raises:
        TwingraphError: an unknown view.
    """
    drawers: dict[str, Callable[[list[charts.Row]], tuple[Figure, dict[str, int]]]] = {
        "timeline": timeline_figure,
        "network": network_figure,
        "map": lambda r: map_figure(r, json.loads(WORLD_ATLAS.read_text(encoding="utf-8"))),
        "years": years_figure,
    }
    if view not in drawers:
        raise TwingraphError(f"no view {view!r}: the views are {', '.join(VIEWS)}")
    return drawers[view](rows)


def plot(store: EmbeddedStore, settings: Settings, view: str, output: Path) -> Plotted:
    """Render one view of the store to an SVG or PNG file (by the output's suffix).

    The file is written under a temporary name and renamed, with the umask's mode.

    Raises:
        TwingraphError: an unknown view or suffix, the view's named query is missing,
            or the output is inside the installed package.
    """
    ensure_writable(output, "the plot")
    fmt = FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise TwingraphError(f"{output}: write .svg or .png")
    queries = load_queries(settings.queries_dir)
    if view not in queries:
        raise TwingraphError(f"no named query {view!r} in {settings.queries_dir} for the {view} view")
    rows = store.select(queries[view].text).as_dicts()
    fig, counts = draw(view, rows)
    # no date in the metadata and fixed SVG ids, so the same store gives the same file
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
    with matplotlib.rc_context({"svg.hashsalt": "twingraph"}), atomic_output(output) as handle:
        fig.savefig(handle, format=fmt, metadata=metadata, dpi=150)
    return Plotted(output, counts)
