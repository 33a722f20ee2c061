"""twingraph link and giveback against a real local SPARQL server (oxigraph) loaded with a Wikidata-shaped slice."""

from __future__ import annotations

import contextlib
import datetime
import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD
from starlette.testclient import TestClient

from running_stores import free_port
from twingraph.cli import main
from twingraph.config import DUMP, Settings
from twingraph.link import ClientOptions, LinkError, SparqlClient, read_links, read_review
from twingraph.link.output import review_path_for, review_problems
from twingraph.pipeline import Built
from twingraph.problems import Severity
from twingraph.rdf.namespaces import SCHEMA, TG, WD
from twingraph.serve import create_app
from twingraph.store import EmbeddedStore
from twingraph.validate import validate_graph

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata"
BASE = "https://twingraph.example/"
ROOT = Path(__file__).resolve().parent.parent
TEHRAN_LINK = URIRef(BASE + "city/tehran/wikidata-link")

pytestmark = pytest.mark.server

# What the fixture must give for the Kazan page: entity -> (QID, score)
EXPECTED_LINKS = {
    "city/dubaj": ("Q612", 80), "city/ekaterinburg": ("Q887", 80), "city/guanchzhou": ("Q16572", 80),
    "city/hangzhou": ("Q4970", 100), "city/harare": ("Q3921", 100), "city/harbin": ("Q42956", 100),
    "city/hebron": ("Q168225", 100), "city/hefei": ("Q185684", 100), "city/hyderabad": ("Q1361", 90),
    "city/kazan": ("Q900", 100), "city/khabarovsk": ("Q4454", 80), "city/marika": ("Q847037", 80),
    "city/moskva": ("Q649", 80), "city/qiqihar": ("Q205922", 100), "city/tehran": ("Q3616", 100),
    "city/ufa": ("Q911", 80), "city/urbino": ("Q2759", 100), "city/wuhan": ("Q11746", 100),
    "country/abkhaziya": ("Q23334", 80), "country/armeniya": ("Q399", 90), "country/braziliya": ("Q155", 90),
    "country/indiya": ("Q668", 90), "country/indoneziya": ("Q252", 90), "country/iran": ("Q794", 90),
    "country/italiya": ("Q38", 90), "country/kazakhstan": ("Q232", 90), "country/kitaj": ("Q148", 90),
    "country/kyrgyzstan": ("Q813", 80), "country/palestina": ("Q219060", 90), "country/rossiya": ("Q159", 90),
    "country/tadzhikistan": ("Q863", 90), "country/turtsiya": ("Q43", 90), "country/yuar": ("Q258", 80),
    "country/zimbabve": ("Q954", 90),
    "organization/kazanskij-federalnyj-universitet": ("Q113788", 100), "organization/lukojl": ("Q329347", 100),
    "organization/tatneft": ("Q1616858", 100), "organization/ukhanskij-universitet": ("Q1108197", 100),
    "organization/urbinskij-universitet-imeni-karla-bo": ("Q2119752", 90),
    "person/alireza-zakani": ("Q5950108", 80), "person/rustam-minnikhanov": ("Q983503", 80),
}  # fmt: skip

# Review entries with candidates; every other unlinked entity has no item with its name.
EXPECTED_REVIEWS = {
    "city/respublika-tatarstan": ("no candidate of the right kind", "Q5481 rejected: not a human settlement"),
    "city/zimbabve": ("no candidate of the right kind", "Q954 rejected: not a human settlement"),
}


