"""Publish a graph into a remote SPARQL 1.1 store so that readers never see it half loaded.

The triples are first loaded into a fresh staging graph that nobody reads (by the
Graph Store Protocol, one PUT; or by SPARQL Update, ``INSERT DATA`` in chunks),
counted there, and then switched into the target graph by one SPARQL Update
request, ``DROP SILENT GRAPH <target>; ADD <staging> TO <target>; DROP <staging>``.
A store that runs one update request as one transaction (Oxigraph, Virtuoso,
Fuseki/TDB2) shows a reader either the old graph or the new one, never a mix.

A publish that fails drops its staging graph; one that cannot (the store died
during the switch) leaves it behind, and the next publish drops it. That one
lists the graphs named ``<graph>/staging-*`` and drops those whose name says they
were started more than ``STALE_STAGING`` (an hour) ago, by the clock it is given:
a younger one may be the live staging graph of a publish running at the same
time, so it is left alone and named in the progress output. A publish takes
seconds to minutes; should one take longer than the hour, a concurrent publish
may drop its staging graph, and it then fails at its count check, leaving the
graph as it was.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import secrets
from collections.abc import Iterator
from itertools import islice
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from twingraph.clock import Clock, system_clock
from twingraph.progress import Progress, ignore
from twingraph.sparql_http import FORM, encode_form, one_line
from twingraph.store.interface import StoreError
from twingraph.store.remote import RESULT_FORMATS, SOLUTIONS
from twingraph.store.transport import PUBLISH_RETRIES, Credentials, Endpoint, Retries, check_url, store_endpoint

CHUNK = 1_000  # triples per INSERT DATA request: Virtuoso's SPARQL compiler runs out of memory near 5,000
# Known layouts, by the last path segment of --to: the update and query endpoints beside it.
BESIDE_GRAPH_STORE = {"store": ("update", "query"),  # Oxigraph
                      "data": ("update", "query"),  # Fuseki: /ds/data
                      "sparql-graph-crud-auth": ("sparql-auth", "sparql"),  # Virtuoso
                      "sparql-graph-crud": ("sparql", "sparql")}  # fmt: skip
BESIDE_UPDATE = {"update": "query", "sparql-auth": "sparql", "sparql": "sparql"}
STALE_STAGING = datetime.timedelta(hours=1)  # a staging graph older than this is one a publish left behind
ANSWER_LIMIT = 16 * 2**20  # bytes of a count or a list of graphs: far more than either needs
STAGED_AT = re.compile(r"(\d{8}T\d{6})-[0-9a-f]+")


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


def utc(moment: datetime.datetime) -> datetime.datetime:
    """The moment in UTC; a naive one is taken to be in UTC already.

    >>> utc(datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))).hour
    0
    """
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment.astimezone(datetime.UTC)


def staging_prefix(graph: str) -> str:
    """How the names of the graph's staging graphs begin.

    >>> staging_prefix("https://twingraph.example/dataset#")
    'https://twingraph.example/dataset/staging-'
    """
    return f"{graph.rstrip('/#')}/staging-"


def staging_graph(graph: str, now: datetime.datetime, token: str) -> str:
    """A fresh graph name to load into before the switch, with the time it was started (UTC) in it.

    >>> staging_graph("https://twingraph.example/dataset", datetime.datetime(2026, 1, 2, 3, 4, 5), "ab12")
    'https://twingraph.example/dataset/staging-20260102T030405-ab12'
    """
    return ox.NamedNode(f"{staging_prefix(graph)}{utc(now):%Y%m%dT%H%M%S}-{token}").value


def staging_started(name: str, prefix: str) -> datetime.datetime | None:
    """When the publish that named a staging graph started, from its name; None for a name not made so.

    >>> staging_started("urn:g/staging-20260102T030405-ab12", "urn:g/staging-")
    datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    >>> staging_started("urn:g/staging-20261399T000000-ab12", "urn:g/staging-") is None
    True
    """
    found = STAGED_AT.fullmatch(name.removeprefix(prefix)) if name.startswith(prefix) else None
    try:
        return datetime.datetime.strptime(found[1], "%Y%m%dT%H%M%S").replace(tzinfo=datetime.UTC) if found else None
    except ValueError:
        return None


def stale_staging(names: list[str], prefix: str, now: datetime.datetime,
                  older_than: datetime.timedelta = STALE_STAGING) -> tuple[list[str], list[str]]:  # fmt: skip
    """The staging graphs left behind (started longer ago than ``older_than``) and the others, left alone.

    >>> now = datetime.datetime(2026, 1, 2, 12, tzinfo=datetime.UTC)
    >>> stale_staging(["g/staging-20260102T100000-aa", "g/staging-20260102T115900-bb", "g/staging-x"], "g/staging-",
    ...               now)
    (['g/staging-20260102T100000-aa'], ['g/staging-20260102T115900-bb', 'g/staging-x'])
    """
    started = {name: staging_started(name, prefix) for name in sorted(names)}
    stale = [name for name, when in started.items() if when is not None and utc(now) - when > older_than]
    return stale, [name for name in started if name not in stale]


def staging_query(prefix: str) -> str:
    """The query that lists the store's graphs, with triples, whose names begin with the prefix.

    ``GRAPH ?g {}`` would list empty graphs too, but Virtuoso answers it with no
    graph at all; an empty staging graph costs nothing to leave.

    >>> print(staging_query("urn:g/staging-"))
    SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "urn:g/staging-")) }
    """
    return f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }}"


def count_query(graph: str) -> str:
    """The query that counts a graph's triples.

    >>> print(count_query("urn:g"))
    SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:g> { ?s ?p ?o } }
    """
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"


def drop_update(graphs: list[str]) -> str:
    """The update request that drops the graphs.

    >>> print(drop_update(["urn:a", "urn:b"]))
    DROP SILENT GRAPH <urn:a> ;
    DROP SILENT GRAPH <urn:b>
    """
    return " ;\n".join(f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in graphs)


def read_solutions(body: bytes, media: str, where: str) -> list[dict[str, object]]:
    """The solutions of a SELECT answer, read whole.

    >>> body = b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "3"}}]}}'
    >>> read_solutions(body, "application/sparql-results+json", "urn:x")[0]["n"].value
    '3'

    Raises:
        StoreError: not SPARQL results, in the media type or the body.
    """
    if media not in RESULT_FORMATS:
        raise StoreError(f"{where} answered a SELECT query with {media or 'no media type'}, not SPARQL results; "
                         "is the query endpoint right (--query-url)?")  # fmt: skip
    try:
        found = ox.parse_query_results(body, RESULT_FORMATS[media])
        if not isinstance(found, ox.QuerySolutions):
            raise ValueError("not the solutions of a SELECT query")
        names = [v.value for v in found.variables]
        return [{name: s[name] for name in names if s[name] is not None} for s in found]
    except (SyntaxError, ValueError, OSError) as exc:
        raise StoreError(f"{where} answered a SELECT query with {media} that does not parse: "
                         f"{one_line(str(exc), 200)}") from None  # fmt: skip


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
    """The endpoints of one store and how to talk to them.

    Args:
        endpoints: where to load, switch and count.
        timeout: seconds one request may take in all.
        credentials: for a store that asks for them.
        retries: how a busy store's refusals are tried again.
        progress: told of each retry.
        stale_after: how old a staging graph must be for a publish to drop it (see the module's docstring).
    """

    endpoints: Endpoints
    timeout: float
    credentials: Credentials | None = None
    retries: Retries = PUBLISH_RETRIES
    progress: Progress = ignore
    stale_after: datetime.timedelta = STALE_STAGING

    def endpoint(self, url: str) -> Endpoint:
        return store_endpoint(url, self.timeout, self.credentials, self.retries, self.progress)

    def update(self, text: str) -> None:
        self.endpoint(self.endpoints.update).call("POST", body=encode_form([("update", text)]), content_type=FORM)

    def select(self, query: str) -> list[dict[str, object]]:
        """The solutions of a SELECT query on the query endpoint, read whole."""
        endpoint = self.endpoint(self.endpoints.query)
        with endpoint.send("POST", body=encode_form([("query", query)]), content_type=FORM, accept=SOLUTIONS,
                           safe=True) as answer:  # fmt: skip
            media, body = answer.media_type, answer.read_whole(ANSWER_LIMIT)
        return read_solutions(body, media, endpoint.label)

    def count(self, graph: str) -> int:
        """The number of triples in a graph of the store.

        Raises:
            StoreError: the request failed, or its answer is not one count.
        """
        found = self.select(count_query(graph))
        number = found[0].get("n") if len(found) == 1 else None
        if not isinstance(number, ox.Literal) or not number.value.isdigit():
            raise StoreError(f"the store at {self.endpoints.query} answered the count of {graph} with "
                             f"{one_line(repr(found), 100)}, not a number")  # fmt: skip
        return int(number.value)

    def staging_graphs(self, graph: str) -> list[str]:
        """The store's graphs named like a staging graph of this graph."""
        found = self.select(staging_query(staging_prefix(graph)))
        return [g.value for row in found if isinstance(g := row.get("g"), ox.NamedNode)]

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

    Staging graphs that earlier publishes left behind are dropped first (see the module's docstring).

    Args:
        ntriples: the validated graph as N-Triples.
        expected: how many triples that is; the staging graph must hold as many.
        graph: the IRI of the graph to replace.
        clock: names the staging graph by the time of the publish, and tells which staging graphs are stale.

    Raises:
        StoreError: a request failed, or the store holds another number of triples
            than sent (the target graph is then left as it was, when it failed before the switch).
    """
    publisher = dataclasses.replace(publisher, progress=progress)
    now = utc(clock())
    drop_stale_staging(publisher, graph, now, progress)
    staging = staging_graph(graph, now, secrets.token_hex(3))
    how = "the Graph Store Protocol" if publisher.endpoints.graph_store else "SPARQL Update"
    progress(f"loading {expected} triples into the staging graph {staging} by {how}")
    try:
        publisher.load(ntriples, staging)
        loaded = publisher.count(staging)
        if loaded != expected:
            raise StoreError(f"the staging graph {staging} holds {loaded} triples, {expected} were sent: "
                             f"the store changed or dropped some; {graph} is left as it was")  # fmt: skip
        progress(f"switching {graph} to the new triples in one update request")
        switch(publisher, staging, graph)
    except StoreError:
        drop_quietly(publisher, staging, progress)
        raise
    found = publisher.count(graph)
    if found != expected:
        raise StoreError(f"{graph} holds {found} triples after the switch, {expected} were published: "
                         "another writer may have changed it")  # fmt: skip
    return found


def switch(publisher: Publisher, staging: str, graph: str) -> None:
    """Replace the graph by the staging graph in one update request.

    Raises:
        StoreError: the request failed; the message says the graph is whole, old or new.
    """
    try:
        publisher.update(switch_update(staging, graph))
    except StoreError as exc:
        raise StoreError(f"{exc}; the switch is one update request, so {graph} holds either its old triples "
                         "or all the new ones") from None  # fmt: skip


def drop_stale_staging(publisher: Publisher, graph: str, now: datetime.datetime, progress: Progress) -> None:
    """Drop the staging graphs that earlier publishes left behind; name the younger ones, left alone.

    Raises:
        StoreError: the store could not list or drop them.
    """
    stale, other = stale_staging(publisher.staging_graphs(graph), staging_prefix(graph), now, publisher.stale_after)
    minutes = f"{publisher.stale_after.total_seconds() / 60:g} minutes"
    for name in other:
        progress(f"leaving the staging graph {name} alone: it is not older than {minutes}, so a publish running "
                 "now may be loading it; a later publish drops it")  # fmt: skip
    if stale:
        progress(f"dropping {len(stale)} staging graph(s) that earlier publishes left behind (older than "
                 f"{minutes}): {', '.join(stale)}")  # fmt: skip
        for name in stale:  # one request each: dropping many large graphs at once could outlast the timeout
            publisher.update(drop_update([name]))


def drop_quietly(publisher: Publisher, staging: str, progress: Progress) -> None:
    """Remove a staging graph after a failure; a failure to remove it must not hide the first one."""
    try:
        publisher.update(drop_update([staging]))
    except StoreError:
        progress(f"could not drop the staging graph {staging}; a publish in {publisher.stale_after} or later "
                 "drops it")  # fmt: skip
