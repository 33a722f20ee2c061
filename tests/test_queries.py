"""Every named query parses and runs on the real dataset with asserted rows."""

from __future__ import annotations

import pytest
from rdflib import Graph

from twingraph.config import Settings
from twingraph.errors import TwingraphError
from twingraph.pipeline import Built
from twingraph.rdf.namespaces import SCHEMA, TG
from twingraph.store import EmbeddedStore, Table, load_queries


@pytest.fixture(scope="module")
def store(built: Built) -> EmbeddedStore:
    assert built.dist is not None
    return EmbeddedStore.from_file(built.dist / "twingraph.nt")


def run(store: EmbeddedStore, settings: Settings, name: str, **params: str) -> list[dict[str, str]]:
    query = load_queries(settings.queries_dir)[name]
    table: Table = store.select(query.bound(params))
    return table.as_dicts()


def test_the_catalogue(settings: Settings) -> None:
    names = set(load_queries(settings.queries_dir))
    assert {"who-met-whom", "person-timeline", "city-timeline", "agreements-by-year",
            "organizations-per-city", "events-per-year", "participations"} <= names  # fmt: skip


def test_who_met_whom_lists_real_pairs(store: EmbeddedStore, settings: Settings) -> None:
    rows = run(store, settings, "who-met-whom", person="Голамзаде")
    met = {(r["date"], r["person1"], r["person2"], r["place"]) for r in rows}
    assert ("2023-05-25", "Ильсур Метшин", "Хамидреза Голамзаде", "Казань") in met
    assert ("2024-06-21", "Ильсур Метшин", "Хамидреза Голамзаде", "Казань") in met
    assert all("Голамзаде" in r["person1"] + r["person2"] for r in rows)
    assert rows == sorted(rows, key=lambda r: (r["date"], r["person1"], r["person2"]))


def test_who_met_whom_filters_by_year_and_city(store: EmbeddedStore, settings: Settings) -> None:
    everyone = run(store, settings, "who-met-whom")
    in_2023 = run(store, settings, "who-met-whom", year="2023")
    in_moscow = run(store, settings, "who-met-whom", city="Москва")
    assert len(everyone) > len(in_2023) > 0
    assert all(r["date"].startswith("2023") for r in in_2023)
    assert in_moscow and all(r["place"] == "Москва" for r in in_moscow)
    pair = {(r["person1"], r["person2"]) for r in in_moscow}
    assert ("Ильсур Метшин", "Мехди Чамран") in pair


