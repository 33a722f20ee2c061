"""The views stay small at any size: a synthetic dataset of 150 partner cities (about 160k triples).

Each view's first page must be under 1 MB and say what it aggregated or cut (``p.view-cut``,
with the numbers shown and in all), and its zoom parameters must give the detail: the events
of one city or year (a page at a time), one participant's neighbourhood, one city's years.
Sizes only: timing is the benchmarks' business (benchmarks/run.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from twingraph.cli import main
from twingraph.config import Settings
from twingraph.serve import create_app, views
from twingraph.store import EmbeddedStore

pytestmark = pytest.mark.slow

CITIES = 150
LIMIT = 1_000_000  # bytes of a first render (issue 14)
CUT = re.compile(r'<p class="view-cut" data-shown="(\d+)" data-total="(\d+)">([^<]*)</p>')


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    """A dist/ built from ``twingraph synth --cities 150``."""
    work = tmp_path_factory.mktemp("views-scale")
    runner = CliRunner()
    done = runner.invoke(main, ["synth", "--cities", str(CITIES), "-o", str(work / "data")])
    assert done.exit_code == 0, done.output
    built = runner.invoke(main, ["--data", str(work / "data"), "--dist", str(work / "dist"), "build"])
    assert built.exit_code == 0, built.output
    return work / "dist"


@pytest.fixture(scope="module")
def client(synthetic: Path, settings: Settings) -> Iterator[TestClient]:
    scaled = dataclasses.replace(settings, dist=synthetic)
    with TestClient(create_app(EmbeddedStore.from_file(synthetic / "twingraph.nt"), scaled)) as test_client:
        yield test_client


def page(client: TestClient, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:500]
    assert len(response.content) < LIMIT, f"{path}: {len(response.content)} bytes"
    return response.text


def cuts(html: str) -> list[tuple[int, int, str]]:
    return [(int(shown), int(total), text) for shown, total, text in CUT.findall(html)]


def rows_of(html: str, table: str) -> int:
    body = html.split(f'<table class="{table}">', 1)[1].split("</table>", 1)[0]
    return body.count("<tr") - 1  # the header's row


@pytest.mark.parametrize("name", list(views.VIEWS))
def test_each_view_is_small_and_says_what_it_left_out(client: TestClient, name: str) -> None:
    html = page(client, f"/views/{name}")
    found = cuts(html)
    assert found, f"/views/{name} does not say it aggregated or cut anything"
    assert all(shown < total for shown, total, _ in found), found


def test_the_timeline_counts_every_event_and_zooms_into_a_city(client: TestClient) -> None:
    html = page(client, "/views/timeline")
    (_, total, text), *_ = cuts(html)
    assert total > views.SHOWN and "1\u00a0826" in text  # every event of the synthetic graph, counted
    assert 'class="timeline-table"' not in html  # no event one by one
    assert rows_of(html, "timeline-cities") == CITIES
    first = re.search(r'<a href="(/views/timeline\?city=[^"]+)">показать</a>', html)
    assert first is not None
    city = page(client, first.group(1).replace("&amp;", "&"))
    assert 0 < rows_of(city, "timeline-table") <= views.SHOWN
    assert 'data-rows="view-rows"' in city and 'data-mode="detail"' in city


def test_a_zoomed_timeline_pages_and_says_so(client: TestClient) -> None:
    everything = page(client, "/views/timeline?person=" + quote("а"))  # most persons have an а
    ((shown, total, text),) = cuts(everything)
    assert shown == rows_of(everything, "timeline-table") == views.SHOWN < total
    assert f"Показаны {shown} из" in text
    second = page(client, "/views/timeline?page=2&person=" + quote("а"))
    assert cuts(second)[0][1] == total and 'rel="prev"' in second
    assert re.findall(r'data-event="([^"]+)"', second)[0] not in re.findall(r'data-event="([^"]+)"', everything)


def test_the_network_shows_the_busiest_and_opens_a_neighbourhood(client: TestClient) -> None:
    html = page(client, "/views/network")
    ((shown, total, _),) = cuts(html)
    assert shown == views.TOP_NODES < total
    nodes = re.findall(r'<a href="/views/network\?node=([^"]+)"[^>]*>', html)
    assert len(nodes) == views.TOP_NODES
    near = page(client, f"/views/network?node={nodes[-1]}")
    assert 'data-mode="detail"' in near and "data-focus=" in near
    assert rows_of(near, "network-table") > 0
    found = page(client, "/views/network?q=" + quote("бабабаград"))
    assert "/views/network?node=https%3A%2F%2Ftwingraph.example%2Fcity%2Fbababagrad" in found


def test_the_map_lists_the_busiest_cities(client: TestClient) -> None:
    html = page(client, "/views/map")
    ((shown, total, _),) = cuts(html)
    assert (shown, total) == (views.MAP_SHOWN, CITIES + 1)
    assert html.count("<li data-city=") + rows_of(html, "map-table") == views.MAP_SHOWN


def test_the_years_fold_the_other_cities_and_zoom_into_one(client: TestClient) -> None:
    html = page(client, "/views/years")
    ((shown, total, _),) = cuts(html)
    assert (shown, total) == (views.TOP_CITIES, CITIES)
    assert "другие города (140)" in html
    city = page(client, "/views/years?city=" + quote("Бабабаград"))
    assert cuts(city) == [] and "Бабабаград" in city and "другие города" not in city


@pytest.mark.parametrize("path", ["/views/timeline?year=20x9", "/views/network?node=javascript:alert(1)"])
def test_a_bad_parameter_is_refused(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 400


def test_what_the_reader_typed_stays_escaped(client: TestClient) -> None:
    typed = '<script>alert("x")</script>'
    for path in ("/views/timeline?city=", "/views/network?q=", "/views/years?city="):
        html = page(client, path + quote(typed))
        assert typed not in html and "&lt;script&gt;" in html
