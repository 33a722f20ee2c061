"""A reader's questions, answered in Chromium by clicking from the index page alone.

Each test starts at ``/`` of ``twingraph serve`` and goes on as a person would: it
clicks visible links by their text, fills the visible forms and filters, and reads
the answer as text on the page it ends on; it types no IRI, no path and no SPARQL.
The expected answers are not copied strings: they are derived from the records
files (``data/records/*.yaml``), so the test checks the site against the data.

Then every kind of page, at a desktop and a phone viewport, is checked for content
that sticks out of the window sideways (outside the boxes that scroll by design).

Without Chromium or Playwright these tests skip, except where
``TWINGRAPH_REQUIRE_BROWSER=1`` (CI sets it): see the fixture ``chromium`` of conftest.py.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import get_month_names
from PIL import Image

from browsing import Traffic
from twingraph.config import Settings
from twingraph.model import CityFile, Dataset, Event
from twingraph.records import load_dataset
from twingraph.serve.i18n import translations
from twingraph.store import load_queries

try:
    from playwright.sync_api import expect
except ImportError:  # the fixture `chromium` skips the tests, or fails them in CI
    pass

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.usefixtures("chromium")]

METSHIN = "Ильсур Метшин"
ROOT = Path(__file__).resolve().parent.parent
KAZANYSH_2023 = "Международный архитектурно-строительный форум «Казаныш» – 2023"


@pytest.fixture(scope="module")
def context(launch_chromium: Callable[..., BrowserContext]) -> BrowserContext:
    return launch_chromium(locale="ru-RU", viewport={"width": 1400, "height": 900})


# -- the answers, from the records ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    return load_dataset(settings.records_dir, settings.sources_dir)


def city_files(dataset: Dataset) -> list[CityFile]:
    return [city_file for _, city_file in dataset.files]


def events(dataset: Dataset) -> list[Event]:
    return [event for city_file in city_files(dataset) for event in city_file.events]


def person_names(dataset: Dataset) -> dict[str, str]:
    """Every way the records write a person, to the name the pages show."""
    canonical: dict[str, str] = {}
    for city_file in city_files(dataset):
        for person in city_file.persons:
            canonical |= {alias: person.name for alias in (person.name, *person.also_written)}
    return canonical


def in_event(dataset: Dataset, event_id: str) -> list[Event]:
    """The event of that id and its parts, the parts of its parts and so on."""
    parents = {event.id: event.part_of for event in events(dataset)}

    def inside(event_id_: str | None) -> bool:
        while event_id_ is not None:
            if event_id_ == event_id:
                return True
            event_id_ = parents.get(event_id_)
        return False

    return [event for event in events(dataset) if inside(event.id)]


def visible_number(text: str) -> str:
    """A number as the page groups its digits (spaces, no-break or thin), ungrouped.

    >>> visible_number("9\\u00a0820\\u00a0000 чел. (2023)")
    '9820000 чел. (2023)'
    """
    return re.sub(r"(?<=\d)[\s\u00a0\u202f](?=\d{3}\b)", "", text)


def cells(row: Locator) -> list[str]:
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def section(page: Page, heading: str) -> Locator:
    """The element right after a level-2 heading of a page: its list, table or text."""
    return page.locator(f"h2:text-is('{heading}') + *")


# -- the questions --------------------------------------------------------------------------------


def test_how_many_people_live_in_harbin(page: Page, live_server: str, dataset: Dataset) -> None:
    harbin = next(f.city for f in city_files(dataset) if f.city.name == "Харбин")
    assert harbin.population is not None and harbin.population.year is not None
    expected = f"{harbin.population.value:.0f} чел. ({harbin.population.year})"

    page.goto(live_server + "/")
    page.get_by_role("link", name="Харбин", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Харбин")
    population = page.locator("dt:text-is('Население') + dd")
    expect(population).to_be_visible()
    assert visible_number(population.inner_text()).startswith(expected), population.inner_text()


def metshin_2023(dataset: Dataset) -> set[tuple[str, str, str]]:
    """(date, event, person) for each person Metshin took part in an event with, in 2023."""
    names = person_names(dataset)
    met: set[tuple[str, str, str]] = set()
    for event in events(dataset):
        persons = {names.get(p.person, p.person) for p in event.participants if p.person}
        if METSHIN in persons and event.start.text.startswith("2023"):
            met |= {(event.start.text, event.title, person) for person in persons - {METSHIN}}
    return met


def test_whom_ilsur_metshin_met_in_2023_from_his_page(page: Page, live_server: str, dataset: Dataset) -> None:
    expected = metshin_2023(dataset)
    assert expected, "the records name someone Metshin met in 2023"

    page.goto(live_server + "/")
    page.get_by_role("link", name="Люди", exact=True).first.click()
    page.get_by_role("searchbox", name="Имя").fill("Метшин")
    page.get_by_role("button", name="Показать").click()
    page.get_by_role("link", name=METSHIN, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(METSHIN)

    rows = section(page, "Встречался с").locator("tbody tr")
    expect(rows.first).to_be_visible()
    seen = set()
    for row in rows.filter(has_text=re.compile(r"^\s*2023")).all():
        date, _, event = cells(row)[:3]
        whom = row.locator("td").nth(1).get_by_role("link").inner_text()  # the name, not the post beside it
        seen.add((date, event, whom))
    assert seen == expected


def shown_title(settings: Settings, name: str) -> str:
    """A named query's title as the Russian pages show it: its ``# title:``, through the interface's catalogue."""
    return translations("ru").gettext(load_queries(settings.queries_dir)[name].title)


def test_whom_ilsur_metshin_met_in_2023_by_the_named_query(page: Page, live_server: str, dataset: Dataset,
                                                           settings: Settings) -> None:  # fmt: skip
    expected = {(event, person) for _, event, person in metshin_2023(dataset)}

    page.goto(live_server + "/")
    page.get_by_role("link", name="Запросы", exact=True).click()
    page.get_by_role("link", name=shown_title(settings, "who-met-whom"), exact=True).click()
    form = page.locator("form.query-params")
    form.locator("label", has=page.locator("code", has_text=re.compile(r"^person$"))).locator("input").fill("Метшин")
    form.locator("label", has=page.locator("code", has_text=re.compile(r"^year$"))).locator("input").fill("2023")
    form.get_by_role("button", name="Выполнить").click()

    table = page.locator("main table").first
    expect(table).to_be_visible()
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    seen = set()
    for row in table.locator("tbody tr").all():
        values = dict(zip(headers, cells(row), strict=True))
        assert "2023" in values["Дата"]
        pair = {values["Кто"], values["С кем"]}
        assert METSHIN in pair
        seen.add((values["Событие"], next(iter(pair - {METSHIN}))))
    assert seen == expected


def chinese_agreements(dataset: Dataset) -> dict[str, dict[str, str]]:
    """For each Chinese partner city, its agreements: title -> when it was signed, as the records date it: the
    start of the signing event that signed it (``signs:``, "2023-09-07"), else its year ("" when there is none)."""
    files = city_files(dataset)
    signed = {agreement: str(event.start) for event in events(dataset) for agreement in event.signs}
    chinese = {f.city.name for f in files if f.city.country == "Китай" and f.city.role == "partner"}
    found: dict[str, dict[str, str]] = {city: {} for city in chinese}
    for city_file in files:
        for agreement in city_file.agreements:
            for city in chinese & set(agreement.parties):
                found[city][agreement.title] = signed.get(agreement.id, str(agreement.year or ""))
    return found


def shown_date(text: str) -> str:
    """The date an agreement's line gives in brackets, as the records write it: "7–8 сентября 2023" -> "2023-09-07"
    (a range's first day), "17 июня 2022" -> "2022-06-17", "(2003)" -> "2003"; "" when there is none.

    >>> shown_date("Меморандум (7–8 сентября 2023) — меморандум"), shown_date("Соглашение (2003)"), shown_date("X")
    ('2023-09-07', '2003', '')
    """
    found = re.search(r"\((?:(\d{1,2})(?:–\d{1,2})? (\w+) )?(\d{4})\)", text)
    if not found:
        return ""
    day, month, year = found.groups()
    if not day:
        return year
    months = [get_month_names("wide", context="format", locale="ru")[m] for m in range(1, 13)]
    return f"{year}-{months.index(month) + 1:02d}-{int(day):02d}"


def test_agreements_with_chinese_cities_and_when_they_were_signed(page: Page, live_server: str,
                                                                  dataset: Dataset) -> None:  # fmt: skip
    expected = chinese_agreements(dataset)
    assert len(expected) >= 2 and all(expected.values())
    assert any(len(date) == 10 for dates in expected.values() for date in dates.values()), "a day, from a signing"

    page.goto(live_server + "/")
    page.get_by_role("link", name="Города", exact=True).first.click()
    country = page.get_by_role("combobox", name="Страна")
    china = country.locator("option", has_text=re.compile(r"^Китай \(\d+\)$")).inner_text()
    country.select_option(label=china)
    page.get_by_role("button", name="Показать").click()

    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    cities = [row.locator("td").first.get_by_role("link").first.inner_text() for row in rows.all()]
    assert sorted(cities) == sorted(expected)
    listing = page.url
    seen: dict[str, dict[str, str]] = {}
    for city in cities:
        page.get_by_role("link", name=city, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(city)
        seen[city] = {}
        for item in section(page, "Соглашения").locator("li").all():
            title = item.get_by_role("link").first.inner_text()
            seen[city][title] = shown_date(item.inner_text().replace(title, ""))
        page.go_back()
        assert page.url == listing
    assert seen == expected


def test_the_agreements_list_names_every_party(page: Page, live_server: str, dataset: Dataset) -> None:
    """The other way to the Chinese cities' agreements: the list of agreements, each with its parties."""
    expected = {a.title: set(a.parties) for f in city_files(dataset) for a in f.agreements}

    page.goto(live_server + "/")
    page.get_by_role("link", name="Соглашения", exact=True).first.click()
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    seen = {}
    for row in rows.all():
        title = row.locator("td").nth(1).get_by_role("link").inner_text()
        parties = row.locator("td").nth(3)
        seen[title] = set(parties.get_by_role("link").all_inner_texts())
        # a cell that shows only some parties says how many it left out
        left_out = len(expected.get(title, ())) - len(seen[title])
        if left_out > 0 and f"и ещё {left_out}" in parties.inner_text() and seen[title] < expected[title]:
            seen[title] = expected[title]
    assert seen == expected


def test_who_represented_tehran_at_kazanysh_2023(page: Page, live_server: str, dataset: Dataset) -> None:
    names = person_names(dataset)
    forum = next(event for event in events(dataset) if event.title == KAZANYSH_2023)
    expected = {names.get(p.person, p.person) for event in in_event(dataset, forum.id)
                for p in event.participants if p.person and p.on_behalf_of == "Тегеран"}  # fmt: skip
    assert expected, "the records name Tehran's representatives at the forum"

    page.goto(live_server + "/")
    page.get_by_role("searchbox", name="Поиск по названию").fill("Казаныш")
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("link", name=KAZANYSH_2023, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(KAZANYSH_2023)

    # the forum's own page answers: who took part in it, and in its parts
    forum_page = page.url
    on_its_page = representatives(page, "Тегеран", "Участники") | representatives(page, "Тегеран",
                                                                                  "Участники частей события")
    assert on_its_page == expected
    # and each part's page says the same of itself
    seen = representatives(page, "Тегеран", "Участники")
    titles = section(page, "Части события").get_by_role("link").all_inner_texts()
    assert titles, "the forum's page lists its parts"
    for title in titles:
        section(page, "Части события").get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        seen |= representatives(page, "Тегеран", "Участники")
        page.go_back()
        assert page.url == forum_page
    assert seen == expected


def representatives(page: Page, city: str, heading: str) -> set[str]:
    """Who an event's page says took part on behalf of the city, in the table under ``heading`` (its columns:
    who, post, on whose behalf, and for «Участники частей события» the part)."""
    if not section(page, heading).count():
        return set()
    rows = section(page, heading).locator("tbody tr").all()
    return {who for who, _post, behalf, *_ in map(cells, rows) if behalf == city}


# -- nothing sticks out sideways -------------------------------------------------------------------

# One page of each kind; a long organization name, an agreement of six parties, a meeting
# with long posts and the widest named query are where overflow would show first.
def screenshot_script() -> ModuleType:
    """scripts/screenshots.py as a module: its ``PAGES`` are the page kinds, one page each."""
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the page kinds of the docs' screenshots, and the widest named query's every row as well
PAGES = {**screenshot_script().PAGES, "query-who-met-whom-every-row": "/queries/who-met-whom"}
VIEWPORTS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}

# Every rendered element whose right edge passes the window's, unless a box around it scrolls
# sideways (overflow-x auto or scroll: that box is where the reader scrolls to see it) or clips
# it at or before the window's edge (as CodeMirror hides its input textarea).
OVERFLOWING = """() => {
  const width = window.innerWidth;
  // an element's own box, or the text or children that spill out of it (unless it scrolls or clips them)
  const reach = (el) => {
    const box = el.getBoundingClientRect();
    return getComputedStyle(el).overflowX === "visible" ? Math.max(box.right, box.left + el.scrollWidth) : box.right;
  };
  const visibleRight = (el) => {
    let right = reach(el);
    for (let box = el.parentElement; box; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === "auto" || overflow === "scroll") return 0;
      if (overflow === "hidden" || overflow === "clip") right = Math.min(right, box.getBoundingClientRect().right);
    }
    return right;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || reach(el) <= width + 0.5 || visibleRight(el) <= width + 0.5) continue;
    const path = [];
    for (let at = el; at && at !== document.body; at = at.parentElement) path.unshift(name(at));
    out.push(`${path.join(" > ")} right=${Math.round(reach(el))} «${(el.innerText || "").slice(0, 60)}»`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out};
}"""


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_nothing_overflows_sideways(page: Page, live_server: str, traffic: Traffic, path: str,
                                   viewport: dict[str, int], language: str) -> None:  # fmt: skip
    page.set_viewport_size(viewport)
    page.set_extra_http_headers({"Accept-Language": language})  # the interface's other words are longer or shorter
    response = page.goto(live_server + path)
    assert response is not None
    if path == PAGES["not-found"]:
        assert response.status == 404
        # Chromium logs the 404 of the page itself as a console error: that one is wanted
        traffic.errors[:] = [e for e in traffic.errors if not e.startswith("Failed to load resource: the server "
                             "responded with a status of 404") or f"'url': '{response.url}'" not in e]  # fmt: skip
    else:
        assert response.status == 200
    page.wait_for_load_state("networkidle")  # the SPARQL editor and the views draw after loading
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")  # as a reader may
    found = page.evaluate(OVERFLOWING)
    assert found["scrollWidth"] <= found["width"], "\n".join(found["out"][:20])
    assert found["out"] == []


# -- the screenshots of the docs ----------------------------------------------------------------------


def test_the_screenshot_script_takes_one_picture_per_page_kind(chromium: str, built: object, settings: Settings,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    """scripts/screenshots.py, as docs/screenshots/README.md runs it: one PNG of 1400×900 per page kind."""
    script = ROOT / "scripts" / "screenshots.py"
    done = subprocess.run([sys.executable, str(script), "--dist", str(settings.dist_dir), "--out", str(tmp_path),
                           "--chromium", chromium], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    taken = sorted(path.name for path in tmp_path.glob("*.png"))
    assert taken == sorted(f"{name}.png" for name in screenshot_script().PAGES)
    in_docs = sorted(path.name for path in (ROOT / "docs" / "screenshots").glob("*.png"))
    assert taken == in_docs, "the docs hold one of each"
    for name in taken:
        with Image.open(tmp_path / name) as picture:
            assert picture.size == (1400, 900), name


# -- the controls ------------------------------------------------------------------------------------


def test_the_lists_controls_page_sort_filter_and_reset(page: Page, live_server: str, settings: Settings) -> None:
    """A list's pager, its sortable headings, a facet and its reset, each clicked, do what they say."""
    from twingraph.store import EmbeddedStore

    assert settings.dist is not None
    counted = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a <https://twingraph.example/ns#Event> }"
    total = int(EmbeddedStore.from_file(settings.dist / "twingraph.nt").select(counted).rows[0][0])
    assert total > 100, "the events fill more than one page"
    page.goto(live_server + "/event/")
    rows = page.locator("main table.list tbody tr")
    expect(page.locator("p.summary")).to_contain_text(f"Найдено: {total}")
    assert rows.count() == 100
    page.locator("nav.pager a", has_text="последняя").click()
    expect(page.locator("p.summary")).to_contain_text("страница 2 из 2")
    assert rows.count() == total - 100
    page.locator("nav.pager a", has_text="первая").click()
    expect(page.locator("p.summary")).to_contain_text("страница 1 из 2")

    heading = page.locator("main table.list thead th a").first
    column = page.locator("main table.list thead th").evaluate_all(
        "(ths, link) => ths.findIndex(th => th.contains(link))", heading.element_handle())  # fmt: skip
    key = heading.inner_text()
    heading.click()
    once = parse_qs(urlsplit(page.url).query)["sort"][0]
    first = rows.first.locator("td").nth(column).inner_text()
    page.locator("main table.list thead th a", has_text=key).click()  # again: the other way round
    twice = parse_qs(urlsplit(page.url).query)["sort"][0]
    assert twice.removeprefix("-") == once.removeprefix("-") and twice != once
    assert rows.first.locator("td").nth(column).inner_text() != first

    year = page.get_by_role("combobox", name="Год")
    option = year.locator("option").nth(1).inner_text()  # the first year offered, "2023 (40)"
    year.select_option(label=option)
    page.get_by_role("button", name="Показать").click()
    count = int(re.search(r"\((\d+)\)", option)[1])
    expect(page.locator("p.summary")).to_contain_text(f"Найдено: {count}")
    page.get_by_role("link", name="Сбросить").click()
    expect(page.locator("p.summary")).to_contain_text(f"Найдено: {total}")


def test_the_language_switch_is_kept_from_page_to_page(page: Page, live_server: str) -> None:
    """The switch opens the same page in English, the next pages stay English, and the switch back works."""
    try:
        page.goto(live_server + "/city/tehran")
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert page.url.endswith("/city/tehran?lang=en")
        expect(page.locator("dt", has_text="Country")).to_be_visible()
        page.get_by_role("link", name="People", exact=True).first.click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("link", name="Timeline", exact=True).first.click()
        page.wait_for_selector("#view[data-ready='true']", timeout=15_000)
        expect(page.locator(".view-reset")).to_have_text("Whole axis")
        page.get_by_role("link", name="Русский").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.wait_for_selector("#view[data-ready='true']", timeout=15_000)
        expect(page.locator(".view-reset")).to_have_text("Вся шкала")
    finally:
        page.context.clear_cookies()
