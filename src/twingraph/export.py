"""Serialise a graph: Turtle, JSON-LD (with the context), N-Triples, TriG, RDF/XML, CSV; DCAT/VoID."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset as RdfDataset
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD

from twingraph.config import VOID as VOID_FILE
from twingraph.errors import TwingraphError
from twingraph.rdf.formats import RdfFormat
from twingraph.rdf.iris import Minter
from twingraph.rdf.namespaces import PREFIXES, SCHEMA, TG, prefixed_graph

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
COUNTED = {"cities": TG.City, "partner cities": TG.PartnerCity, "agreements": TG.Agreement, "events": TG.Event,
           "persons": TG.Person, "organizations": TG.Organization}  # fmt: skip


def load_context(ontology_dir: Path) -> dict[str, Any]:
    """The published JSON-LD context, ``ontology/context.jsonld``."""
    document: dict[str, Any] = json.loads((ontology_dir / "context.jsonld").read_text(encoding="utf-8"))
    return document["@context"]  # type: ignore[no-any-return]


def load_description(dist_dir: Path) -> Graph:
    """The DCAT/VoID description a build wrote to dist/; empty when there is no build."""
    graph = Graph()
    path = dist_dir / VOID_FILE
    if path.exists():
        graph.parse(path, format="turtle")
    return graph


def serialize(graph: Graph, fmt: RdfFormat, context: dict[str, Any], graph_iri: str | None = None) -> bytes:
    """The graph in one format; JSON-LD is compacted with the context, UTF-8, not escaped.

    N-Triples and Turtle are written in a stable order (pyoxigraph writes the Turtle),
    so the same graph always gives the same bytes.
    """
    if fmt is RdfFormat.NTRIPLES:
        return ntriples(graph)
    if fmt is RdfFormat.TURTLE:
        return turtle(ntriples(graph), prefixes(graph))
    if fmt is RdfFormat.JSONLD:
        text = graph.serialize(format="json-ld", context=context, auto_compact=True, indent=2)
        return text.encode("utf-8")
    if fmt is RdfFormat.TRIG:
        dataset = RdfDataset()
        for prefix, namespace in graph.namespaces():
            dataset.bind(prefix, namespace)
        named = dataset.graph(URIRef(graph_iri) if graph_iri else None)
        for triple in graph:
            named.add(triple)
        return dataset.serialize(format="trig").encode("utf-8")
    return graph.serialize(format=fmt.rdflib_name).encode("utf-8")


def ntriples(graph: Graph) -> bytes:
    """N-Triples with the lines sorted: a graph without blank nodes always gives the same bytes."""
    lines = graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
    return b"".join(sorted(line for line in lines if line.strip()))


def prefixes(graph: Graph) -> dict[str, str]:
    """The graph's prefixes but the empty one, by name.

    Dataset IRIs stay whole: as ``:quote\\/12ab`` their slashes would need escapes.
    """
    return {prefix: str(namespace) for prefix, namespace in sorted(graph.namespaces()) if prefix}


def turtle(data: bytes, names: Mapping[str, str], expected: int | None = None) -> bytes:
    """Turtle from N-Triples, written by pyoxigraph: subjects in the order of the lines.

    Args:
        data: N-Triples, e.g. from :func:`ntriples`, so that a subject's triples are together.
        names: prefix -> namespace; they are declared sorted by prefix.
        expected: the number of triples ``data`` must hold; this parse is then the dump's check.

    Raises:
        TwingraphError: ``data`` holds another number of triples than expected.
    """
    parsed = Counted(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    text = ox.serialize(parsed, format=ox.RdfFormat.TURTLE, prefixes=dict(names)) or b""
    if expected is not None and parsed.count != expected:
        raise TwingraphError(f"the N-Triples hold {parsed.count} triples, the graph {expected}: the dump is broken")
    # pyoxigraph declares the prefixes in an order of its own; sorted, they are stable
    lines = text.split(b"\n")
    declared = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return b"\n".join([*sorted(lines[:declared]), *([b""] if declared else []), *lines[declared:]])


class Counted:
    """An iterable that counts what it yields."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.count += 1
            yield item


def rows_to_csv(columns: list[str], rows: list[list[str]]) -> bytes:
    """A CSV table with a header row, UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def select_rows(graph: Graph, query: str) -> tuple[list[str], list[list[str]]]:
    """Run a SELECT on an rdflib graph and return its columns and rows as text."""
    result = graph.query(query, initNs=PREFIXES)
    columns = [str(v) for v in result.vars or []]
    rows = [["" if value is None else str(value) for value in row] for row in result]  # type: ignore[union-attr]
    return columns, rows


def counts(graph: Graph) -> dict[str, int]:
    """Numbers of cities, agreements, events, persons, organizations and triples."""
    found = {name: len(set(graph.subjects(RDF.type, cls))) for name, cls in COUNTED.items()}
    found["triples"] = len(graph)
    return found


def describe_dataset(graph: Graph, base_iri: str, version: str, dumps: dict[str, str]) -> Graph:
    """A DCAT and VoID description: title, licence, source, counts, version, dates."""
    mint = Minter(base_iri)
    ds = mint.dataset()
    meta = prefixed_graph()
    meta.add((ds, RDF.type, DCAT.Dataset))
    meta.add((ds, RDF.type, VOID.Dataset))
    meta.add((ds, DCTERMS.title, Literal("Зарубежные города-побратимы и партнеры Казани", lang="ru")))
    meta.add((ds, DCTERMS.title, Literal("Kazan's foreign sister and partner cities", lang="en")))
    meta.add((ds, DCTERMS.description, Literal(
        "Partner cities of Kazan, the agreements signed with them, joint events and the people who met, "
        "each fact with its source sentence.", lang="en")))  # fmt: skip
    meta.add((ds, DCTERMS.license, LICENSE))
    meta.add((ds, SCHEMA.version, Literal(version)))
    meta.add((ds, VOID.triples, Literal(len(graph))))
    meta.add((ds, VOID.uriSpace, Literal(mint.base)))
    meta.add((ds, VOID.vocabulary, URIRef(PREFIXES["tg"])))
    meta.add((ds, VOID.vocabulary, URIRef(PREFIXES["schema"])))
    dates = []
    for page in graph.subjects(RDF.type, TG.SourcePage):
        meta.add((ds, DCTERMS.source, page))
        dates.append(str(graph.value(page, TG.retrieved)))
    if dates:
        meta.add((ds, DCTERMS.modified, Literal(max(dates), datatype=XSD.date)))
    for name, cls in COUNTED.items():
        partition = URIRef(f"{ds}/class/{name.replace(' ', '-')}")
        meta.add((ds, VOID.classPartition, partition))
        meta.add((partition, VOID["class"], cls))
        meta.add((partition, VOID.entities, Literal(len(set(graph.subjects(RDF.type, cls))))))
    for label, path in dumps.items():
        fmt = RdfFormat.from_suffix(Path(path.removesuffix(".gz")).suffix)
        dist = URIRef(f"{ds}/distribution/{label}")
        meta.add((ds, DCAT.distribution, dist))
        meta.add((ds, VOID.dataDump, URIRef(mint.base + path)))
        meta.add((dist, RDF.type, DCAT.Distribution))
        meta.add((dist, DCAT.downloadURL, URIRef(mint.base + path)))
        meta.add((dist, DCAT.mediaType, Literal(fmt.media_type)))
        meta.add((dist, RDFS.label, Literal(label)))
    return meta
