"""The pages a reader uses: facts first with their sentences, intermediate nodes by their meaning, and the lists."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import OWL, RDF, RDFS
from starlette.testclient import TestClient

from twingraph.config import Settings
from twingraph.serve import create_app, i18n, listings, pages
from twingraph.serve.export_site import site_renderer, write_lists
from twingraph.store import EmbeddedStore

BASE = "https://twingraph.example/"
TG = Namespace(BASE + "ns#")
SCHEMA = Namespace("https://schema.org/")
PROLOGUE = f"PREFIX tg: <{TG}> PREFIX schema: <{SCHEMA}> "
# the paths of the nodes a reader should never see as such
INTERMEDIATE = re.compile(r"/(participant|meeting)/|/quote/|/(population|area)/\d")


def count(store: EmbeddedStore, where: str) -> int:
    return int(store.select(PROLOGUE + f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}").rows[0][0])


class Text(HTMLParser):
    """The text of a page's <main>, the targets of its links, and its rows (as lists of cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.chunks, self.links, self.rows, self.cell = False, [], [], [], None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside |= tag == "main"
        if self.inside and tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag: str) -> None:
        self.inside &= tag != "main"
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append(squeeze(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.chunks.append(data)
            if self.cell is not None:
                self.cell += data

    @property
    def text(self) -> str:
        return squeeze(" ".join(self.chunks))


def read(client: TestClient, path: str) -> Text:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.text[:300])
    parsed = Text()
    parsed.feed(response.text)
    return parsed


def section(html: str, heading: str) -> str:
    """The HTML after an <h2> up to the next one."""
    return html.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def facts(html: str) -> dict[str, str]:
    """The first fact box of a page: label -> text."""
    box = html.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]
    found = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", box, re.DOTALL)
    return {label: squeeze(re.sub(r"<[^>]+>", "", value)) for label, value in found}


def squeeze(text: str) -> str:
    """Runs of ASCII white space as one space (a no-break space is part of a number)."""
    return re.sub(r"[ \t\n]+", " ", text).strip()


# -- facts first ----------------------------------------------------------------------------------


def test_a_city_page_gives_its_figures_with_their_year_and_sentence(client: TestClient) -> None:
    html = client.get("/city/tehran", headers={"Accept": "text/html"}).text
    shown = facts(html)
    assert shown["Население"].startswith("9\u00a0700\u00a0000 чел. (2025)")
    assert shown["Площадь"].startswith("730 км² (2018)")
    assert shown["Страна"].startswith("Иран") and shown["Основан"].startswith("9 век н.э.")
    assert shown["Часовой пояс"].startswith("UTC+03:30") and "tehran.ir" in shown["Сайт"]
    # each figure's citation is the sentence it was read from, which links to the page at that sentence
    number = re.search(r"<dt>Население</dt><dd>.*?href=\"#source-(\d+)\"", html, re.DOTALL)
    assert number is not None
    source = re.search(rf'<li id="source-{number.group(1)}"><blockquote>(.*?)</blockquote>', html, re.DOTALL)
    assert source is not None and "Население: 9,7 млн" in source.group(1)
    assert "#:~:text=" in source.group(1)
    assert '<p class="wikidata"><span lang="en">Tehran</span>' in html


def test_a_partner_citys_partnership_and_its_paragraphs(client: TestClient, store: EmbeddedStore) -> None:
    html = client.get("/city/harbin", headers={"Accept": "text/html"}).text
    partnership = facts(section(html, "Партнёрство"))
    assert partnership["Событий"] == str(count(store, f"?s schema:about <{BASE}city/harbin>"))
    assert partnership["Первый контакт"].startswith("1963 —")
    assert partnership["Последний контакт"].startswith("6–8 февраля 2025 —")
    assert facts(html)["Население"].startswith("9\u00a0820\u00a0000 чел.")  # "How many people live in Harbin?"
    about = section(html, "О городе")
    assert about.count("<p>") >= 2, "«О городе» keeps its paragraphs"


def test_the_home_city_lists_its_partners(client: TestClient) -> None:
    html = client.get("/city/kazan", headers={"Accept": "text/html"}).text
    partners = section(html, "Города-партнёры")
    assert partners.count("<li>") == 10 and 'href="/city/tehran"' in partners
    assert "<h2>Партнёрство</h2>" not in html


