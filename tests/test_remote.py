"""``twingraph publish`` and ``twingraph serve --store`` against real stores: the Oxigraph server and Virtuoso.

Each store is started once per module on free ports, from a temporary directory.
Virtuoso is skipped where it is not installed, unless ``TWINGRAPH_REQUIRE_VIRTUOSO=1``
(CI sets it), which fails the tests instead.
"""

from __future__ import annotations

import http.server
import re
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner
from rdflib import RDF, XSD, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from SPARQLWrapper import JSON, SPARQLWrapper

from running_stores import GRAPH, KINDS, VIRTUOSO_PASSWORD, StartCommand, Store, free_port, started
from twingraph.cli import main
from twingraph.config import Settings

pytestmark = pytest.mark.server

PERSON = "https://twingraph.example/person/ilsur-metshin"
NUMBER = re.compile(r'"([-+]?[0-9]*\.?[0-9]+)"\^\^<http://www\.w3\.org/2001/XMLSchema#(?:decimal|integer)>')
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"



def ask(store: Store, query: str, graph: str = GRAPH) -> dict[str, Any]:
    """A query sent straight to the store (not through twingraph), its SPARQL JSON results."""
    answer = httpx2.post(store.query, data={"query": query, "default-graph-uri": graph},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)  # fmt: skip
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def count(store: Store, graph: str = GRAPH) -> int:
    return int(ask(store, COUNT, graph)["results"]["bindings"][0]["n"]["value"])


def read_back(store: Store, graph: str = GRAPH) -> Graph:
    """The graph as the store gives it back, as N-Triples."""
    answer = httpx2.post(store.query, data={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "default-graph-uri": graph},
                         headers={"Accept": "application/n-triples"}, timeout=30)  # fmt: skip
    answer.raise_for_status()
    return Graph().parse(data=answer.text, format="nt")


def canonical(graph: Graph) -> Graph:
    """The graph with numbers in one form: stores keep values, not text ("8600.0" reads back as "8600"), and
    Virtuoso keeps an xsd:integer past 32 bits (a meeting's sort key) as an xsd:decimal of the same value."""
    return Graph().parse(data="".join(canonical_line(line) for line in graph.serialize(format="nt").splitlines(True)),
                         format="nt")  # fmt: skip


def canonical_line(line: str) -> str:
    """An N-Triples line with its numbers as xsd:decimal without trailing zeros ("8600.0" as "8600")."""
    return NUMBER.sub(lambda m: f'"{format(Decimal(m.group(1)).normalize(), "f")}"^^<{XSD.decimal}>', line)


def assert_same_graph(found: Graph, expected: Graph) -> None:
    found, expected = canonical(found), canonical(expected)
    if not isomorphic(found, expected):
        _, only_found, only_expected = graph_diff(to_isomorphic(found), to_isomorphic(expected))
        pytest.fail("the store's graph differs from the published one\nonly in the store:\n"
                    + only_found.serialize(format="nt")[:3000] + "\nonly in the build:\n"
                    + only_expected.serialize(format="nt")[:3000])  # fmt: skip


# -- the stores -----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=KINDS)
def store(request: pytest.FixtureRequest, start_command: StartCommand,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:  # fmt: skip
    """A fresh store of each kind, running for the module."""
    with started(request.param, start_command, tmp_path_factory.mktemp(request.param)) as running:
        yield running


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return {"TWINGRAPH_STORE_PASSWORD": VIRTUOSO_PASSWORD}


@pytest.fixture(scope="module")
def published(store: Store, settings: Settings, env: dict[str, str]) -> Store:
    """The store with the Kazan build published into the dataset's graph."""
    result = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), *store.publish_args()], env=env)
    assert result.exit_code == 0, result.output
    return store


# -- publish --------------------------------------------------------------------------------------


def test_publish_puts_the_whole_validated_graph_in_the_store(published: Store, graph: Graph) -> None:
    assert count(published) == len(graph)
    assert_same_graph(read_back(published), graph)


def test_publish_leaves_no_staging_graph_behind(published: Store) -> None:
    found = ask(published, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'staging')) }")
    assert found["results"]["bindings"] == []


def test_a_reader_never_sees_a_half_published_graph(published: Store, graph: Graph, settings: Settings,
                                                    env: dict[str, str]) -> None:  # fmt: skip
    small = "\n".join(f"<urn:old:{i}> <urn:p> <urn:o> ." for i in range(10)) + "\n"
    auth = httpx2.DigestAuth("dba", VIRTUOSO_PASSWORD) if published.user else None
    put = httpx2.put(published.graph_store, params={"graph": GRAPH}, content=small.encode(),
                     headers={"Content-Type": "application/n-triples"}, auth=auth, timeout=30)  # fmt: skip
    assert put.status_code in (200, 201, 204), put.text
    assert count(published) == 10
    seen: list[int] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            seen.append(count(published))

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        result = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), *published.publish_args()], env=env)
    finally:
        done.set()
        reader.join()
    assert result.exit_code == 0, result.output
    assert set(seen) <= {10, len(graph)}, f"a reader saw a partial graph: {sorted(set(seen))}"
    assert seen[0] == 10 and seen[-1] == len(graph) and len(seen) > 5


def test_publish_by_sparql_update_where_there_is_no_graph_store(store: Store, graph: Graph, settings: Settings,
                                                                 env: dict[str, str]) -> None:  # fmt: skip
    other = "https://twingraph.example/by-update"
    args = ["publish", "--by", "update", "--to", store.update, "--graph", other]
    result = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), *args,
                                       *(["--user", store.user] if store.user else [])], env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_same_graph(read_back(store, other), graph)