def test_each_pair_is_listed_once_per_event(store: EmbeddedStore, settings: Settings) -> None:
    rows = run(store, settings, "who-met-whom")
    keys = [(r["event"], r["p1"], r["p2"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["p1"] < r["p2"] for r in rows)


def test_person_timeline_keeps_posts_over_time(store: EmbeddedStore, settings: Settings) -> None:
    rows = run(store, settings, "person-timeline", person="Хамидреза Голамзаде")
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates) and "2023-05-25" in dates
    assert {r["post"] for r in rows} >= {"Вице-мэр г.Тегерана"}


def test_city_timeline_has_agreements_and_events(store: EmbeddedStore, settings: Settings) -> None:
    rows = run(store, settings, "city-timeline", city="Ханчжоу")
    kinds = {r["kind"] for r in rows}
    assert kinds == {"agreement", "event"}
    assert {r["date"] for r in rows if r["kind"] == "agreement"} == {"2002", "2003"}
    assert all(r["quote"] for r in rows)


def test_agreements_by_year(store: EmbeddedStore, settings: Settings) -> None:
    rows = run(store, settings, "agreements-by-year")
    assert len(rows) == 11
    in_2001 = run(store, settings, "agreements-by-year", year="2001")
    assert len(in_2001) == 2 and {r["type"] for r in in_2001} == {"cooperation"}


def test_organizations_per_city(store: EmbeddedStore, settings: Settings) -> None:
    rows = run(store, settings, "organizations-per-city", city="Тегеран")
    assert "Ассоциация городов и муниципалитетов стран БРИКС+" in {r["organization"] for r in rows}
    assert all(int(r["events"]) >= 1 for r in rows)


def test_events_per_year_counts_every_partner_event(store: EmbeddedStore, settings: Settings, graph: Graph) -> None:
    from twingraph.rdf.namespaces import SCHEMA

    rows = run(store, settings, "events-per-year")
    total = sum(int(r["events"]) for r in rows)
    assert total == len(set(graph.subjects(SCHEMA.about, None)))
    assert {r["year"] for r in rows} >= {"2019", "2023", "2025"}


def test_participations_has_one_row_per_participation(store: EmbeddedStore, settings: Settings, graph: Graph) -> None:
    rows = run(store, settings, "participations")
    assert len(rows) == len(set(graph.subjects(TG.participant, None)))


def test_parameters_are_checked_and_cannot_change_the_query(store: EmbeddedStore, settings: Settings) -> None:
    query = load_queries(settings.queries_dir)["who-met-whom"]
    with pytest.raises(TwingraphError, match="no parameter 'colour'"):
        query.bound({"colour": "red"})
    with pytest.raises(TwingraphError, match="must be a year"):
        query.bound({"year": "2023) } #"})
    hostile = run(store, settings, "who-met-whom", person='x" ) } } SELECT * WHERE { ?s ?p ?o } #')
    assert hostile == []


def test_timeline_has_each_event_once_at_its_precision(store: EmbeddedStore, settings: Settings, graph: Graph) -> None:
    from rdflib.namespace import RDF

    rows = run(store, settings, "timeline")
    assert len(rows) == len({r["event"] for r in rows}) == len(set(graph.subjects(RDF.type, TG.Event)))
    widths = {"day": 10, "month": 7, "year": 4}
    assert all(len(r["date"]) == widths[r["precision"]] for r in rows)
    assert {r["precision"] for r in rows} == {"day", "month", "year"}
    harbin = run(store, settings, "timeline", city="Харбин", year="2023")
    assert harbin and all(r["city"] == "Харбин" and r["date"].startswith("2023") for r in harbin)
    metshin = run(store, settings, "timeline", person="Метшин")
    assert metshin and all("Ильсур Метшин" in r["persons"] for r in metshin)
    brics = run(store, settings, "timeline", organization="БРИКС")
    assert brics and all("БРИКС" in r["organizations"] for r in brics)


def test_network_rows_are_pairs_of_participants(store: EmbeddedStore, settings: Settings) -> None:
    rows = run(store, settings, "network")
    assert all(r["a"] < r["b"] for r in rows)
    assert {r["aKind"] for r in rows} | {r["bKind"] for r in rows} == {"person", "city", "organization"}
    person = "https://twingraph.example/person/ilsur-metshin"
    mine = run(store, settings, "network", node=person)
    assert mine and all(person in (r["a"], r["b"]) for r in mine)
    assert len(mine) == sum(person in (r["a"], r["b"]) for r in rows)


def test_map_lists_kazan_and_every_partner_once(store: EmbeddedStore, settings: Settings, graph: Graph) -> None:
    from rdflib.namespace import RDF

    rows = run(store, settings, "map")
    assert [r["name"] for r in rows if r["role"] == "home"] == ["Казань"]
    assert len(rows) == len(set(graph.subjects(RDF.type, TG.PartnerCity))) + 1
    for row in rows:
        if row["lat"]:
            assert -90 <= float(row["lat"]) <= 90 and -180 <= float(row["lon"]) <= 180


def test_map_reads_the_documented_coordinate_forms(project_settings: Settings) -> None:
    from twingraph.pipeline import build

    links = """@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix schema: <https://schema.org/> .
    @prefix wdt: <http://www.wikidata.org/prop/direct/> . @prefix geo: <http://www.opengis.net/ont/geosparql#> .
    @prefix wd: <http://www.wikidata.org/entity/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <https://twingraph.example/city/kazan> owl:sameAs wd:Q900 ; schema:sameAs wd:Q900 .
    wd:Q900 schema:latitude 55.79 ; schema:longitude 49.12 .
    <https://twingraph.example/city/tehran> wdt:P625 "Point(51.39 35.69)"^^geo:wktLiteral .
    <https://twingraph.example/city/harbin> schema:geo [ schema:latitude 45.75 ; schema:longitude 126.63 ] .
    """
    project_settings.links_file.write_text(links, encoding="utf-8")
    built = build(project_settings)
    assert built.dist is not None
    rows = {r["name"]: (r["lat"], r["lon"]) for r in run(EmbeddedStore.from_file(built.dist / "twingraph.nt"),
                                                          project_settings, "map")}  # fmt: skip
    assert rows["Казань"] == ("55.79", "49.12")
    assert rows["Тегеран"] == ("35.69", "51.39")
    assert rows["Харбин"] == ("45.75", "126.63")
    assert rows["Урбино"] == ("", "")


def test_years_counts_agreements_and_events(store: EmbeddedStore, settings: Settings, graph: Graph) -> None:
    rows = run(store, settings, "years")
    events = sum(int(r["count"]) for r in rows if r["kind"] == "event")
    assert events == len(set(graph.subjects(SCHEMA.about, None)))
    dated = {a for a in graph.subjects(TG.party, None) if graph.value(a, SCHEMA.dateCreated) is not None}
    assert sum(int(r["count"]) for r in rows if r["kind"] == "agreement") == len(dated)
