"""Exports: JSON-LD read back by an independent processor, TriG, CSV, DCAT/VoID."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest
from pyld import jsonld
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, VOID

from twingraph.config import Settings
from twingraph.errors import TwingraphError
from twingraph.export import (
    dump_jsonld_lines,
    load_context,
    ntriples,
    prefixes,
    rows_to_csv,
    select_rows,
    serialize,
    turtle,
)
from twingraph.pipeline import Built, dataset_graph
from twingraph.rdf.formats import RdfFormat
from twingraph.store import load_queries


def test_jsonld_read_by_pyld_is_isomorphic_to_turtle(graph: Graph, settings: Settings) -> None:
    context = load_context(settings.ontology_dir)
    document = json.loads(serialize(graph, RdfFormat.JSONLD, context))
    assert "@context" in document and isinstance(document["@context"], dict)
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    from_pyld = Graph().parse(data=nquads, format="nquads")
    from_turtle = Graph().parse(data=serialize(graph, RdfFormat.TURTLE, context), format="turtle")
    assert len(from_pyld) == len(from_turtle) == len(graph)
    assert isomorphic(from_pyld, from_turtle)


def test_jsonld_is_utf8_not_escaped(graph: Graph, settings: Settings) -> None:
    data = serialize(graph, RdfFormat.JSONLD, load_context(settings.ontology_dir))
    assert "Казань".encode() in data
    assert b"\\u041a" not in data


def test_trig_puts_the_graph_in_a_named_graph(graph: Graph, settings: Settings) -> None:
    data = serialize(graph, RdfFormat.TRIG, load_context(settings.ontology_dir), "https://twingraph.example/")
    dataset = Dataset().parse(data=data, format="trig")
    named = [g for g in dataset.graphs() if str(g.identifier) == "https://twingraph.example/"]
    assert named and len(named[0]) == len(graph)


def test_csv_has_one_row_per_participation(graph: Graph, settings: Settings) -> None:
    query = load_queries(settings.queries_dir)["participations"]
    data = rows_to_csv(*select_rows(graph, query.text))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert rows[0].keys() >= {"date", "eventName", "participant", "kind", "post", "onBehalfOf", "quote"}
    assert any(r["participant"] == "Хамидреза Голамзаде" and r["date"] == "2023-05-25" for r in rows)


def test_build_writes_dumps_and_a_dataset_description(built: Built, graph: Graph) -> None:
    assert built.dist is not None
    names = {p.name for p in built.dist.iterdir()}
    assert names == {"twingraph.nt", "twingraph.nt.gz", "twingraph.ttl", "twingraph.jsonld", "void.ttl", "build.json"}
    nt = gzip.decompress((built.dist / "twingraph.nt.gz").read_bytes())
    assert isomorphic(Graph().parse(data=nt, format="nt"), graph)  # the records' graph, built apart
    meta = Graph().parse(built.dist / "void.ttl")
    dataset = next(meta.subjects(RDF.type, DCAT.Dataset))
    assert meta.value(dataset, VOID.triples) == Literal(len(graph))
    assert len(list(meta.objects(dataset, DCAT.distribution))) == 3
    entities = {str(meta.value(p, VOID["class"])).rsplit("#", 1)[-1]: int(meta.value(p, VOID.entities))  # type: ignore[arg-type]
                for p in meta.objects(dataset, VOID.classPartition)}  # fmt: skip
    from tests.test_outputs import EXPECTED_COUNTS

    names = {"City": "cities", "PartnerCity": "partner cities", "Agreement": "agreements", "Event": "events",
             "Person": "persons", "Organization": "organizations"}  # fmt: skip
    assert entities == {cls: EXPECTED_COUNTS[name] for cls, name in names.items()}


def test_ntriples_and_turtle_are_the_same_bytes_for_a_rebuilt_graph(graph: Graph, settings: Settings) -> None:
    again = dataset_graph(settings)[1]
    context = load_context(settings.ontology_dir)
    for fmt in (RdfFormat.NTRIPLES, RdfFormat.TURTLE):
        assert serialize(graph, fmt, context) == serialize(again, fmt, context), fmt
    data = serialize(graph, RdfFormat.TURTLE, context)
    assert data.startswith(b"@prefix agreement-type: ")
    assert isomorphic(Graph().parse(data=data, format="turtle"), graph)


def test_the_turtle_dump_checks_the_ntriples_hold_the_graph(graph: Graph) -> None:
    data = ntriples(graph)
    assert turtle(data, prefixes(graph), expected=len(graph))
    with pytest.raises(TwingraphError, match="the dump is broken"):
        turtle(data[: len(data) // 2].rsplit(b"\n", 1)[0] + b"\n", prefixes(graph), expected=len(graph))


EDGE_TURTLE = """
@prefix schema: <https://schema.org/> .
@prefix tg: <https://twingraph.example/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://x.example/a> a schema:Event ; schema:name "Встреча"@ru, "Meeting"@en, "без языка" ;
    schema:startDate "2023-05"^^xsd:gYearMonth ; schema:endDate "2023-05-02"^^xsd:date ;
    schema:location _:place ; tg:population "007"^^xsd:integer, "12"^^xsd:integer ; tg:flag true .
