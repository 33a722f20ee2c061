"""JSON-LD a plain-JSON reader can use: a graph compacted or framed with the published context.

pyld does the JSON-LD work (compaction, framing; a large graph is compacted from
pyld's answers per kind of value, :mod:`twingraph.rdf.compaction`); this module gives it the graph
in expanded form and then writes each date as a plain string at its precision.
A JSON-LD term has one datatype, so ``startDate`` is typed ``xsd:date`` in the
context; a month or a year gets a context of its own on the node that has it::

    {"@context": {"@propagate": false, "startDate": {"@id": "https://schema.org/startDate",
                  "@type": "http://www.w3.org/2001/XMLSchema#gYearMonth"}},
     "startDate": "2023-05", ...}

A JSON reader reads ``"2023-05"``; a JSON-LD processor reads the same
``xsd:gYearMonth`` literal as the graph holds. ``@propagate: false`` keeps the
override to that node: a nested node's dates are read with the published context.

Nothing is fetched: contexts and frames are given inline, and a document that
names a remote one is refused (:func:`refuse_remote`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import pyoxigraph as ox
from pyld import jsonld  # type: ignore[import-untyped]
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from twingraph.errors import TwingraphError
from twingraph.rdf.compaction import GrowingTemplates, compacted_nodes

T = TypeVar("T")
Triples = Iterable[tuple[Node, Node, Node]]  # an rdflib graph, or a set of its triples
RDF_TYPE = RDF.type  # the terms the loops below compare with, looked up once: rdflib makes each anew
XSD_INTEGER, XSD_BOOLEAN, XSD_STRING = str(XSD.integer), str(XSD.boolean), str(XSD.string)
DATE_TYPES = {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)}
NATIVE_TYPES = {XSD_INTEGER, XSD_BOOLEAN}
# how a framed document nests: what a frame does not embed stays a reference (an IRI);
# a property a node does not have is left out rather than written as null
FRAME_OPTIONS = {"embed": "@never", "omitDefault": True, "omitGraph": False}


def refuse_remote(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader: it loads nothing, so no JSON-LD processing reaches the network.

    >>> refuse_remote("https://schema.org/")
    Traceback (most recent call last):
    ...
    twingraph.errors.TwingraphError: JSON-LD would load https://schema.org/: contexts and frames must be inline
    """
    raise TwingraphError(f"JSON-LD would load {url}: contexts and frames must be inline")


def node_id(term: URIRef | BNode) -> str:
    """A node's ``@id``: the IRI, or ``_:`` and the blank node's label."""
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def value_object(term: URIRef | BNode | Literal) -> Any:
    """An RDF term as a JSON-LD value object in expanded form; integers and booleans with JSON's own values.

    A number is native only when its text is the canonical one, so that it reads back the same.

    >>> value_object(Literal("2023", datatype=XSD.integer)), value_object(Literal("-2200", datatype=XSD.integer))
    ({'@value': 2023}, {'@value': -2200})
    >>> value_object(Literal("Казань", lang="ru")), value_object(Literal("+03:00"))
    ({'@value': 'Казань', '@language': 'ru'}, {'@value': '+03:00'})
    >>> value_object(Literal("true", datatype=XSD.boolean)), value_object(URIRef("https://schema.org/Event"))
    ({'@value': True}, {'@id': 'https://schema.org/Event'})
    """
    if not isinstance(term, Literal):
        return {"@id": node_id(term)}
    return literal_object(str(term), term.language, str(term.datatype) if term.datatype else None)


def literal_object(text: str, language: str | None, datatype: str | None) -> dict[str, Any]:
    """A literal's value object (:func:`value_object`), from its text, language tag and datatype IRI."""
    if language:
        return {"@value": text, "@language": language}
    if datatype == XSD_INTEGER and text.lstrip("-").isdigit() and str(int(text)) == text:
        return {"@value": int(text)}
    if datatype == XSD_BOOLEAN and text in ("true", "false"):
        return {"@value": text == "true"}
    return {"@value": text, "@type": datatype} if datatype and datatype != XSD_STRING else {"@value": text}


def oxigraph_value_object(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, Any]:
    """:func:`value_object` of a pyoxigraph term: a parsed dump gives the same objects as its rdflib graph.

    >>> oxigraph_value_object(ox.Literal("2023", datatype=ox.NamedNode(XSD_INTEGER)))
    {'@value': 2023}
    >>> oxigraph_value_object(ox.Literal("Казань", language="ru")), oxigraph_value_object(ox.BlankNode("b1"))
    ({'@value': 'Казань', '@language': 'ru'}, {'@id': '_:b1'})
    """
    if isinstance(term, ox.Literal):
        return literal_object(term.value, term.language, term.datatype.value)
    return {"@id": oxigraph_node_id(term)}


