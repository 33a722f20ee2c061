"""``twingraph plot``: each view to SVG (items counted by their ids) and PNG, from the store's named queries."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

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
