"""The views tell the truth (issue 15, point 6), measured in headless Chromium on the SVG they draw.

Ranges are drawn from start to end at their precision, the time axis is fitted to where
the events are (an outlier marked at the edge) and refitted after a filter or a zoom,
years run in order with whole ticks, every colour has a legend with every series, labels
do not overlap one another or leave the figure, captions follow the filters, and the map
gives no room to an empty list. What is expected comes from the graph (rdflib) or the
store's rows, not from the views' own scripts.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rdflib import Graph
from rdflib.namespace import RDF
from tests.test_views import located_cities, meetings

from twingraph.config import Settings
from twingraph.rdf.namespaces import SCHEMA, TG

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.usefixtures("chromium")]

Box = dict[str, float]


@pytest.fixture(scope="module")
def browser(launch_chromium: Callable[..., Any]) -> Any:
    return launch_chromium(locale="ru-RU", viewport={"width": 1200, "height": 900})


@pytest.fixture
def open_view(browser: Any, live_server: str) -> Iterator[Callable[[str], Any]]:
    pages: list[Any] = []

    def opener(path: str) -> Any:
        page = browser.new_page()
        pages.append(page)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live_server + path)
        page.wait_for_selector("#view[data-ready]", timeout=15_000)
        assert page.get_attribute("#view", "data-ready") == "true", errors
        return page

    yield opener
    for page in pages:
        page.close()


# -- measuring -----------------------------------------------------------------------------------

BOXES = """(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).display !== 'none')
  .map((e) => { const r = e.getBoundingClientRect();
                return {x: r.x, y: r.y, width: r.width, height: r.height, text: e.textContent}; })"""


def boxes(page: Any, selector: str) -> list[Box]:
    """The on-screen boxes of the visible elements that match."""
    return list(page.evaluate(BOXES, selector))


def overlapping(found: list[Box], slack: float = 0.5) -> list[tuple[str, str]]:
    """The pairs of boxes that share more than a sliver."""
    pairs = []
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            if (a["x"] + slack < b["x"] + b["width"] and b["x"] + slack < a["x"] + a["width"]
                    and a["y"] + slack < b["y"] + b["height"] and b["y"] + slack < a["y"] + a["height"]):  # fmt: skip
                pairs.append((str(a["text"]), str(b["text"])))
    return pairs


def outside(found: list[Box], frame: Box) -> list[str]:
    """The boxes that leave the frame."""
    return [str(b["text"]) for b in found
            if b["x"] < frame["x"] - 0.5 or b["y"] < frame["y"] - 0.5
            or b["x"] + b["width"] > frame["x"] + frame["width"] + 0.5
            or b["y"] + b["height"] > frame["y"] + frame["height"] + 0.5]  # fmt: skip


def covered(value: str, end: bool) -> datetime.date:
    """The first day a date of any precision covers, or (end) the day after its last."""
    parts = [int(p) for p in value[:10].split("-")]
    if len(parts) == 3:
        day = datetime.date(*parts)
        return day + datetime.timedelta(days=1) if end else day
    if len(parts) == 2:
        year, month = parts
        return datetime.date(year + month // 12, month % 12 + 1, 1) if end else datetime.date(year, month, 1)
    return datetime.date(parts[0] + 1 if end else parts[0], 1, 1)


def event_days(graph: Graph) -> dict[str, int]:
    """Each event's days from the start of its start date to the end of its end date (or of its start date)."""
    found = {}
    for event in set(graph.subjects(RDF.type, TG.Event)):
        start = str(graph.value(event, SCHEMA.startDate))
        end = str(graph.value(event, SCHEMA.endDate) or start)
        found[str(event)] = (covered(max(end, start), True) - covered(start, False)).days
    return found


def axis_scale(page: Any) -> tuple[float, float]:
    """Pixels per day and the pixel of 1 January 1970 on the timeline's axis, from two of its year ticks."""
    ticks = page.eval_on_selector_all(
        "svg.timeline .x-axis .tick",
        "ts => ts.map(t => [t.querySelector('text').textContent, t.querySelector('line').getBoundingClientRect().x"
        " + t.querySelector('line').getBoundingClientRect().width / 2])")  # fmt: skip
    years = [(int(text), x) for text, x in ticks if text.isdigit() and len(text) == 4]
    assert len(years) >= 2, ticks
    (y0, x0), (y1, x1) = years[0], years[-1]
    d0, d1 = datetime.date(y0, 1, 1), datetime.date(y1, 1, 1)
    per_day = (x1 - x0) / (d1 - d0).days
    return per_day, x0 - (d0 - datetime.date(1970, 1, 1)).days * per_day