def test_a_person_page_gives_posts_over_time_and_whom_they_met(client: TestClient) -> None:
    html = client.get("/person/ilsur-metshin", headers={"Accept": "text/html"}).text
    posts = Text()
    posts.feed("<main>" + section(html, "Должности") + "</main>")
    assert ["Мэр г.Казани", "февраль 2009 – 27 августа 2024", "Казань", "7"] in posts.rows
    met = Text()
    met.feed("<main>" + section(html, "Встречался с") + "</main>")
    in_2023 = {row[1].split(" Вице-мэр")[0] for row in met.rows[1:] if row[0].startswith("2023")}
    assert in_2023 == {"Хамидреза Голамзаде", "Хамидреза Сареми"}  # "Whom did Ilsur Metshin meet in 2023?"
    assert all(re.fullmatch(r"\[\d+\]", row[-1]) for row in met.rows[1:]), "each meeting cites its sentence"


def test_an_event_page_gives_date_place_type_participants_and_its_parts(client: TestClient) -> None:
    html = client.get("/event/tehran-2023-05-25-meeting", headers={"Accept": "text/html"}).text
    shown = facts(html)
    assert shown["Дата"].startswith("25 мая 2023") and shown["Тип"] == "встреча"
    assert shown["Место"].startswith("Казань") and shown["Город-партнёр"].startswith("Тегеран")
    assert shown["Часть события"] == "Заседание Исполнительного Бюро Азиатского Форума Мэров"
    who = Text()
    who.feed("<main>" + section(html, "Участники") + "</main>")
    assert ["Хамидреза Голамзаде", "Вице-мэр г.Тегерана", "Тегеран"] in who.rows
    assert ["Ильсур Метшин", "Мэр г.Казани", "Казань"] in who.rows
    larger = client.get("/event/kazanysh-2023", headers={"Accept": "text/html"}).text
    assert 'href="/event/tehran-2023-12-05-meeting"' in section(larger, "Части события")
    assert facts(larger)["Дата"].startswith("5–7 декабря 2023")


def test_an_event_page_lists_who_took_part_in_its_parts(client: TestClient, store: EmbeddedStore) -> None:
    """A forum's page says who came to its parts, at any depth, each with the part: no need to open them."""
    forum = "https://twingraph.example/event/kazanysh-2023"
    query = (f"SELECT (COUNT(DISTINCT ?part) AS ?n) WHERE {{ <{forum}> <https://schema.org/subEvent>+ ?sub . "
             "?sub <https://twingraph.example/ns#participation> ?part }")  # fmt: skip
    expected = int(store.select(query).rows[0][0])
    html = client.get("/event/kazanysh-2023", headers={"Accept": "text/html"}).text
    table = Text()
    table.feed("<main>" + section(html, "Участники частей события") + "</main>")
    assert table.rows[0] == ["Участник", "Должность", "От имени", "Часть события"]
    assert len(table.rows) - 1 == expected > 0
    tehran = [row for row in table.rows[1:] if row[2] == "Тегеран"]
    assert tehran and all("Тегеран" in row[3] or "2023" in row[3] for row in tehran)


def test_an_agreement_page_gives_type_date_and_parties(client: TestClient) -> None:
    html = client.get("/agreement/hangzhou-sister-city-2003", headers={"Accept": "text/html"}).text
    shown = facts(html)
    assert shown["Тип"] == "побратимские отношения" and shown["Дата подписания"].startswith("2003")
    assert set(shown["Стороны"].removesuffix("[1]").split(", ")) == {"Казань", "Ханчжоу"}
    assert "<h2>Источник</h2>" in html


def test_an_agreement_signed_at_an_event_gives_the_signings_dates(client: TestClient, store: EmbeddedStore) -> None:
    """An agreement whose records name the event that signed it (``signs:``) is dated by that event, at the
    event's precision: on its own page and in its cities' lists of agreements."""
    found = store.select("SELECT ?e ?a ?d WHERE { ?e <https://twingraph.example/ns#signs> ?a ; "
                         "<https://schema.org/startDate> ?d } ORDER BY ?a").rows  # fmt: skip
    assert len(found) >= 3
    tehran = client.get("/agreement/tehran-friendship-2025", headers={"Accept": "text/html"}).text
    assert facts(tehran)["Подписано на событии"].startswith("11 апреля 2025 — Подписание соглашения")
    assert facts(tehran)["Дата подписания"].startswith("2025")  # the year of the page's «Документ» line stays
    city = client.get("/city/hefei", headers={"Accept": "text/html"}).text
    assert re.search(r"</a> \(7–8 сентября 2023\)", section(city, "Соглашения")), "the visit's range, no single day"
    english = client.get("/agreement/tehran-friendship-2025",
                         headers={"Accept": "text/html", "Accept-Language": "en"}).text  # fmt: skip
    assert facts(english)["Signed at"].startswith("11 April 2025 — ")


@pytest.mark.parametrize("path", ["/city/tehran", "/person/khamidreza-golamzade", "/city/kazan",
                                  "/event/asian-mayors-forum-executive-bureau-2023", "/post/vitse-mer-g-tegerana"])
