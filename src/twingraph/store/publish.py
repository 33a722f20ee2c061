"""Publish a graph into a remote SPARQL 1.1 store so that readers never see it half loaded.

The triples are first loaded into a fresh staging graph that nobody reads (by the
Graph Store Protocol, one PUT; or by SPARQL Update, ``INSERT DATA`` in chunks),
counted there, and then switched into the target graph by one SPARQL Update
request, ``DROP SILENT GRAPH <target>; ADD <staging> TO <target>; DROP <staging>``.
A store that runs one update request as one transaction (Oxigraph, Virtuoso,
Fuseki/TDB2) shows a reader either the old graph or the new one, never a mix.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
from collections.abc import Callable, Iterator
from itertools import islice
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from twingraph.clock import Clock, system_clock
from twingraph.store.interface import StoreError
from twingraph.store.remote import RemoteStore, encode_form
from twingraph.store.transport import Credentials, Endpoint, check_url

Progress = Callable[[str], None]
CHUNK = 1_000  # triples per INSERT DATA request: Virtuoso's SPARQL compiler runs out of memory near 5,000
# Known layouts, by the last path segment of --to: the update and query endpoints beside it.
BESIDE_GRAPH_STORE = {"store": ("update", "query"),  # Oxigraph
                      "data": ("update", "query"),  # Fuseki: /ds/data
                      "sparql-graph-crud-auth": ("sparql-auth", "sparql"),  # Virtuoso
                      "sparql-graph-crud": ("sparql", "sparql")}  # fmt: skip
BESIDE_UPDATE = {"update": "query", "sparql-auth": "sparql", "sparql": "sparql"}


@dataclasses.dataclass(frozen=True)
class Endpoints:
    """Where to load (None: by SPARQL Update), where to switch and where to count."""

    graph_store: str | None
    update: str
    query: str


def beside(url: str, segment: str) -> str:
    """The URL with its last path segment replaced.

    >>> beside("http://127.0.0.1:3030/ds/data?x=1", "update")
    'http://127.0.0.1:3030/ds/update'
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/").rpartition("/")[0] + "/" + segment
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def endpoints_for(to: str, graph_store: bool, update: str | None = None, query: str | None = None) -> Endpoints:
    """The store's endpoints from ``--to``, the update and query ones derived for Oxigraph, Fuseki and Virtuoso.

    >>> endpoints_for("http://h:7878/store", graph_store=True)
    Endpoints(graph_store='http://h:7878/store', update='http://h:7878/update', query='http://h:7878/query')
    >>> endpoints_for("http://h:8890/sparql-auth", graph_store=False).query
    'http://h:8890/sparql'

    Raises:
        StoreError: a URL that is not http(s), or endpoints that cannot be derived and were not given.
    """
    check_url(to)
    last = urlsplit(to).path.rstrip("/").rpartition("/")[2]
    if graph_store:
        known = BESIDE_GRAPH_STORE.get(last)
        update = update or (beside(to, known[0]) if known else None)
        query = query or (beside(to, known[1]) if known else None)
    else:
        query = query or (beside(to, BESIDE_UPDATE[last]) if last in BESIDE_UPDATE else None)
        update = to
    if update is None or query is None:
        raise StoreError(f"cannot tell the SPARQL Update and query endpoints beside {to}: give --update-url "
                         "and --query-url")  # fmt: skip
    return Endpoints(to if graph_store else None, check_url(update), check_url(query))


def staging_graph(graph: str, now: datetime.datetime, token: str) -> str:
    """A fresh graph name to load into before the switch.

    >>> staging_graph("https://twingraph.example/dataset", datetime.datetime(2026, 1, 2, 3, 4, 5), "ab12")
    'https://twingraph.example/dataset/staging-20260102T030405-ab12'
    """
    return ox.NamedNode(f"{graph.rstrip('/#')}/staging-{now:%Y%m%dT%H%M%S}-{token}").value


def switch_update(staging: str, graph: str) -> str:
    """The one update request that replaces the graph with the staging graph's triples.

    >>> print(switch_update("urn:new", "urn:g"))
    DROP SILENT GRAPH <urn:g> ;
    ADD GRAPH <urn:new> TO GRAPH <urn:g> ;
    DROP SILENT GRAPH <urn:new>
    """
    new, target = ox.NamedNode(staging), ox.NamedNode(graph)
    return f"DROP SILENT GRAPH {target} ;\nADD GRAPH {new} TO GRAPH {target} ;\nDROP SILENT GRAPH {new}"


