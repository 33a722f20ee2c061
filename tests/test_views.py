"""The views (timeline, network, map, years) in headless Chromium against a real server.

Each view must draw with no console error and no request leaving the machine, and
draw what the graph holds: one timeline item per event, the network's nodes and
edges, a map marker per city with coordinates. Counts are computed here from the
graph with rdflib, not from the views' own queries. Screenshots go to
``$TWINGRAPH_ARTIFACTS`` (default ``test-artifacts/``).

The server and browser come from conftest.py, as for tests/test_browser.py: the
session's ``twingraph serve`` process (``live_server``) and Debian's chromium driven
by Playwright with a fresh profile (``launch_chromium``); without them the tests skip
before anything is built, or fail where ``TWINGRAPH_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, XSD

from twingraph.config import Settings
from twingraph.pipeline import Built
from twingraph.rdf.namespaces import SCHEMA, TG

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.usefixtures("chromium")]

ARTIFACTS = Path(os.environ.get("TWINGRAPH_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
VIEWS = ("timeline", "network", "map", "years")


@pytest.fixture(scope="module")
def browser(launch_chromium: Callable[..., Any]) -> Any:
    """A Chromium context with a fresh profile."""
    return launch_chromium(locale="ru-RU", viewport={"width": 1200, "height": 900})


class Opened:
    """A page after its view drew, with what the browser reported on the way."""

    def __init__(self, page: Any, errors: list[str], requests: list[str]) -> None:
        self.page, self.errors, self.requests = page, errors, requests

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())


@pytest.fixture
def open_view(browser: Any, live_server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    pages = []

    def opener(path: str) -> Opened:
        page = browser.new_page()
        pages.append(page)
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(live_server + path)
        page.wait_for_selector("#view[data-ready]", timeout=15_000)
        assert page.get_attribute("#view", "data-ready") == "true", errors
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        return Opened(page, errors, requests)

    yield opener
    for page in pages:
        page.close()


# -- what the graph holds, counted with rdflib ---------------------------------------------------

KINDS = (TG.Person, TG.City, TG.Organization)


def meetings(graph: Graph, year: str | None = None) -> tuple[set[URIRef], set[tuple[URIRef, URIRef]]]:
    """Participants (persons, cities, organizations) who shared an event, and the pairs of them."""
    nodes: set[URIRef] = set()
    edges: set[tuple[URIRef, URIRef]] = set()
    for event in set(graph.subjects(RDF.type, TG.Event)):
        if year and not str(graph.value(event, SCHEMA.startDate)).startswith(year):
            continue
        who = {p for part in graph.objects(event, TG.participation) for p in graph.objects(part, TG.participant)
               if any((p, RDF.type, k) in graph for k in KINDS)}  # fmt: skip
        for a in who:
            for b in who:
                if str(a) < str(b):
                    nodes |= {a, b}
                    edges.add((a, b))  # type: ignore[arg-type]
    return nodes, edges


def located_cities(graph: Graph) -> int:
    """Kazan and the partner cities that the links gave coordinates (on the city or its Wikidata item)."""
    cities = set(graph.subjects(RDF.type, TG.PartnerCity)) | set(graph.objects(None, TG.partnerOf))
    found = 0
    for city in cities:
        items = [city, *graph.objects(city, URIRef("http://www.w3.org/2002/07/owl#sameAs"))]
        found += any(graph.value(i, SCHEMA.latitude) is not None for i in items)
    return found


# -- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_draws_offline_without_errors(open_view: Any, live_server: str, view: str) -> None:
    opened = open_view(f"/views/{view}")
    assert opened.errors == []
    assert opened.count("#view svg") >= 1
    assert opened.count("#fallback table") == 1  # the text fallback is there as well
    assert all(url.startswith(live_server) for url in opened.requests), [u for u in opened.requests
                                                                         if not u.startswith(live_server)]  # fmt: skip


def test_the_timeline_has_one_item_per_event_at_its_precision(open_view: Any, graph: Graph) -> None:
    opened = open_view("/views/timeline")
    events = set(graph.subjects(RDF.type, TG.Event))
    assert opened.count(".timeline-item") == len(events)
    precision = {XSD.date: "day", XSD.gYearMonth: "month", XSD.gYear: "year"}
    expected = {str(e): precision[graph.value(e, SCHEMA.startDate).datatype] for e in events}  # type: ignore[union-attr]
    drawn = opened.page.eval_on_selector_all(
        ".timeline-item", "items => items.map(a => [a.dataset.event, a.dataset.precision, Number(a.dataset.days)])")
    assert {event: p for event, p, _ in drawn} == expected
    # each mark spans the days its dates cover: a month-only event a whole month, not one day, and an
    # event with an end date from the start of its start to the end of its end (tests/test_views_truth.py)
    from tests.test_views_truth import event_days

    days = event_days(graph)
    assert {event: d for event, _, d in drawn} == days
    spans = {"day": {1}, "month": {28, 29, 30, 31}, "year": {365, 366}}
    single = {str(e) for e in events if graph.value(e, SCHEMA.endDate) is None}
    assert all(d in spans[p] for event, p, d in drawn if event in single)


def test_the_timeline_filters_by_city(open_view: Any, graph: Graph) -> None:
    opened = open_view("/views/timeline")
    harbin = URIRef("https://twingraph.example/city/harbin")
    opened.page.select_option("#filters label:nth-of-type(1) select", "Харбин")
    shown = opened.page.eval_on_selector_all(".timeline-item", "items => items.filter(a => !a.getAttribute('display'))"
                                             ".length")  # fmt: skip
    assert shown == len(set(graph.subjects(SCHEMA.about, harbin))) > 0
    assert opened.count("#fallback tbody tr[data-event]:not([hidden])") == shown


def test_the_network_has_the_graphs_nodes_and_edges(open_view: Any, graph: Graph) -> None:
    opened = open_view("/views/network")
    nodes, edges = meetings(graph)
    assert (opened.count(".network-node"), opened.count(".network-edge")) == (len(nodes), len(edges))
    assert len(nodes) > 50 and len(edges) > 100
    opened.page.select_option("#filters select", "2023")
    nodes, edges = meetings(graph, "2023")
    assert (opened.count(".network-node"), opened.count(".network-edge")) == (len(nodes), len(edges))


def test_a_click_on_a_node_opens_its_page(open_view: Any, live_server: str) -> None:
    opened = open_view("/views/network")
    node = opened.page.locator('.network-node[data-iri="https://twingraph.example/person/ilsur-metshin"] circle')
    node.click()
    opened.page.wait_for_url(live_server + "/person/ilsur-metshin")
    assert opened.page.locator("h1").inner_text() == "Ильсур Метшин"


def test_a_person_page_shows_their_neighbourhood(open_view: Any, graph: Graph) -> None:
    opened = open_view("/person/ilsur-metshin")
    person = URIRef("https://twingraph.example/person/ilsur-metshin")
    _, edges = meetings(graph)
    mine = {e for e in edges if person in e}
    assert opened.count(".network-edge") == len(mine) > 0
    assert opened.count(".network-node") == len({n for e in mine for n in e})
    assert opened.count(".network-node.focus") == 1
    assert opened.errors == []


def test_the_map_has_a_marker_per_located_city_and_lists_the_others(open_view: Any, graph: Graph) -> None:
    opened = open_view("/views/map")
    cities = len(set(graph.subjects(RDF.type, TG.PartnerCity))) + 1
    markers = opened.count(".map-marker")
    assert markers == located_cities(graph)
    assert opened.count(".unplaced-city") == cities - markers
    if markers:
        assert opened.count('.map-marker.role-home[data-city="https://twingraph.example/city/kazan"]') == 1
    assert opened.count("svg.map path.land") == 1


def test_the_years_chart_has_a_bar_per_year_city_and_kind(open_view: Any, settings: Settings) -> None:
    from twingraph.store import EmbeddedStore, load_queries

    opened = open_view("/views/years")
    assert settings.dist is not None
    rows = EmbeddedStore.from_file(settings.dist / "twingraph.nt").select(load_queries(settings.queries_dir)["years"]
                                                                           .text).rows  # fmt: skip
    assert opened.count("rect.bar") == len(rows) > 0


def test_the_static_site_draws_the_views_without_a_server(
        browser: Any, built: Built, tmp_path: Path, graph: Graph,
        start_command: Callable[..., AbstractContextManager[str]]) -> None:  # fmt: skip
    from click.testing import CliRunner

    from twingraph.cli import main

    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["--dist", str(built.dist), "site", "-o", str(site)])
    assert result.exit_code == 0, result.output

    def http_server(port: int) -> list[str]:
        return [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]

    with start_command(http_server, cwd=site) as url:
        page = browser.new_page()
        page.goto(url + "/views/network/")
        page.wait_for_selector("#view[data-ready]", timeout=15_000)
        nodes, _ = meetings(graph)
        assert page.locator(".network-node").count() == len(nodes)
        page.close()
    shutil.rmtree(site)
