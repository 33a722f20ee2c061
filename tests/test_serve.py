"""The web server: linked data, pages, SPARQL protocol and its safety, named queries, dumps."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import gc
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx2
import pyoxigraph as ox
import pytest
import uvicorn
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from SPARQLWrapper import JSON, XML, SPARQLWrapper
from starlette.responses import Response
from starlette.testclient import TestClient
from uvicorn.server import ServerState

from running_stores import free_port
from twingraph.config import Limits, Settings, default_settings, find_root
from twingraph.pipeline import build
from twingraph.serve import create_app
from twingraph.serve.app import ReloadError, in_thread, reloading
from twingraph.serve.evaluator import Evaluator
from twingraph.serve.listener import REQUEST_DEADLINE, DeadlineProtocol, QuietLoopErrors, bound_socket
from twingraph.serve.negotiation import choose, parse_accept
from twingraph.serve.page_store import PageStore
from twingraph.serve.sparql import ProtocolError, check_query
from twingraph.store import EmbeddedStore
from twingraph.store.interface import read_through

ROOT = find_root(Path(__file__).resolve().parent)
BASE = "https://twingraph.example/"
TG = Namespace(BASE + "ns#")
SCHEMA = Namespace("https://schema.org/")
TEHRAN = URIRef(BASE + "city/tehran")
KAZAN = URIRef(BASE + "city/kazan")
SELECT_NAMES = "PREFIX schema: <https://schema.org/> SELECT ?s ?name WHERE { ?s schema:name ?name } LIMIT 3"
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    built = default_settings(root=ROOT, dist=tmp_path_factory.mktemp("dist"))
    build(built)
    return built


@pytest.fixture(scope="module")
def store(settings: Settings) -> EmbeddedStore:
    return EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt")


@pytest.fixture(scope="module")
def client(store: EmbeddedStore, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(store, settings)) as test_client:
        yield test_client


def parse(response: httpx2.Response, fmt: str) -> Graph:
    return Graph().parse(data=response.text, format=fmt, publicID=BASE)


# -- negotiation (pure) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("text/turtle;q=0.9, text/html;q=0.8", "text/turtle"),
        ("text/*;q=0.1, application/ld+json", "application/ld+json"),
        ("text/html, */*;q=0", "text/html"),
        ("*/*", "text/html"),
        (None, "text/html"),
        ("application/ld+json;q=0, text/turtle;q=0.2", "text/turtle"),
        ("text/turtle;q=oops, application/n-triples;q=0.3", "application/n-triples"),
        ("image/png", None),
    ],
)
def test_choose_weighs_q_values_and_specificity(accept: str | None, chosen: str | None) -> None:
    offers = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
    assert choose(offers, accept) == chosen


def test_parse_accept_skips_malformed_ranges() -> None:
    assert [(r.type, r.subtype) for r in parse_accept("garbage, text/html;level=1, /x")] == [("text", "html")]


# -- linked data ----------------------------------------------------------------------------------


def test_a_description_carries_the_links_pointing_at_it(client: TestClient) -> None:
    person = URIRef(BASE + "person/khamidreza-golamzade")
    graph = parse(client.get("/person/khamidreza-golamzade", headers={"Accept": "text/turtle"}), "turtle")
    events = set(graph.subjects(SCHEMA.attendee, person))
    assert URIRef(BASE + "event/tehran-2023-05-25-meeting") in events, "the events they attended, as backlinks"
    assert all(graph.value(e, SCHEMA.name) is not None for e in events), "each with its name"
    assert set(graph.subjects(TG.participant, person)), "and their participations"


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
    ],
)
def test_resource_is_negotiated_at_its_iri(client: TestClient, accept: str, media: str, fmt: str) -> None:
    response = client.get("/city/tehran", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]
    dataset = Dataset().parse(data=response.text, format=fmt)
    quads = set(dataset.quads((None, None, None, None)))
    assert (TEHRAN, TG.partnerOf, KAZAN) in {q[:3] for q in quads}
    assert (KAZAN, SCHEMA.name, Literal("Казань", lang="ru")) in {q[:3] for q in quads}  # the object's name too
    if fmt == "trig":
        assert {q[3] for q in quads} == {TEHRAN}  # the description is the graph named by the resource


def test_html_is_chosen_by_browsers_and_q_values_decide(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/city/tehran", headers={"Accept": browser}).headers["content-type"].startswith("text/html")
    weighed = client.get("/city/tehran", headers={"Accept": "text/html;q=0.5, text/turtle;q=0.9"})
    assert weighed.headers["content-type"].startswith("text/turtle")


def test_nothing_acceptable_is_406(client: TestClient) -> None:
    response = client.get("/city/tehran", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


@pytest.mark.parametrize(
    ("url", "media"),
    [
        ("/person/ilsur-metshin.ttl", "text/turtle"),
        ("/person/ilsur-metshin.jsonld", "application/ld+json"),
        ("/person/ilsur-metshin.nt", "application/n-triples"),
        ("/person/ilsur-metshin?format=ttl", "text/turtle"),
        ("/person/ilsur-metshin?format=jsonld", "application/ld+json"),
        ("/person/ilsur-metshin?format=nt", "application/n-triples"),
    ],
)
def test_suffix_and_format_override_accept(client: TestClient, url: str, media: str) -> None:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert BASE + "person/ilsur-metshin" in response.text


def test_jsonld_uses_the_published_context(client: TestClient) -> None:
    document = client.get("/person/ilsur-metshin?format=jsonld").json()
    assert document["@context"]["name"] == "https://schema.org/name"
    assert "Ильсур Метшин" in json.dumps(document, ensure_ascii=False)


def test_the_context_is_published_and_named_by_every_json_ld_answer(client: TestClient, settings: Settings) -> None:
    answer = client.get("/person/ilsur-metshin", headers={"Accept": "application/ld+json"})
    link = answer.headers["link"]
    target = re.fullmatch(r'<([^>]+)>; rel="http://www\.w3\.org/ns/json-ld#context"; type="application/ld\+json"', link)
    assert target is not None, link
    context = client.get(target.group(1))
    assert context.status_code == 200 and context.headers["content-type"].startswith("application/ld+json")
    published = json.loads((settings.ontology_dir / "context.jsonld").read_text(encoding="utf-8"))
    assert context.json() == {"@context": published["@context"]}
    assert "max-age" in context.headers["cache-control"] and "link" not in context.headers
    assert client.get(target.group(1), headers={"If-None-Match": context.headers["etag"]}).status_code == 304
    # the document read with the linked context, as a JSON reader of it would, says what it says inline
    document = answer.json()
    inline = Graph().parse(data=json.dumps(document), format="json-ld")
    linked = Graph().parse(data=json.dumps({**document, "@context": context.json()["@context"]}), format="json-ld")
    assert len(inline) > 10 and isomorphic(inline, linked)
    for other in ("/dataset", "/"):
        assert client.get(other, headers={"Accept": "application/ld+json"}).headers["link"] == link
    # a plain-JSON client, for whom JSON-LD 1.1 reads the context from the Link header
    assert client.get("/person/ilsur-metshin", headers={"Accept": "application/json"}).headers["link"] == link
    assert "link" not in client.get("/openapi.json").headers
    assert "link" not in client.get("/person/ilsur-metshin", headers={"Accept": "text/turtle"}).headers


def test_unknown_resource_and_format(client: TestClient) -> None:
    assert client.get("/person/nobody-at-all").status_code == 404
    assert client.get("/person/ilsur-metshin?format=pdf").status_code == 400


def test_etag_gives_304_and_last_modified(client: TestClient) -> None:
    first = client.get("/city/tehran", headers={"Accept": "text/turtle"})
    assert first.headers["last-modified"].endswith("GMT")
    again = client.get("/city/tehran", headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    stale = {"Accept": "application/ld+json", "If-None-Match": first.headers["etag"]}
    other = client.get("/city/tehran", headers=stale)
    assert other.status_code == 200


def test_gzip_and_cors(client: TestClient) -> None:
    response = client.get("/city/tehran", headers={"Accept-Encoding": "gzip", "Origin": "https://elsewhere.example"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["access-control-allow-origin"] == "*"


# -- pages ----------------------------------------------------------------------------------------


def test_index_lists_partner_cities_with_counts(client: TestClient, store: EmbeddedStore) -> None:
    page = client.get("/").text
    assert '<html lang="ru">' in page
    assert '<a href="/city/tehran" lang="ru">Тегеран</a>' in page  # a name of the data, in its language
    assert 'href="/city/kazan"' not in page.split("<tbody>")[1].split("</tbody>")[0]  # the home city is no partner
    agreements = store.select(f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a <{TG.party}> <{TEHRAN}> ; a <{TG.Agreement}> }}")
    events = store.select(f"SELECT (COUNT(?e) AS ?n) WHERE {{ ?e <{SCHEMA.about}> <{TEHRAN}> }}")
    row = re.search(r'<a href="/city/tehran" lang="ru">Тегеран</a>.*?</tr>', page, re.DOTALL)
    assert row is not None
    numbers = re.findall(r'<td class="num">(\d+)</td>', row.group(0))
    assert numbers == [agreements.rows[0][0], events.rows[0][0]]
    assert int(events.rows[0][0]) > 0


def test_city_page_has_agreements_timeline_and_source(client: TestClient) -> None:
    page = client.get("/city/tehran", headers={"Accept": "text/html"}).text
    assert "<h2>Соглашения</h2>" in page
    dates = re.findall(r"<time>([^<]+)</time>", page)
    assert len(dates) > 3
    assert dates == sorted(dates)
    assert 'Источник: «<span lang="ru">Тегеран (Исламская Республика Иран)</span>»' in page
    assert 'href="/city/tehran?format=ttl"' in page and 'href="/city/tehran?format=jsonld"' in page


def test_person_page_shows_whom_they_met(client: TestClient) -> None:
    page = client.get("/person/ilsur-metshin", headers={"Accept": "text/html"}).text
    section = page.split("<h2>Встречался с</h2>")[1]
    assert '<a href="/person/khamidreza-golamzade" lang="ru">Хамидреза Голамзаде</a>' in section
    assert "2023-05-25" in section


def test_person_page_shows_posts_over_time(client: TestClient) -> None:
    page = client.get("/person/khamidreza-golamzade", headers={"Accept": "text/html"}).text
    section = page.split("<h2>Участие и должности по датам</h2>")[1].split("</table>")[0]
    # posts and whom they represented are data: their cells say so (lang="": the data do not give the language)
    rows = re.findall(r'<tr><td>([0-9-]+)[^<]*</td><td lang="">([^<]*)</td><td lang="">([^<]*)</td>', section)
    assert ("2023-05-25", "Вице-мэр г.Тегерана", "Тегеран") in rows
    assert len({post for _, post, _ in rows}) >= 2
    assert [d for d, _, _ in rows] == sorted(d for d, _, _ in rows)


def test_page_embeds_its_json_ld(client: TestClient) -> None:
    page = client.get("/person/ilsur-metshin", headers={"Accept": "text/html"}).text
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert embedded is not None
    graph = Graph().parse(data=embedded.group(1), format="json-ld")
    assert (URIRef(BASE + "person/ilsur-metshin"), RDF.type, TG.Person) in graph


def test_search_by_name_substring(client: TestClient) -> None:
    page = client.get("/search", params={"q": "голамзаде"}).text
    assert 'href="/person/khamidreza-golamzade"' in page
    assert "Найдено: 0" in client.get("/search", params={"q": "нет такого имени"}).text


def test_literals_are_escaped_everywhere(settings: Settings) -> None:
    evil = '<script>alert(1)</script></script><img src=x onerror=alert(2)> & "q"'
    raw = ox.Store()
    turtle = f"""@prefix schema: <https://schema.org/> .
        <{BASE}person/evil> a <{TG.Person}> ; schema:name {json.dumps(evil)}@ru ;
            schema:knows <{BASE}person/other> .
        <{BASE}person/other> schema:name {json.dumps(evil)} ."""
    raw.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    with TestClient(create_app(EmbeddedStore(raw), settings)) as evil_client:
        for url in ("/person/evil", "/person/other", "/search?q=script"):
            page = evil_client.get(url, headers={"Accept": "text/html"}).text
            assert "<script>alert" not in page and "<img" not in page
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        page = evil_client.get("/person/evil", headers={"Accept": "text/html"}).text
        embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
        assert embedded is not None
        described = Graph().parse(data=embedded.group(1), format="json-ld")
        assert (URIRef(BASE + "person/evil"), SCHEMA.name, Literal(evil, lang="ru")) in described


def test_no_page_links_to_a_script_iri(client: TestClient) -> None:
    query = 'SELECT ?x WHERE { BIND(IRI("javascript:alert(document.domain)") AS ?x) }'
    page = client.get("/sparql", params={"query": query}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'href="javascript:' not in page.text.lower()
    assert "javascript:alert(document.domain)" in page.text, "the IRI is shown, as text"


# -- SPARQL protocol ------------------------------------------------------------------------------


def test_select_by_get_form_and_body(client: TestClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = client.get("/sparql", params={"query": SELECT_NAMES}, headers=accept)
    by_form = client.post("/sparql", data={"query": SELECT_NAMES}, headers=accept)
    body_headers = {**accept, "Content-Type": "application/sparql-query"}
    by_body = client.post("/sparql", content=SELECT_NAMES.encode(), headers=body_headers)
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200
        assert response.json()["head"]["vars"] == ["s", "name"]
        assert len(response.json()["results"]["bindings"]) == 3


@pytest.mark.parametrize(
    ("accept", "check"),
    [
        ("application/sparql-results+xml", lambda t: "<sparql xmlns=" in t and "<binding name=" in t),
        ("text/csv", lambda t: t.startswith("s,name\r\n") and t.count("\r\n") == 4),
        ("text/tab-separated-values", lambda t: t.startswith("?s\t?name\r\n") and "@ru" in t),
    ],
)
def test_select_results_formats(client: TestClient, accept: str, check: object) -> None:
    response = client.get("/sparql", params={"query": SELECT_NAMES}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith(accept)
    assert callable(check) and check(response.text)


def test_ask_and_construct(client: TestClient) -> None:
    ask = client.get("/sparql", params={"query": f"ASK {{ <{TEHRAN}> ?p ?o }}"}, headers={"Accept": "application/json"})
    assert ask.json() == {"head": {}, "boolean": True}
    construct = f"CONSTRUCT {{ <{TEHRAN}> ?p ?o }} WHERE {{ <{TEHRAN}> ?p ?o }}"
    turtle = client.get("/sparql", params={"query": construct}, headers={"Accept": "text/turtle"})
    assert (TEHRAN, TG.partnerOf, KAZAN) in parse(turtle, "turtle")
    jsonld = client.get("/sparql", params={"query": construct}, headers={"Accept": "application/ld+json"})
    assert "@context" in jsonld.json()
    assert (TEHRAN, TG.partnerOf, KAZAN) in parse(jsonld, "json-ld")


def test_syntax_error_is_400_with_the_parser_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "syntax error" in response.text and "1:" in response.text


def test_no_query_gives_the_service_description(client: TestClient) -> None:
    response = client.get("/sparql")
    assert response.headers["content-type"].startswith("text/turtle")
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (URIRef(BASE + "sparql"), RDF.type, sd.Service) in parse(response, "turtle")


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "GET", "params": {"query": "# sneaky\ninsert data { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "GET", "params": {"query": "PREFIX x: <urn:x#> DELETE WHERE { ?s ?p ?o }"}},
    ],
)
def test_updates_are_refused(client: TestClient, store: EmbeddedStore, request_args: dict[str, object]) -> None:
    before = len(store)
    response = client.request(url="/sparql", **request_args)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "read-only" in response.text
    assert len(store) == before


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ sErViCe # a comment\n silent <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ OPTIONAL {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        "PREFIX service: <urn:x#> SELECT * WHERE {{ ?s service:p ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_is_refused_before_evaluation(client: TestClient, listener: socket.socket,
                                              assert_no_connection: Callable[[socket.socket], None],
                                              template: str) -> None:  # fmt: skip
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    response = client.get("/sparql", params={"query": template.format(url=url)})
    assert response.status_code == 403
    assert "SERVICE" in response.text
    assert_no_connection(listener)


def test_service_as_a_word_in_strings_or_names_is_fine() -> None:
    check_query('PREFIX service: <urn:s#> SELECT ?service WHERE { ?service service:x "SERVICE" } # SERVICE')
    with pytest.raises(ProtocolError):
        check_query("SELECT * { SERVICE<urn:x>{?s ?p ?o} }")


def test_from_never_fetches(client: TestClient, listener: socket.socket,
                            assert_no_connection: Callable[[socket.socket], None]) -> None:  # fmt: skip
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
    query = f"SELECT * FROM <{url}> FROM NAMED <{url}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    assert_no_connection(listener)
    named = {"query": SELECT_NAMES, "default-graph-uri": url, "named-graph-uri": url}
    local = client.get("/sparql", params=named, headers={"Accept": "application/json"})
    assert local.status_code == 200  # the names select graphs of the local store: none has this name
    assert local.json()["results"]["bindings"] == []
    assert_no_connection(listener)


def test_large_body_is_413(client: TestClient) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000
    response = client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


def test_rows_are_capped(store: EmbeddedStore, settings: Settings) -> None:
    capped = dataclasses.replace(settings, row_limit=5)
    with TestClient(create_app(store, capped)) as capped_client:
        response = capped_client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }", "format": "csv"})
        as_json = capped_client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }", "format": "json"})
        page = capped_client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, headers={"Accept": "text/html"})
        whole = capped_client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 5", "format": "json"})
    assert response.text.count("\r\n") == 6
    assert response.headers["x-row-limit-reached"] == "5" and as_json.headers["x-row-limit-reached"] == "5"
    assert len(as_json.json()["results"]["bindings"]) == 5
    assert 'id="row-limit"' in page.text and "обрезан по лимиту" in page.text
    assert "x-row-limit-reached" not in whole.headers, "five rows asked for, five given: nothing was cut"


# -- named queries, dataset, dumps ----------------------------------------------------------------


def test_named_queries(client: TestClient) -> None:
    listing = client.get("/queries", headers={"Accept": "application/json"}).json()
    assert "who-met-whom" in {q["name"] for q in listing}
    response = client.get("/queries/who-met-whom", params={"person": "Хамидреза Голамзаде", "format": "json"})
    rows = response.json()["results"]["bindings"]
    assert {"Ильсур Метшин", "Хамидреза Голамзаде"} <= {r[k]["value"] for r in rows for k in ("person1", "person2")}
    assert client.get("/queries/who-met-whom", params={"year": "last year"}).status_code == 400
    assert client.get("/queries/who-met-whom", params={"colour": "red"}).status_code == 400
    assert client.get("/queries/no-such-query").status_code == 404
    assert "<table>" in client.get("/queries/who-met-whom", headers={"Accept": "text/html"}).text


def test_dataset_description_is_served(client: TestClient, settings: Settings) -> None:
    expected = Graph().parse(settings.dist_dir / "void.ttl")
    for url in ("/dataset", "/.well-known/void"):
        response = client.get(url, headers={"Accept": "text/turtle"})
        assert len(parse(response, "turtle")) == len(expected)
    page = client.get("/dataset", headers={"Accept": "text/html"}).text
    assert '<h1><span lang="ru">Зарубежные города-побратимы' in page  # the dataset's title: data, in its language


def test_dumps_are_served(client: TestClient, settings: Settings) -> None:
    ttl = client.get("/dumps/twingraph.ttl")
    assert ttl.content == (settings.dist_dir / "twingraph.ttl").read_bytes()
    packed = client.get("/dumps/twingraph.nt.gz")
    assert gzip.decompress(packed.content) == (settings.dist_dir / "twingraph.nt").read_bytes()
    assert client.get("/twingraph.jsonld").status_code == 200  # the dataDump IRI of void.ttl


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../../etc/passwd",
        "/dumps/..%2F..%2Fetc%2Fpasswd",
        "/dumps/%2e%2e/%2e%2e/etc/passwd",
        "/dumps/..%252F..%252Fetc%252Fpasswd",
        "/dumps/void.ttl",
        "/dumps/%2Fetc%2Fpasswd",
        "/dumps/twingraph.ttl%00.txt",
    ],
)
def test_dumps_resist_path_traversal(client: TestClient, path: str) -> None:
    raw = httpx2.URL(client.base_url.join("/"), raw_path=path.encode())
    response = client.get(raw)
    assert response.status_code == 404
    assert "root:" not in response.text


# -- a real server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(settings: Settings, start_server: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    """``twingraph serve`` on this module's build, query timeout 1 s; its runaway queries die with it."""
    with start_server(settings.dist_dir, "--timeout", "1") as url:
        yield url