# -- the timeline --------------------------------------------------------------------------------


def test_a_range_is_drawn_from_its_start_to_its_end(open_view: Callable[[str], Any], graph: Graph) -> None:
    page = open_view("/views/timeline")
    expected = event_days(graph)
    ranged = {str(e) for e in graph.subjects(RDF.type, TG.Event) if graph.value(e, SCHEMA.endDate) is not None}
    assert any(expected[e] > 366 for e in ranged), "the data has no event over a year long to test"
    per_day, _ = axis_scale(page)
    widths = dict(page.eval_on_selector_all(
        ".timeline-item:not([data-outside])",
        "items => items.map(a => [a.dataset.event,"
        " a.querySelector('rect').getBoundingClientRect().width])"))  # fmt: skip
    for event in ranged & set(widths):
        assert widths[event] == pytest.approx(expected[event] * per_day, rel=0.02, abs=1.5), event


def test_the_axis_is_fitted_to_the_events_and_marks_the_outliers(open_view: Callable[[str], Any]) -> None:
    page = open_view("/views/timeline")
    frame = page.eval_on_selector("svg.timeline .x-axis .domain", "d => { const r = d.getBoundingClientRect();"
                                  " return {x: r.x, width: r.width}; }")  # fmt: skip
    items = page.eval_on_selector_all(
        ".timeline-item",
        """items => items.map(a => {
        const r = a.querySelector('rect').getBoundingClientRect();
        const mark = a.querySelector('.beyond');
        return {outside: a.dataset.outside || '', x: r.x, right: r.x + r.width,
                marked: !!mark && mark.getAttribute('display') !== 'none', year: mark.textContent}; })""",
    )
    inside = [i for i in items if not i["outside"]]
    assert len(inside) >= 0.95 * len(items)
    # every event beyond the axis is still shown, by a marker at the edge with its year
    assert all(i["marked"] and i["year"].isdigit() for i in items if i["outside"]), items
    # no quarter of the axis is left empty while the events crowd into the rest
    left, width = frame["x"], frame["width"]
    spans = sorted((max(i["x"], left), min(i["right"], left + width)) for i in inside)
    reach, widest = left, 0.0
    for start, end in spans:
        widest = max(widest, start - reach)
        reach = max(reach, end)
    widest = max(widest, left + width - reach)
    assert widest < 0.25 * width, f"an empty stretch of {widest / width:.0%} of the axis"


def domain(page: Any) -> tuple[str, str]:
    start, end = str(page.get_attribute("svg.timeline", "data-domain")).split("/")
    return start, end


def test_the_axis_zooms_and_is_fitted_again_after_a_filter(open_view: Callable[[str], Any], graph: Graph) -> None:
    page = open_view("/views/timeline")
    fitted = domain(page)
    svg = page.locator("svg.timeline").bounding_box()
    page.mouse.move(svg["x"] + svg["width"] * 0.7, svg["y"] + svg["height"] / 2)
    page.mouse.wheel(0, -600)  # the wheel alone scrolls the page and leaves the axis
    assert domain(page) == fitted
    page.keyboard.down("Control")
    page.mouse.wheel(0, -600)
    page.keyboard.up("Control")
    page.wait_for_function(f"document.querySelector('svg.timeline').dataset.domain !== '{'/'.join(fitted)}'")
    zoomed = domain(page)
    assert fitted[0] < zoomed[0] and zoomed[1] < fitted[1]
    page.click("button.view-reset")
    assert domain(page) == fitted
    # a year chosen: the axis holds that year's events, not the whole time any more
    year = "2023"
    starts = [str(graph.value(e, SCHEMA.startDate)) for e in graph.subjects(RDF.type, TG.Event)]
    assert sum(s.startswith(year) for s in starts) > 3
    page.select_option("#filters label:nth-of-type(4) select", year)
    start, end = domain(page)
    assert f"{int(year) - 1}-12-01" <= start and end <= f"{int(year) + 1}-12-31", (start, end)
    # and the lanes are those of the events shown
    cities = {c for c in page.eval_on_selector_all(".timeline-item:not([display])", "is => is.map(i => "
                                                   "i.__data__.city || '—')")}  # fmt: skip
    lanes = page.eval_on_selector_all("svg.timeline .y-axis .tick text", "ts => ts.map(t => t.textContent)")
    assert sorted(lanes) == sorted(cities)


