"""What a person sees in a browser: headless Chromium (Debian's) driven by Playwright.

Every test runs against ``twingraph serve`` in a process of its own. Every request
the pages make goes through a route that lets only the local server through and
records the rest, and every console error is kept: a test fails on either, so a
page that calls a CDN, or an editor that asks a remote service, is caught.

Without Chromium or Playwright these tests skip, except where
``TWINGRAPH_REQUIRE_BROWSER=1`` (CI sets it): there they fail (the fixture
``chromium`` of conftest.py, asked for first so that they skip before any build).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx2
import pytest

from browsing import HOSTLESS, Traffic
from twingraph.serve.i18n import translations

try:
    from playwright.sync_api import expect
except ImportError:  # the fixture `chromium` skips the tests, or fails them in CI
    pass

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.usefixtures("chromium")]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def context(launch_chromium: Callable[..., BrowserContext]) -> BrowserContext:
    return launch_chromium(locale="ru-RU")


# -- linked-data pages ----------------------------------------------------------------------------


def test_index_lists_partner_cities_and_opens_a_city(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Зарубежные города-побратимы и партнёры")
    cities = page.locator("main table tbody tr")
    assert cities.count() >= 10
    expect(cities.filter(has_text="Тегеран")).to_be_visible()
    expect(cities.filter(has_text="Казань")).to_have_count(0)  # the home city is no partner

    page.get_by_role("link", name="Тегеран", exact=True).click()
    expect(page).to_have_url(live_server + "/city/tehran")
    expect(page.get_by_role("heading", level=1)).to_have_text("Тегеран")
    agreements = page.locator("h2:text-is('Соглашения') + ul li")
    expect(agreements.first).to_contain_text("Соглашение об установлении дружественных отношений")
    expect(agreements.first).to_contain_text("(11 апреля 2025)")  # dated by the event that signed it
    expect(page.locator("blockquote", has_text="Тегеран (Исламская Республика Иран)")).to_be_visible()


def test_a_person_page_shows_whom_they_met_and_when(page: Page, live_server: str) -> None:
    page.goto(live_server + "/city/tehran")
    meeting = page.locator("ol.timeline li", has_text="2023-05-25").filter(has_text="Встреча")
    meeting.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Встреча Ильсура Метшина с Хамидрезой Голамзаде")

    page.get_by_role("link", name="Хамидреза Голамзаде").first.click()
    expect(page).to_have_url(live_server + "/person/khamidreza-golamzade")
    expect(page.get_by_role("heading", name="Встречался с")).to_be_visible()
    met = page.locator("h2:text-is('Встречался с') + table tbody tr")
    row = met.filter(has_text="2023-05-25").filter(has_text="Ильсур Метшин")
    expect(row).to_have_count(1)
    expect(row).to_be_visible()
    expect(row.locator("td").first).to_have_text("2023-05-25")

    row.get_by_role("link", name="Ильсур Метшин").click()
    expect(page).to_have_url(live_server + "/person/ilsur-metshin")
    expect(page.locator("h2:text-is('Встречался с') + table")).to_contain_text("Хамидреза Голамзаде")


# -- the SPARQL editor ----------------------------------------------------------------------------


def test_sparql_editor_runs_a_named_query(page: Page, live_server: str) -> None:
    page.goto(live_server + "/sparql")
    editor = page.locator(".yasgui .yasqe .CodeMirror")
    expect(editor).to_be_visible()
    expect(editor).to_contain_text("SELECT ?s ?name WHERE")

    title = translations("ru").gettext("Who met whom")  # the page's language: the browser asks for Russian
    assert title != "Who met whom"
    page.get_by_label("Именованный запрос").select_option(label=title)
    expect(editor).to_contain_text("# title: Who met whom")
    expect(page.locator(".yasgui .tab.active")).to_contain_text(title)
    loaded = page.evaluate("() => document.querySelector('.yasgui .CodeMirror').CodeMirror.getValue()")
    assert loaded == (ROOT / "queries" / "who-met-whom.rq").read_text(encoding="utf-8")
    answer = httpx2.get(live_server + "/queries/who-met-whom", params={"format": "json"}).json()
    expected = len(answer["results"]["bindings"])

    page.get_by_title("Run query").click()
    rows = page.locator(".yasgui .yasr table.dataTable tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator(".yasgui .yasr")).to_contain_text(f"{expected} results")
    assert rows.count() == min(expected, 50)  # YASR shows 50 rows a page
    date = rows.first.locator("td").nth(1)  # ?date, after the row number
    expect(date).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))


def test_sparql_editor_completes_without_asking_remote_services(page: Page, live_server: str) -> None:
    """Ctrl-Space where YASGUI's defaults would ask LOV for classes and properties."""
    page.goto(live_server + "/sparql")
    page.locator(".yasgui .CodeMirror-code").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("PREFIX schema: <https://schema.org/>\nSELECT ?name WHERE {\n?p a schema:Pers")
    page.keyboard.press("Control+Space")
    page.keyboard.type("on ; schema:na")
    page.keyboard.press("Control+Space")
    page.keyboard.type("me ?name } LIMIT 5")

    page.get_by_title("Run query").click()
    expect(page.locator(".yasgui .yasr")).to_contain_text("5 results")
    expect(page.locator(".yasgui .yasr table.dataTable tbody tr")).to_have_count(5)


def test_pages_ask_nothing_of_other_hosts(context: BrowserContext, page: Page, live_server: str,
                                         traffic: Traffic) -> None:  # fmt: skip
    """The guard itself first: a request for another host is seen and refused. Then the pages make none.

    The probe runs on a blank page: on one of ours, the Content-Security-Policy header stops
    the fetch inside the browser, before the guard could see it, which is checked too.
    """
    probe = context.new_page()  # not watched: its refused fetch logs an error on purpose
    probe.goto("about:blank")
    probe.evaluate("() => fetch('http://cdn.example.invalid/x.js').catch(() => null)")
    assert traffic.foreign == ["http://cdn.example.invalid/x.js"]
    traffic.foreign.clear()
    probe.goto(live_server + "/")
    blocked = probe.evaluate("() => fetch('http://cdn.example.invalid/y.js').then(() => 'sent', () => 'refused')")
    probe.close()
    assert blocked == "refused" and traffic.foreign == [], "our pages' CSP keeps the request in the browser"
    traffic.requests.clear()

    for path in ("/", "/city/tehran", "/person/ilsur-metshin", "/queries", "/sparql"):
        page.goto(live_server + path)
    assert any(url.endswith("/static/vendor/yasgui/yasgui.min.js") for url in traffic.requests)
    hosts = {urlsplit(url).netloc for url in traffic.requests if urlsplit(url).scheme not in HOSTLESS}
    assert hosts == {urlsplit(live_server).netloc}


def test_sparql_page_works_without_javascript(launch_chromium: Callable[..., BrowserContext],
                                              live_server: str) -> None:  # fmt: skip
    browser = launch_chromium(locale="ru-RU", java_script_enabled=False)
    seen = Traffic(live_server)
    browser.route("**/*", seen.route)
    try:
        page = browser.new_page()
        seen.watch(page)
        page.goto(live_server + "/sparql")
        expect(page.locator("#sparql-editor")).to_be_hidden()
        query = page.get_by_label("Запрос SPARQL")
        expect(query).to_be_visible()
        query.fill("PREFIX schema: <https://schema.org/>\nSELECT ?name WHERE { ?p schema:name ?name } LIMIT 3")
        page.get_by_role("button", name="Выполнить").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Результаты")
        expect(page.locator("main table tbody tr")).to_have_count(3)
    finally:
        browser.close()
    seen.assert_clean()
