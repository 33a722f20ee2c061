"""A named query's page as a reader uses it: title, parameter form, readable table, downloads, its SPARQL."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from twingraph.config import Settings
from twingraph.serve import create_app, i18n
from twingraph.store import EmbeddedStore
from twingraph.store.queries import NamedQuery, load_queries

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

HTML = {"Accept": "text/html"}
MET = {"person": "Метшин", "year": "2023"}


@pytest.fixture(scope="module")
def who_met_whom(settings: Settings) -> NamedQuery:
    return load_queries(settings.queries_dir)["who-met-whom"]


@pytest.fixture(scope="module")
def met_page(client: TestClient) -> str:
    response = client.get("/queries/who-met-whom", params=MET, headers=HTML)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    return response.text


def between(text: str, start: str, end: str) -> str:
    assert start in text, f"{start!r} not on the page"
    return text.split(start, 1)[1].split(end, 1)[0]


def body_rows(page: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", between(page, "<tbody>", "</tbody>"), flags=re.DOTALL)


def download_links(page: str) -> dict[str, str]:
    """The download links of a page, by label: their href, unescaped."""
    links = between(page, "Скачать:", "</p>")
    found = re.findall(r'<a href="([^"]+)" type="[^"]+" download="[^"]+"[^>]*>([^<]+)</a>', links)
    return {label: html.unescape(href) for href, label in found}


def test_the_title_and_description_head_the_page(met_page: str, who_met_whom: NamedQuery) -> None:
    russian = i18n.translations("ru").gettext  # the page is in Russian by default; the .rq header is the msgid
    assert f"<h1>{escape(russian(who_met_whom.title))}</h1>" in met_page
    assert f'<p class="lead">{escape(russian(who_met_whom.description))}</p>' in met_page
    assert russian(who_met_whom.title) != who_met_whom.title
    assert "<h1>Результаты</h1>" not in met_page


def test_the_parameters_are_a_form_filled_with_the_values_used(met_page: str, who_met_whom: NamedQuery) -> None:
    form = between(met_page, '<form class="filters query-params" action="/queries/who-met-whom" method="get">',
                   "</form>")  # fmt: skip
    inputs = dict(re.findall(r'<input type="[a-z]+" name="([a-z]+)" value="([^"]*)"', form))
    assert inputs == {p.name: MET.get(p.name, "") for p in who_met_whom.params}
    assert '<input type="number" name="year" value="2023"' in form
    russian = i18n.translations("ru").gettext
    for param in who_met_whom.params:  # each labelled by its help text, in the page's language
        assert str(escape(russian(param.help)[1:])) in form


def test_a_field_left_blank_is_not_given(client: TestClient) -> None:
    blank = client.get("/queries/who-met-whom", params={"person": "Метшин", "city": "", "year": ""}, headers=HTML)
    assert blank.status_code == 200, "a form's empty year field is no year, not a malformed one"
    given = client.get("/queries/who-met-whom", params={"person": "Метшин"}, headers=HTML)
    assert body_rows(blank.text) == body_rows(given.text)


def test_cells_are_text_and_links_without_language_tags(met_page: str) -> None:
    table = between(met_page, "<table>", "</table>")
    assert "@ru" not in table and 'class="lang"' not in table
    headings = re.findall(r'<th scope="col" title="\?(\w+)">([^<]+)</th>', table)
    assert headings and all(not text.startswith("?") for _, text in headings)
    assert ("date", "Дата") in headings and ("person1", "Кто") in headings
    assert "p1" not in {variable for variable, _ in headings}, "the IRI column is shown through the name column"


def test_a_person_cell_links_to_the_person_by_name(client: TestClient, met_page: str) -> None:
    answer = client.get("/queries/who-met-whom", params={**MET, "format": "json"}).json()["results"]["bindings"]
    assert answer, "Metshin met someone in 2023"
    rows = body_rows(met_page)
    assert len(rows) == len(answer)
    for row, binding in zip(rows, answer, strict=True):
        path = urlsplit(binding["p1"]["value"]).path
        assert path.startswith("/person/")
        assert f'<a href="{path}" lang="ru">{escape(binding["person1"]["value"])}</a>' in row


@pytest.mark.parametrize(("label", "media_type"), [("CSV", "text/csv"), ("JSON (SPARQL Results)",
                                                   "application/sparql-results+json")])  # fmt: skip
def test_downloads_give_the_same_results(client: TestClient, met_page: str, label: str, media_type: str) -> None:
    href = download_links(met_page)[label]
    assert {k: v[0] for k, v in parse_qs(urlsplit(href).query).items() if k != "format"} == MET
    response = client.get(href)
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    rows = len(body_rows(met_page))
    if media_type == "text/csv":
        assert len(list(csv.reader(io.StringIO(response.text)))) == rows + 1
    else:
        assert len(response.json()["results"]["bindings"]) == rows


def test_every_download_link_answers(client: TestClient, met_page: str) -> None:
    links = download_links(met_page)
    assert len(links) == 4
    for href in links.values():
        assert client.get(href).status_code == 200, href


def test_the_query_is_shown_without_its_comment_lines(client: TestClient, met_page: str,
                                                      who_met_whom: NamedQuery) -> None:  # fmt: skip
    shown = html.unescape(between(between(met_page, '<details class="sparql">', "</details>"), "<code>", "</code>"))
    assert any(line.lstrip().startswith("#") for line in who_met_whom.text.splitlines())
    assert not any(line.lstrip().startswith("#") for line in shown.splitlines())
    assert "title:" not in shown and shown.lstrip().startswith("PREFIX")
    assert "2023" in shown, "the query shown is the one that ran, with the year bound"
    editor = html.unescape(re.findall(r'<a href="(/sparql\?query=[^"]+)">Открыть в редакторе SPARQL</a>', met_page)[0])
    assert parse_qs(urlsplit(editor).query)["query"] == [shown]
    opened = client.get(editor, headers=HTML)
    assert opened.status_code == 200 and '<textarea name="query"' in opened.text
    assert len(body_rows(opened.text)) == len(body_rows(met_page))


def test_a_capped_result_is_announced(store: EmbeddedStore, settings: Settings, met_page: str) -> None:
    assert 'id="row-limit"' not in met_page
    with TestClient(create_app(store, dataclasses.replace(settings, row_limit=2))) as capped:
        response = capped.get("/queries/who-met-whom", headers=HTML)
    assert response.headers["x-row-limit-reached"] == "2"
    assert 'id="row-limit"' in response.text and "обрезан по лимиту" in response.text
    assert len(body_rows(response.text)) == 2


def test_parameters_are_written_escaped(client: TestClient) -> None:
    payload = '"><script>alert(1)</script>'
    page = client.get("/queries/who-met-whom", params={"person": payload}, headers=HTML).text
    assert payload not in page and f'value="{escape(payload)}"' in page


def test_the_catalogue_offers_each_query_its_form(client: TestClient, settings: Settings) -> None:
    page = client.get("/queries", headers=HTML).text
    for query in load_queries(settings.queries_dir).values():
        if query.params:
            form = between(page, f'action="/queries/{query.name}" method="get">', "</form>")
            assert all(f'name="{p.name}"' in form for p in query.params)
            kinds = {p.name: p.kind for p in query.params}
            assert all(f'type="number" name="{n}"' in form for n, kind in kinds.items() if kind == "year")


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.usefixtures("chromium")
@pytest.mark.parametrize(("width", "height"), [(1400, 900), (390, 844)])
def test_the_page_fits_the_window_and_its_form_runs(launch_chromium: Callable[..., BrowserContext], live_server: str,
                                                    width: int, height: int) -> None:  # fmt: skip
    browser = launch_chromium(locale="ru-RU", viewport={"width": width, "height": height})
    try:
        page = browser.new_page()
        page.goto(live_server + "/queries/who-met-whom?" + urlencode(MET))
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        if width >= 1400:  # room enough: the table wraps its values instead of scrolling
            assert page.evaluate("(w => w.scrollWidth - w.clientWidth)(document.querySelector('.results-table'))") <= 0
        page.locator('input[name="year"]').fill("2016")
        page.get_by_role("button", name="Выполнить").click()
        page.wait_for_url(re.compile(r"year=2016"))
        assert parse_qs(urlsplit(page.url).query) == {"person": ["Метшин"], "year": ["2016"]}
        assert page.locator("main table tbody tr").count() > 0
    finally:
        browser.close()
