"""``twingraph plot``: each view to SVG (items counted by their ids) and PNG, from the store's named queries."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import RDF

from twingraph.cli import main
from twingraph.config import Settings
from twingraph.pipeline import Built, build
from twingraph.rdf.namespaces import TG


def plotted(runner: CliRunner, built: Built, view: str, output: Path, *extra: str) -> str:
    result = runner.invoke(main, ["--dist", str(built.dist), *extra, "plot", view, "-o", str(output)])
    assert result.exit_code == 0, result.output
    return output.read_text(encoding="utf-8") if output.suffix == ".svg" else ""


def ids(svg: str, prefix: str) -> int:
    return len(set(re.findall(rf'id="{prefix}-\d+"', svg)))


def test_the_timeline_has_one_item_per_event(runner: CliRunner, built: Built, tmp_path: Path, graph: Graph) -> None:
    svg = plotted(runner, built, "timeline", tmp_path / "timeline.svg")
    assert ids(svg, "event") == len(set(graph.subjects(RDF.type, TG.Event)))


def test_the_network_has_the_nodes_and_edges_of_the_views(runner: CliRunner, built: Built, tmp_path: Path,
                                                          graph: Graph) -> None:  # fmt: skip
    from tests.test_views import meetings

    svg = plotted(runner, built, "network", tmp_path / "network.svg")
    nodes, edges = meetings(graph)
    assert (ids(svg, "node"), ids(svg, "edge")) == (len(nodes), len(edges))


def test_the_map_marks_located_cities_and_lists_the_rest(runner: CliRunner, built: Built, tmp_path: Path,
                                                         graph: Graph) -> None:  # fmt: skip
    from tests.test_views import located_cities

    svg = plotted(runner, built, "map", tmp_path / "map.svg")
    cities = len(set(graph.subjects(RDF.type, TG.PartnerCity))) + 1
    assert ids(svg, "marker") == located_cities(graph)
    assert ids(svg, "marker") + ids(svg, "unplaced") == cities


def test_without_links_every_city_is_listed_and_none_dropped(runner: CliRunner, settings: Settings,
                                                             tmp_path: Path) -> None:  # fmt: skip
    unlinked = dataclasses.replace(settings, dist=tmp_path / "dist", links=tmp_path / "no-links.ttl")
    built = build(unlinked)
    svg = plotted(runner, built, "map", tmp_path / "map.svg")
    assert ids(svg, "marker") == 0 and ids(svg, "unplaced") == 11


def test_the_years_chart_and_a_png(runner: CliRunner, built: Built, tmp_path: Path, graph: Graph) -> None:
    svg = plotted(runner, built, "years", tmp_path / "years.svg")
    assert ids(svg, "bar") > 0
    plotted(runner, built, "network", tmp_path / "network.png")
    assert (tmp_path / "network.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unknown_suffix_is_refused(runner: CliRunner, built: Built, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--dist", str(built.dist), "plot", "map", "-o", str(tmp_path / "map.gif")])
    assert result.exit_code != 0 and "write .svg or .png" in result.output


@pytest.mark.parametrize("view", ["timeline", "network"])
def test_the_same_store_gives_the_same_svg(runner: CliRunner, built: Built, tmp_path: Path, view: str) -> None:
    first = plotted(runner, built, view, tmp_path / "a.svg")
    assert plotted(runner, built, view, tmp_path / "b.svg") == first


# -- the figures tell the truth (issue 15, point 6): measured on the matplotlib figures -----------------


def query_rows(built: Built, settings: Settings, view: str) -> list[dict[str, str]]:
    from twingraph.store import EmbeddedStore, load_queries

    store = EmbeddedStore.from_file(built.dist / "twingraph.nt")
    return store.select(load_queries(settings.queries_dir)[view].text).as_dicts()


def test_the_years_plot_runs_in_order_with_whole_ticks_and_every_city(built: Built, settings: Settings) -> None:
    from twingraph.plot import draw

    rows = query_rows(built, settings, "years")
    fig, _ = draw("years", rows)
    years = sorted({r["year"] for r in rows}, key=int)
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == years
        assert all(float(tick).is_integer() for tick in ax.get_yticks())
    (legend,) = fig.legends
    assert sorted(t.get_text() for t in legend.get_texts()) == sorted({r["city"] for r in rows})


def test_the_timeline_plot_draws_ranges_on_a_fitted_axis(built: Built, settings: Settings) -> None:
    from matplotlib.patches import Rectangle

    from twingraph.plot import draw

    rows = query_rows(built, settings, "timeline")
    fig, _ = draw("timeline", rows)
    ax = fig.axes[0]
    bars = {p.get_gid(): p for p in ax.patches if isinstance(p, Rectangle) and str(p.get_gid()).startswith("event-")}
    ranged = [(i, r) for i, r in enumerate(rows) if r["precision"] == "year" and len(r["endDate"]) == 4]
    assert any(int(r["endDate"]) > int(r["date"]) for _, r in ranged), "no event over years to test"
    for i, row in ranged:
        assert bars[f"event-{i}"].get_width() == pytest.approx(int(row["endDate"]) + 1 - int(row["date"]))
    low, high = ax.get_xlim()
    inside = [b for b in bars.values() if b.get_x() < high and b.get_x() + b.get_width() > low]
    assert len(inside) >= 0.95 * len(bars)
    assert all(float(tick).is_integer() for tick in ax.get_xticks())
    assert len(ax.get_legend().get_texts()) == len({r["precision"] for r in rows})  # a shade per precision
    reach, widest = low, 0.0
    for start, end in sorted((b.get_x(), b.get_x() + b.get_width()) for b in inside):
        widest, reach = max(widest, start - reach), max(reach, end)
    assert max(widest, high - reach) < 0.25 * (high - low)


def placed_labels(fig: Any) -> list[Any]:
    """The window boxes of the figure's name labels (gid label-N), checked not to overlap nor leave their axes."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        frame = ax.get_window_extent(renderer)
        for text in ax.texts:
            if str(text.get_gid()).startswith("label-"):
                box = text.get_window_extent(renderer)
                assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, text.get_text()
                assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, text.get_text()
                found.append((text.get_text(), box))
    clashes = [(a, b) for i, (a, x) in enumerate(found) for b, y in found[i + 1 :]
               if x.x0 + 0.5 < y.x1 and y.x0 + 0.5 < x.x1 and x.y0 + 0.5 < y.y1 and y.y0 + 0.5 < x.y1]  # fmt: skip
    assert clashes == []
    return found


def test_the_network_plot_names_without_overlap_and_has_a_legend(built: Built, settings: Settings) -> None:
    from twingraph.plot import KIND_NAMES, draw

    rows = query_rows(built, settings, "network")
    fig, counts = draw("network", rows)
    assert len(placed_labels(fig)) >= min(10, counts["nodes"])
    kinds = {r["aKind"] for r in rows} | {r["bKind"] for r in rows}
    (legend,) = fig.legends
    assert sorted(t.get_text() for t in legend.get_texts()) == sorted(KIND_NAMES[k] for k in kinds)


def test_the_map_plot_names_without_overlap_and_gives_no_room_to_an_empty_list(built: Built,
                                                                               settings: Settings) -> None:  # fmt: skip
    from twingraph.plot import draw

    rows = query_rows(built, settings, "map")
    fig, counts = draw("map", rows)
    assert len(placed_labels(fig)) >= 0.8 * counts["markers"]
    assert counts["unplaced"] == 0 and len(fig.axes) == 1  # no side column for a list of none
    assert fig.axes[0].get_position().width > 0.9
    (legend,) = [ax.get_legend() for ax in fig.axes]
    assert len(legend.get_texts()) == len({r["role"] for r in rows if r["lat"]})
