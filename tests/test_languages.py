"""One language at a time: the interface in Russian (the default) or in English, the data in its own languages.

A page's chrome is every visible text whose nearest element with a ``lang`` attribute is the root
``<html>``; the data (names, sentences, result values) sits in elements that carry their own ``lang``
(``lang=""`` where the data does not say its language). So the two can be told apart by parsing,
and each page kind is checked, in both languages, for words of the other one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from chrome_text import CYRILLIC, chrome_of, cyrillic_texts, english_words
from twingraph.config import Settings
from twingraph.export import load_description
from twingraph.rdf.query_text import SYNTAX_ERROR, Refused
from twingraph.serve import admission, app, evaluator, i18n, listings, pages, query_page, render, sparql, views
from twingraph.serve.export_site import site_renderer
from twingraph.store import EmbeddedStore, load_queries, queries, workers

TG = "https://twingraph.example/ns#"


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
    found += [f"/views/{name}" for name in views.VIEWS]
    found += ["/views/timeline?year=2023", "/views/network?q=%D0%BC%D0%B5%D1%82", "/views/years?city=tehran"]
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


def test_the_views_speak_the_pages_language(client: TestClient) -> None:
    """A view's page, its notes and the texts its script draws come in the language asked for."""
    for lang, festival, axis in (("en", "festival", "Whole axis"), ("ru", "фестиваль", "Вся шкала")):
        status, headers, html = fetch(client, f"/views/timeline?lang={lang}")
        assert status == 200 and chrome_of(html).html_lang == lang and headers["content-language"] == lang
        assert f"<td>{festival}</td>" in html  # the events' types come through the catalogue
        texts = json.loads(re.search(r'<script type="application/json" id="view-messages">(.*?)</script>', html,
                                     re.S)[1])  # fmt: skip
        assert texts["Whole axis"] == axis and len(texts["months"]) == 12
        assert set(pages.SCRIPT_TEXTS) <= texts.keys()


def template_messages() -> set[str]:
    """The msgids of the templates' ``_()`` calls, as Babel's Jinja extractor finds them."""
    found = set()
    for template in (Path(pages.__file__).parent / "templates").rglob("*.html"):
        for _, message, _, _ in extract_from_file("jinja2.ext:babel_extract", str(template),
                                                  options={"extensions": "jinja2.ext.i18n"}):  # fmt: skip
            found.add(message if isinstance(message, str) else message[0])
    return found


def script_messages() -> set[str]:
    """The texts the views' scripts pass to ``say`` as literals (the values of their tables, ``KINDS``,
    ``PRECISIONS`` and ``ROLES``, are checked drawn, in tests/test_views_truth.py)."""
    found = set()
    for script in (Path(pages.__file__).parent / "static" / "views").glob("*.js"):
        found |= set(re.findall(r'\bsay\("((?:[^"\\]|\\.)*)"', script.read_text(encoding="utf-8")))
    return found


def test_every_message_of_the_templates_views_and_scripts_has_its_russian() -> None:
    translated = russian()
    wanted = template_messages() | set(pages.SCRIPT_TEXTS) | {v.title for v in views.VIEWS.values()}
    for module in (views,):
        for _, message, _, _ in extract_from_file("python", module.__file__, keywords={"say": (1,), "cut": (3,)}):
            wanted.add(message if isinstance(message, str) else message[0])
    assert len(wanted) > 150
    assert not sorted(wanted - translated.keys())
    assert not sorted(script_messages() - set(pages.SCRIPT_TEXTS)), "a script says a text the page does not give"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_static_site_speaks_the_language_it_was_asked_for(store: EmbeddedStore, settings: Settings,
                                                              lang: str) -> None:  # fmt: skip
    renderer = site_renderer(settings, lang)
    html = render.index_page(renderer, store.raw(), load_description(settings.dist_dir)).decode("utf-8")
    parsed = chrome_of(html)
    assert parsed.html_lang == lang and "hreflang" not in html, "a static site has one language and no switch"
    assert not (cyrillic_texts(parsed.texts) if lang == "en" else english_words(parsed.texts))


def protocol_messages() -> set[str]:
    """The messages the endpoint's errors are made from: each ``ProtocolError``, worker ``Refusal`` and page error."""
    found = {sparql.STORE_FAILED, SYNTAX_ERROR, *(refused(forbidden).template for forbidden in (True, False))}
    keywords = {"ProtocolError": (2,), "Refusal": (2,), "error": (3,), "ParameterError": (1,)}
    for module in (app, sparql, evaluator, admission, workers, queries, listings):
        for _, message, _, _ in extract_from_file("python", module.__file__, keywords=keywords):
            if message:
                found.add(message if isinstance(message, str) else message[0])
    return found | {"the query", "a query behind this page", "request body", "form", "query string"}