@pytest.mark.server
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_against_a_real_server(server: str, fmt: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery("""PREFIX schema: <https://schema.org/> PREFIX tg: <https://twingraph.example/ns#>
        SELECT DISTINCT ?otherName WHERE {
          ?event tg:participation/tg:participant ?p, ?other .
          ?p schema:name "Хамидреза Голамзаде"@ru . ?other a tg:Person ; schema:name ?otherName .
          FILTER(?other != ?p) } ORDER BY ?otherName""")
    client.setReturnFormat(fmt)
    result = client.query().convert()
    if fmt == JSON:
        names = {b["otherName"]["value"] for b in result["results"]["bindings"]}  # type: ignore[index]
    else:
        names = {n.firstChild.data for n in result.getElementsByTagName("literal")}  # type: ignore[union-attr]
    assert "Ильсур Метшин" in names


@pytest.mark.server
def test_a_runaway_query_times_out_while_others_are_answered(server: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["response"] = httpx2.get(server + "/sparql", params={"query": PATHOLOGICAL}, timeout=30)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    index = httpx2.get(server + "/", timeout=5)
    assert index.status_code == 200
    assert thread.is_alive(), "the page is answered while the runaway query still runs"
    thread.join(timeout=10)
    response = outcome["response"]
    assert isinstance(response, httpx2.Response)
    assert response.status_code == 503
    assert "longer than 1 s" in response.text
    assert isinstance(outcome["seconds"], float) and outcome["seconds"] < 3
    # the killed worker is being replaced: a page may be told to come back (503 with Retry-After) meanwhile
    for _ in range(10):
        page = httpx2.get(server + "/city/tehran", timeout=5)
        if page.status_code != 503:
            break
        time.sleep(float(page.headers["retry-after"]))
    assert page.status_code == 200


# -- pages under a deadline, security headers -------------------------------------------------------


def test_a_page_past_its_deadline_is_503_with_retry_after_and_a_readable_message(
    store: EmbeddedStore, settings: Settings
) -> None:
    hasty = dataclasses.replace(settings, query_timeout=1e-9)  # the deadline passes before the page's first query
    with TestClient(create_app(store, hasty)) as hasty_client:
        page = hasty_client.get("/city/tehran", headers={"Accept": "text/html"})
        turtle = hasty_client.get("/city/tehran", headers={"Accept": "text/turtle"})
    for response in (page, turtle):
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
    # a page in the interface's language (Russian by default), the plain text for programs in English
    assert "собиралась дольше" in page.text and "повторите позже" in page.text
    assert "took longer than" in turtle.text and "try again later" in turtle.text
    assert page.headers["content-type"].startswith("text/html") and "<h1" in page.text


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_page_query_past_its_deadline_is_stopped_and_its_slot_freed(store: EmbeddedStore,
                                                                      settings: Settings) -> None:  # fmt: skip
    evaluator = Evaluator(store.raw(), settings.base_iri, timeout=1.0, row_limit=10, limits=Limits(workers=1))
    try:
        evaluator.start()
        before = evaluator.pool.pids()
        with pytest.raises(ProtocolError) as late:
            PageStore(evaluator, "a reader").query(PATHOLOGICAL)
        assert late.value.status == 503 and late.value.retry_after == 1
        assert before and not any(pid_alive(pid) for pid in before), "the worker that ran it was killed"
        assert bool(PageStore(evaluator, "a reader").query("ASK {}")), "the slot is free and a new worker answers"
    finally:
        evaluator.close()


def dropped_elsewhere(make: Callable[[], object]) -> list[str]:
    """What Python reports when what ``make`` gives (or raises), made on a thread of its own, is dropped on this one."""
    kept: list[object] = []

    def call() -> None:
        try:
            kept.append(make())
        except ProtocolError as exc:
            kept.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    seen: list[str] = []
    previous, sys.unraisablehook = sys.unraisablehook, lambda u: seen.append(repr(u.exc_value))
    try:
        kept.clear()  # what the thread made is dropped here, on another thread
        gc.collect()
    finally:
        sys.unraisablehook = previous
    return seen


def test_a_failing_page_drops_its_pyoxigraph_results_on_its_own_thread() -> None:
    """pyoxigraph results may only be dropped on the thread that made them; a page's error must not carry them off."""

    def handler(_: object) -> Response:
        results = ox.Store().query("SELECT * {}")
        raise ProtocolError(503, f"late, with {results} in this frame", retry_after=1)

    assert any("unsendable" in text for text in dropped_elsewhere(lambda: handler(None))), "the hazard guarded against"
    assert dropped_elsewhere(lambda: in_thread(handler)(None)) == []


def test_a_failed_reload_names_its_file_and_leaves_no_results_behind(tmp_path: Path) -> None:
    """A reload's error leaves its thread with the file it was reading, and without the results its frames held."""
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"\xff\xfe")

    def refresh() -> None:
        results = ox.Store().query("SELECT * {}")
        broken.read_text(encoding="utf-8")  # raises, with ``results`` in this frame
        print(results)

    def failed() -> ReloadError:
        with pytest.raises(ReloadError) as raised:
            reloading(refresh)()
        return raised.value

    assert failed().where == broken and isinstance(failed().error, UnicodeDecodeError)
    assert dropped_elsewhere(failed) == []


@pytest.mark.parametrize("query", ["SELECT ?s { ?s ?p ?o } LIMIT 2", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"])
def test_results_that_leave_their_thread_are_read_through_first(store: EmbeddedStore, settings: Settings,
                                                                  query: str) -> None:  # fmt: skip
    """A page's results (and a remote store's, read the same way) may be dropped on any thread."""
    assert any("unsendable" in text for text in dropped_elsewhere(lambda: store.raw().query(query))), "the hazard"
    assert dropped_elsewhere(lambda: read_through(store.raw().query(query))) == []
    evaluator = Evaluator(store.raw(), settings.base_iri, timeout=30.0, row_limit=10, limits=Limits(workers=1))
    try:
        evaluator.start()
        assert len(list(PageStore(evaluator, "a reader").query(query))) == 2
        assert dropped_elsewhere(lambda: PageStore(evaluator, "a reader").query(query)) == []
    finally:
        evaluator.close()


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("GET", "/", {"Accept": "text/html"}),
        ("GET", "/city/tehran", {"Accept": "text/turtle"}),
        ("GET", "/sparql", {"Accept": "text/html"}),
        ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}),
        ("GET", "/no/such/thing%3Cscript%3E", {"Accept": "text/plain"}),
        ("GET", "/sparql?query=SELECT", {}),
        ("GET", "/static/style.css", {}),
        ("GET", "/twingraph.ttl", {}),
        ("OPTIONS", "/sparql", {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}),
    ],
)
def test_every_response_carries_the_security_headers(client: TestClient, method: str, url: str,
                                                     headers: dict[str, str]) -> None:  # fmt: skip
    response = client.request(method, url, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["frame-ancestors"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and "unsafe-inline" not in policy["script-src"]


def test_an_error_echoing_its_input_is_plain_text_the_browser_will_not_sniff(client: TestClient) -> None:
    response = client.get("/<script>alert(1)</script>", headers={"Accept": "*/*"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-content-type-options"] == "nosniff"
    page = client.get("/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


def test_a_query_past_its_memory_bound_stops_its_worker_and_the_next_query_is_answered(
    store: EmbeddedStore, settings: Settings
) -> None:
    hungry = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"  # sorts 50 million rows
    evaluator = Evaluator(store.raw(), settings.base_iri, timeout=60, row_limit=10,
                          limits=Limits(workers=1, query_memory=128))  # fmt: skip
    try:
        evaluator.start()
        with pytest.raises(ProtocolError) as stopped:
            asyncio.run(evaluator.run(hungry))
        assert stopped.value.status == 500 and "out of the 128 MiB a query may use" in stopped.value.message
        assert asyncio.run(evaluator.run("ASK { ?s ?p ?o }")).boolean is True
    finally:
        evaluator.close()


# -- slow and idle clients ----------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.slow
def test_idle_and_half_sent_requests_are_dropped_and_cannot_lock_clients_out(settings: Settings,
                                                                             tmp_path: Path) -> None:  # fmt: skip
    """300 sockets that send nothing or half a request, against a server allowed 256 open files.

    Without a deadline they hold every descriptor for ever and no client is served;
    with it they are dropped after REQUEST_DEADLINE seconds, and the accept errors meanwhile
    make a few log lines, not a flood.
    """
    port, log_path = free_port(), tmp_path / "server.log"
    starter = ("import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)); "
               "from twingraph.cli import main; main()")  # fmt: skip
    command = [sys.executable, "-c", starter, "--dist", str(settings.dist_dir), "serve", "--port", str(port),
               "--no-watch"]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    idle: list[socket.socket] = []
    try:
        wait_until_answering(url, process)
        for n in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if n % 2:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")  # half a request, never ended
            idle.append(sock)
        started = time.monotonic()
        answer = httpx2.get(url + "/sparql", params={"query": "ASK {}"}, timeout=60)
        waited = time.monotonic() - started
        assert answer.status_code == 200, answer.text
        assert waited < REQUEST_DEADLINE + 20, f"a client waited {waited:.0f} s behind idle sockets"
        idle[1].settimeout(REQUEST_DEADLINE + 20)
        assert idle[1].recv(1024) == b"", "the half-sent request's connection was closed by the server"
    finally:
        for sock in idle:
            sock.close()
        process.terminate()
        process.wait(timeout=10)
    assert log_path.stat().st_size < 20_000, log_path.read_text(errors="replace")[:2000]


def raw_answer(url: str, request: bytes) -> bytes:
    """What the server sends back for raw request bytes, until it closes the connection (at most 64 KB)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before it was all sent: the answer (if any) is still there to read
        answer = b""
        while len(answer) < 65536 and (chunk := sock.recv(65536)):
            answer += chunk
    return answer


@pytest.mark.server
@pytest.mark.parametrize("headers", [
    b"X-Big: " + b"a" * 100_000 + b"\r\n",  # one header of 100 KB
    b"".join(b"X-H%d: v\r\n" % n for n in range(5_000)),  # 5,000 headers
    b"Cookie: " + b"c=1; " * 20_000 + b"\r\n",
])  # fmt: skip
def test_oversized_request_headers_are_refused_and_the_server_goes_on(server: str, headers: bytes) -> None:
    answer = raw_answer(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    status = answer.split(b"\r\n", 1)[0]
    assert status in (b"", b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 431 Request Header Fields Too Large"), status
    assert httpx2.get(server + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200


@pytest.mark.server
def test_a_small_head_with_a_large_body_in_one_packet_is_answered(server: str) -> None:
    """The head limit counts the head only: a body sent with it, in the same packet, is the body's to limit."""
    body = b"ASK {} #" + b"x" * 30_000
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nConnection: close\r\n"
    answer = raw_answer(server, head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 200 OK", answer[:300]


def wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(400):
        try:
            httpx2.get(url + "/sparql", params={"query": "ASK {}"}, timeout=1)
            return
        except httpx2.TransportError:
            assert process.poll() is None, "the server stopped"
            time.sleep(0.05)
    pytest.fail(f"the server did not answer on {url} within 20 s")


def test_the_loop_error_log_says_each_kind_once_per_interval_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    handler = QuietLoopErrors(every=10.0, clock=lambda: now[0])
    accept_failed = {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many")}
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level("ERROR", logger="twingraph.serve.listener"):
            for step in range(100):  # 100 failures in 5 s
                now[0] = step * 0.05
                handler(loop, accept_failed)
            now[0] = 11.0
            handler(loop, accept_failed)
    finally:
        loop.close()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "99 more like it" in lines[1]


@pytest.mark.server
def test_serve_says_where_it_listens_only_once_it_does(settings: Settings, tmp_path: Path) -> None:
    base = [sys.executable, "-m", "twingraph", "--dist", str(settings.dist_dir), "serve", "--no-watch"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run([*base, "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "Serving" not in refused.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr and "--port 0" in refused.stderr
    assert "Traceback" not in refused.stderr

    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([*base, "--port", "0"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            announced = re.search(r"at (http://127\.0\.0\.1:(\d+)/)", log_path.read_text(errors="replace"))
            if announced or process.poll() is not None:
                break
            time.sleep(0.1)
        assert announced, log_path.read_text(errors="replace")
        assert announced.group(2) != "0"
        assert httpx2.get(announced.group(1) + "sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children that are alive, from /proc."""
    total = 0.0
    for each in [pid, *children_of(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.mark.server
@pytest.mark.slow
def test_after_eight_runaway_queries_the_endpoint_answers_and_nothing_burns_cpu(settings: Settings,
                                                                                 tmp_path: Path) -> None:  # fmt: skip
    """Issue 13's 'done when': eight runaway queries at once, then /sparql answers and the CPU is free again."""
    port = free_port()
    command = [sys.executable, "-m", "twingraph", "--dist", str(settings.dist_dir), "serve", "--no-watch",
               "--port", str(port), "--timeout", "2", "--per-client", "8"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx2.get(url + "/sparql", params={"query": PATHOLOGICAL}, timeout=60),
                                    range(8)))  # fmt: skip
        assert sorted({a.status_code for a in answers}) == [503]
        assert all(a.headers.get("retry-after") for a in answers)
        after = httpx2.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        assert after.status_code == 200 and after.json()["boolean"] is True
        # the killed workers' replacements load the data (a second or so of CPU each), then all is quiet;
        # a runaway still running would use a whole core for minutes
        windows = []
        for _ in range(30):
            before = cpu_seconds(process.pid)
            time.sleep(1)
            windows.append(cpu_seconds(process.pid) - before)
            if windows[-1] < 0.1:
                break
        assert windows[-1] < 0.1, f"CPU seconds used per second after the queries were stopped: {windows}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_a_connection_the_server_accepts_sends_small_writes_at_once(host: str) -> None:
    """TCP_NODELAY on each accepted connection: else every small answer waits 40 ms for the client's delayed ACK.

    The listening socket is ``bound_socket``'s, as ``twingraph serve`` makes it; asyncio alone leaves its
    connections without the option (their protocol number is 0).
    """
    try:
        server = bound_socket(host, 0)
    except Exception as exc:  # no IPv6 on this machine
        pytest.skip(f"cannot listen on {host}: {exc}")

    async def accept_one() -> int:
        with server, socket.create_connection(server.getsockname()[:2]):
            accepted, _ = server.accept()
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0, "asyncio's own default"
            config = uvicorn.Config(lambda *_: None, http=DeadlineProtocol)
            transport, _ = await asyncio.get_running_loop().connect_accepted_socket(
                lambda: DeadlineProtocol(config, ServerState(), {}), sock=accepted)  # fmt: skip
            try:
                return int(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            finally:
                transport.close()

    assert asyncio.run(accept_one()) == 1


def test_an_answer_of_more_rows_than_are_written_on_the_loop_comes_whole(client: TestClient) -> None:
    """Past ``INLINE_ROWS`` the answer is written in a thread: the same rows, triples and page."""
    import csv as csv_module
    import io

    from twingraph.serve.app import INLINE_ROWS

    rows = INLINE_ROWS + 100
    select = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT {rows}"
    answer = client.get("/sparql", params={"query": select}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200 and len(answer.json()["results"]["bindings"]) == rows
    csv = client.get("/sparql", params={"query": select}, headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and len(list(csv_module.reader(io.StringIO(csv.text)))) == rows + 1
    page = client.get("/sparql", params={"query": select}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.text.count("<tr") >= rows
    construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {rows}"
    graph = client.get("/sparql", params={"query": construct}, headers={"Accept": "application/n-triples"})
    assert graph.status_code == 200 and len(Graph().parse(data=graph.text, format="nt")) == rows
