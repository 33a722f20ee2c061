"""The graph: ontology in sync, the schema.org view, provenance, deterministic IRIs."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from twingraph.config import ONTOLOGY_IRI, Settings
from twingraph.model import AgreementType, EventType
from twingraph.pipeline import dataset_graph
from twingraph.rdf.mapping import CONTEXT_CHARS, folded_page, locate
from twingraph.rdf.namespaces import AGREEMENT_TYPE, EVENT_TYPE, OA, SCHEMA, TG, TG_TERMS
from twingraph.rdf.vocabulary import load_ontology

BASE = "https://twingraph.example/"


def test_namespace_and_ontology_define_the_same_terms(settings: Settings) -> None:
    ontology = load_ontology(settings.ontology_dir)
    defined = {str(s)[len(ONTOLOGY_IRI) :] for s in ontology.subjects() if str(s).startswith(ONTOLOGY_IRI)}
    assert defined == set(TG_TERMS)


def test_every_term_has_english_and_russian_labels_and_a_comment(settings: Settings) -> None:
    ontology = load_ontology(settings.ontology_dir)
    for term in TG_TERMS:
        iri = TG[term]
        langs = {lit.language for lit in ontology.objects(iri, RDFS.label)}
        assert {"en", "ru"} <= langs, term
        assert ontology.value(iri, RDFS.comment) is not None, term


def test_classes_are_aligned_to_standard_vocabularies(settings: Settings) -> None:
    ontology = load_ontology(settings.ontology_dir)
    for cls in ontology.subjects(RDF.type, OWL.Class):
        parents = {str(p) for p in ontology.objects(cls, RDFS.subClassOf)}
        assert parents, cls
        assert any(not p.startswith(ONTOLOGY_IRI) for p in parents) or cls in {
            TG.PopulationObservation, TG.AreaObservation}, cls  # fmt: skip


def test_model_types_match_the_skos_schemes(settings: Settings) -> None:
    ontology = load_ontology(settings.ontology_dir)
    agreement = {str(c)[len(AGREEMENT_TYPE) :] for c in ontology.subjects(SKOS.inScheme, TG.AgreementTypes)}
    event = {str(c)[len(EVENT_TYPE) :] for c in ontology.subjects(SKOS.inScheme, TG.EventTypes)}
    assert agreement == {t.value for t in AgreementType}
    assert event == {t.value for t in EventType}


def test_a_rebuild_gives_an_isomorphic_graph(settings: Settings, graph: Graph) -> None:
    again = dataset_graph(settings)[1]
    if not isomorphic(graph, again):
        _, only_first, only_second = graph_diff(to_isomorphic(graph), to_isomorphic(again))
        raise AssertionError(f"{only_first.serialize(format='nt')}\n---\n{only_second.serialize(format='nt')}")


def test_the_base_iri_is_configurable(settings: Settings) -> None:
    other = dataset_graph(dataclasses.replace(settings, base_iri="http://data.example.org/kzn/"))[1]
    assert (URIRef("http://data.example.org/kzn/city/tehran"), RDF.type, SCHEMA.City) in other
    assert not any(str(s).startswith(BASE + "city/") for s in other.subjects())


def test_the_met_whom_example_is_in_the_schema_org_view(graph: Graph) -> None:
    q = """
    SELECT ?event ?place WHERE {
      ?event a schema:Event ; schema:startDate ?date ; schema:attendee ?a, ?b ; schema:location/schema:name ?place .
      ?a a schema:Person ; schema:name "Ильсур Метшин"@ru .
      ?b a schema:Person ; schema:name "Хамидреза Голамзаде"@ru .
      FILTER (?date = "2023-05-25"^^xsd:date)
    }"""
    rows = list(graph.query(q, initNs={"schema": SCHEMA, "xsd": XSD}))
    assert [str(r[1]) for r in rows] == ["Казань"]  # type: ignore[index]


def test_dates_are_typed_by_their_precision(graph: Graph) -> None:
    types = {o.datatype for o in graph.objects(None, SCHEMA.startDate) if isinstance(o, Literal)}
    assert types == {XSD.date, XSD.gYearMonth, XSD.gYear}
    for literal in graph.objects(None, SCHEMA.startDate):
        assert isinstance(literal, Literal)
        assert len(str(literal)) == {XSD.gYear: 4, XSD.gYearMonth: 7, XSD.date: 10}[literal.datatype]


def test_schema_org_view_of_cities_persons_and_agreements(graph: Graph) -> None:
    tehran = URIRef(BASE + "city/tehran")
    assert (tehran, SCHEMA.name, Literal("Тегеран", lang="ru")) in graph
    assert (tehran, RDF.type, SCHEMA.City) in graph
    agreement = URIRef(BASE + "agreement/tehran-friendship-2025")
    assert (agreement, RDF.type, SCHEMA.CreativeWork) in graph
    assert (agreement, SCHEMA.dateCreated, Literal("2025", datatype=XSD.gYear)) in graph
    for person in graph.subjects(RDF.type, TG.Person):
        names = list(graph.objects(person, SCHEMA.name))
        assert len(names) == 1 and names[0].language == "ru", person  # type: ignore[union-attr]
        assert (person, RDF.type, SCHEMA.Person) in graph


def test_every_event_leads_back_to_its_sentence(graph: Graph) -> None:
    events = set(graph.subjects(RDF.type, TG.Event))
    assert len(events) == 128
    page = URIRef(
        "https://stazhirovka.kzn.ru/prinyat-uchastie/proekty/goroda-pobratimy-i-partnery-kazani/goroda-pobratimy-i-partnery/4"
    )
    for event in events:
        assert (event, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), page) in graph
        quote = graph.value(event, TG.quote)
        exact = graph.value(graph.value(quote, OA.hasSelector), OA.exact)
        assert exact is not None and len(str(exact)) > 10, event


def test_roles_are_kept_per_event(graph: Graph) -> None:
    q = """SELECT DISTINCT ?post WHERE { ?part tg:participant ?p ; tg:post/schema:name ?post .
           ?p schema:name "Хамидреза Голамзаде"@ru }"""
    posts = {str(r[0]) for r in graph.query(q, initNs={"tg": TG, "schema": SCHEMA})}  # type: ignore[index]
    assert "Вице-мэр г.Тегерана" in posts
    assert len(posts) >= 2


def test_a_role_written_with_other_capitals_is_one_post_with_one_name(project_settings: Settings) -> None:
    path = project_settings.records_dir / "hangzhou.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("role: Вице-мэр г.Ханчжоу")
    second = text.index("role: Вице-мэр г.Ханчжоу", first + 1)
    path.write_text(text[:second] + "role: вице-мэр г.Ханчжоу" + text[second + 24 :], encoding="utf-8")
    graph = dataset_graph(project_settings)[1]
    post = URIRef(project_settings.base_iri + "post/vitse-mer-g-khanchzhou")
    assert len(set(graph.objects(post, SCHEMA.name))) == 1
    assert str(graph.value(post, SCHEMA.name)) == "Вице-мэр г.Ханчжоу"


def test_meetings_pair_the_persons_of_each_event_once(graph: Graph) -> None:
    q = "SELECT ?e ?p WHERE { ?e tg:participation/tg:participant ?p . ?p a tg:Person }"
    persons = {(e, p) for e, p in graph.query(q, initNs={"tg": TG})}  # type: ignore[misc]
    expected = {(e, a, b) for e, a in persons for e2, b in persons if e == e2 and str(a) < str(b)}
    meetings = [(m, *(graph.value(m, p) for p in (TG.event, TG.firstPerson, TG.secondPerson)))
                for m in graph.subjects(RDF.type, TG.Meeting)]  # fmt: skip
    assert {(e, a, b) for _, e, a, b in meetings} == expected
    assert len(meetings) == len(expected) > 50
    assert all(graph.value(m, TG.date) == graph.value(e, SCHEMA.startDate) for m, e, _, _ in meetings)


def test_the_meetings_sort_key_orders_by_date_then_names(graph: Graph) -> None:
    def order(m: URIRef) -> tuple[str, ...]:
        a, b = graph.value(m, TG.firstPerson), graph.value(m, TG.secondPerson)
        return str(graph.value(m, TG.date)), str(graph.value(a, SCHEMA.name)), str(graph.value(b, SCHEMA.name))

    meetings = [m for m in graph.subjects(RDF.type, TG.Meeting) if isinstance(m, URIRef)]
    by_key = sorted(meetings, key=lambda m: int(graph.value(m, TG.sortKey)))
    assert [order(m) for m in by_key] == sorted(order(m) for m in meetings)
    assert len({graph.value(m, TG.sortKey) for m in meetings}) == len(meetings)


def regex_located(quote: str, page: str) -> tuple[str, str, str]:
    """What ``locate`` promises, said as a regular expression: the quote's words with any whitespace between."""
    match = re.search(r"\s+".join(re.escape(word) for word in quote.split()), page)
    if match is None:
        return quote, "", ""
    before = page[max(0, match.start() - CONTEXT_CHARS) : match.start()]
    return match.group(0), before, page[match.end() : match.end() + CONTEXT_CHARS]


PAGE_TEXT = st.text(alphabet=st.sampled_from("аб вг.\n\t\u00a0\u2028x"), max_size=120)


@settings(max_examples=400)
@given(page=PAGE_TEXT, start=st.integers(0, 120), length=st.integers(0, 40), noise=PAGE_TEXT)
def test_a_quote_is_found_where_its_words_first_stand_whatever_the_whitespace(
    page: str, start: int, length: int, noise: str
) -> None:
    """A quote cut from the page (its whitespace re-spaced) or made up is located as the regex locates it."""
    cut = " ".join(page[start : start + length].split())
    for quote in (cut, page[start : start + length], noise[:length]):
        assert locate(quote, folded_page(page)) == regex_located(quote, page)
