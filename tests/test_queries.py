"""Every named query parses and runs on the real dataset with asserted rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, XSD, Graph

from twingraph.config import Settings
from twingraph.errors import TwingraphError
from twingraph.pipeline import Built
from twingraph.rdf.namespaces import SCHEMA, TG
from twingraph.store import EmbeddedStore, Table, load_queries
from twingraph.store.queries import parse_query_file


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


# -- parameters bind where the query says, and listings give their first page ---------------------


def test_a_parameter_binds_in_each_values_block_that_names_it(settings: Settings) -> None:
    query = load_queries(settings.queries_dir)["who-met-whom"]
    text = query.bound({"person": "Метшин"})
    assert 'VALUES (?param_person) { ("метшин") }' in text
    assert 'VALUES (?param_person ?param_city) { ("метшин" UNDEF) }' in text
    assert "VALUES (?param_year) { (UNDEF) }" in text
    assert query.bound({}) == query.text


def query_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text("# title: t\n# param: city  text  a city\n# param: year  year  a year\n" + body, encoding="utf-8")
    return path


def test_a_query_file_binds_every_parameter_it_declares(tmp_path: Path) -> None:
    one = "SELECT * WHERE { VALUES (?param_city) { (UNDEF) } ?s ?p ?o }\n"
    with pytest.raises(TwingraphError, match=r"no VALUES block binds the parameter\(s\) year"):
        parse_query_file(query_file(tmp_path, one))
    other = "SELECT * WHERE { VALUES (?param_city ?param_year ?param_colour) { (UNDEF UNDEF UNDEF) } ?s ?p ?o }\n"
    with pytest.raises(TwingraphError, match=r"undeclared parameter\(s\) colour"):
        parse_query_file(query_file(tmp_path, other))


def test_a_query_without_a_values_block_gets_one_at_the_top(tmp_path: Path, store: EmbeddedStore) -> None:
    body = """PREFIX schema: <https://schema.org/>
PREFIX tg: <https://twingraph.example/ns#>
SELECT ?name WHERE { ?c a tg:PartnerCity ; schema:name ?name
  FILTER (!BOUND(?param_city) || LCASE(STR(?name)) = ?param_city)
  FILTER (!BOUND(?param_year) || ?param_year > 0) }
"""
    query = parse_query_file(query_file(tmp_path, body))
    assert store.select(query.bound({"city": "Тегеран"})).rows == (("Тегеран",),)
    assert len(store.select(query.bound({})).rows) > 1


def test_a_city_is_found_in_any_case(store: EmbeddedStore, settings: Settings) -> None:
    for name in ("city-timeline", "events-per-year", "organizations-per-city", "timeline", "years", "who-met-whom"):
        rows = run(store, settings, name, city="Харбин")
        assert rows, name
        assert run(store, settings, name, city="ХАРБИН") == run(store, settings, name, city="харбин") == rows, name


def meetings_graph(count: int) -> EmbeddedStore:
    """A store of ``count`` meetings of three persons, Анна with Борис and Борис with Вера in turn, one a day."""
    tg, schema, skos = "https://twingraph.example/ns#", "https://schema.org/", "http://www.w3.org/2004/02/skos/core#"
    node, literal = ox.NamedNode, ox.Literal
    persons = [node(f"https://twingraph.example/person/{n}") for n in ("anna", "boris", "vera")]
    quads = [ox.Quad(p, node(f"{skos}prefLabel"), literal(n, language="ru"))
             for p, n in zip(persons, ("Анна", "Борис", "Вера"), strict=True)]  # fmt: skip
    quads += [ox.Quad(p, ox.NamedNode(str(RDF.type)), node(f"{tg}Person")) for p in persons]
    day = dt.date(2001, 1, 1)
    for i in range(count):
        date = (day + dt.timedelta(days=i)).isoformat()
        event, meeting = node(f"https://twingraph.example/event/e{i}"), node(f"https://twingraph.example/meeting/m{i}")
        first, second = (persons[0], persons[1]) if i % 2 == 0 else (persons[1], persons[2])
        key = literal(str(int(date.replace("-", "")) * 1_000_000), datatype=node(str(XSD.integer)))
        quads.append(ox.Quad(event, node(f"{schema}name"), literal(f"Встреча {i}", language="ru")))
        facts = {"event": event, "date": literal(date, datatype=node(str(XSD.date))), "firstPerson": first,
                 "secondPerson": second, "sortKey": key}  # fmt: skip
        quads += [ox.Quad(meeting, node(tg + name), value) for name, value in facts.items()]
    raw = ox.Store()
    raw.extend(quads)
    return EmbeddedStore(raw)


def test_a_listing_gives_its_first_page_by_its_sort_key(settings: Settings) -> None:
    """Past the row limit, who-met-whom lists the first 10,000 meetings by date; a parameter pages its own rows."""
    store = meetings_graph(settings.row_limit + 5)
    rows = run(store, settings, "who-met-whom")
    assert len(rows) == settings.row_limit
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates) and dates[0] == "2001-01-01"
    assert dates[-1] == (dt.date(2001, 1, 1) + dt.timedelta(days=settings.row_limit - 1)).isoformat()
    vera = run(store, settings, "who-met-whom", person="вера")
    assert len(vera) == (settings.row_limit + 5) // 2 and {r["person2"] for r in vera} == {"Вера"}
    in_2002 = run(store, settings, "who-met-whom", year="2002")
    assert len(in_2002) == 365 and all(r["date"].startswith("2002") for r in in_2002)
