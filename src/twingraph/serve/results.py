"""What the SPARQL endpoint writes: result sets (JSON, XML, CSV, TSV), graphs of triples, its service description.

The writers are our own because the row cap cuts results before they are written,
and pyoxigraph's writers take only its untouched result iterators.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

from twingraph.rdf.formats import RdfFormat
from twingraph.rdf.namespaces import prefixed_graph
from twingraph.serve.sparql import Outcome, default_graph_iri

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
RESULT_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}  # fmt: skip
# how a page offers each of them for download, in the order it lists them
RESULT_LABELS = {"csv": "CSV", "json": "JSON (SPARQL Results)", "tsv": "TSV", "xml": "XML (SPARQL Results)"}


def term_json(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def term_xml(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"


def term_csv(term: Any) -> str:
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value
    return '"' + text.replace('"', '""') + '"' if re.search(r'[",\r\n]', text) else text


def write_results(outcome: Outcome, media_type: str) -> bytes:
    """SELECT or ASK results in SPARQL JSON, XML, CSV or TSV."""
    fmt = RESULTS[media_type]
    if fmt == ox.QueryResultsFormat.JSON:
        doc: dict[str, Any] = {"head": {"vars": list(outcome.variables)}}
        if outcome.boolean is not None:
            doc = {"head": {}, "boolean": outcome.boolean}
        else:
            doc["results"] = {"bindings": [{v: term_json(t) for v, t in zip(outcome.variables, row, strict=True)
                                            if t is not None} for row in outcome.rows]}  # fmt: skip
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == ox.QueryResultsFormat.XML:
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in outcome.variables)
        if outcome.boolean is not None:
            body = f"<boolean>{str(outcome.boolean).lower()}</boolean>"
        else:
            body = "<results>" + "".join(
                "<result>" + "".join(f"<binding name={quoteattr(v)}>{term_xml(t)}</binding>"
                                     for v, t in zip(outcome.variables, row, strict=True) if t is not None)
                + "</result>" for row in outcome.rows) + "</results>"  # fmt: skip
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head>{head}</head>{body}</sparql>\n").encode()  # fmt: skip
    if outcome.boolean is not None:
        return f"boolean\r\n{str(outcome.boolean).lower()}\r\n".encode()
    if fmt == ox.QueryResultsFormat.CSV:
        lines = [",".join(outcome.variables)] + [",".join(term_csv(t) for t in row) for row in outcome.rows]
    else:
        lines = ["\t".join(f"?{v}" for v in outcome.variables)] + [
            "\t".join("" if t is None else str(t).replace("\t", "\\t") for t in row) for row in outcome.rows
        ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def triples_graph(triples: Sequence[ox.Triple]) -> Graph:
    """An rdflib graph of pyoxigraph triples, with the project's prefixes bound."""
    graph = prefixed_graph()
    if triples:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def service_description(base_iri: str) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at ``{base_iri}sparql``."""
    graph = Graph(bind_namespaces="core")
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    service, dataset, default = URIRef(base_iri + "sparql"), URIRef(default_graph_iri(base_iri)), BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    iris = [f.iri for f in dict.fromkeys(RESULTS.values())] + [f.oxigraph.iri for f in RdfFormat]
    for iri in iris:
        graph.add((service, SD.resultFormat, URIRef(iri)))
    graph.add((service, SD.defaultDataset, default))
    graph.add((default, RDF.type, SD.Dataset))
    graph.add((default, SD.defaultGraph, dataset))
    graph.add((dataset, RDF.type, SD.Graph))
    graph.add((dataset, VOID.sparqlEndpoint, service))
    graph.add(
        (
            service,
            DCTERMS.description,
            Literal("Read-only SPARQL 1.1 endpoint: no SERVICE, no update, a time and row limit.", lang="en"),
        )
    )
    return graph
