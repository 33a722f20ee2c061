"""The W3C SPARQL 1.1 Protocol tests, read from the committed manifest and sent to the endpoint.

The manifest (``fixtures/w3c-protocol/``, provenance in its README) gives each test
as HTTP requests (``ht:Request``: method, path, headers, body and its encoding) with
the response each must get (``mf:expectedStatus``, ``mf:expectedFormat``,
``mf:expectedBoolean``) and the graphs the store holds (``ut:graphData``). Every
request is sent as written, in process and over a real socket; ``DECISIONS`` says,
test by test, what the endpoint answers and why. A manifest entry without a
decision fails, so no test of the suite is skipped by silence.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx2
import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node
from starlette.testclient import TestClient

from twingraph.config import Settings
from twingraph.serve import create_app
from twingraph.store import EmbeddedStore

SUITE = Path(__file__).parent / "fixtures" / "w3c-protocol"
MANIFEST = SUITE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
JSON, XML = "application/sparql-results+json", "application/sparql-results+xml"
CSV, TSV = "text/csv", "text/tab-separated-values"
# the media types each mf:expectedFormat allows, as the suite's test names list them
FORMATS = {
    "boolean": {JSON, XML},
    "tabular": {JSON, XML, CSV, TSV},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}
FORM, DIRECT = "application/x-www-form-urlencoded", "application/sparql-query"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


# -- the manifest ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One request of a test, as the manifest writes it, and the response it expects."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    status_classes: frozenset[int]
    format: str | None
    boolean: bool | None


@dataclasses.dataclass(frozen=True)
class ProtocolTest:
    """A manifest entry: its name, the graphs it loads and its requests in order."""

    name: str
    title: str
    graphs: tuple[tuple[str, Path], ...]
    exchanges: tuple[Exchange, ...]


def one(graph: Graph, subject: Node, predicate: URIRef) -> Node:
    """The one value of a property the harness needs; a missing one fails rather than being guessed."""
    value = graph.value(subject, predicate)
    if value is None:
        raise ValueError(f"{MANIFEST.name}: {subject} has no {predicate}")
    return value


def status_class(code: Node) -> int:
    """The class of an ``hts:StatusCodeNxx``: N."""
    match = re.search(r"#StatusCode([1-5])xx$", str(code))
    if match is None:
        raise ValueError(f"{MANIFEST.name}: unknown status {code}")
    return int(match.group(1))


def read_exchange(graph: Graph, request: Node) -> Exchange:
    path = str(one(graph, request, HT.absolutePath))
    if not path.startswith("/sparql/"):
        raise ValueError(f"{MANIFEST.name}: {path} is not under /sparql/")
    headers = graph.value(request, HT.headers)
    body = graph.value(request, HT.body)
    response = one(graph, request, HT.resp)
    fields = Collection(graph, headers) if headers else []
    expected_format = graph.value(response, MF.expectedFormat)
    expected_boolean = graph.value(response, MF.expectedBoolean)
    return Exchange(
        method=str(one(graph, request, HT.methodName)),
        path="/sparql" + path.removeprefix("/sparql/"),  # the manifest asks to map /sparql/ to our endpoint
        headers=tuple((str(one(graph, h, HT.fieldName)), str(one(graph, h, HT.fieldValue))) for h in fields),
        body=str(one(graph, body, CNT.chars)).encode(str(one(graph, body, CNT.characterEncoding))) if body else None,
        status_classes=frozenset(status_class(c) for c in graph.objects(response, MF.expectedStatus)),
        format=None if expected_format is None else str(expected_format),
        boolean=None if expected_boolean is None else str(expected_boolean) == "true",
    )


def read_manifest(path: Path) -> tuple[list[ProtocolTest], set[str]]:
    """The entries of mf:entries, in order, and the names of everything typed mf:ProtocolTest."""
    graph = Graph().parse(path, format="turtle")
    listed = Collection(graph, one(graph, URIRef(path.as_uri()), MF.entries))
    tests = []
    for entry in listed:
        data = graph.objects(entry, UT.graphData)  # a data file beside the manifest, and the graph it fills
        graphs = tuple((str(one(graph, d, RDFS.label)), path.parent / str(one(graph, d, UT.graph)).rsplit("/", 1)[1])
                       for d in data)
        requests = Collection(graph, one(graph, one(graph, entry, MF.action), HT.requests))
        exchanges = tuple(read_exchange(graph, r) for r in requests)
        name, title = str(entry).rsplit("#", 1)[1], str(one(graph, entry, MF.name))
        tests.append(ProtocolTest(name=name, title=title, graphs=graphs, exchanges=exchanges))
    typed = {str(t).rsplit("#", 1)[1] for t in graph.subjects(RDF.type, MF.ProtocolTest)}
    return tests, typed


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        tests = read_manifest(MANIFEST)[0]
        metafunc.parametrize("case", tests, ids=[t.name for t in tests])


# -- what the endpoint answers, test by test ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Passes:
    """The endpoint answers as the suite expects; ``status`` pins the code within the suite's class."""

    why: str
    status: int = 200
    says: str = ""