def refused(forbidden: bool) -> Refused:
    found = Refused()
    found.forbidden = forbidden
    return found


def test_every_error_of_the_endpoint_has_its_russian() -> None:
    messages = protocol_messages()
    assert len(messages) > 30
    assert not sorted(messages - russian().keys())


# requests the endpoint refuses, each with another error: (method, path, headers, body, status)
REFUSED = [
    ("GET", "/sparql?query=SELECT%20%7B", {}, b"", 400),  # a syntax error
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", {}, b"", 400),  # two queries
    ("GET", "/city/kazan?format=gif", {}, b"", 400),  # an unknown format
    ("GET", "/sparql?query=SELECT%20*%20%7B%20SERVICE%20%3Chttp%3A%2F%2F127.0.0.1%2F%3E%20%7B%7D%20%7D", {}, b"", 403),
    ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL", 403),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"\xff\xfe", 400),  # not UTF-8
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"#" * (70 * 1024), 413),
    ("GET", "/views/timeline?year=20x3", {}, b"", 400),  # a named query's parameter
    ("GET", "/queries/network?node=http%3A%2F%2F%5B", {}, b"", 400),
    ("GET", "/queries/timeline?colour=red", {}, b"", 400),
    ("GET", "/event/?sort=colour", {}, b"", 400),  # a list's parameters
    ("GET", "/event/?year=20x3", {}, b"", 400),
    ("GET", "/event/?page=0", {}, b"", 400),
]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_endpoints_errors_speak_the_pages_language(client: TestClient, lang: str) -> None:
    """An error page's words are the reader's language; what it names (a format, the parser's words) is code."""
    other_language_words = cyrillic_texts if lang == "en" else english_words
    for method, path, headers, body, status in REFUSED:
        client.cookies.clear()
        answer = client.request(method, path, content=body,
                                headers={"Accept": "text/html", "Accept-Language": lang, **headers})  # fmt: skip
        assert answer.status_code == status, (path, answer.text[:300])
        parsed = chrome_of(answer.text)
        assert parsed.html_lang == lang and answer.headers["content-language"] == lang, path
        assert not other_language_words(parsed.texts), (path, parsed.texts)
        message = answer.text.split("<main>", 1)[1]
        assert (CYRILLIC.search(message) is not None) == (lang == "ru"), (path, message[:300])


def test_a_plain_text_error_is_in_the_language_asked_for(client: TestClient) -> None:
    for lang, words in (("en", "the request body is larger than 65,536 bytes"),
                        ("ru", "тело запроса больше 65\u00a0536 байт")):  # fmt: skip
        answer = client.post("/sparql", content=b"#" * (70 * 1024),
                             headers={"Content-Type": "application/sparql-query", "Accept-Language": lang})  # fmt: skip
        assert answer.status_code == 413 and answer.text.strip() == words


def test_the_query_list_as_json_speaks_the_language_asked_for(client: TestClient) -> None:
    """A script that lists the named queries gets their titles, descriptions and parameter help in its language."""
    translated = russian()
    for lang in ("en", "ru"):
        answer = client.get("/queries", headers={"Accept": "application/json", "Accept-Language": lang})
        assert answer.headers["content-language"] == lang and "accept-language" in answer.headers["vary"].lower()
        for query in answer.json():
            texts = [query["title"], query["description"], *(p["help"] for p in query["params"] if p["help"])]
            if lang == "en":
                assert not cyrillic_texts(texts), query["name"]
            else:
                assert all(text in translated.values() for text in texts), query["name"]


def test_a_program_that_asks_for_no_language_gets_english_and_a_page_russian(client: TestClient) -> None:
    """Plain-text errors and the JSON list of queries are for programs: English unless a language is asked for."""
    refused = client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert refused.status_code == 403 and refused.headers["content-language"] == "en" and "read-only" in refused.text
    listing = client.get("/queries", headers={"Accept": "application/json"})
    assert listing.headers["content-language"] == "en" and not cyrillic_texts([q["title"] for q in listing.json()])
    page = client.post("/sparql", content=b"CLEAR ALL",
                       headers={"Content-Type": "application/sparql-update", "Accept": "text/html"})  # fmt: skip
    assert page.headers["content-language"] == "ru" and "только для чтения" in page.text