_:place a schema:Place ; schema:name "Площадь"@ru ; schema:sameAs <https://schema.org/Event> .
tg:Person schema:name "a concept as a subject" .
"""


@pytest.mark.parametrize("which", ["dataset", "edge cases", "empty"])
def test_the_jsonld_dump_read_back_from_the_ntriples_is_the_same_bytes(
    graph: Graph, settings: Settings, which: str
) -> None:
    """The build compacts its JSON-LD node by node from the sorted N-Triples: the bytes of the whole graph's."""
    chosen = {"dataset": graph, "edge cases": Graph().parse(data=EDGE_TURTLE, format="turtle"), "empty": Graph()}
    context = load_context(settings.ontology_dir)
    data = chosen[which]
    assert b"".join(dump_jsonld_lines(ntriples(data), context)) == serialize(data, RdfFormat.JSONLD, context)


def test_a_context_templates_cannot_serve_leaves_the_dump_to_pyld_whole(settings: Settings) -> None:
    """With ``@vocab`` an IRI's text decides its form: the dump is then pyld's compaction of the graph whole."""
    context = {**load_context(settings.ontology_dir), "@vocab": "https://x.example/"}
    data = Graph().parse(data=EDGE_TURTLE, format="turtle")
    data.add((URIRef("https://x.example/b"), URIRef("https://x.example/p"), Literal("vocab")))
    written = b"".join(dump_jsonld_lines(ntriples(data), context))
    assert written == serialize(data, RdfFormat.JSONLD, context)
    assert b'"p": {"@value": "vocab"}' in written  # the IRI written by its text, under @vocab


@pytest.mark.parametrize("which", ["dataset", "edge cases"])
def test_the_ntriples_lines_are_rdflibs_own(graph: Graph, which: str) -> None:
    """The build writes each line itself, each node's text once: the lines rdflib's N-Triples writer gives, sorted."""
    data = Graph().parse(data=EDGE_TURTLE, format="turtle") if which == "edge cases" else graph + Graph()  # a copy
    data.add((URIRef("https://x.example/q"), URIRef("https://x.example/p"), Literal('a "quote"\\ and\r\nlines\t')))
    rdflib_lines = data.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
    assert ntriples(data) == b"".join(sorted(line for line in rdflib_lines if line.strip()))


def test_an_iri_ntriples_cannot_carry_is_a_clear_error() -> None:
    data = Graph()
    data.add((URIRef("https://x.example/a b"), URIRef("https://x.example/p"), Literal("x")))
    with pytest.raises(TwingraphError, match="cannot be written as N-Triples"):
        ntriples(data)