def wait_for(url: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`oxigraph load` the fixture, then `oxigraph serve` it on a free port; yields the query URL."""
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.fail("the oxigraph command is missing: pip install -e '.[dev]'")
    store = tmp_path_factory.mktemp("oxigraph") / "store"
    files = sorted(str(p) for p in FIXTURE.glob("*.ttl"))
    subprocess.run([binary, "load", "--location", str(store), "--file", *files], check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
        yield f"http://127.0.0.1:{port}/query"
    finally:
        process.terminate()
        process.wait(timeout=10)


def short(iri: str) -> str:
    return iri[len(BASE) :]


def run_link(runner: CliRunner, endpoint: str, out: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["link", "--endpoint", endpoint, "-o", str(out), "--timeout", "5", *args])
    return result.exit_code, result.output + (str(result.exception) if result.exception else "")


@pytest.fixture(scope="module")
def linked(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The links of the dataset made once against the fixture, with a cache of its own."""
    out = tmp_path_factory.mktemp("links") / "links.ttl"
    code, output = run_link(CliRunner(), endpoint, out, "--cache", str(out.parent / "cache"))
    assert code == 0, output
    return out


def test_links_every_city_and_country_and_no_trap(linked: Path) -> None:
    links = read_links(Graph().parse(linked))
    assert {short(x.iri): (x.qid, x.score) for x in links} == EXPECTED_LINKS


def test_every_other_entity_is_in_the_review_file(linked: Path, graph: Graph) -> None:
    reviews = read_review(review_path_for(linked).read_text(encoding="utf-8"))
    with_candidates = {short(r.iri): (r.reason, r.note) for r in reviews if r.reason != "no item with this name"}
    assert with_candidates == EXPECTED_REVIEWS
    entities = {
        short(str(s)) for t in (TG.City, TG.Country, TG.Person, TG.Organization) for s in graph.subjects(None, t)
    }
    reviewed = {short(r.iri) for r in reviews}
    assert reviewed | set(EXPECTED_LINKS) == entities
    assert not reviewed & set(EXPECTED_LINKS)
    assert "person/ilsur-metshin" in reviewed and "organization/dongfeng" in reviewed


def test_links_carry_provenance_and_the_enrichment_apart(linked: Path, endpoint: str) -> None:
    g = Graph().parse(linked)
    tehran, item = URIRef(BASE + "city/tehran"), WD.Q3616
    assert (tehran, OWL.sameAs, item) in g and (tehran, SCHEMA.sameAs, item) in g
    node = URIRef(f"{tehran}/wikidata-link")
    assert g.value(node, TG.matchScore) == Literal(100)
    assert str(g.value(node, TG.matchMethod)) == "label@ru, settlement in Q794"
    assert (item, RDFS.label, Literal("Tehran", lang="en")) in g
    assert float(g.value(item, SCHEMA.latitude)) == pytest.approx(35.689)
    assert str(g.value(item, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))) == endpoint
    # the page's resource gets no English label or coordinates of its own
    assert not any(getattr(o, "language", None) == "en" for o in g.objects(tehran, RDFS.label))
    assert g.value(tehran, SCHEMA.latitude) is None


def test_a_city_without_country_named_like_two_cities_is_ambiguous(endpoint: str, tmp_path: Path,
                                                                   runner: CliRunner) -> None:  # fmt: skip
    source = tmp_path / "extracted.ttl"
    source.write_text(
        "@prefix tg: <https://twingraph.example/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://twingraph.example/city/x> a tg:City ; rdfs:label "Хайдарабад"@ru .\n'
        '<https://twingraph.example/city/y> a tg:City ; rdfs:label "Хабаровский край"@ru .\n',
        encoding="utf-8",
    )
    code, output = run_link(runner, endpoint, tmp_path / "links.ttl", "--input", str(source), "--no-cache")
    assert code == 0, output
    reviews = {short(r.iri): (r.reason, r.note) for r in read_review((tmp_path / "links-review.tsv").read_text())}
    assert reviews == {
        "city/x": ("ambiguous: Q11738 and Q1361",
                   "Q11738 score 80 (label@ru, settlement); Q1361 score 80 (label@ru, settlement)"),
        "city/y": ("no candidate of the right kind", "Q4465 rejected: not a human settlement"),
    }  # fmt: skip
    assert not read_links(Graph().parse(tmp_path / "links.ttl"))


def test_only_relinks_one_kind_and_keeps_the_others(linked: Path, endpoint: str, tmp_path: Path,
                                                    runner: CliRunner) -> None:  # fmt: skip
    out = tmp_path / "links.ttl"
    shutil.copy(linked, out)
    shutil.copy(review_path_for(linked), review_path_for(out))
    code, output = run_link(runner, endpoint, out, "--only", "persons", "--no-cache")
    assert code == 0, output
    assert {short(x.iri): (x.qid, x.score) for x in read_links(Graph().parse(out))} == EXPECTED_LINKS
    assert read_review(review_path_for(out).read_text()) == read_review(review_path_for(linked).read_text())


# -- failure modes: a local HTTP server in front of the real one -------------------------------------------