def test_intermediate_nodes_are_shown_by_their_meaning(client: TestClient, path: str) -> None:
    page = read(client, path)
    assert not [link for link in page.links if INTERMEDIATE.search(link)]
    assert not INTERMEDIATE.search(page.text), INTERMEDIATE.search(page.text)


def test_links_to_a_resource_are_grouped_by_property_with_readable_headings(client: TestClient,
                                                                           store: EmbeddedStore) -> None:  # fmt: skip
    html = client.get("/city/tehran", headers={"Accept": "text/html"}).text
    incoming = html.split("<summary><h2>Ссылки на этот ресурс</h2></summary>", 1)[1]
    heading = re.search(r'<h3>Представляли <span class="count">(\d+)</span>', incoming)
    assert heading is not None and int(heading.group(1)) == count(store, f"?s tg:onBehalfOf <{BASE}city/tehran>")
    represented = incoming.split("<h3>Представляли", 1)[1].split("<h3>", 1)[0]
    # the person's name, post and city are data, each with its language (tests/test_languages.py)
    assert re.search(r'<a href="/person/khamidreza-golamzade"[^>]*>Хамидреза Голамзаде</a>', represented)
    assert "Хамидреза Голамзаде, Вице-мэр г.Тегерана, от имени Тегеран" in re.sub(r"<[^>]+>", "", represented)
    assert '<details class="properties">' in html and "<summary><h2>Свойства</h2></summary>" in html


def test_the_ontologys_labels_are_the_pages(settings: Settings) -> None:
    """The pages' names of tg: properties are the ontology's: its English the msgid, its Russian the catalogue's."""
    ontology = Graph().parse(settings.ontology_dir / "twingraph.ttl")
    russian = i18n.translations("ru")
    for name, label in pages.TG_LABELS.items():
        assert label in {str(o) for o in ontology.objects(TG[name], RDFS.label) if o.language == "en"}, name
        assert russian.gettext(label) in {str(o) for o in ontology.objects(TG[name], RDFS.label) if o.language == "ru"}
    properties = {*ontology.subjects(RDF.type, OWL.ObjectProperty), *ontology.subjects(RDF.type, OWL.DatatypeProperty)}
    assert {str(p).removeprefix(str(TG)) for p in properties} == set(pages.TG_LABELS)


def test_every_property_of_the_data_has_a_readable_name(store: EmbeddedStore) -> None:
    used = store.select("SELECT DISTINCT ?p WHERE { ?s ?p ?o }").rows
    unnamed = [p for (p,) in used if p != str(RDF.type) and pages.property_view(p)["label"] == pages.curie(p)]
    assert unnamed == []


# -- the lists ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "cls"), [("city", "City"), ("person", "Person"), ("organization", "Organization"),
                                           ("event", "Event"), ("agreement", "Agreement")])  # fmt: skip