# -- the years chart -----------------------------------------------------------------------------


def test_the_years_run_in_order_with_whole_ticks_and_a_full_legend(open_view: Callable[[str], Any],
                                                                   settings: Settings) -> None:  # fmt: skip
    from twingraph.store import EmbeddedStore, load_queries

    page = open_view("/views/years")
    assert settings.dist is not None
    rows = EmbeddedStore.from_file(settings.dist / "twingraph.nt").select(
        load_queries(settings.queries_dir)["years"].text).as_dicts()  # fmt: skip
    for panel in ("agreement", "event"):
        years = page.eval_on_selector_all(f"svg.years .panel-{panel} .x-axis .tick text",
                                          "ts => ts.map(t => t.textContent)")  # fmt: skip
        assert years == sorted(years, key=int) and years
        # every year from the first to the last has its place, a year without data a gap: the ticks' places
        # are one straight line of their years, and the axis starts at the first year of the data
        at = page.eval_on_selector_all(f"svg.years .panel-{panel} .x-axis .tick", "ts => ts.map(t => "
                                       "[Number(t.textContent), t.transform.baseVal[0].matrix.e])")  # fmt: skip
        steps = {round((x1 - x0) / (y1 - y0), 3) for (y0, x0), (y1, x1) in itertools.pairwise(at)}
        assert len(steps) <= 1 and at[0][0] == min(int(r["year"]) for r in rows), (steps, at)
        counts = page.eval_on_selector_all(f"svg.years .panel-{panel} .y-axis .tick text",
                                           "ts => ts.map(t => t.textContent)")  # fmt: skip
        assert counts and all(c.isdigit() for c in counts), counts
    legend = page.eval_on_selector_all("#view ul.legend li", "ls => ls.map(l => l.dataset.series)")
    assert sorted(legend) == sorted({r["city"] for r in rows})


# -- the network ---------------------------------------------------------------------------------


def check_labels(page: Any, labels: str, marks: str, frame: str) -> list[Box]:
    found = boxes(page, labels)
    assert overlapping(found) == []
    assert outside(found, page.locator(frame).bounding_box()) == []
    marks_found = boxes(page, marks)
    hidden = [(label["text"], m["text"]) for label in found for m in marks_found if overlapping([label, m], 1.0)]
    assert hidden == []
    return found


def test_the_network_labels_overlap_nothing_and_stay_inside(open_view: Callable[[str], Any]) -> None:
    page = open_view("/views/network")
    named = check_labels(page, "svg.network .network-node text", "svg.network .network-node circle", "svg.network")
    assert len(named) >= 10  # the busiest are named; the others on hover
    assert page.locator("svg.network .network-node title").count() == page.locator(".network-node").count()
    page.select_option("#filters select", "2023")
    check_labels(page, "svg.network .network-node text, svg.network .edge-label",
                 "svg.network .network-node circle", "svg.network")  # fmt: skip


def test_the_network_has_a_legend_and_its_caption_follows_the_year(open_view: Callable[[str], Any],
                                                                   graph: Graph) -> None:  # fmt: skip
    page = open_view("/views/network")
    for year in ("", "2023", "2019"):
        if year:
            page.select_option("#filters select", year)
        nodes, edges = meetings(graph, year or None)
        drawn = page.eval_on_selector_all(".network-node circle", "cs => cs.map(c => [c.parentNode.getAttribute("
                                          "'class').match(/kind-(\\w+)/)[1], getComputedStyle(c).fill])")  # fmt: skip
        swatches = "ls => ls.map(l => [l.dataset.series, getComputedStyle(l.querySelector('.swatch')).backgroundColor])"
        legend = page.eval_on_selector_all("#view ul.legend li", swatches)
        assert sorted(set(map(tuple, drawn))) == sorted(map(tuple, legend))
        said = page.eval_on_selector_all("[data-count]", "ss => ss.map(s => [s.dataset.count, Number(s.textContent)])")
        assert said and all(n == {"nodes": len(nodes), "edges": len(edges)}[key] for key, n in said), (year, said)
        assert page.inner_text(".view-count") == f"Участников: {len(nodes)}, связей: {len(edges)}"


# -- the map -------------------------------------------------------------------------------------