@dataclasses.dataclass(frozen=True)
class Refused:
    """By design the endpoint refuses the first request, which the suite expects to succeed."""

    why: str
    status: int
    says: str


READ_ONLY = Refused("the endpoint is read-only: no update runs, so the suite's follow-up ASK finds nothing", 403,
                    "read-only")  # fmt: skip
LOCAL = "default-graph-uri/named-graph-uri name graphs of the local store (here the suite's data files); never fetched"
DATA0 = "data0.rdf names no graph of the store: the default graph is empty, and ASK {} is true over any graph"
DECISIONS: dict[str, Passes | Refused] = {
    "query_post_form": Passes(DATA0),
    "query_dataset_default_graphs_get": Passes(LOCAL + "; the default graph is data1 merged with data2"),
    "query_dataset_default_graphs_post": Passes(LOCAL + "; the default graph is data1 merged with data2"),
    "query_dataset_named_graphs_post": Passes(LOCAL + "; data1 and data2 are the named graphs"),
    "query_dataset_named_graphs_get": Passes(LOCAL + "; data1 and data2 are the named graphs"),
    "query_dataset_full": Passes(LOCAL + "; data3 is the default graph, data1 and data2 the named graphs"),
    "query_multiple_dataset": Passes(LOCAL + "; the protocol's dataset replaces the query's FROM"),
    "query_get": Passes(DATA0),
    "query_content_type_select": Passes("SELECT results are SPARQL JSON unless Accept asks for XML, CSV or TSV"),
    "query_content_type_ask": Passes("ASK results are SPARQL JSON unless Accept asks for XML"),
    "query_content_type_describe": Passes("DESCRIBE gives Turtle unless Accept asks for another RDF syntax"),
    "query_content_type_construct": Passes("CONSTRUCT gives Turtle; <s> and <p> resolve against the base IRI"),
    "update_dataset_default_graph": READ_ONLY,
    "update_dataset_default_graphs": READ_ONLY,
    "update_dataset_named_graphs": READ_ONLY,
    "update_dataset_full": READ_ONLY,
    "update_post_form": READ_ONLY,
    "update_post_direct": READ_ONLY,
    "update_base_uri": READ_ONLY,
    "query_post_direct": Passes("a query POSTed as application/sparql-query"),
    "bad_query_method": Passes("only GET and POST are routed to the endpoint", 405, "Method Not Allowed"),
    "bad_multiple_queries": Passes("two query parameters are ambiguous", 400, "one query"),
    "bad_query_wrong_media_type": Passes("a text/plain body is no protocol request", 415, "application/sparql-query"),
    "bad_query_missing_form_type": Passes("a body without a media type is not read", 415, "application/sparql-query"),
    "bad_query_missing_direct_type": Passes("a body without a media type is not read", 415, "application/sparql-query"),
    "bad_query_non_utf8": Passes("a charset other than UTF-8 is refused before decoding", 415, "UTF-8"),
    "bad_query_syntax": Passes("the parser's message is returned", 400, "syntax error"),
    "bad_update_get": Passes("an update parameter is refused whatever the method: read-only", 403, "read-only"),
    "bad_multiple_updates": Passes("update parameters are refused before being counted: read-only", 403, "read-only"),
    "bad_update_wrong_media_type": Passes("a text/plain body is no protocol request", 415, "application/sparql-query"),
    "bad_update_missing_form_type": Passes("a body without a media type is not read", 415, "application/sparql-query"),
    "bad_update_non_utf8": Passes("application/sparql-update is refused before decoding: read-only", 403, "read-only"),
    "bad_update_syntax": Passes("an update parameter is refused before parsing: read-only", 403, "read-only"),
    "bad_update_dataset_conflict": Passes("application/sparql-update is refused: read-only", 403, "read-only"),
}