def insert_chunks(ntriples: bytes, graph: str, size: int = CHUNK) -> Iterator[str]:
    """``INSERT DATA`` requests for the triples; all triples with a blank node go in the first one.

    A blank node's label holds only within one request, so the triples that share
    one must arrive together.

    >>> list(insert_chunks(b'<urn:a> <urn:p> "x" .\\n', "urn:g"))
    ['INSERT DATA { GRAPH <urn:g> {\\n<urn:a> <urn:p> "x" .\\n} }']
    """
    triples = [q.triple for q in ox.parse(ntriples, ox.RdfFormat.N_TRIPLES)]
    blank = [t for t in triples if has_blank_node(t)]
    plain = iter([t for t in triples if not has_blank_node(t)])
    chunks = [blank] if blank else []
    while chunk := list(islice(plain, size)):
        chunks.append(chunk)
    name = ox.NamedNode(graph)
    for chunk in chunks:
        yield f"INSERT DATA {{ GRAPH {name} {{\n" + "".join(f"{t} .\n" for t in chunk) + "} }"


def has_blank_node(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


@dataclasses.dataclass(frozen=True)
class Publisher:
    """The endpoints of one store and how to talk to them."""

    endpoints: Endpoints
    timeout: float
    credentials: Credentials | None = None

    def endpoint(self, url: str) -> Endpoint:
        return Endpoint(url, self.timeout, self.credentials)

    def update(self, text: str) -> None:
        self.endpoint(self.endpoints.update).call("POST", body=encode_form([("update", text)]),
                                                  content_type="application/x-www-form-urlencoded")  # fmt: skip

    def count(self, graph: str) -> int:
        return len(RemoteStore(self.endpoints.query, graph, self.timeout, credentials=self.credentials))

    def load(self, ntriples: bytes, graph: str) -> None:
        """Load the triples into a graph nobody reads yet."""
        if self.endpoints.graph_store is not None:
            self.endpoint(self.endpoints.graph_store).call("PUT", params=[("graph", graph)], body=ntriples,
                                                           content_type="application/n-triples")  # fmt: skip
            return
        for text in insert_chunks(ntriples, graph):
            self.update(text)


def publish(ntriples: bytes, expected: int, graph: str, publisher: Publisher, progress: Progress,
            clock: Clock = system_clock) -> int:  # fmt: skip
    """Replace the store's graph with these triples in one switch; return how many it holds after.

    Args:
        ntriples: the validated graph as N-Triples.
        expected: how many triples that is; the staging graph must hold as many.
        graph: the IRI of the graph to replace.
        clock: names the staging graph by the time of the publish.

    Raises:
        StoreError: a request failed, or the store holds another number of triples
            than sent (the target graph is then left as it was, when it failed before the switch).
    """
    staging = staging_graph(graph, clock(), secrets.token_hex(3))
    how = "the Graph Store Protocol" if publisher.endpoints.graph_store else "SPARQL Update"
    progress(f"loading {expected} triples into the staging graph {staging} by {how}")
    try:
        publisher.load(ntriples, staging)
        loaded = publisher.count(staging)
        if loaded != expected:
            raise StoreError(f"the staging graph {staging} holds {loaded} triples, {expected} were sent: "
                             f"the store changed or dropped some; {graph} is left as it was")  # fmt: skip
        progress(f"switching {graph} to the new triples in one update request")
        publisher.update(switch_update(staging, graph))
    except StoreError:
        drop_quietly(publisher, staging)
        raise
    found = publisher.count(graph)
    if found != expected:
        raise StoreError(f"{graph} holds {found} triples after the switch, {expected} were published: "
                         "another writer may have changed it")  # fmt: skip
    return found


def drop_quietly(publisher: Publisher, staging: str) -> None:
    """Remove a staging graph after a failure; a failure to remove it must not hide the first one."""
    try:
        publisher.update(f"DROP SILENT GRAPH {ox.NamedNode(staging)}")
    except StoreError:
        pass