def test_a_wrong_password_fails_clearly_and_is_not_printed(store: Store, settings: Settings) -> None:
    if store.user is None:
        pytest.skip("the Oxigraph server asks for no credentials")
    wrong = "not-the-password-1234"
    result = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), *store.publish_args()],
                                env={"TWINGRAPH_STORE_PASSWORD": wrong})  # fmt: skip
    assert result.exit_code != 0
    assert "401" in result.output and "TWINGRAPH_STORE_PASSWORD" in result.output
    assert wrong not in result.output


def test_an_unreachable_store_is_named_in_the_error(settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    result = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), "publish", "--to", url])
    assert result.exit_code != 0
    assert "cannot reach the store" in result.output and "127.0.0.1" in result.output


# -- serve --store --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(published: Store, start_command: StartCommand,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # fmt: skip
    """``twingraph serve --store`` over the published store, with a 1 s query timeout; no build of its own."""
    dist = tmp_path_factory.mktemp("empty-dist")

    def command(port: int) -> list[str]:
        return [sys.executable, "-c", "from twingraph.cli import main; main()", "--dist", str(dist), "serve",
                "--store", published.query, "--port", str(port), "--timeout", "1", "--no-watch"]  # fmt: skip

    with start_command(command) as url:
        yield url


def test_a_person_page_comes_from_the_store(site: str) -> None:
    page = httpx2.get(site + "/person/ilsur-metshin", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200
    assert "Метшин" in page.text
    turtle = httpx2.get(site + "/person/ilsur-metshin", headers={"Accept": "text/turtle"}, timeout=30)
    described = Graph().parse(data=turtle.text, format="turtle")
    assert len(list(described.predicate_objects())) > 3


def test_sparql_json_results_through_sparqlwrapper(site: str, graph: Graph) -> None:
    client = SPARQLWrapper(site + "/sparql")
    client.setQuery("PREFIX tg: <https://twingraph.example/ns#> SELECT (COUNT(?a) AS ?n) WHERE { ?a a tg:Agreement }")
    client.setReturnFormat(JSON)
    found = client.queryAndConvert()
    expected = len(set(graph.subjects(RDF.type, URIRef("https://twingraph.example/ns#Agreement"))))
    assert int(found["results"]["bindings"][0]["n"]["value"]) == expected > 0  # type: ignore[index, call-overload]


def test_service_is_refused_before_anything_is_sent(site: str) -> None:
    answer = httpx2.post(site + "/sparql", data={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert answer.status_code == 403
    assert "SERVICE" in answer.text


def test_an_update_is_refused_and_changes_nothing(site: str, published: Store, graph: Graph) -> None:
    for data in ({"update": f"DROP GRAPH <{GRAPH}>"}, {"query": f"DROP GRAPH <{GRAPH}>"}):
        answer = httpx2.post(site + "/sparql", data=data)
        assert answer.status_code == 403
    assert count(published) == len(graph)


def test_store_extensions_are_refused(site: str) -> None:
    for query in ("DEFINE get:soft \"replace\" SELECT * FROM <http://127.0.0.1:9/> { ?s ?p ?o }",
                  "SELECT (<bif:file_to_string>('virtuoso.ini') AS ?x) {}"):  # fmt: skip
        answer = httpx2.post(site + "/sparql", data={"query": query})
        assert answer.status_code == 403, answer.text


def test_a_runaway_query_times_out_and_the_site_still_answers(site: str) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    answer = httpx2.post(site + "/sparql", data={"query": runaway}, timeout=30)
    assert answer.status_code == 503
    assert "longer than 1 s" in answer.text
    page = httpx2.get(site + "/person/ilsur-metshin", timeout=30)
    assert page.status_code == 200


class SlowProxy(http.server.ThreadingHTTPServer):
    """Passes every request on to a store after ``delay`` seconds: a store that answers slowly (from when it is set)."""

    daemon_threads = True

    def __init__(self, target: str, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), SlowProxyHandler)
        self.target, self.delay = target, delay


class SlowProxyHandler(http.server.BaseHTTPRequestHandler):
    server: SlowProxy

    def forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))) if self.command == "POST" else None
        time.sleep(self.server.delay)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type", "authorization")}
        query = self.path.partition("?")[2]
        url = self.server.target + (f"?{query}" if query else "")
        request = urllib.request.Request(url, data=body, headers=headers, method=self.command)
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers.get("Content-Type", "application/octet-stream"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    do_GET = do_POST = forward  # noqa: N815 (http.server's names)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_page_waiting_on_a_slow_store_does_not_hold_the_other_requests(
    published: Store, start_command: StartCommand,
    tmp_path: Path,
) -> None:  # fmt: skip
    """Pages read the store off the event loop: while one waits on the store, others are answered."""
    proxy = SlowProxy(published.query)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxied = f"http://127.0.0.1:{proxy.server_address[1]}/query"

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "twingraph", "--dist", str(tmp_path / "dist"), "serve", "--store", proxied,
                "--port", str(port), "--timeout", "30", "--no-watch"]  # fmt: skip

    try:
        with start_command(command) as url:
            proxy.delay = 1.5  # the server is up: from now on the store is slow
            page: dict[str, httpx2.Response] = {}
            slow = threading.Thread(target=lambda: page.setdefault("r", httpx2.get(
                url + "/person/ilsur-metshin", headers={"Accept": "text/html"}, timeout=120)))  # fmt: skip
            slow.start()
            time.sleep(0.5)
            listing = httpx2.get(url + "/queries", headers={"Accept": "application/json"}, timeout=120)
            assert listing.status_code == 200
            assert slow.is_alive(), "the page is still waiting on the store while the listing was answered"
            slow.join(timeout=120)
            assert page["r"].status_code == 200 and "Метшин" in page["r"].text, page["r"].text[-3000:]
    finally:
        proxy.shutdown()
        proxy.server_close()