# -- sending and checking -------------------------------------------------------------------------


def send(client: httpx2.Client, exchange: Exchange) -> httpx2.Response:
    """The request exactly as the manifest writes it: method, encoded path, headers, body bytes."""
    url = client.base_url.copy_with(raw_path=exchange.path.encode("ascii"))
    return client.request(exchange.method, url, headers=dict(exchange.headers), content=exchange.body)


def read_results(response: httpx2.Response) -> tuple[str, object]:
    """The media type of a response and its body parsed in that format (a parse error fails the test)."""
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media == CSV:
        return media, list(csv.reader(io.StringIO(response.text)))
    if media in FORMATS["tabular"]:
        return media, ox.parse_query_results(response.content, ox.QueryResultsFormat.from_media_type(media))
    rdf_format = ox.RdfFormat.from_media_type(media)
    assert rdf_format is not None, f"{media!r} is no RDF or results format"
    return media, list(ox.parse(response.content, rdf_format))


def check_answer(exchange: Exchange, response: httpx2.Response, boolean: bool | None) -> None:
    """A response in the suite's status class, in an allowed format, with the expected boolean."""
    assert response.status_code // 100 in exchange.status_classes, response.text
    if exchange.format is None:
        return
    media, results = read_results(response)
    assert media in FORMATS[exchange.format], f"{media} is not a {exchange.format} format"
    if exchange.format == "boolean":
        assert isinstance(results, ox.QueryBoolean)
    if boolean is not None:
        assert bool(results) is boolean


def count_quads(client: httpx2.Client) -> int:
    response = client.get("/sparql", params={"query": COUNT_QUADS}, headers={"Accept": JSON})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def run_case(client: httpx2.Client, case: ProtocolTest) -> None:
    """Send a test's requests in order and hold each response to the suite, or to our decision."""
    decision = DECISIONS.get(case.name)
    if decision is None:
        pytest.fail(f"the manifest's test {case.name!r} ({case.title}) has no decision in DECISIONS")
    before = count_quads(client)
    first, *rest = case.exchanges
    response = send(client, first)
    assert response.status_code == decision.status, response.text
    assert decision.says in response.text
    if isinstance(decision, Passes):
        check_answer(first, response, first.boolean)
    else:
        assert response.status_code // 100 not in first.status_classes  # else the decision is stale
    for exchange in rest:  # after a refused update, what it would have written is not there
        refused = isinstance(decision, Refused) and exchange.boolean is not None
        check_answer(exchange, send(client, exchange), not exchange.boolean if refused else exchange.boolean)
    assert count_quads(client) == before


def suite_store(graphs: tuple[tuple[str, Path], ...]) -> ox.Store:
    """A store holding each data file of the suite in the named graph the manifest gives it."""
    store = ox.Store()
    for name, path in graphs:
        store.load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    return store


# -- the suite ------------------------------------------------------------------------------------


def test_every_manifest_entry_has_a_decision() -> None:
    tests, typed = read_manifest(MANIFEST)
    names = [t.name for t in tests]
    assert len(names) == 34
    assert set(names) == typed  # the list of entries is every protocol test of the file
    assert set(DECISIONS) == set(names)
    assert all(t.exchanges for t in tests)


def test_the_suite_in_process(case: ProtocolTest, settings: Settings) -> None:
    with TestClient(create_app(EmbeddedStore(suite_store(case.graphs)), settings)) as client:
        run_case(client, case)


# `twingraph serve` serves a build, not a given RDF file: this serves the suite's TriG
LAUNCHER = """
import sys, uvicorn
from pathlib import Path
from twingraph.config import Settings
from twingraph.serve import create_app
from twingraph.store import EmbeddedStore
settings = Settings(root=Path(sys.argv[1]), dist=Path(sys.argv[2]))
uvicorn.run(create_app(EmbeddedStore.from_file(Path(sys.argv[3])), settings), host="127.0.0.1",
            port=int(sys.argv[4]), log_level="warning")
"""


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory,
           start_command: Callable[..., AbstractContextManager[str]]) -> Iterator[httpx2.Client]:  # fmt: skip
    """A uvicorn process on a free port over every graph of the suite, and a client for it."""
    data = tmp_path_factory.mktemp("w3c") / "suite.trig"
    graphs = {g for t in read_manifest(MANIFEST)[0] for g in t.graphs}
    suite_store(tuple(sorted(graphs))).dump(output=data, format=ox.RdfFormat.TRIG, from_graph=None)

    def command(port: int) -> list[str]:
        return [sys.executable, "-c", LAUNCHER, str(settings.root), str(settings.dist_dir), str(data), str(port)]

    with start_command(command) as url, httpx2.Client(base_url=url, timeout=5) as client:
        yield client