def oxigraph_node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    """:func:`node_id` of a pyoxigraph term: the IRI, or ``_:`` and the blank node's label."""
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def expanded(graph: Triples) -> list[dict[str, Any]]:
    """The graph as flattened, expanded JSON-LD: one node object per subject, by ``@id``."""
    nodes: dict[str, dict[str, Any]] = {}
    for subject, predicate, obj in graph:
        key = node_id(subject)  # type: ignore[arg-type]
        node = nodes.setdefault(key, {"@id": key})
        if predicate == RDF_TYPE and not isinstance(obj, Literal):
            node.setdefault("@type", []).append(node_id(obj))  # type: ignore[arg-type]
        else:
            node.setdefault(str(predicate), []).append(value_object(obj))  # type: ignore[arg-type]
    return [nodes[key] for key in sorted(nodes)]


def dump_nodes(dump: bytes) -> Iterator[dict[str, Any]]:
    """The nodes of :func:`expanded`, read one at a time from N-Triples whose lines are sorted.

    Sorted lines hold each subject's triples together, so a node is whole when the next
    subject begins; the graph is never held as nodes. The nodes come in the lines' order.
    """
    triples = ox.parse(dump, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    type_iri = str(RDF_TYPE)
    for subject, group in itertools.groupby(triples, key=lambda triple: triple.subject):
        node: dict[str, Any] = {"@id": oxigraph_node_id(subject)}
        for triple in group:
            obj, predicate = triple.object, triple.predicate.value
            if predicate == type_iri and not isinstance(obj, ox.Literal):
                node.setdefault("@type", []).append(oxigraph_node_id(obj))
            else:
                node.setdefault(predicate, []).append(oxigraph_value_object(obj))
        yield node


def compacted_dump(dump: bytes, context: Mapping[str, Any], encode: Callable[[dict[str, Any]], T]) -> list[T]:
    """Each node of :func:`compacted`'s ``@graph`` for the graph of a sorted N-Triples dump, as ``encode`` writes it.

    The nodes are compacted and encoded one at a time (:func:`templated_dump`), so the graph is
    never held as JSON-LD objects. Where templates cannot serve, pyld compacts the whole graph.
    """
    done = templated_dump(dump, context, encode)
    if done is not None:
        return done
    whole = with_plain_dates(pyld_compacted(list(dump_nodes(dump)), context), context)
    return [encode(node) for node in whole["@graph"]]


def templated_dump(dump: bytes, context: Mapping[str, Any], encode: Callable[[dict[str, Any]], T]) -> list[T] | None:
    """:func:`compacted_dump` by templates grown node by node (:class:`GrowingTemplates`); None if they cannot."""
    growing = GrowingTemplates.start(context, pyld_nodes(context))
    if growing is None:
        return None
    dates, typing = date_typing(context)
    written = []
    for node in dump_nodes(dump):
        done = growing.node(node)
        if done is None:
            return None
        written.append(encode(flat_plain_dates(done, dates, typing)))
    return written


def date_terms(context: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The context's date terms, by the IRI of their property: the term and its datatype.

    >>> date_terms({"startDate": {"@id": "https://schema.org/startDate", "@type": str(XSD.date)}, "name": "x"})
    {'https://schema.org/startDate': ('startDate', 'http://www.w3.org/2001/XMLSchema#date')}
    """
    return {
        definition["@id"]: (term, definition["@type"])
        for term, definition in context.items()
        if isinstance(definition, dict) and definition.get("@type") in DATE_TYPES and "@id" in definition
    }


def date_typing(context: Mapping[str, Any]) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The context's date terms (:func:`date_terms`), and the datatype each has where the context is in force."""
    dates = date_terms(context)
    return dates, {term: datatype for term, datatype in dates.values()}


def node_dates(node: dict[str, Any], dates: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """Move a node's dates that pyld left under their property's IRI to their term, as strings.

    Returns each date term the node has, with the datatype its value needs.
    """
    needed: dict[str, str] = {}
    for iri, (term, datatype) in dates.items():
        found = node.get(iri)
        if term not in node and isinstance(found, dict) and found.get("@type") in DATE_TYPES:
            del node[iri]
            node[term] = found["@value"]
            needed[term] = found["@type"]
        elif term in node:
            needed[term] = datatype
    return needed


def plain_dates(value: Any, dates: Mapping[str, tuple[str, str]], typing: Mapping[str, str]) -> Any:
    """Every date of a compacted document as a string under its term, at its precision.

    pyld writes a date whose datatype is not its term's under the property's full IRI, as a
    value object. It becomes the term and the string, and the node gets a context of its own
    that gives the term that datatype (see the module's docstring). A context in a node holds
    for the nodes nested in it too, so a nested node whose date needs another datatype than
    the one in force there gets a context of its own again.

    Args:
        value: a node, a list of them, or a value.
        dates: :func:`date_terms` of the published context.
        typing: the datatype each date term has where ``value`` is.

    >>> month = {"@value": "2023-05", "@type": str(XSD.gYearMonth)}
    >>> dates = {"https://schema.org/startDate": ("startDate", str(XSD.date))}
    >>> sub = {"@id": "d", "startDate": "2023-05-25"}
    >>> node = plain_dates({"@id": "e", "https://schema.org/startDate": month, "sub": sub}, dates,
    ...                    {"startDate": str(XSD.date)})
    >>> node["startDate"], node["@context"]["startDate"]["@type"][-10:], node["sub"]["@context"]["startDate"]["@type"]
    ('2023-05', 'gYearMonth', 'http://www.w3.org/2001/XMLSchema#date')
    """
    if isinstance(value, list):
        return [plain_dates(item, dates, typing) for item in value]
    if not isinstance(value, dict) or "@value" in value:
        return value
    node = dict(value)
    overrides = date_overrides(node, dates, typing)
    inner = {**typing, **overrides}
    result = {key: (item if key.startswith("@") else plain_dates(item, dates, inner)) for key, item in node.items()}
    return with_date_context(result, overrides, dates)


def flat_plain_dates(node: dict[str, Any], dates: Mapping[str, tuple[str, str]],
                     typing: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
    """:func:`plain_dates` of a node of a flat graph, whose values nest no node: only its own dates move.

    >>> month = {"@value": "2023-05", "@type": str(XSD.gYearMonth)}
    >>> dates = {"https://schema.org/startDate": ("startDate", str(XSD.date))}
    >>> node = {"@id": "e", "https://schema.org/startDate": month, "location": {"@id": "p"}}
    >>> flat_plain_dates(node, dates, {"startDate": str(XSD.date)}) == plain_dates(node, dates,
    ...                                                                          {"startDate": str(XSD.date)})
    True
    """
    copy = dict(node)
    return with_date_context(copy, date_overrides(copy, dates, typing), dates)


def date_overrides(node: dict[str, Any], dates: Mapping[str, tuple[str, str]],
                   typing: Mapping[str, str]) -> dict[str, str]:  # fmt: skip
    """Move a node's dates to their terms (:func:`node_dates`); the datatype of each whose type is not in force."""
    return {term: datatype for term, datatype in node_dates(node, dates).items() if typing.get(term) != datatype}


def with_date_context(node: dict[str, Any], overrides: Mapping[str, str],
                      dates: Mapping[str, tuple[str, str]]) -> dict[str, Any]:  # fmt: skip
    """The node, with a context of its own that types its date terms as ``overrides`` says, if any."""
    if overrides:
        iris = {term: iri for iri, (term, _) in dates.items()}
        node["@context"] = {term: {"@id": iris[term], "@type": datatype} for term, datatype in overrides.items()}
    return node


def with_plain_dates(document: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """A compacted or framed document with its nodes' dates as strings (:func:`plain_dates`)."""
    dates, typing = date_typing(context)
    return {key: (value if key == "@context" else plain_dates(value, dates, typing)) for key, value in document.items()}


def pyld_compacted(nodes: list[dict[str, Any]], context: Mapping[str, Any]) -> dict[str, Any]:
    """pyld's compaction of expanded nodes: the context inline, then a flat ``@graph``.

    The nodes are already expanded, so pyld is told to skip its own expansion.
    """
    options = {"graph": True, "documentLoader": refuse_remote, "skipExpansion": True}
    document: dict[str, Any] = jsonld.compact(nodes, {"@context": dict(context)}, options)
    return document


def pyld_nodes(context: Mapping[str, Any]) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """pyld's compaction of expanded nodes with the context, as the nodes of its ``@graph`` (the templates' probe)."""
    return lambda nodes: pyld_compacted(nodes, context)["@graph"]


def compacted(graph: Triples, context: Mapping[str, Any]) -> dict[str, Any]:
    """The whole graph compacted with the context: the context inline, then a flat ``@graph`` of nodes.

    pyld's answer, written from its answers for each kind of value
    (:mod:`twingraph.rdf.compaction`); pyld compacts the whole graph itself when that
    module cannot vouch for its templates.
    """
    nodes = expanded(graph)
    fast = compacted_nodes(nodes, context, pyld_nodes(context))
    document = pyld_compacted(nodes, context) if fast is None else {"@context": dict(context), "@graph": fast}
    return with_plain_dates(document, context)


def framed(graph: Graph, frame: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """The graph framed: the context inline, then a ``@graph`` of the nodes the frame matches, nested.

    Args:
        graph: the dataset, or any part of it.
        frame: a JSON-LD 1.1 frame without its ``@context`` (the files of ``ontology/frames/``);
            it is applied with :data:`FRAME_OPTIONS`.
        context: the published context, whose terms the frame uses.
    """
    options = {**FRAME_OPTIONS, "documentLoader": refuse_remote}
    document = jsonld.frame(expanded(graph), {"@context": dict(context), **frame}, options)
    return with_plain_dates(document, context)


def frame_types(frame: Mapping[str, Any], context: Mapping[str, Any]) -> set[str]:
    """The IRIs of the types a frame's root matches, its ``@type`` terms read with the context.

    >>> sorted(frame_types({"@type": "Event"}, {"Event": "https://schema.org/Event"}))
    ['https://schema.org/Event']
    """
    named = frame.get("@type", [])
    terms = named if isinstance(named, list) else [named]
    found = (context.get(term, term) for term in terms if isinstance(term, str))
    return {item if isinstance(item, str) else item.get("@id", "") for item in found} - {""}


def property_iri(term: str, context: Mapping[str, Any]) -> str | None:
    """The IRI of the property a frame's key names (a term of the context or a full IRI); None for a reverse term.

    >>> property_iri("name", {"name": "https://schema.org/name"}), property_iri("http://x.example/p", {})
    ('https://schema.org/name', 'http://x.example/p')
    >>> property_iri("partyTo", {"partyTo": {"@reverse": "https://twingraph.example/ns#party"}}) is None
    True
    """
    definition = context.get(term, term)
    if isinstance(definition, dict):
        definition = None if "@reverse" in definition else definition.get("@id")
    return definition if isinstance(definition, str) and definition.startswith(("http://", "https://")) else None


def frame_paths(frame: Mapping[str, Any], context: Mapping[str, Any],
                prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:  # fmt: skip
    """The chains of properties, forward from the root, whose values a frame nests: what a description
    needs so that the frame finds its nested objects (their type and the properties the frame selects).

    Reverse properties (``@reverse``) are left out: what points at a resource is not part of it.

    >>> context = {"location": "https://schema.org/location", "name": "https://schema.org/name"}
    >>> paths = frame_paths({"@type": "Event", "location": {"@embed": "@always", "@type": {}, "name": {}}}, context)
    >>> [[iri.rsplit("/", 1)[-1] for iri in path] for path in paths]
    [['location'], ['location', '22-rdf-syntax-ns#type'], ['location', 'name']]
    """
    found: list[tuple[str, ...]] = []
    for key, sub in frame.items():
        iri = str(RDF.type) if key == "@type" else None if key.startswith("@") else property_iri(key, context)
        embeds = isinstance(sub, dict) and sub.get("@embed") == "@always"
        if iri is None or not (prefix or embeds):  # the root's own values are in any description
            continue
        found.append((*prefix, iri))
        if embeds:
            found += frame_paths(sub, context, (*prefix, iri))
    return found


def described(graph: Graph, subject: str, frame: Mapping[str, Any],
              context: Mapping[str, Any]) -> tuple[dict[str, Any], int]:  # fmt: skip
    """One resource's description with the resource framed: its nested object first, then every other triple.

    The frame (one of ``ontology/frames/``) is applied to the resource alone. What the
    framed object states is taken out of the description, and the rest follows as flat
    nodes, so the document holds exactly the description's triples: as many as its Turtle.
    Triples with a blank node stay flat (framing would copy a shared blank node).

    Args:
        graph: the description, as the server gives it in every format.
        subject: the resource described.
        frame: the frame of the resource's kind, without its ``@context``.
        context: the published context.

    Returns:
        The document, and how many nodes at the head of its ``@graph`` are framed (1, or 0
        when the resource is not of the frame's kind).
    """
    ground, blank = Graph(), Graph()
    for triple in graph:
        (blank if any(isinstance(term, BNode) for term in triple) else ground).add(triple)
    root = framed(ground, {**frame, "@id": subject}, context)
    stated, rest = to_triples(root), Graph()
    for triple in blank:
        rest.add(triple)
    for triple in ground:
        if triple not in stated:
            rest.add(triple)
    flat = compacted(rest, context)["@graph"] if len(rest) else []
    return {"@context": root["@context"], "@graph": [*root["@graph"], *flat]}, len(root["@graph"])


def to_triples(document: Mapping[str, Any]) -> Graph:
    """What a JSON-LD processor (pyld) reads in a document, as a graph: how tests check a document holds the data."""
    nquads = jsonld.to_rdf(dict(document), {"format": "application/n-quads", "documentLoader": refuse_remote})
    return Graph().parse(data=nquads, format="nquads")
