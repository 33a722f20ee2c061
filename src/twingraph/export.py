"""Serialise a graph: Turtle, JSON-LD (with the context, flat or framed), N-Triples, TriG, RDF/XML, CSV; DCAT/VoID."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset as RdfDataset
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.term import Node

from twingraph.config import VOID as VOID_FILE
from twingraph.errors import TwingraphError
from twingraph.rdf.formats import RdfFormat
from twingraph.rdf.iris import Minter
from twingraph.rdf.jsonld import Triples, compacted, compacted_dump, described, frame_types, framed
from twingraph.rdf.namespaces import PREFIXES, SCHEMA, TG, prefixed_graph

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
COUNTED = {"cities": TG.City, "partner cities": TG.PartnerCity, "agreements": TG.Agreement, "events": TG.Event,
           "persons": TG.Person, "organizations": TG.Organization}  # fmt: skip
# the kinds of resource ontology/frames/ has a frame for: twingraph export --frame KIND
FRAMES = ("event", "person", "city", "agreement")
GraphOrTriples = Graph | Collection[tuple[Node, Node, Node]]  # a graph, or the set of its triples


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


def serialize(graph: Graph, fmt: RdfFormat, context: dict[str, Any], graph_iri: str | None = None,
              frames: Mapping[str, dict[str, Any]] | None = None) -> bytes:  # fmt: skip
    """The graph in one format; JSON-LD is compacted with the context, UTF-8, not escaped.

    N-Triples and Turtle are written in a stable order (pyoxigraph writes the Turtle),
    so the same graph always gives the same bytes.

    Args:
        graph_iri: the resource the graph describes (the graph's name in TriG).
        frames: the frames by kind (:func:`load_frames`): given with ``graph_iri``, the JSON-LD
            of a resource of a framed kind is framed around it (:func:`description_jsonld`).
    """
    if fmt is RdfFormat.NTRIPLES:
        return ntriples(graph)
    if fmt is RdfFormat.TURTLE:
        return turtle(ntriples(graph), prefixes(graph))
    if fmt is RdfFormat.JSONLD and frames and graph_iri:
        return description_jsonld(graph, graph_iri, context, frames)
    if fmt is RdfFormat.JSONLD:
        return jsonld(graph, context)
    if fmt is RdfFormat.TRIG:
        dataset = RdfDataset()
        for prefix, namespace in graph.namespaces():
            dataset.bind(prefix, namespace)
        named = dataset.graph(URIRef(graph_iri) if graph_iri else None)
        for triple in graph:
            named.add(triple)
        return dataset.serialize(format="trig").encode("utf-8")
    return graph.serialize(format=fmt.rdflib_name).encode("utf-8")


def jsonld(graph: Triples, context: dict[str, Any]) -> bytes:
    """JSON-LD compacted with the context (inline), UTF-8, not escaped, in a stable order.

    Every IRI is whole or a term of the context, never a CURIE; dates are strings at their
    precision (:mod:`twingraph.rdf.jsonld`). Nodes and the values of a property are sorted
    (:func:`ordered`), so the same graph always gives the same bytes; each node is on a line.
    """
    return b"".join(jsonld_lines(graph, context))


def jsonld_lines(graph: Triples, context: dict[str, Any]) -> Iterator[bytes]:
    """:func:`jsonld` in pieces, to be written as they come (a dump of a large graph)."""
    return node_lines(compacted(graph, context))


def framed_jsonld(graph: Graph, frame: dict[str, Any], context: dict[str, Any]) -> bytes:
    """JSON-LD framed: one nested object per resource the frame matches, the context inline.

    Args:
        graph: the dataset.
        frame: one of ``ontology/frames/`` (:func:`load_frame`).
        context: the published context.
    """
    return json_bytes(framed(graph, frame, context))


def json_bytes(document: dict[str, Any], lead: int = 0) -> bytes:
    """A JSON-LD document as UTF-8 JSON, not escaped: its context first, then its body sorted (:func:`ordered`).

    Sorting changes nothing in the graph: the members of a JSON-LD array are a set unless it is an ``@list``.

    Args:
        lead: how many nodes at the head of the ``@graph`` stay there, ahead of the sorted rest.
    """
    body = ordered({key: value for key, value in document.items() if key != "@context"})
    if lead:
        nodes = document["@graph"]
        body["@graph"] = [ordered(node) for node in nodes[:lead]] + ordered(nodes[lead:])
    stable = {"@context": document["@context"], **body} if "@context" in document else body
    return (json.dumps(stable, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def node_lines(document: dict[str, Any]) -> Iterator[bytes]:
    """A JSON-LD document as :func:`json_bytes` sorts it, in pieces, with each node of its ``@graph`` on one line.

    For a dump: ``grep`` finds a node whole, and the nodes are sorted and written one at a time
    by the C encoder (which cannot indent), so no second copy of the graph is made.

    >>> document = {"@context": {"name": "https://schema.org/name"}, "@graph": [{"@id": "b"}, {"@id": "a"}]}
    >>> print(b"".join(node_lines(document)).decode())
    {
      "@context": {
        "name": "https://schema.org/name"
      },
      "@graph": [
        {"@id": "a"},
        {"@id": "b"}
      ]
    }
    <BLANKLINE>
    """
    nodes = document.get("@graph")
    if not nodes:
        yield json_bytes(document)
        return
    in_order = (ordered(n) for n in sorted(nodes, key=id_key)) if distinct_nodes(nodes) else ordered(nodes)
    yield from graph_lines(document, (json.dumps(node, ensure_ascii=False).encode("utf-8") for node in in_order))


def graph_lines(document: dict[str, Any], nodes: Iterable[bytes]) -> Iterator[bytes]:
    """:func:`node_lines` of a document whose ``@graph`` is given apart, its nodes already encoded and in order."""
    head = ordered({key: value for key, value in document.items() if key not in ("@context", "@graph")})
    head = {"@context": document["@context"], **head} if "@context" in document else head
    members = "".join(f"  {json.dumps(key)}: {indented(value)},\n" for key, value in head.items())
    yield ("{\n" + members + '  "@graph": [\n').encode("utf-8")
    for n, node in enumerate(nodes):
        yield (b",\n    " if n else b"    ") + node
    yield b"\n  ]\n}\n"


def dump_jsonld_lines(dump: bytes, context: dict[str, Any]) -> Iterator[bytes]:
    """:func:`jsonld_lines` of the graph of an N-Triples dump whose lines are sorted (:func:`ntriples`): the same bytes.

    The graph is read back from the dump a node at a time, so neither it nor its JSON-LD objects
    are held: only each node's line, until the lines are sorted by ``@id``.
    """
    encoded = compacted_dump(dump, context, encoded_node)
    if not encoded:
        yield json_bytes({"@context": context, "@graph": []})
        return
    encoded.sort(key=lambda pair: pair[0])
    yield from graph_lines({"@context": context}, (line for _, line in encoded))


def encoded_node(node: dict[str, Any]) -> tuple[str, bytes]:
    """A node's sort key (:func:`id_key`) and its line in a dump (:func:`node_lines`)."""
    return id_key(node), json.dumps(ordered(node), ensure_ascii=False).encode("utf-8")


def indented(value: Any) -> str:
    """A value's JSON indented by 2, as a member of an object at the top level."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")


def description_jsonld(graph: Graph, subject: str, context: dict[str, Any],
                       frames: Mapping[str, dict[str, Any]]) -> bytes:  # fmt: skip
    """A resource's description as JSON-LD, its object nested by the frame of its kind, then the rest flat.

    The document holds the description's triples, no more and no fewer
    (:func:`twingraph.rdf.jsonld.described`); a resource of no framed kind is compacted flat.
    """
    frame = frame_of(graph, subject, context, frames)
    if frame is None:
        return json_bytes(compacted(graph, context))
    document, framed_nodes = described(graph, subject, frame, context)
    return json_bytes(document, lead=framed_nodes)


def frame_of(graph: Graph, subject: str, context: Mapping[str, Any],
             frames: Mapping[str, dict[str, Any]]) -> dict[str, Any] | None:  # fmt: skip
    """The frame of the first kind (in the order of ``frames``) whose type the subject has in the graph."""
    types = {str(t) for t in graph.objects(URIRef(subject), RDF.type)}
    return next((frame for frame in frames.values() if frame_types(frame, context) & types), None)


def load_frames(ontology_dir: Path) -> dict[str, dict[str, Any]]:
    """Every kind's frame (:data:`FRAMES`), by kind."""
    return {kind: load_frame(ontology_dir, kind) for kind in FRAMES}


def load_frame(ontology_dir: Path, kind: str) -> dict[str, Any]:
    """The JSON-LD frame of one kind of resource, ``ontology/frames/KIND.jsonld`` (see :data:`FRAMES`).

    Raises:
        TwingraphError: no frame of that kind.
    """
    if kind not in FRAMES:
        raise TwingraphError(f"no frame {kind!r}: use one of {', '.join(FRAMES)}")
    document: dict[str, Any] = json.loads((ontology_dir / "frames" / f"{kind}.jsonld").read_text(encoding="utf-8"))
    return document


def export_framed(graph: Graph, ontology_dir: Path, kind: str) -> bytes:
    """The graph as framed JSON-LD of one kind (:data:`FRAMES`), with the published context inline.

    Raises:
        TwingraphError: no frame of that kind.
    """
    return framed_jsonld(graph, load_frame(ontology_dir, kind), load_context(ontology_dir))


def export_city_bundles(graph: Graph, ontology_dir: Path) -> dict[str, bytes]:
    """One self-contained JSON-LD file per partner city, by file name (:func:`city_bundles`)."""
    return city_bundles(graph, load_context(ontology_dir), load_frame(ontology_dir, "city"))


def city_bundles(graph: Graph, context: dict[str, Any], frame: dict[str, Any]) -> dict[str, bytes]:
    """One self-contained JSON-LD file per partner city, named by its IRI's last segment: ``harbin.jsonld``.

    Each is the city as ``frame`` (the city frame) nests it: its agreements, its events
    with their people and organizations; with the context inline, so it stands alone.
    """
    document = framed(graph, frame, context)
    partners = {str(city) for city in graph.subjects(RDF.type, TG.PartnerCity)}
    return {
        f"{node['@id'].rstrip('/').rsplit('/', 1)[-1]}{RdfFormat.JSONLD.suffix}":
            json_bytes({"@context": document["@context"], **node})
        for node in document["@graph"] if node["@id"] in partners
    }  # fmt: skip


def ordered(value: Any, key: str = "") -> Any:
    """A JSON value with its objects' keys sorted and its arrays sorted, except an ``@list``'s.

    Nodes sort by ``@id`` first, then every value by its JSON text.

    >>> ordered({"b": [{"@id": "y"}, {"@id": "x"}], "@list": [2, 1], "a": 1})
    {'@list': [2, 1], 'a': 1, 'b': [{'@id': 'x'}, {'@id': 'y'}]}
    """
    if isinstance(value, dict):
        return {name: ordered(value[name], name) for name in sorted(value)}
    if isinstance(value, list):
        items = [ordered(item) for item in value]
        if key == "@list" or len(items) < 2:
            return items
        return sorted(items, key=id_key) if distinct_nodes(items) else sorted(items, key=sort_key)
    return value


def id_key(node: dict[str, Any]) -> str:
    """The sort key of a node of distinct ``@id``: the id alone."""
    return str(node["@id"])


def distinct_nodes(items: list[Any]) -> bool:
    """Whether every item is a node with an ``@id`` none other has: :func:`sort_key` then needs no JSON text.

    >>> distinct_nodes([{"@id": "a"}, {"@id": "b", "name": "B"}]), distinct_nodes([{"@id": "a"}, {"@id": "a"}])
    (True, False)
    """
    ids = {item.get("@id") if isinstance(item, dict) else None for item in items}
    return None not in ids and len(ids) == len(items)


def sort_key(value: Any) -> tuple[str, str]:
    """The order of a JSON-LD array's members: a node's ``@id``, then the JSON text."""
    identifier = value.get("@id", "") if isinstance(value, dict) else ""
    return str(identifier), json.dumps(value, ensure_ascii=False, sort_keys=True)


def ntriples(graph: Triples) -> bytes:
    """N-Triples with the lines sorted: a graph without blank nodes always gives the same bytes.

    Each line is rdflib's N-Triples line for the triple (:func:`nt_line`); a triple given
    twice is written once.

    Args:
        graph: an rdflib graph, or its triples (as the records' mapping yields them, some twice).

    Raises:
        TwingraphError: the graph holds a term N-Triples cannot carry, e.g. an IRI with spaces.
    """
    return sorted_lines(ntriples_lines(graph))


def ntriples_lines(graph: Triples) -> set[bytes]:
    """The N-Triples line of each triple (:func:`nt_line`), without its end of line; each node's text made once.

    Raises:
        TwingraphError: the graph holds a term N-Triples cannot carry, e.g. an IRI with spaces.
    """
    written: dict[Node, str] = {}
    try:  # rdflib raises a bare Exception for an IRI it cannot write
        return {nt_line(triple, written) for triple in graph}
    except Exception as exc:
        raise TwingraphError(f"the graph cannot be written as N-Triples: {exc}") from exc


def sorted_lines(lines: set[bytes]) -> bytes:
    """N-Triples lines (:func:`ntriples_lines`) sorted, each ended by a line feed; the set is emptied."""
    ordered = sorted(lines)
    lines.clear()  # the set's table goes before the dump is joined
    ordered.append(b"")  # so the last line ends with a line feed too, without a copy of the whole
    return b"\n".join(ordered)


def nt_line(triple: tuple[Node, Node, Node], written: dict[Node, str]) -> bytes:
    r"""One triple's N-Triples line as rdflib's writer gives it, without the line feed.

    ``written`` keeps each IRI's and blank node's text.

    >>> nt_line((URIRef("https://x.example/a"), RDFS.label, Literal('say "hi"', lang="en")), {})
    b'<https://x.example/a> <http://www.w3.org/2000/01/rdf-schema#label> "say \\"hi\\""@en .'
    """
    subject, predicate, obj = triple
    start = written.get(subject) or written.setdefault(subject, subject.n3())
    middle = written.get(predicate) or written.setdefault(predicate, predicate.n3())
    end = _quoteLiteral(obj) if isinstance(obj, Literal) else written.get(obj) or written.setdefault(obj, obj.n3())
    return f"{start} {middle} {end} .".encode()


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
    end = 0  # where the declarations end: the text is not split whole (at 1M triples it is 120 MB)
    while text.startswith(b"@prefix ", end):
        end = text.find(b"\n", end) + 1 or len(text)
    if not end:
        return text
    declared = sorted(text[:end].rstrip(b"\n").split(b"\n"))
    return b"\n".join(declared) + b"\n\n" + text[end:]


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
    """Run a SELECT on a graph and return its columns and rows as text (an unbound value as "").

    The query runs in pyoxigraph, the engine of the store that serves the same named
    queries: rdflib's takes about a minute for the participations of the dataset.

    Raises:
        TwingraphError: the query is not a SELECT query.
    """
    store = ox.Store()
    store.load(ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    solutions = store.query(query, prefixes=PREFIXES)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TwingraphError("the query gives no table: write a SELECT query")
    return [variable.value for variable in solutions.variables], text_rows(solutions)


@dataclasses.dataclass(frozen=True)
class Summary:
    """What the dataset's description and the build's counts say of a graph (:func:`summarize` reads it)."""

    triples: int
    entities: dict[str, int]  # how many resources have each class of COUNTED, by its name there
    meetings: int
    person_pairs: int  # pairs of persons who met, each once however many times they met
    pages: tuple[str, ...]  # the source pages' IRIs, sorted
    retrieved: dict[str, str]  # the date each source page was retrieved on, by its IRI


def summarize(store: ox.Store) -> Summary:
    """The summary of the graph a store holds (in its default graph), by a few queries.

    >>> store = ox.Store()
    >>> store.load(b"_:m a <https://twingraph.example/ns#Meeting> ; <https://twingraph.example/ns#firstPerson> _:a .",
    ...            format=ox.RdfFormat.TURTLE)
    >>> summarize(store).meetings, summarize(store).person_pairs, summarize(store).triples
    (1, 1, 2)
    """
    classes = " ".join(f"<{cls}>" for cls in COUNTED.values())
    query = f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {classes} }} ?s a ?c }} GROUP BY ?c"
    typed = {cls: int(n) for cls, n in store_rows(store, query)}
    [[meetings]] = store_rows(store, "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a tg:Meeting }")
    [[pairs]] = store_rows(store, """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?b WHERE {
        ?m a tg:Meeting OPTIONAL { ?m tg:firstPerson ?a } OPTIONAL { ?m tg:secondPerson ?b } } }""")
    pages = store_rows(store, "SELECT ?p ?date WHERE { ?p a tg:SourcePage OPTIONAL { ?p tg:retrieved ?date } }")
    return Summary(triples=len(store), entities={name: typed.get(str(cls), 0) for name, cls in COUNTED.items()},
                   meetings=int(meetings), person_pairs=int(pairs), pages=tuple(sorted(page for page, _ in pages)),
                   retrieved={page: date for page, date in pages if date})  # fmt: skip


