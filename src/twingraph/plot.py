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
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle
from matplotlib.ticker import MaxNLocator

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
KIND_NAMES = {"person": "человек", "city": "город", "organization": "организация"}
PRECISIONS = {"day": "дата с точностью до дня", "month": "до месяца", "year": "до года"}
ROLE_COLOURS = {"home": ("домашний город", "#1d2430"), "partner": ("город-партнёр", "#c0392b")}


@dataclasses.dataclass(frozen=True)
class Plotted:
    """What a plot drew: the file and how many items of each kind."""

    path: Path
    counts: dict[str, int]


def new_figure(width: float, height: float) -> Figure:
    """A figure with a canvas that can measure its texts (for placing labels)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def place_names(ax: Axes, marks: list[tuple[float, float, float, str]], fontsize: float = 7) -> int:
    """Names beside marks (x, y in data units, radius in points, name), most important first, each only where it
    overlaps no other name or mark and stays inside the axes (``charts.place_labels``); returns how many."""
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    points = fig.dpi / 72
    labels = []
    for x, y, radius, name in marks:
        probe = ax.text(0, 0, name, fontsize=fontsize)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        px, py = ax.transData.transform((x, y))
        labels.append((px, py, radius * points, extent.width, extent.height))
    taken = [(x - r, y - r, x + r, y + r) for x, y, r, _, _ in labels]
    frame = ax.get_window_extent(renderer)
    spots = charts.place_labels(labels, (frame.x0, frame.y0, frame.x1, frame.y1), taken)
    placed = 0
    for spot, (_, _, _, name) in zip(spots, marks, strict=True):
        if spot is not None:
            x, y = ax.transData.inverted().transform((spot[0], spot[1]))
            ax.text(x, y, name, fontsize=fontsize, ha="left", va="bottom", gid=f"label-{placed}")
            placed += 1
    return placed


def timeline_figure(rows: list[charts.Row]) -> tuple[Figure, dict[str, int]]:
    """One bar per event from its start to its end, each at its precision, in one lane per partner city.

    The axis is fitted to where most events are (``charts.dense_range``); an event beyond it is
    a triangle at that edge with its year.
    """
    lanes = sorted({r["city"] or "—" for r in rows})
    fig = new_figure(12, 0.4 * len(lanes) + 1.5)
    ax = fig.add_subplot()
    alpha = {"day": 0.95, "month": 0.6, "year": 0.25}
    spans = [charts.event_span(r["date"], r.get("endDate", "")) for r in rows]
    low, high = charts.dense_range(spans)
    pad = (high - low) * 0.01
    for i, (row, (start, end)) in enumerate(zip(rows, spans, strict=True)):
        lane = lanes.index(row["city"] or "—")
        bar = Rectangle((start, lane - 0.35), max(end - start, 0.05), 0.7, color="#1f5fa8",
                        alpha=alpha.get(row["precision"], 0.5), gid=f"event-{i}")  # fmt: skip
        ax.add_patch(bar)
        if end <= low or start >= high:
            edge, marker, align = (low - pad, "<", "left") if end <= low else (high + pad, ">", "right")
            ax.plot(edge, lane, marker, color="#1f5fa8", markersize=7, gid=f"beyond-{i}")
            ax.text(edge, lane + 0.3, row["date"][:4], fontsize=7, ha=align, va="bottom")
    ax.set_xlim(low - pad, high + pad)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # the shade tells the precision of the dates: a legend of those drawn
    shown = [p for p in PRECISIONS if any(r["precision"] == p for r in rows)]
    ax.legend(handles=[Patch(color="#1f5fa8", alpha=alpha[p], label=PRECISIONS[p]) for p in shown],
              loc="upper left", fontsize=7)  # fmt: skip
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
    fig = new_figure(14, 11)
    ax = fig.add_subplot()
    ax.set_axis_off()
    for i, (edge, (a, b)) in enumerate(zip(net.edges, pairs, strict=True)):
        ax.plot([pos[a, 0], pos[b, 0]], [pos[a, 1], pos[b, 1]], color="#99a3b3", alpha=0.6,
                linewidth=min(len(edge.events), 6) * 0.6, gid=f"edge-{i}")  # fmt: skip
    size = {i: 9 if node.kind == "city" else 6 for i, node in enumerate(net.nodes)}
    for i, node in enumerate(net.nodes):
        ax.plot(pos[i, 0], pos[i, 1], "o", color=KIND_COLOURS.get(node.kind, "#777"), markersize=size[i],
                gid=f"node-{i}")  # fmt: skip
    kinds = [k for k in KIND_COLOURS if any(n.kind == k for n in net.nodes)]
    # the legend below the drawing, where it hides no node or name
    fig.legend(handles=[Line2D([], [], marker="o", linestyle="", color=KIND_COLOURS[k], label=KIND_NAMES[k])
                        for k in kinds], loc="lower center", ncols=max(1, len(kinds)), fontsize=8)  # fmt: skip
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Кто с кем встречался: {len(net.nodes)} участников, {len(net.edges)} связей"
                 + (f", {year}" if year else ""))  # fmt: skip
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    degree = dict.fromkeys(range(len(net.nodes)), 0)
    for a, b in pairs:
        degree[a] += 1
        degree[b] += 1
    order = sorted(degree, key=lambda i: (net.nodes[i].iri != focus, -degree[i], net.nodes[i].kind != "city",
                                          net.nodes[i].name))  # fmt: skip
    place_names(ax, [(pos[i, 0], pos[i, 1], size[i] / 2, net.nodes[i].name) for i in order], fontsize=6)
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
    fig = new_figure(14, 6.5)
    # the side list takes room only when there is a city to list
    ax = fig.add_axes((0.01, 0.05, 0.78 if unplaced else 0.98, 0.9))
    ax.set_axis_off()
    for ring in (part for r in charts.outline(topology, "land") for part in unwrapped(r)):
        ax.add_patch(Polygon(ring, closed=True, facecolor="#dfe4d8", edgecolor="#b8bfb0", linewidth=0.3))
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 85)
    ax.set_aspect("equal")
    for i, row in enumerate(placed):
        colour = ROLE_COLOURS.get(row["role"], ROLE_COLOURS["partner"])[1]
        ax.plot(float(row["lon"]), float(row["lat"]), "o", color=colour, markersize=6, gid=f"marker-{i}")
    roles = [r for r in ROLE_COLOURS if any(row["role"] == r for row in placed)]
    ax.legend(handles=[Line2D([], [], marker="o", linestyle="", color=ROLE_COLOURS[r][1], label=ROLE_COLOURS[r][0])
                       for r in roles], loc="lower left", fontsize=8)  # fmt: skip
    home = next((r["name"] for r in rows if r["role"] == "home"), "")
    ax.set_title(f"{home} и города-партнёры" if home else "Города-партнёры")
    busiest = sorted(
        placed, key=lambda r: (r["role"] != "home", -int(r.get("agreements") or 0) - int(r.get("events") or 0))
    )
    place_names(ax, [(float(r["lon"]), float(r["lat"]), 3, r["name"]) for r in busiest])
    if unplaced:
        side = fig.add_axes((0.8, 0.05, 0.19, 0.9))
        side.set_axis_off()
        side.text(0, 1, f"Без координат ({len(unplaced)})", fontsize=10, weight="bold", va="top")
        for i, row in enumerate(unplaced):
            side.text(0, 0.94 - i * 0.05, row["name"], fontsize=9, va="top", gid=f"unplaced-{i}")
    return fig, {"markers": len(placed), "unplaced": len(unplaced)}


def years_figure(rows: list[charts.Row]) -> tuple[Figure, dict[str, int]]:
    """Agreements and events per year, stacked by partner city, in two panels."""
    table = charts.year_counts(rows)
    years = sorted(table.years, key=int)  # in the order of years, one slot each, labelled by its year
    fig = new_figure(14, 7)
    colours = {c: f"C{i % 10}" for i, c in enumerate(table.cities)}
    bars = 0
    for panel, (kind, title) in enumerate((("agreement", "Соглашения"), ("event", "События")), start=1):
        ax = fig.add_subplot(2, 1, panel)
        bottom = dict.fromkeys(years, 0)
        for city in table.cities:
            for slot, year in enumerate(years):
                count = table.counts.get((year, city, kind), 0)
                if count:
                    ax.bar(slot, count, bottom=bottom[year], color=colours[city], gid=f"bar-{bars}")
                    bottom[year] += count
                    bars += 1
        ax.set_title(title)
        ax.set_xticks(range(len(years)), years)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts are whole
        ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    # one entry per city of either panel, with its colour
    fig.legend(handles=[Patch(color=colours[c], label=c) for c in table.cities], loc="lower center", fontsize=7,
               ncols=min(len(table.cities), 6) or 1)  # fmt: skip
    fig.tight_layout(rect=(0, 0.04 * (1 + len(table.cities) // 6), 1, 1))
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
