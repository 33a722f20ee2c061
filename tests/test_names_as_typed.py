"""Names are found as people type them: any name a resource has, in part, in any case, with ё = е.

Search and the ``city``, ``person`` and ``organization`` parameters of the named queries read every
name: the Russian ``schema:name``/``skos:prefLabel``/``skos:altLabel``, aliases, and the English
label of the Wikidata item a resource is ``owl:sameAs``. The Kazan data has no name with ё, so a
small invented graph shows that ё in the data is found by е typed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from twingraph.config import Settings
from twingraph.pipeline import Built
from twingraph.serve import create_app
from twingraph.serve.lookups import search
from twingraph.store import EmbeddedStore, load_queries
from twingraph.store.queries import name_key

BASE = "https://twingraph.example/"
HARBIN = BASE + "city/harbin"
METSHIN = BASE + "person/ilsur-metshin"
TYPED_HARBIN = ["Harbin", "harbin", "HARBIN", "ХАРБИН", "харбин", "Харб", "  харбин  "]


@pytest.fixture(scope="module")
def store(built: Built) -> EmbeddedStore:
    assert built.dist is not None
    return EmbeddedStore.from_file(built.dist / "twingraph.nt")


@pytest.fixture(scope="module")
def client(store: EmbeddedStore, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(store, settings)) as test_client:
        yield test_client


def run(store: EmbeddedStore, settings: Settings, name: str, **params: str) -> list[dict[str, str]]:
    return store.select(load_queries(settings.queries_dir)[name].bound(params)).as_dicts()


def test_a_name_key_is_lower_case_with_e_for_yo() -> None:
    assert name_key("Ёлкин") == name_key("ЕЛКИН") == name_key("елкин") == "елкин"
    assert name_key("Пётр  ФЁДОРОВ ") == "петр федоров"
    assert name_key("Harbin") == "harbin"


@pytest.mark.parametrize("typed", TYPED_HARBIN)
def test_search_finds_harbin_as_typed(client: TestClient, typed: str) -> None:
    page = client.get("/search", params={"q": typed}).text
    assert 'href="/city/harbin"' in page, typed


@pytest.mark.parametrize("typed", TYPED_HARBIN)
def test_the_city_timeline_finds_harbin_as_typed(store: EmbeddedStore, settings: Settings, typed: str) -> None:
    rows = run(store, settings, "city-timeline", city=typed)
    assert rows and {r["city"] for r in rows} == {"Харбин"}, typed
    assert rows == run(store, settings, "city-timeline", city="Харбин")


def test_the_served_city_timeline_takes_the_english_name(client: TestClient) -> None:
    response = client.get("/queries/city-timeline", params={"city": "Harbin", "format": "json"})
    assert response.status_code == 200
    assert {b["city"]["value"] for b in response.json()["results"]["bindings"]} == {"Харбин"}


@pytest.mark.parametrize("name", ["events-per-year", "organizations-per-city", "timeline", "years", "who-met-whom"])
def test_every_city_parameter_takes_the_english_name_in_part(store: EmbeddedStore, settings: Settings,
                                                            name: str) -> None:  # fmt: skip
    rows = run(store, settings, name, city="харбин")
    assert rows, name
    assert run(store, settings, name, city="HARB") == run(store, settings, name, city="Harbin") == rows, name


@pytest.mark.parametrize("typed", ["Метшин", "метшин", "МЕТШ", "етши", "Мётшин", "ильсур мётшин"])
def test_a_person_is_found_by_part_of_the_name_in_any_case(store: EmbeddedStore, settings: Settings,
                                                           typed: str) -> None:  # fmt: skip
    assert {r["person"] for r in run(store, settings, "person-timeline", person=typed)} == {"Ильсур Метшин"}
    met = run(store, settings, "who-met-whom", person=typed)
    assert met and all("Ильсур Метшин" in (r["person1"], r["person2"]) for r in met)
    assert run(store, settings, "timeline", person=typed) == run(store, settings, "timeline", person="Ильсур Метшин")


def test_search_finds_a_person_by_part_of_the_surname(client: TestClient) -> None:
    for typed in ("ГОЛАМЗ", "голамзаде", "Голамзадё"):
        assert 'href="/person/khamidreza-golamzade"' in client.get("/search", params={"q": typed}).text, typed


def test_an_organization_is_found_by_an_alias(store: EmbeddedStore, settings: Settings, client: TestClient) -> None:
    """«Исполком г.Казани» is a skos:altLabel of «Исполнительный комитет г.Казани», not its schema:name."""
    rows = run(store, settings, "timeline", organization="исполком г.казани")
    assert rows == run(store, settings, "timeline", organization="Исполнительный комитет г.Казани")
    page = client.get("/search", params={"q": "ИСПОЛКОМ Г.КАЗАНИ"}).text
    assert 'href="/organization/ispolnitelnyj-komitet-g-kazani"' in page


def test_a_name_that_is_not_there_finds_nothing(store: EmbeddedStore, settings: Settings, client: TestClient) -> None:
    assert run(store, settings, "city-timeline", city="Gotham") == []
    assert run(store, settings, "person-timeline", person="Ёжиков") == []
    assert "Найдено: 0" in client.get("/search", params={"q": "Gotham"}).text


# -- ё in the data: an invented graph ---------------------------------------------------------------


def invented() -> EmbeddedStore:
    """Фёдор Ёлкин of Орёл (English label "Oryol" on its Wikidata item) at one event about the city."""
    tg, schema, owl = "https://twingraph.example/ns#", "https://schema.org/", "http://www.w3.org/2002/07/owl#"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    rdfs_label = "http://www.w3.org/2000/01/rdf-schema#label"
    node, ru = ox.NamedNode, (lambda text: ox.Literal(text, language="ru"))
    person, city, event = node(BASE + "person/fedor-elkin"), node(BASE + "city/orel"), node(BASE + "event/orel-2001")
    part, item = node(BASE + "event/orel-2001/participant/fedor-elkin"), node("http://www.wikidata.org/entity/Q0")
    facts = [
        (person, node(rdf_type), node(tg + "Person")), (person, node(schema + "name"), ru("Фёдор Ёлкин")),
        (city, node(rdf_type), node(tg + "City")), (city, node(rdf_type), node(tg + "PartnerCity")),
        (city, node(schema + "name"), ru("Орёл")), (city, node(owl + "sameAs"), item),
        (item, node(rdfs_label), ox.Literal("Oryol", language="en")),
        (event, node(rdf_type), node(tg + "Event")), (event, node(schema + "name"), ru("Встреча в Орле")),
        (event, node(schema + "startDate"), ox.Literal("2001-05-01", datatype=node("http://www.w3.org/2001/XMLSchema#date"))),
        (event, node(schema + "about"), city), (event, node(tg + "participation"), part),
        (part, node(tg + "participant"), person), (event, node(tg + "eventType"), node(BASE + "event-type/meeting")),
        (node(BASE + "event-type/meeting"), node("http://www.w3.org/2004/02/skos/core#prefLabel"), ru("встреча")),
        # the queries name a type by its English label, as the ontology gives it (the pages translate it)
        (node(BASE + "event-type/meeting"), node("http://www.w3.org/2004/02/skos/core#prefLabel"),
         ox.Literal("meeting", language="en")),
    ]  # fmt: skip
    raw = ox.Store()
    raw.extend(ox.Quad(s, p, o) for s, p, o in facts)
    return EmbeddedStore(raw)


@pytest.mark.parametrize("typed", ["елкин", "ЁЛКИН", "Федор", "фёдор ёлкин", "ЛКИ"])
def test_yo_in_a_name_is_found_by_e_typed_and_the_other_way(settings: Settings, typed: str) -> None:
    store = invented()
    assert [r["person"] for r in run(store, settings, "person-timeline", person=typed)] == ["Фёдор Ёлкин"]
    assert [r["name"] for r in run(store, settings, "timeline", person=typed)] == ["Встреча в Орле"]
    assert [r["name"].value for r in search(store.raw(), typed)] == ["Фёдор Ёлкин"]


@pytest.mark.parametrize("typed", ["Орел", "ОРЁЛ", "орё", "oryol", "Oryo"])
def test_a_city_with_yo_is_found_by_either_letter_and_by_its_english_name(settings: Settings, typed: str) -> None:
    store = invented()
    assert {r["city"] for r in run(store, settings, "city-timeline", city=typed)} == {"Орёл"}
    assert {r["city"] for r in run(store, settings, "events-per-year", city=typed)} == {"Орёл"}