class Proxy(http.server.ThreadingHTTPServer):
    """Passes requests on to the real endpoint, after answering the first ones with canned errors."""

    def __init__(self, target: str, failures: list[tuple[int, dict[str, str], bytes]]) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.target, self.failures, self.seen = target, failures, 0


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: Proxy

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen += 1
        if self.server.failures:
            code, headers, payload = self.server.failures.pop(0)
        else:
            request = urllib.request.Request(self.server.target, data=body, headers={
                "Content-Type": self.headers["Content-Type"], "Accept": "application/sparql-results+json"})  # fmt: skip
            with urllib.request.urlopen(request, timeout=10) as answer:
                code, headers, payload = 200, {"Content-Type": "application/sparql-results+json"}, answer.read()
        self.send_response(code)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def proxy(target: str, failures: list[tuple[int, dict[str, str], bytes]] | None = None) -> Iterator[Proxy]:
    server = Proxy(target, failures or [])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def url(server: Proxy) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/query"


def test_the_second_run_is_answered_from_the_cache(endpoint: str, tmp_path: Path, runner: CliRunner) -> None:
    with proxy(endpoint) as server:
        first, output = run_link(runner, url(server), tmp_path / "a.ttl", "--cache", str(tmp_path / "cache"))
        assert first == 0, output
        asked = server.seen
        second, output = run_link(runner, url(server), tmp_path / "b.ttl", "--cache", str(tmp_path / "cache"))
        assert second == 0, output
    assert asked > 0 and server.seen == asked
    assert "(0 requests" in output
    assert Graph().parse(tmp_path / "a.ttl").isomorphic(Graph().parse(tmp_path / "b.ttl"))