def store_rows(store: ox.Store, query: str) -> list[list[str]]:
    """A SELECT's rows over a store, as text (an unbound value as "")."""
    solutions = store.query(query, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions)
    return text_rows(solutions)


def text_rows(solutions: ox.QuerySolutions) -> list[list[str]]:
    """Solutions as rows of text, an unbound value as ""."""
    return [["" if term is None else term.value for term in solution] for solution in solutions]


def counts(summary: Summary) -> dict[str, int]:
    """Numbers of cities, agreements, events, persons, organizations, meetings, pairs of persons and triples.

    A pair of persons who met at several events counts once among the pairs, and once per event among the meetings.
    """
    return {**summary.entities, "meetings": summary.meetings, "person pairs": summary.person_pairs,
            "triples": summary.triples}  # fmt: skip


def describe_dataset(summary: Summary, base_iri: str, version: str, dumps: dict[str, str]) -> Graph:
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
    meta.add((ds, VOID.triples, Literal(summary.triples)))
    meta.add((ds, VOID.uriSpace, Literal(mint.base)))
    meta.add((ds, VOID.vocabulary, URIRef(PREFIXES["tg"])))
    meta.add((ds, VOID.vocabulary, URIRef(PREFIXES["schema"])))
    for page in summary.pages:
        meta.add((ds, DCTERMS.source, URIRef(page)))
    if summary.retrieved:
        meta.add((ds, DCTERMS.modified, Literal(max(summary.retrieved.values()), datatype=XSD.date)))
    for name, cls in COUNTED.items():
        partition = URIRef(f"{ds}/class/{name.replace(' ', '-')}")
        meta.add((ds, VOID.classPartition, partition))
        meta.add((partition, VOID["class"], cls))
        meta.add((partition, VOID.entities, Literal(summary.entities[name])))
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
