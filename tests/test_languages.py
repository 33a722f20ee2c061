"""One language at a time: the interface in Russian (the default) or in English, the data in its own languages.

A page's chrome is every visible text whose nearest element with a ``lang`` attribute is the root
``<html>``; the data (names, sentences, result values) sits in elements that carry their own ``lang``
(``lang=""`` where the data does not say its language). So the two can be told apart by parsing,
and each page kind is checked, in both languages, for words of the other one.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from twingraph.config import Settings
from twingraph.export import load_description
from twingraph.serve import i18n, listings, pages, query_page, render
from twingraph.serve.export_site import site_renderer
from twingraph.store import EmbeddedStore, load_queries

TG = "https://twingraph.example/ns#"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Latin words a Russian page may show: names of formats, standards and services that Russian text
# writes in Latin letters too (and the site's own name); nothing else of the chrome is English.
LOANWORDS = {"twingraph", "sparql", "json", "ld", "csv", "tsv", "turtle", "n", "triples", "rdf", "iri", "xml",
             "html", "utc", "cc", "by", "wikidata", "sha", "openapi", "https", "http", "schema", "org",
             "url"}  # fmt: skip
# text that is code or a machine name, in any language: not the interface's words
CODE_TAGS = {"code", "pre", "textarea", "script", "style", "kbd", "samp", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Chrome(HTMLParser):
    """The interface's texts of a page: visible text nodes (and placeholders, aria-labels) whose nearest
    ``lang`` ancestor is ``<html>``, outside code and outside ``translate="no"`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, whether chrome stops here: lang, code or translate=no)
        self.texts: list[str] = []
        self.html_lang: str | None = None

    @property
    def in_chrome(self) -> bool:
        return not any(stops for _, stops in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_lang = found.get("lang")
            return
        stops = "lang" in found or tag in CODE_TAGS or found.get("translate") == "no"
        if self.in_chrome and not stops:
            self.texts += [v for k, v in attrs if k in ("placeholder", "aria-label") and v]
        if tag not in VOID:
            self.stack.append((tag, stops))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.in_chrome and data.strip():
            self.texts.append(data.strip())


def chrome_of(html: str) -> Chrome:
    parsed = Chrome()
    parsed.feed(html)
    return parsed


def words(text: str) -> list[str]:
    """The words of a text, without IRIs, prefixed names, language tags and numbers."""
    text = re.sub(r"\S*://\S*|\b\w+:\w\S*|@[a-z-]+|\?\w+", " ", text)
    return re.findall(r"[^\W\d_]+", text)


def english_words(texts: list[str]) -> list[str]:
    return sorted({w for t in texts for w in words(t) if re.fullmatch(r"[A-Za-z]+", w) and w.lower() not in LOANWORDS})


def cyrillic_texts(texts: list[str]) -> list[str]:
    return sorted({t for t in texts if CYRILLIC.search(t)})


def richest(store: EmbeddedStore, cls: str) -> str:
    """The path of the resource of a class with the most statements about and to it: the fullest page."""
    query = (f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ ?s a <{TG}{cls}> {{ ?s ?p ?o }} UNION {{ ?x ?q ?s }} }} "
             "GROUP BY ?s ORDER BY DESC(?n) STR(?s) LIMIT 1")  # fmt: skip
    return pages.href(store.select(query).rows[0][0], "https://twingraph.example/")


@pytest.fixture(scope="module")
def paths(store: EmbeddedStore) -> list[str]:
    """One page of every kind: index, each kind of resource, each list, the queries, the editor, search, a 404."""
    found = ["/", "/city/kazan", "/city/tehran", *(richest(store, c) for c in
             ("Person", "Event", "Agreement", "Organization"))]  # fmt: skip
    found += [f"/{kind}/" for kind in listings.LISTINGS]
    found += ["/queries", "/queries/timeline?year=2023", "/queries/city-timeline?city=harbin",
              "/queries/who-met-whom?city=tehran", "/queries/agreements-by-year", "/sparql",
              "/search?q=%D0%BA%D0%B0%D0%B7", "/no/such/page"]  # fmt: skip
    return found


def fetch(client: TestClient, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    """A page as a new visitor gets it: no language remembered from an earlier request."""
    client.cookies.clear()
    response = client.get(path, headers={"Accept": "text/html", **headers})
    return response.status_code, dict(response.headers), response.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_page_shows_no_word_of_the_other_language_outside_the_data(client: TestClient, paths: list[str],
                                                                         lang: str) -> None:  # fmt: skip
    """English pages have no Cyrillic outside the data; Russian pages no English word."""
    other_language_words = cyrillic_texts if lang == "en" else english_words
    wrong = {}
    for path in paths:
        status, _, html = fetch(client, path, **{"Accept-Language": lang})
        assert status == (404 if path.startswith("/no/") else 200), path
        parsed = chrome_of(html)
        assert parsed.html_lang == lang, path
        if found := other_language_words(parsed.texts):
            wrong[path] = found
    assert not wrong, wrong


def test_the_chrome_check_catches_the_other_language() -> None:
    """The parser itself: chrome is told from data by ``lang``, and code is left out."""
    page = ('<html lang="en"><body><h1>Partner cities</h1><p>Город <span lang="ru">Казань</span></p>'
            '<code>SELECT ?s</code><input placeholder="Имя"></body></html>')  # fmt: skip
    assert cyrillic_texts(chrome_of(page).texts) == ["Город", "Имя"]
    assert english_words(chrome_of('<html lang="ru"><p>Города: SPARQL, Turtle, about</p></html>').texts) == ["about"]


# an Accept-Language header and the language it chooses: the best one of ours, else Russian
HEADERS = [("en-GB,en;q=0.9", "en"), ("fr", "ru"), ("", "ru"), ("de;q=0.9, en;q=0.5, ru;q=0.1", "en"),
           ("ru, en;q=0.8", "ru")]  # fmt: skip


@pytest.mark.parametrize(("header", "lang"), HEADERS)
def test_the_accept_language_header_chooses_the_language(client: TestClient, header: str, lang: str) -> None:
    status, headers, html = fetch(client, "/city/kazan", **{"Accept-Language": header})
    assert status == 200 and chrome_of(html).html_lang == lang
    assert headers["content-language"] == lang
    assert "accept-language" in headers["vary"].lower()


def test_lang_in_the_query_string_beats_the_header(client: TestClient) -> None:
    _, headers, html = fetch(client, "/city/kazan?lang=en", **{"Accept-Language": "ru"})
    assert chrome_of(html).html_lang == "en" and headers["content-language"] == "en"
    assert "Country" in html and "Страна</dt>" not in html
    _, headers, html = fetch(client, "/queries?lang=ru", **{"Accept-Language": "en"})
    assert chrome_of(html).html_lang == "ru" and headers["content-language"] == "ru"


def test_the_switch_is_remembered_for_the_next_pages(client: TestClient) -> None:
    """A reader who chose English with the switch keeps it on the pages they open next, whatever the browser asks."""
    _, headers, _ = fetch(client, "/city/kazan?lang=en", **{"Accept-Language": "ru"})
    cookie = headers["set-cookie"]
    assert cookie.startswith("lang=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    assert "cookie" in headers["vary"].lower()
    remembered = {"Accept": "text/html", "Accept-Language": "ru", "Cookie": "lang=en"}
    for path in ("/person/", "/no/such/page"):
        answer = client.get(path, headers=remembered)
        assert chrome_of(answer.text).html_lang == "en" and answer.headers["content-language"] == "en", path
        assert "set-cookie" not in answer.headers, path  # nothing new to remember
    # the switch back, and a cookie that names no language of ours (the header decides)
    assert client.get("/person/?lang=ru", headers=remembered).headers["set-cookie"].startswith("lang=ru;")
    for junk in ("xx", "en;ru", "<script>", ""):
        junk_cookie = {"Accept": "text/html", "Accept-Language": "en", "Cookie": f"lang={junk}"}
        answer = client.get("/person/", headers=junk_cookie)
        assert answer.headers["content-language"] == "en" and "set-cookie" not in answer.headers, junk
    client.cookies.clear()


def test_each_page_links_to_itself_in_the_other_language(client: TestClient) -> None:
    _, _, html = fetch(client, "/person/?sort=name", **{"Accept-Language": "en"})
    assert re.search(r'<a [^>]*href="/person/\?sort=name&amp;lang=ru"[^>]*hreflang="ru"', html)
    _, _, html = fetch(client, "/city/kazan")
    assert re.search(r'<a [^>]*href="/city/kazan\?lang=en"[^>]*hreflang="en"', html)


def test_the_same_url_is_cached_apart_for_each_language(client: TestClient) -> None:
    english = fetch(client, "/event/", **{"Accept-Language": "en"})
    russian = fetch(client, "/event/", **{"Accept-Language": "ru"})
    again = fetch(client, "/event/", **{"Accept-Language": "en"})
    assert english[2] == again[2] != russian[2]
    assert again[1].get("x-cache") == "hit" and again[1]["content-language"] == "en"
    assert english[1]["etag"] != russian[1]["etag"]
    by_query = fetch(client, "/event/?lang=en", **{"Accept-Language": "ru"})
    assert chrome_of(by_query[2]).html_lang == "en"


def test_errors_speak_the_pages_language(client: TestClient) -> None:
    status, headers, html = fetch(client, "/no/such/page", **{"Accept-Language": "en"})
    assert status == 404 and headers["content-language"] == "en" and "<h1>Error 404</h1>" in html
    status, headers, html = fetch(client, "/no/such/page")
    assert status == 404 and "<h1>Ошибка 404</h1>" in html and "нет ресурса" in html
    plain = client.get("/no/such/page", headers={"Accept": "text/plain", "Accept-Language": "en"})
    assert plain.status_code == 404 and plain.headers["content-language"] == "en" and "no resource" in plain.text


def test_data_keeps_its_own_language(client: TestClient) -> None:
    _, _, english = fetch(client, "/city/tehran?lang=en")
    assert '<h1><span lang="ru">Тегеран</span></h1>' in english
    assert '<span lang="en">Tehran</span>' in english


def russian() -> dict[str, str]:
    """The Russian catalogue's translated messages: English msgid -> Russian."""
    with i18n.catalogue_path("ru").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}


def test_every_named_query_has_its_russian_title_description_and_labels(settings: Settings) -> None:
    translated = russian()
    for named in load_queries(settings.queries_dir).values():
        wanted = [named.title, named.description, *(p.help for p in named.params if p.help)]
        missing = [text for text in wanted if text not in translated]
        assert not missing, f"queries/{named.name}.rq: no Russian in the catalogue for {missing}"


def test_every_label_the_code_shows_has_its_russian(settings: Settings) -> None:
    """The English labels of the pages (facts, columns, properties, classes) each have a Russian entry."""
    translated = russian()
    labels = {*pages.PROPERTY_LABELS.values(), *pages.INVERSE_LABELS.values(), *pages.CLASS_LABELS.values(),
              *render.LIST_TITLES.values(), *render.FACET_LABELS.values(), *render.ROLE_LABELS.values(),
              *(c[0] for columns in render.COLUMNS.values() for c in columns), *query_page.HEADINGS.values(),
              *query_page.CODES.values()}  # fmt: skip
    assert not sorted(labels - translated.keys())


def test_the_language_is_chosen_by_a_pure_function() -> None:
    assert i18n.choose_language(None, "en-GB,en;q=0.9") == "en"
    assert i18n.choose_language(None, "fr") == i18n.DEFAULT == "ru"
    assert i18n.choose_language("en", "ru") == "en"
    assert i18n.choose_language("xx", "en") == "en", "an unknown ?lang= falls back to the header"


def test_the_views_stay_russian_until_they_are_translated(client: TestClient) -> None:
    """The views' texts are not in the catalogue yet: their pages say they are Russian, whatever was asked."""
    status, headers, html = fetch(client, "/views/timeline?lang=en", **{"Accept-Language": "en"})
    assert status == 200 and chrome_of(html).html_lang == "ru" and headers["content-language"] == "ru"
    # its events' types come through the catalogue too (the query gives their English labels)
    assert "<td>фестиваль</td>" in html and "<td>festival</td>" not in html


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_static_site_speaks_the_language_it_was_asked_for(store: EmbeddedStore, settings: Settings,
                                                              lang: str) -> None:  # fmt: skip
    renderer = site_renderer(settings, lang)
    html = render.index_page(renderer, store.raw(), load_description(settings.dist_dir)).decode("utf-8")
    parsed = chrome_of(html)
    assert parsed.html_lang == lang and "hreflang" not in html, "a static site has one language and no switch"
    assert not (cyrillic_texts(parsed.texts) if lang == "en" else english_words(parsed.texts))
