"""A remote SPARQL 1.1 store behind the interface the server uses: queries in, pyoxigraph results out.

Every query goes to the store's query endpoint (SPARQL 1.1 Protocol, POST form) with
the published graph as its default graph (``default-graph-uri``), so the pages and
``/sparql`` see the dataset as they see it in the embedded store. Before a query
is sent it must be a plain SPARQL 1.1 query, decided on its parse
(``rdf.query_guard.read_query``, the endpoint's own check): what rdflib cannot read
as a query is refused (store-specific syntax such as Virtuoso's ``DEFINE`` pragmas
never parses), so are SERVICE anywhere in it and any IRI of the ``bif:`` or ``sql:``
schemes among the parsed query's terms (Virtuoso runs those as built-in or SQL
procedures, and a prefixed name ``bif:x`` is found as well as a full IRI);
pyoxigraph then parses it on an empty store so a syntax error is reported as the
embedded store reports it.

SELECT and ASK results are read as SPARQL JSON, CONSTRUCT and DESCRIBE as N-Triples,
at most ``row_limit + 1`` rows or triples of them, in the calling thread (see
``interface.Solutions`` for why not lazily).
"""

from __future__ import annotations

import io
from itertools import islice
from typing import IO

import pyoxigraph as ox

from twingraph.rdf.query_guard import QueryGuardError, read_query
from twingraph.sparql_http import FORM, encode_form
from twingraph.store.interface import (
    GraphName,
    QueryRefusedError,
    Results,
    StoreError,
    Triples,
    count_triples,
    read_through,
)
from twingraph.store.transport import Credentials, store_endpoint

SOLUTIONS = "application/sparql-results+json"
TRIPLES = "application/n-triples"
RESULT_FORMATS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                  "application/json": ox.QueryResultsFormat.JSON,
                  "application/sparql-results+xml": ox.QueryResultsFormat.XML}  # fmt: skip
GRAPH_FORMATS = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
                 "text/turtle": ox.RdfFormat.TURTLE}  # fmt: skip
REFUSED_SCHEMES = ("bif:", "sql:")


def check_forwarded(text: str) -> str:
    """The query's form, once it is known to be a plain query that makes the store fetch or run nothing.

    >>> check_forwarded("SELECT * { ?s ?p ?o }")
    'SELECT'

    Raises:
        QueryRefusedError: an update or pragma (not a query), SERVICE, or a ``bif:``/``sql:`` IRI.
        SyntaxError: a text the check cannot read (too deep, a syntax error): it is not sent.
    """
    try:
        facts = read_query(text)
    except QueryGuardError as exc:
        if exc.forbidden:
            raise QueryRefusedError(str(exc)) from exc
        raise SyntaxError(str(exc)) from exc
    if any(iri.lower().startswith(REFUSED_SCHEMES) for iri in facts.iris):
        raise QueryRefusedError("bif: and sql: IRIs are not allowed: they call the store's own procedures")
    return facts.form


def as_triples(stream: IO[bytes], rdf_format: ox.RdfFormat, limit: int) -> Triples:
    """At most ``limit`` triples of a CONSTRUCT answer, read to the end (``Triples``, like a read-through result)."""
    quads = islice(ox.parse(stream, rdf_format), limit)
    return Triples(tuple(ox.Triple(quad.subject, quad.predicate, quad.object) for quad in quads))


class RemoteStore:
    """A SPARQL 1.1 query endpoint, seen through one graph as its default graph.

    Args:
        query_url: the store's SPARQL query endpoint, e.g. ``http://127.0.0.1:7878/query``.
        graph: the graph the dataset was published to, queried as the default graph;
            None: the store's own default graph.
        timeout: seconds one request may take in all, its answer's body included.
        row_limit: at most this many rows or triples are read from an answer
            (plus one, so a caller can tell it was cut).
        credentials: for a query endpoint that asks for them.
    """

    def __init__(self, query_url: str, graph: str | None, timeout: float, row_limit: int = 10_000,
                 credentials: Credentials | None = None) -> None:  # fmt: skip
        self.endpoint = store_endpoint(query_url, timeout, credentials)  # a page fails fast rather than retry
        self.graph = ox.NamedNode(graph) if graph else None
        self.row_limit = row_limit

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint.url!r}, graph={self.graph})"

    def raw(self) -> RemoteStore:
        return self

    def location(self) -> str:
        """The endpoint and graph, for messages."""
        return self.endpoint.url + (f" (graph {self.graph.value})" if self.graph else "")

    def dataset_params(self, default_graph: GraphName | list[GraphName] | None,
                       named_graphs: list[ox.NamedNode | ox.BlankNode] | None) -> list[tuple[str, str]]:  # fmt: skip
        """The protocol's dataset parameters: the default graph stands for the published graph."""
        if default_graph is None and named_graphs is None:
            return [("default-graph-uri", self.graph.value)] if self.graph else []
        defaults = default_graph if isinstance(default_graph, list) else [default_graph] if default_graph else []
        params = [("default-graph-uri", self.graph_iri(g)) for g in defaults]
        params += [("named-graph-uri", self.graph_iri(g)) for g in named_graphs or []]
        return [(name, value) for name, value in params if value]

    def graph_iri(self, name: GraphName) -> str:
        if isinstance(name, ox.NamedNode):
            return name.value
        if isinstance(name, ox.DefaultGraph):
            return self.graph.value if self.graph else ""
        raise QueryRefusedError("a blank node cannot name a graph of a remote store")

    def query(self, query: str, *, base_iri: str | None = None,
              default_graph: GraphName | list[GraphName] | None = None,
              named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None) -> Results:  # fmt: skip
        """Send a query to the store and read its results as pyoxigraph objects.

        Raises:
            QueryRefusedError: a query that is not sent (see ``check_forwarded``).
            SyntaxError: the query is not valid SPARQL 1.1.
            StoreError: the store failed or did not answer in time.
        """
        form = check_forwarded(query)  # rdflib parses it; pyoxigraph runs it only in a sandboxed worker (serve)
        text = f"BASE <{ox.NamedNode(base_iri).value}>\n{query}" if base_iri else query
        body = [("query", text), *self.dataset_params(default_graph, named_graphs)]
        accept = TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else SOLUTIONS
        answer = self.endpoint.send("POST", body=encode_form(body), accept=accept, content_type=FORM, safe=True)
        media, stream = answer.media_type, io.BufferedReader(answer)  # read within the request's deadline
        try:
            if media in RESULT_FORMATS and accept == SOLUTIONS:
                with stream:
                    return read_through(ox.parse_query_results(stream, RESULT_FORMATS[media]), self.row_limit + 1)
            if media in GRAPH_FORMATS and accept == TRIPLES:
                with stream:
                    return as_triples(stream, GRAPH_FORMATS[media], self.row_limit + 1)
        except (SyntaxError, ValueError) as exc:
            stream.close()
            raise StoreError(f"{self.endpoint.label} answered {media} that does not parse: {exc}") from exc
        stream.close()
        raise StoreError(f"{self.endpoint.label} answered a {form} query with {media or 'no media type'}, "
                         f"not {accept}")  # fmt: skip

    def __len__(self) -> int:
        """The number of triples in the graph (or the store's default graph)."""
        return count_triples(self)