def test_429_and_503_are_retried_honouring_retry_after(endpoint: str) -> None:
    waits: list[float] = []
    failures = [(429, {"Retry-After": "7"}, b"slow down"), (503, {}, b"busy"), (500, {}, b"oops")]
    with proxy(endpoint, failures) as server:
        client = SparqlClient(ClientOptions(endpoint=url(server), backoff=0.5), sleep=waits.append)
        rows = client.select("SELECT ?n WHERE { VALUES ?n { 1 } }")
    assert rows == [{"n": {"type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    assert waits == [7.0, 1.0, 2.0] and server.seen == 4


def test_an_endpoint_that_keeps_refusing_fails_clearly(endpoint: str) -> None:
    with proxy(endpoint, [(429, {"Retry-After": "1"}, b"")] * 3) as server:
        client = SparqlClient(ClientOptions(endpoint=url(server), retries=2), sleep=lambda _: None)
        with pytest.raises(LinkError, match=r"answered HTTP 429 .* after 3 attempts; try again later"):
            client.select("ASK {}")


def keeps_links(runner: CliRunner, linked: Path, tmp_path: Path, endpoint: str, message: str, *args: str) -> None:
    """A failed run exits non-zero with the message and leaves the earlier links and review as they were."""
    out = tmp_path / "links.ttl"
    shutil.copy(linked, out)
    shutil.copy(review_path_for(linked), review_path_for(out))
    before = out.read_bytes(), review_path_for(out).read_bytes()
    code, output = run_link(runner, endpoint, out, "--no-cache", *args)
    assert code != 0
    assert message in output
    assert (out.read_bytes(), review_path_for(out).read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["links-review.tsv", "links.ttl"]


def test_endpoint_down(linked: Path, tmp_path: Path, runner: CliRunner) -> None:
    down = f"http://127.0.0.1:{free_port()}/query"
    keeps_links(runner, linked, tmp_path, down, f"cannot reach {down}")


def test_malformed_results(linked: Path, endpoint: str, tmp_path: Path, runner: CliRunner) -> None:
    with proxy(endpoint, [(200, {"Content-Type": "application/sparql-results+json"}, b'{"results": [')]) as server:
        keeps_links(runner, linked, tmp_path, url(server), "is not SPARQL JSON results")


def test_timeout(linked: Path, tmp_path: Path, runner: CliRunner) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections and never answers
        where = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        keeps_links(runner, linked, tmp_path, where, "did not answer within 1s", "--timeout", "1")


def test_user_agent_follows_the_wikimedia_policy() -> None:
    agent = ClientOptions(contact="mailto:ops@example.org").user_agent
    assert agent.startswith("twingraph/") and "(mailto:ops@example.org)" in agent and "Python-urllib/" in agent


# -- give back: P190 both ways ------------------------------------------------------------------------------


def test_giveback_reports_p190_gaps_and_writes_quickstatements(linked: Path, endpoint: str, tmp_path: Path,
                                                               runner: CliRunner) -> None:  # fmt: skip
    gaps, qs = tmp_path / "gaps.tsv", tmp_path / "p190.qs"
    result = runner.invoke(main, ["giveback", "--endpoint", endpoint, "--links", str(linked), "--no-cache",
                                  "-o", str(gaps), "--quickstatements", str(qs)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in gaps.read_text().splitlines() if not line.startswith("#")][1:]
    state = {short(r[0]) if r[0] else r[2]: (r[2], r[3], r[4]) for r in rows}
    assert state == {
        "city/hangzhou": ("Q4970", "no", "no"), "city/harare": ("Q3921", "no", "no"),
        "city/harbin": ("Q42956", "yes", "yes"), "city/hebron": ("Q168225", "no", "no"),
        "city/hefei": ("Q185684", "no", "no"), "city/hyderabad": ("Q1361", "no", "no"),
        "city/qiqihar": ("Q205922", "no", "no"), "city/tehran": ("Q3616", "yes", "yes"),
        "city/urbino": ("Q2759", "yes", "no"), "city/wuhan": ("Q11746", "no", "no"),
        "Q2773": ("Q2773", "yes", ""),
    }  # fmt: skip
    lines = qs.read_text().splitlines()
    assert len(lines) == 7 + 8
    page = "https://stazhirovka.kzn.ru/prinyat-uchastie/proekty/goroda-pobratimy-i-partnery-kazani/goroda-pobratimy-i-partnery/4"
    hangzhou = f'Q900\tP190\tQ4970\tS854\t"{page}"\tS813\t+'
    assert any(line.startswith(hangzhou) and line.endswith("T00:00:00Z/11") for line in lines)
    assert f'Q2759\tP190\tQ900\tS854\t"{page}"' in "\n".join(lines)
    assert not any(line.startswith("Q900\tP190\tQ3616") or "Q2773" in line for line in lines)


def test_giveback_never_writes_for_an_unlinked_partner(linked: Path, endpoint: str, tmp_path: Path,
                                                        runner: CliRunner) -> None:  # fmt: skip
    g = Graph().parse(linked)
    g.remove((None, TG.linkedResource, URIRef(BASE + "city/hangzhou")))
    partial = tmp_path / "links.ttl"
    g.serialize(partial, format="turtle")
    qs = tmp_path / "p190.qs"
    result = runner.invoke(main, ["giveback", "--endpoint", endpoint, "--links", str(partial), "--no-cache",
                                  "-o", str(tmp_path / "gaps.tsv"), "--quickstatements", str(qs)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Q4970" not in qs.read_text()
    assert "city/hangzhou\tХанчжоу\t\tunlinked\tunlinked" in (tmp_path / "gaps.tsv").read_text()


# -- the built dataset and its pages carry the committed links ----------------------------------------------


def test_build_merges_links_and_pages_show_the_item_and_english_name(built: Built, settings: Settings) -> None:
    tehran = URIRef(BASE + "city/tehran")
    dumped = Graph().parse(settings.dist_dir / DUMP, format="nt")
    assert (tehran, OWL.sameAs, WD.Q3616) in dumped
    assert (WD.Q3616, RDFS.label, Literal("Tehran", lang="en")) in dumped
    store = EmbeddedStore.from_file(settings.dist_dir / DUMP)
    with TestClient(create_app(store, settings)) as client:
        page = client.get("/city/tehran", headers={"Accept": "text/html"}).text
    assert '<a href="http://www.wikidata.org/entity/Q3616" translate="no">Q3616</a>' in page
    assert '<span lang="en">Tehran</span>' in page


def without_links(graph: Graph) -> Graph:
    """The dataset graph less the committed links file's statements."""
    committed = Graph().parse(ROOT / "data" / "links.ttl")
    return graph - committed


def link_messages(graph: Graph, shapes: Graph) -> set[str]:
    return {v.message for v in validate_graph(graph, shapes).violations}


def test_the_link_shape_accepts_a_link_and_rejects_one_without_provenance(graph: Graph, shapes: Graph) -> None:
    assert validate_graph(graph, shapes).conforms, "the committed links conform"
    broken = Graph() + graph
    broken.remove((TEHRAN_LINK, DCTERMS.created, None))
    broken.add((URIRef(BASE + "city/tehran"), OWL.sameAs, WD.Q590866))
    messages = link_messages(broken, shapes)
    assert "a link needs the date it was made (dcterms:created)" in messages
    assert "linked to more than one Wikidata item; keep one in the links file (links.ttl in the data directory)" \
        in messages
    assert not any("two or more creation dates" in m for m in messages)


def test_two_creation_dates_are_reported_as_two_not_as_none(graph: Graph, shapes: Graph) -> None:
    doubled = Graph() + graph
    doubled.add((TEHRAN_LINK, DCTERMS.created, Literal("2030-01-01", datatype=XSD.date)))
    report = validate_graph(doubled, shapes)
    assert [(str(v.focus), v.message.split(" (")[0]) for v in report.violations] == [
        (str(TEHRAN_LINK), "a link has two or more creation dates")
    ]


@pytest.mark.parametrize("days_ahead", [0, 365, 3650])
def test_linking_again_on_a_later_day_replaces_each_record_and_keeps_its_creation_date(
    days_ahead: int, endpoint: str, tmp_path: Path, runner: CliRunner, graph: Graph, shapes: Graph
) -> None:
    """The committed links were made on their own day; relinking later must not give them a second date."""
    out = tmp_path / "links.ttl"
    shutil.copy(ROOT / "data" / "links.ttl", out)
    committed = {link.iri: link for link in read_links(Graph().parse(out))}
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days_ahead)
    with time_machine.travel(later, tick=False):
        code, output = run_link(runner, endpoint, out, "--no-cache")
    assert code == 0, output
    relinked = Graph().parse(out)
    links = {link.iri: link for link in read_links(relinked)}
    assert links.keys() == committed.keys()
    assert {iri: link.created for iri, link in links.items()} == {iri: link.created for iri, link in committed.items()}
    assert {link.checked for link in links.values()} == {later.date().isoformat()}
    nodes = list(relinked.subjects(RDF.type, TG.WikidataLink))
    assert all(len(list(relinked.objects(node, DCTERMS.created))) == 1 for node in nodes)
    assert validate_graph(without_links(graph) + relinked, shapes).conforms


def test_a_link_to_another_item_is_a_new_record_with_the_run_date(endpoint: str, tmp_path: Path,
                                                                   runner: CliRunner) -> None:  # fmt: skip
    out = tmp_path / "links.ttl"
    text = (ROOT / "data" / "links.ttl").read_text(encoding="utf-8")
    out.write_text(text.replace("tg:wikidataItem wd:Q3616 .", "tg:wikidataItem wd:Q1 ."), encoding="utf-8")
    with time_machine.travel(datetime.datetime(2031, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        code, output = run_link(runner, endpoint, out, "--no-cache", "--only", "cities")
    assert code == 0, output
    tehran = next(link for link in read_links(Graph().parse(out)) if link.iri == BASE + "city/tehran")
    assert (tehran.qid, tehran.created, tehran.checked) == ("Q3616", "2031-03-01", "2031-03-01")


def test_the_review_queue_is_part_of_the_one_problem_report(linked: Path) -> None:
    review = review_path_for(linked)
    problems = review_problems(review)
    rows = read_review(review.read_text(encoding="utf-8"))
    assert [p.focus for p in problems] == [r.iri for r in rows]
    lines = review.read_text(encoding="utf-8").splitlines()
    assert all(p.severity is Severity.WARNING and p.rule == "link.review" and p.file == str(review) for p in problems)
    assert all(p.line is not None and p.focus in lines[p.line - 1] for p in problems)
    zimbabwe = next(p for p in problems if p.focus == BASE + "city/zimbabve")
    assert "not a human settlement" in zimbabwe.message


def test_check_reports_the_committed_review_queue(runner: CliRunner) -> None:
    review = ROOT / "data" / "links-review.tsv"
    result = runner.invoke(main, ["check", "--format", "json", str(review)])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)["problems"]
    rows = read_review(review.read_text(encoding="utf-8"))
    assert [p["focus"] for p in problems] == [r.iri for r in rows]
    assert {(p["rule"], p["severity"]) for p in problems} == {("link.review", "warning")}


def test_link_and_giveback_write_into_the_data_directory_they_are_given(endpoint: str, tmp_path: Path,
                                                                        runner: CliRunner) -> None:  # fmt: skip
    """Not into the working directory, nor the installed package: --data DIR decides for both commands."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    for name in ("links.ttl", "links-review.tsv", "p190-gaps.tsv", "p190-quickstatements.txt"):
        (data / name).unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with contextlib.chdir(elsewhere):
        linked = runner.invoke(main, ["--data", str(data), "link", "--endpoint", endpoint, "--no-cache"])
        assert linked.exit_code == 0, linked.output
        given = runner.invoke(main, ["--data", str(data), "giveback", "--endpoint", endpoint, "--no-cache"])
        assert given.exit_code == 0, given.output
    assert sorted(p.name for p in data.glob("*.t*")) == [
        "links-review.tsv", "links.ttl", "p190-gaps.tsv", "p190-quickstatements.txt"
    ]  # fmt: skip
    assert not any(elsewhere.iterdir())


# -- the linker's HTTP: the rules it shares with the remote store (twingraph.sparql_http) ---------------------

ONE_ROW = b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}'
Scripted = tuple[int, dict[str, str], bytes | None]  # status, headers, body (None: a trickle that never ends)


class ScriptedServer(http.server.ThreadingHTTPServer):
    """Answers each POST with the next scripted answer and records the request's headers."""

    daemon_threads = True

    def __init__(self, answers: list[Scripted]) -> None:
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.answers, self.seen, self.stop = answers, list[dict[str, str]](), threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/query"


class ScriptedHandler(http.server.BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append(dict(self.headers))
        status, headers, body = self.server.answers.pop(0)
        self.send_response_only(status)  # no Date of its own: a scripted one counts
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)) if body is not None else "1000000")
        self.end_headers()
        try:
            while body is None and not self.server.stop.is_set():  # a byte now and then, for ever
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.3)
            self.wfile.write(body or b"")
        except OSError:  # the client gave up
            pass

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def scripted(answers: list[Scripted]) -> Iterator[ScriptedServer]:
    server = ScriptedServer(answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("asked", "waited"), [("2", 2.0), ("86400", 120.0),
                                               ("Thu, 01 Jan 2026 00:00:05 GMT", 5.0)])  # fmt: skip
def test_the_linker_waits_as_retry_after_asks_within_bounds_then_reads_the_answer(asked: str, waited: float) -> None:
    date = {"Date": "Thu, 01 Jan 2026 00:00:00 GMT"} if "GMT" in asked else {}
    answers: list[Scripted] = [(429, {"Retry-After": asked} | date, b"slow down"),
                               (200, {"Content-Type": "application/sparql-results+json"}, ONE_ROW)]  # fmt: skip
    waits: list[float] = []
    said: list[str] = []
    with scripted(answers) as server:
        options = ClientOptions(endpoint=server.url, contact="mailto:ops@example.org")
        client = SparqlClient(options, sleep=waits.append, progress=said.append)
        rows = client.select("SELECT ?n WHERE { VALUES ?n { 1 } }")
    assert rows == [{"n": {"type": "literal", "value": "1"}}]
    assert waits == [waited] and said == [f"{server.url} answered 429; retrying in {waited:g}s"]
    agents = {headers["User-Agent"] for headers in server.seen}
    assert len(server.seen) == 2 and agents == {options.user_agent}
    assert options.user_agent.startswith("twingraph/") and "(mailto:ops@example.org) Python-urllib/" in agents.pop()


def test_the_linker_refuses_a_redirect_and_goes_nowhere_else(
    listener: socket.socket, assert_no_connection: Callable[[socket.socket], None]
) -> None:
    elsewhere = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    with scripted([(302, {"Location": elsewhere}, b"")]) as server:
        client = SparqlClient(ClientOptions(endpoint=server.url), sleep=lambda _: None)
        with pytest.raises(LinkError, match=rf"was redirected \(302\) to {elsewhere}: .*redirects are not followed"):
            client.select("ASK {}")
    assert_no_connection(listener)


def test_the_linker_timeout_bounds_the_whole_answer_of_a_trickling_endpoint() -> None:
    """A byte every 0.3 s would keep a per-read timeout waiting for ever; the deadline is for the whole request."""
    with scripted([(200, {"Content-Type": "application/sparql-results+json"}, None)]) as server:
        client = SparqlClient(ClientOptions(endpoint=server.url, timeout=1), sleep=lambda _: None)
        started = time.monotonic()
        with pytest.raises(LinkError, match=r"did not finish its answer within 1s \(\d+ bytes came\)"):
            client.select("ASK {}")
    assert time.monotonic() - started < 1 * 3 + 5