@pytest.mark.server
def test_the_suite_over_a_socket(case: ProtocolTest, server: httpx2.Client) -> None:
    run_case(server, case)


# -- the dataset parameters beyond the suite ------------------------------------------------------


@pytest.mark.server
def test_graph_names_are_never_fetched(server: httpx2.Client, listener: socket.socket,
                                       assert_no_connection: Callable[[socket.socket], None]) -> None:  # fmt: skip
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
    params = {"query": "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
              "default-graph-uri": url, "named-graph-uri": url}  # fmt: skip
    response = server.get("/sparql", params=params, headers={"Accept": JSON})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []  # a name the store lacks is an empty graph
    assert_no_connection(listener)
    everything = server.get("/sparql", params={"query": params["query"]}, headers={"Accept": JSON})
    assert len(everything.json()["results"]["bindings"]) == 3  # the store does hold data


def test_the_described_default_graph_names_the_store_default_graph(settings: Settings) -> None:
    store = suite_store(((f"{settings.base_iri}graph/extra", SUITE / "data1.nt"),))
    store.load(path=SUITE / "data2.nt", format=ox.RdfFormat.N_TRIPLES)
    subjects = "SELECT ?s WHERE { ?s a ?type }"
    with TestClient(create_app(EmbeddedStore(store), settings)) as client:
        description = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).text)
        default = next(description.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#defaultGraph")))
        assert default == URIRef(settings.base_iri + "dataset")

        def found(**dataset: str) -> set[str]:
            response = client.get("/sparql", params={"query": subjects, **dataset}, headers={"Accept": JSON})
            return {b["s"]["value"] for b in response.json()["results"]["bindings"]}

        data1, data2 = "http://kasei.us/2009/09/sparql/data/data1.rdf", "http://kasei.us/2009/09/sparql/data/data2.rdf"
        assert found() == {data2}
        assert found(**{"default-graph-uri": str(default)}) == {data2}
        assert found(**{"default-graph-uri": f"{settings.base_iri}graph/extra"}) == {data1}
        assert found(**{"named-graph-uri": str(default)}) == set()  # only named graphs: an empty default graph


@pytest.mark.parametrize(
    ("path", "headers", "body", "status", "says"),
    [
        pytest.param("/sparql?query=ASK%20%7B%7D%20%23%FF", {}, None, 400, "not UTF-8", id="query-string"),
        pytest.param("/sparql", {"Content-Type": FORM}, b"query=ASK%20%7B%7D%20%23%FF", 400, "not UTF-8", id="form"),
        pytest.param("/sparql", {"Content-Type": DIRECT}, b"ASK {} #\xff", 400, "not UTF-8", id="direct"),
        pytest.param("/sparql", {"Content-Type": DIRECT + "; charset=ISO-8859-1"}, b"ASK {}", 415, "must be UTF-8",
                     id="charset"),
        pytest.param("/sparql?query=ASK%20%7B%7D&default-graph-uri=not%20an%20IRI", {}, None, 400,
                     "not an absolute IRI", id="graph-name"),
        pytest.param("/sparql", {"Content-Type": DIRECT + "; charset=utf-8"}, "ASK {} #é".encode(), 200, "true",
                     id="utf-8"),
    ],
)
def test_text_must_be_utf8_and_graph_names_iris(settings: Settings, path: str, headers: dict[str, str],
                                               body: bytes | None, status: int, says: str) -> None:  # fmt: skip
    """Bytes that are not UTF-8 are refused, not replaced: the queries above are valid once replaced."""
    with TestClient(create_app(EmbeddedStore(ox.Store()), settings)) as client:
        method = "GET" if body is None else "POST"
        response = client.request(method, client.base_url.copy_with(raw_path=path.encode()), headers=headers,
                                  content=body)  # fmt: skip
    assert response.status_code == status, response.text
    assert says in response.text