def test_each_list_counts_and_pages_every_resource_of_its_class(client: TestClient, store: EmbeddedStore,
                                                                 path: str, cls: str) -> None:  # fmt: skip
    total = count(store, f"?s a tg:{cls}")
    seen: list[str] = []
    for page in range(1, -(-total // listings.PAGE_SIZE) + 1):
        listed = read(client, f"/{path}/?page={page}")
        assert f"Найдено: {total}" in listed.text
        rows = [link for link in listed.links if re.fullmatch(rf"/{path}/[^/?]+", link)]
        assert 0 < len(set(rows)) <= listings.PAGE_SIZE
        seen += list(dict.fromkeys(rows))
    assert len(seen) == len(set(seen)) == total, "every resource once, over the pages"
    assert "Ничего не найдено" in read(client, f"/{path}/?page={page + 1}").text


def test_a_list_filters_by_facets_and_by_any_name(client: TestClient, store: EmbeddedStore) -> None:
    tehran_2023 = read(client, "/event/?city=tehran&year=2023")
    expected = count(store, f"?s schema:about <{BASE}city/tehran> ; schema:startDate ?d "
                            'FILTER(STRSTARTS(STR(?d), "2023"))')  # fmt: skip
    assert f"Найдено: {expected}" in tehran_2023.text and expected > 0
    assert "Отбор: Город-партнёр: Тегеран" in tehran_2023.text
    chinese = read(client, "/agreement/?city=harbin")
    assert "Найдено: 1" in chinese.text and "/city/harbin" in chinese.links
    english = read(client, "/city/?q=HARBIN")  # Wikidata's English name, any case
    assert "Найдено: 1" in english.text and "/city/harbin" in english.links
    assert "Найдено: 1" in read(client, "/person/?q=метшин").text
    partners = read(client, "/city/?role=partner")
    assert f"Найдено: {count(store, '?s a tg:PartnerCity')}" in partners.text


def test_a_facet_counts_its_values_under_the_other_filters(client: TestClient, store: EmbeddedStore) -> None:
    html = client.get("/event/", params={"year": "2023"}).text
    select = html.split('<select name="city">', 1)[1].split("</select>", 1)[0]
    shown = dict(re.findall(r'<option value="(\w+)"[^>]*>[^<(]*\((\d+)\)</option>', select))
    assert shown["tehran"] == str(count(store, f'?s schema:about <{BASE}city/tehran> ; schema:startDate ?d '
                                              'FILTER(STRSTARTS(STR(?d), "2023"))'))  # fmt: skip


def test_a_list_sorts_by_a_column_both_ways(client: TestClient) -> None:
    def events(sort: str) -> list[int]:
        rows = read(client, f"/person/?sort={sort}").rows[1:]
        return [int(row[3]) for row in rows]

    assert events("-events") == sorted(events("-events"), reverse=True)
    assert events("events") == sorted(events("events"))
    html = client.get("/person/", params={"sort": "-events"}).text
    assert '<a href="/person/?sort=events">Событий</a> ▼' in html


@pytest.mark.parametrize("query", ["page=0", "page=x", "sort=colour", "year=20x3", "city=%3Cscript%3E",
                                   "role=mayor", "q=" + "x" * 201])  # fmt: skip
def test_a_bad_list_parameter_is_a_400_that_says_which(client: TestClient, query: str) -> None:
    response = client.get(f"/event/?{query}" if not query.startswith("role") else f"/city/?{query}",
                          headers={"Accept": "text/html"})  # fmt: skip
    assert response.status_code == 400
    assert query.split("=")[0] in response.text and "<script>" not in response.text


def test_a_list_without_its_slash_redirects(client: TestClient) -> None:
    response = client.get("/person?q=метшин", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"].startswith("/person/?q=")


def test_the_index_shows_the_home_city_and_the_way_in_to_every_list(client: TestClient, store: EmbeddedStore) -> None:
    html = client.get("/", headers={"Accept": "text/html"}).text
    # the names are data, each with its language (tests/test_languages.py)
    assert re.search(r'Свой город: <strong><a href="/city/kazan" lang="ru">Казань</a></strong> '
                     r'\(<span lang="ru">Россия</span>\)', html)
    for path, cls in (("city", "City"), ("person", "Person"), ("event", "Event")):
        assert f'<a href="/{path}/">' in html
        number = count(store, f"?s a tg:{cls}")
        assert re.search(rf'<a href="/{path}/">[^<]+</a> <span class="count">{number}</span>', html)


def test_lists_stay_small_and_escape_names(settings: Settings) -> None:
    evil = '<script>alert(1)</script>'
    raw = ox.Store()
    people = "\n".join(f'<{BASE}person/p{i}> a <{TG.Person}> ; <{SCHEMA.name}> "Имя {i:03}"@ru .'
                       for i in range(250))  # fmt: skip
    turtle = f"""{people}
        <{BASE}event/e> a <{TG.Event}> ; <{SCHEMA.name}> {json.dumps(evil)}@ru ;
            <{SCHEMA.startDate}> "2023"^^<http://www.w3.org/2001/XMLSchema#gYear> ; <{SCHEMA.about}> <{BASE}city/c> ;
            <{TG.eventType}> <{BASE}ns/event-type/x> .
        <{BASE}ns/event-type/x> <http://www.w3.org/2004/02/skos/core#prefLabel> {json.dumps(evil)}@ru .
        <{BASE}city/c> a <{TG.City}> ; <{SCHEMA.name}> {json.dumps(evil)}@ru ."""
    raw.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    with TestClient(create_app(EmbeddedStore(raw), settings)) as evil_client:
        listed = read(evil_client, "/person/?page=3")
        assert "Найдено: 250" in listed.text and len(listed.rows) == 1 + 50
        assert "страница 3 из 3" in listed.text
        for path in ("/event/", "/city/", "/event/?city=c"):
            html = evil_client.get(path).text
            assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_static_site_writes_each_lists_pages(store: EmbeddedStore, settings: Settings, tmp_path: Path) -> None:
    renderer = site_renderer(settings)
    assert write_lists(tmp_path, renderer, store.raw()) == []
    first, second = (tmp_path / "event" / "index.html").read_text(), (tmp_path / "event" / "page-2.html").read_text()
    assert 'href="/event/page-2.html"' in first and 'href="/event/"' in second
    for html in (first, second, (tmp_path / "city" / "index.html").read_text()):
        links = Text()
        links.feed(html)
        assert not [link for link in links.links if "?" in link], "a static site has no query strings"
        assert "<form" not in html.split("<main", 1)[1]