def test_the_map_labels_overlap_nothing_and_an_empty_list_takes_no_room(open_view: Callable[[str], Any],
                                                                       graph: Graph) -> None:  # fmt: skip
    page = open_view("/views/map")
    named = check_labels(page, "svg.map .map-marker text", "svg.map .map-marker circle", "svg.map")
    assert len(named) >= 0.8 * page.locator(".map-marker").count()
    cities = len(set(graph.subjects(RDF.type, TG.PartnerCity))) + 1
    assert located_cities(graph) == cities, "the bundled links place every city"
    assert page.locator(".map-unplaced").count() == 0
    figure = page.locator("#view").bounding_box()
    assert page.locator("svg.map").bounding_box()["width"] >= 0.95 * figure["width"]
    roles = page.eval_on_selector_all("#view ul.legend li", "ls => ls.map(l => l.dataset.series)")
    drawn = page.eval_on_selector_all(".map-marker", "ms => ms.map(m => m.getAttribute('class')"
                                      ".match(/role-(\\w+)/)[1])")  # fmt: skip
    assert sorted(roles) == sorted(set(drawn))


def test_the_timeline_shades_have_a_legend(open_view: Callable[[str], Any]) -> None:
    page = open_view("/views/timeline")
    drawn = page.eval_on_selector_all(".timeline-item", "is => is.map(i => [i.dataset.precision,"
                                      " getComputedStyle(i.querySelector('rect')).fillOpacity])")  # fmt: skip
    legend = page.eval_on_selector_all("#view ul.legend li", "ls => ls.map(l => [l.dataset.series,"
                                       " getComputedStyle(l.querySelector('.swatch')).opacity])")  # fmt: skip
    assert sorted(set(map(tuple, drawn))) == sorted(map(tuple, legend))


# -- the reader's language -----------------------------------------------------------------------

# the interface's texts a view draws: filter labels and their "all", buttons, hints, captions, legends
# (the series' names, the years chart's cities excepted, which are data), panel titles, the svg's label
# and the time axis's ticks (months when zoomed in); the data drawn (names on nodes, lanes) is left out
DRAWN_CHROME = """() => {
  const own = (el) => [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim());
  const texts = [...document.querySelectorAll("#view ~ * label, .view-filters label")].flatMap(own);
  const whole = ".view-filters option:first-child, .view-reset, .view-hint, .view-count, .panel-title, "
    + ".map-unplaced h2, .view-error, .timeline-legend li, .network-legend li, .map-legend li, "
    + "svg.timeline .x-axis .tick text";
  texts.push(...[...document.querySelectorAll(whole)].map((el) => el.textContent.trim()));
  texts.push(...[...document.querySelectorAll("#view svg[aria-label]")].map((el) => el.getAttribute("aria-label")));
  return texts.filter(Boolean);
}"""


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("ru-RU", "ru")])
def test_what_the_views_draw_speaks_the_readers_language(launch_chromium: Callable[..., Any], live_server: str,
                                                         graph: Graph, locale: str, lang: str) -> None:  # fmt: skip
    """A reader whose browser asks for English (or Russian) gets the drawings' texts in it, months included."""
    from chrome_text import cyrillic_texts, english_words

    context = launch_chromium(locale=locale, viewport={"width": 1200, "height": 900})
    person = next(iter(sorted(graph.subjects(RDF.type, TG.Person))))
    wrong, seen = {}, []
    for path in ("/views/timeline", "/views/network", "/views/map", "/views/years",
                 "/" + str(person).split("/", 3)[3]):  # fmt: skip
        page = context.new_page()
        page.goto(live_server + path)
        page.wait_for_selector("#view[data-ready]", timeout=15_000)
        assert page.get_attribute("#view", "data-ready") == "true" and page.get_attribute("html", "lang") == lang
        if path == "/views/timeline":  # one year: the axis ticks are months
            page.select_option(".view-filters label:nth-of-type(4) select", "2023")
            ticks = page.eval_on_selector_all("svg.timeline .x-axis .tick text", "ts => ts.map(t => t.textContent)")
            assert any(not tick.isdigit() for tick in ticks), ticks
        texts = page.evaluate(DRAWN_CHROME)
        seen += texts
        if found := (cyrillic_texts(texts) if lang == "en" else english_words(texts)):
            wrong[path] = found
        page.close()
    assert not wrong, wrong
    assert {"Whole axis": "en", "Вся шкала": "ru"}.keys() & set(seen) == {"Whole axis" if lang == "en" else "Вся шкала"}
