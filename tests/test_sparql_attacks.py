"""Hostile queries against a real ``twingraph serve``: hidden SERVICE/FROM/LOAD, deep nesting, huge bodies, crashes.

Each would-be target of an outgoing request is a local listener that must see no
connection. The server runs in a process of its own on loopback, as a user runs it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import urlencode

import httpx2
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from running_stores import StartCommand, oxigraph
from twingraph.cli import main
from twingraph.config import Settings
from twingraph.pipeline import Built
from twingraph.store.template import WORKER_NAME

pytestmark = pytest.mark.server
NoConnection = Callable[[socket.socket], None]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
BYPASS = "PREFIX ex: <http://e/>\nSELECT * WHERE {{ VALUES ?z {{ ex:a\\# }} SERVICE <{url}> {{ ?s ?p ?o }} }}"

# Every one of these names the listener ({url}) as a SERVICE or LOAD target, behind a lexical trick.
HIDDEN = [
    # escapes in prefixed names, the issue's bypass and its cousins
    BYPASS,
    "PREFIX ex: <http://e/>\nSELECT * WHERE {{ ?s ex:p\\#q ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <http://e/>\nSELECT * WHERE {{ ?s ?p ex:a\\#\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <http://e/>\nSELECT * WHERE {{ ?s ?p ex:a\\\\# . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # code-point escapes
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVIC\\u0045 <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\U00000053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    'SELECT * WHERE {{ ?s ?p "\\u0022 . SERVICE <{url}> {{ ?s ?p ?o }} #" }}',
    "SELECT * WHERE {{ ?s ?p <urn:x\\u003E . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o # \\u000A SERVICE <{url}> {{ ?s ?p ?o }}\n }}",
    "SELECT * WHERE {{ ?s ?p ?o \\u0023 }} SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # an escape rdflib reads and pyoxigraph does not: \U with 4 digits
    'SELECT * WHERE {{ ?s ?p ?o . # \\U000A ?s ?p """\nSERVICE <{url}> {{ ?s ?p ?o }} # """\n}}',
    "SELECT * WHERE {{ ?s ?p ?o . # \\U000a ?s ?p '''\nSERVICE <{url}> {{ ?s ?p ?o }} # '''\n}}",
    # case, whitespace and newlines in odd places
    "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE\tSILENT\n<{url}>{{?s ?p ?o}} }}",
    "SELECT*WHERE{{SERVICE<{url}>{{?s ?p ?o}}}}",
    "SELECT * WHERE {{ SERVICE # not here\n <{url}> # nor here\n {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{\r\nSERVICE\r\n<{url}>\r\n{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{\fSERVICE\v<{url}>\u00a0{{ ?s ?p ?o }} }}",
    # strings, IRIs and comments that look like the end of something
    'SELECT * WHERE {{ ?s ?p "}} # " . SERVICE <{url}> {{ ?s ?p ?o }} }}',
    "SELECT * WHERE {{ ?s ?p '''\n}} #\n''' . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s <urn:x#}}> ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o < 3) SERVICE <{url}> {{ ?s ?p ?o }} FILTER(?o > <urn:a>) }}",
    "PREFIX service: <urn:service#> SELECT * WHERE {{ ?s service:SERVICE ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # IRIs: relative, prefixed, from variables
    "BASE <{url}> SELECT * WHERE {{ SERVICE <> {{ ?s ?p ?o }} }}",
    "PREFIX t: <{url}> SELECT * WHERE {{ SERVICE t: {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?u {{ <{url}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
    # nested groups, subqueries, EXISTS
    "SELECT * WHERE {{ {{ {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT (EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} AS ?e) WHERE {{}}",
    "ASK {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # LOAD and other updates
    "LOAD <{url}>",
    "LOAD SILENT <{url}> INTO GRAPH <urn:g>",
    "# a query\nload <{url}>",
    "\\u004COAD <{url}>",
    "SELECT * WHERE {{ ?s ?p ?o }}\n;\nLOAD <{url}>",
    "PREFIX ex: <http://e/>\nSELECT * WHERE {{ VALUES ?z {{ ex:a\\# }} }} LOAD <{url}>",
    'DEFINE input:grab-all "yes" SELECT * WHERE {{ <{url}> ?p ?o }}',
]
# FROM and FROM NAMED are allowed: they name graphs of the local store, which are never fetched.
LOCAL = [
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "select * from\n<{url}>\nfrom named <{url}> where {{ ?s ?p ?o }}",
    "PREFIX ex: <http://e/>\nSELECT * FROM <{url}> WHERE {{ ?s ?p ex:a\\# }}",
    "ASK FROM <{url}> {{ FILTER EXISTS {{ SELECT * {{ ?s ?p ?o }} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> FROM NAMED <{url}> WHERE {{ GRAPH <{url}> {{ ?s ?p ?o }} }}",
]


@pytest.fixture(scope="module")
def server(built: Built, settings: Settings, start_server: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    """``twingraph serve`` with a 1 s query timeout."""
    with start_server(settings.dist_dir, "--timeout", "1") as url:
        yield url


@pytest.fixture(scope="module")
def store_server(built: Built, settings: Settings, start_command: StartCommand,
                 start_server: Callable[..., AbstractContextManager[str]],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # fmt: skip
    """``twingraph serve --store`` over the Oxigraph server, which runs SERVICE when it is sent one."""
    with oxigraph(start_command, tmp_path_factory.mktemp("oxigraph")) as store:
        published = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), *store.publish_args()])
        assert published.exit_code == 0, published.output
        with start_server(tmp_path_factory.mktemp("empty-dist"), "--store", store.query, "--timeout", "1") as url:
            yield url


@pytest.fixture(scope="module")
def patient_server(built: Built, settings: Settings,
                   start_server: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:  # fmt: skip
    """``twingraph serve`` with a 60 s query timeout, for queries that must still run when the test acts."""
    with start_server(settings.dist_dir, "--timeout", "60") as url:
        yield url


def ask(url: str, query: str, how: str = "POST") -> httpx2.Response:
    if how == "GET":
        return httpx2.get(url + "/sparql", params={"query": query}, timeout=30)
    return httpx2.post(url + "/sparql", data={"query": query}, timeout=30)


def still_up(url: str) -> None:
    assert httpx2.get(url + "/city/tehran", headers={"Accept": "text/turtle"}, timeout=30).status_code == 200
    answer = ask(url, "ASK { ?s ?p ?o }")
    assert answer.status_code == 200 and "true" in answer.text


@contextlib.contextmanager
def watched() -> Iterator[tuple[str, socket.socket]]:
    """A loopback listener and the URL that names it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.settimeout(0.5)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", sock


# -- hidden SERVICE, FROM, LOAD ---------------------------------------------------------------------


def test_the_bypass_of_the_issue_is_403_and_silent(server: str, listener: socket.socket,
                                                    assert_no_connection: NoConnection) -> None:  # fmt: skip
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
    answer = httpx2.post(server + "/sparql", data={"query": BYPASS.format(url=url)}, timeout=30)
    assert answer.status_code == 403, answer.text
    assert "SERVICE" in answer.text
    assert_no_connection(listener)


def test_hidden_service_and_load_are_refused_with_no_connection(server: str, listener: socket.socket,
                                                               assert_no_connection: NoConnection) -> None:  # fmt: skip
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    for i, template in enumerate(HIDDEN):
        answer = ask(server, template.format(url=url), "GET" if i % 2 else "POST")
        assert answer.status_code in (400, 403), (template, answer.status_code, answer.text)
    assert_no_connection(listener)
    still_up(server)


def test_under_serve_store_neither_twingraph_nor_the_store_connects(
    store_server: str, listener: socket.socket, assert_no_connection: NoConnection
) -> None:
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    for i, template in enumerate(HIDDEN):
        answer = ask(store_server, template.format(url=url), "GET" if i % 2 else "POST")
        assert answer.status_code in (400, 403), (template, answer.status_code, answer.text)
    assert_no_connection(listener)
    still_up(store_server)


def test_from_and_from_named_run_on_local_graphs_only(server: str, listener: socket.socket,
                                                      assert_no_connection: NoConnection) -> None:  # fmt: skip
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
    for template in LOCAL:
        answer = ask(server, template.format(url=url))
        assert answer.status_code == 200, (template, answer.text)
    assert_no_connection(listener)


SPACE = st.sampled_from([" ", "\n", "\t", "\r\n", " # SERVICE <urn:x> { }\n", "# }}} '\"\n", "\u00a0", "  \f",
                        " # \\U000A \n"])
WORD = st.sampled_from(["SERVICE", "service", "SeRvIcE", "\\u0053ERVICE", "SERVIC\\u0065", "\\U00000073ervice",
                        "\\U0053ERVICE", "\\u00000053ERVICE"])
DECOY = st.sampled_from(['"}"', "'#'", "<urn:x#}>", "ex:a\\#", "ex:b\\#c", '"""\n} #\n"""', '"\\""', "?o", "ex:c\\\\"])
WRAP = st.sampled_from(["{}", "OPTIONAL {{ {} }}", "FILTER EXISTS {{ {} }}", "FILTER NOT EXISTS {{ {} }}",
                        "{{ SELECT * WHERE {{ {} }} }}", "MINUS {{ {} }}", "{{ {} }} UNION {{ }}", "GRAPH ?g {{ {} }}",
                        "{{ {} }}"])  # fmt: skip
TARGET = st.sampled_from(["<{url}>", "t:", "?u", "<{url}#x>"])


@st.composite
def hidden_service(draw: st.DrawFn) -> str:
    """A query with a SERVICE to ``{url}`` somewhere, dressed in decoys, odd spacing and escapes."""
    service = "".join([draw(WORD), draw(SPACE), draw(st.sampled_from(["", "SILENT", "silent"])), draw(SPACE),
                       draw(TARGET), draw(SPACE), "{ ?s ?p ?o }"])  # fmt: skip
    for wrap in draw(st.lists(WRAP, max_size=3)):
        service = wrap.format(service)
    before = f"?s ?p {draw(DECOY)} .{draw(SPACE)}"
    return ("PREFIX ex: <http://e/>\nPREFIX t: <{url}>\nSELECT * WHERE {" + draw(SPACE) + before
            + "BIND(<{url}> AS ?u)" + draw(SPACE) + service + draw(SPACE) + "}")  # fmt: skip


@hypothesis_settings(max_examples=80, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(query=hidden_service())
def test_generated_hidden_services_never_connect(server: str, query: str) -> None:
    with watched() as (url, sock):
        answer = ask(server, query.replace("{url}", url))
        assert answer.status_code in (400, 403), (query, answer.text)
        with pytest.raises(TimeoutError):
            sock.accept()


# -- input that crashed or froze the server ---------------------------------------------------------

NESTINGS = {
    "{": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "FILTER NOT EXISTS {": lambda n: "SELECT * WHERE { " + "FILTER NOT EXISTS { " * n + "}" * n + " }",
    "OPTIONAL {": lambda n: "SELECT * WHERE { " + "OPTIONAL { " * n + "}" * n + " }",
    "(": lambda n: "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "!": lambda n: "ASK { FILTER(" + "!" * n + "true) }",
}


@pytest.mark.parametrize(("opening", "count"), [("{", 2_600), ("{", 2_500), ("FILTER NOT EXISTS {", 1_000),
                                                ("OPTIONAL {", 3_000), ("(", 10_000), ("!", 10_000)])  # fmt: skip
def test_each_measured_crash_is_a_400_and_the_server_stays_up(server: str, opening: str, count: int) -> None:
    query = NESTINGS[opening](count)
    answer = httpx2.post(server + "/sparql", content=query.encode(), timeout=30,
                         headers={"Content-Type": "application/sparql-query"})  # fmt: skip
    assert answer.status_code == 400, answer.text
    still_up(server)


def test_deep_nesting_in_a_get_url_is_a_400(server: str) -> None:
    answer = ask(server, NESTINGS["{"](2_600), "GET")
    assert answer.status_code in (400, 414, 431), answer.text
    still_up(server)


def test_a_64_kb_body_of_digits_is_refused_while_pages_are_served(server: str) -> None:
    answers: dict[str, httpx2.Response] = {}

    def page() -> None:
        answers["page"] = httpx2.get(server + "/city/kazan", headers={"Accept": "text/html"}, timeout=30)

    thread = threading.Thread(target=page)
    thread.start()
    digits = httpx2.post(server + "/sparql", content=b"1" * (64 * 1024), timeout=30,
                         headers={"Content-Type": "application/sparql-query"})  # fmt: skip
    thread.join(30)
    assert digits.status_code == 400 and "number" in digits.text  # its time: benchmarks/hostile.py
    assert answers["page"].status_code == 200
    form = httpx2.post(server + "/sparql", data={"query": "ASK { FILTER(1 < " + "1" * 60_000 + ") }"}, timeout=30)
    assert form.status_code == 400


# -- workers that die or run too long -------------------------------------------------------------


def server_pid(url: str) -> int:
    """The pid of the ``twingraph serve`` process listening on the URL's port."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if proc.name.isdigit() and b"serve" in args and port.encode() in args:
                return int(proc.name)
    raise AssertionError(f"no server process on port {port}")


def cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process, in clock ticks (-1 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])


def workers_of(server: int) -> list[int]:
    """The query worker processes of a server: the processes its template forked, by their name."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError):
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == WORKER_NAME \
                    and server in ancestors(int(proc.name)):  # fmt: skip
                found.append(int(proc.name))
    return found


def ancestors(pid: int) -> list[int]:
    """A process's parent, its parent's parent, and so on (to pid 1)."""
    found = []
    while pid > 1:
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        found.append(pid)
    return found


def idle_workers(server: int, count: int = 4, seconds: float = 60) -> dict[int, int]:
    """The CPU time of each of the server's workers, once all have started and none is working."""
    deadline = time.monotonic() + seconds
    last: dict[int, int] = {}
    while time.monotonic() < deadline:
        now = {pid: cpu_ticks(pid) for pid in workers_of(server)}
        if len(now) == count and now == last:
            return now
        last = now
        time.sleep(0.5)
    raise AssertionError(f"the server's {count} workers did not settle: {last}")


def busy_worker(server: int, before: dict[int, int], seconds: float = 20) -> int:
    """The worker whose CPU time grows, once one does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid in workers_of(server):
            if cpu_ticks(pid) > before.get(pid, 0) + 5:
                return pid
        time.sleep(0.02)
    raise AssertionError("no worker started on the query")


def in_background(url: str, query: str) -> tuple[threading.Thread, dict[str, httpx2.Response]]:
    answers: dict[str, httpx2.Response] = {}
    thread = threading.Thread(target=lambda: answers.update(answer=ask(url, query)))
    thread.start()
    return thread, answers


def test_a_worker_killed_mid_query_gives_500_and_the_next_query_works(patient_server: str) -> None:
    pid = server_pid(patient_server)
    before = idle_workers(pid)
    thread, answers = in_background(patient_server, RUNAWAY)
    worker = busy_worker(pid, before)
    os.kill(worker, signal.SIGKILL)
    thread.join(30)
    assert answers["answer"].status_code == 500, answers["answer"].text
    still_up(patient_server)


def nice_of(pid: int) -> int:
    """A process's nice value (field 19 of /proc/PID/stat)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_a_long_querys_worker_drops_to_the_lowest_priority_and_the_others_keep_theirs(patient_server: str) -> None:
    pid = server_pid(patient_server)
    base = min(19, nice_of(pid) + 10)
    assert ask(patient_server, "ASK { ?s ?p ?o }").status_code == 200  # a short query leaves its worker as it was
    before = idle_workers(pid)
    assert {nice_of(w) for w in before} == {base}
    thread, answers = in_background(patient_server, RUNAWAY)
    worker = busy_worker(pid, before)
    deadline = time.monotonic() + 10
    while nice_of(worker) != 19 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert nice_of(worker) == 19, "the worker of the long query was not demoted"
    assert {nice_of(w) for w in workers_of(pid) if w != worker} == {base}
    os.kill(worker, signal.SIGKILL)
    thread.join(30)
    assert answers["answer"].status_code == 500
    still_up(patient_server)


def every_triple_times(n: int) -> str:
    """A query that counts every triple joined with n numbers: on the Kazan data (7,700 triples), n × 7,700 rows."""
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c VALUES ?v {{ {' '.join(str(i) for i in range(n))} }} }}"


def test_a_long_querys_worker_is_replaced_by_a_fresh_fork_once_it_has_answered(patient_server: str) -> None:
    """A demoted worker cannot be raised again; were it kept, later short queries would run at nice 19."""
    pid = server_pid(patient_server)
    base = min(19, nice_of(pid) + 10)
    before = idle_workers(pid)
    thread, answers = in_background(patient_server, every_triple_times(6_000))  # seconds, well within 60 s
    worker = busy_worker(pid, before)
    deadline = time.monotonic() + 10
    while cpu_ticks(worker) != -1 and nice_of(worker) != 19 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert nice_of(worker) == 19, "the worker of the long query was not demoted"
    thread.join(60)
    assert answers["answer"].status_code == 200, answers["answer"].text
    after = idle_workers(pid)
    assert worker not in after and cpu_ticks(worker) == -1, "the demoted worker was kept"
    assert {nice_of(w) for w in after} == {base}


def test_a_query_that_only_waits_for_the_cpu_keeps_its_worker_and_priority(patient_server: str) -> None:
    """Long is by CPU time, not by the clock: on a busy machine a short query may wait past half a second."""
    pid = server_pid(patient_server)
    base = min(19, nice_of(pid) + 10)
    before = idle_workers(pid)
    thread, answers = in_background(patient_server, every_triple_times(400))  # a few tenths of a CPU second
    worker = busy_worker(pid, before)
    os.kill(worker, signal.SIGSTOP)  # as if the CPU were busy elsewhere: the clock runs, its CPU time does not
    try:
        time.sleep(1.5)
    finally:
        os.kill(worker, signal.SIGCONT)
    thread.join(60)
    assert answers["answer"].status_code == 200, answers["answer"].text
    assert cpu_ticks(worker) != -1 and nice_of(worker) == base, "the worker was taken for a long query's"


def test_a_runaway_query_is_stopped_and_its_worker_is_gone(server: str) -> None:
    pid = server_pid(server)
    before = idle_workers(pid)
    thread, answers = in_background(server, RUNAWAY)
    worker = busy_worker(pid, before, seconds=5)
    thread.join(30)
    assert answers["answer"].status_code == 503 and "longer than 1 s" in answers["answer"].text
    assert cpu_ticks(worker) == -1, "the worker that ran past its deadline was killed"
    still_up(server)


# -- clients that go away ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_slot_server(built: Built, settings: Settings,
                    start_server: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:  # fmt: skip
    """One worker, and room for two waiting queries per client: a runaway query holds the only slot for 8 s."""
    with start_server(settings.dist_dir, "--workers", "1", "--timeout", "8", "--queue-limit", "8",
                      "--queue-wait", "60") as url:  # fmt: skip
        yield url


def requested_and_left_open(url: str, target: str, accept: str = "*/*") -> socket.socket:
    """A raw connection that has sent a GET of the target and reads nothing: close it to go away."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\n\r\n".encode("ascii"))
    return sock


def test_queries_whose_clients_went_away_leave_the_queue_to_live_ones(one_slot_server: str) -> None:
    """wrk's last requests, a closed tab: without this a client's queue stays full of requests nobody reads (429)."""
    orphans = [f"/sparql?{urlencode({'query': f'ASK {{ ?s ?p {n} }}'})}" for n in range(2)]
    live_ones_are_queued_once_orphans_leave(one_slot_server, orphans, lambda: ask(one_slot_server, "ASK {}", "GET"))


def test_pages_whose_clients_went_away_leave_the_queue_to_live_ones(one_slot_server: str) -> None:
    """The same for the queries behind pages, which run in a thread: a closed tab gives its place back."""
    html = {"Accept": "text/html"}
    live_ones_are_queued_once_orphans_leave(
        one_slot_server, ["/city/tehran", "/city/kazan"],
        lambda: httpx2.get(one_slot_server + "/person/ilsur-metshin", headers=html, timeout=60), "text/html",
    )  # fmt: skip


def live_ones_are_queued_once_orphans_leave(url: str, orphan_targets: list[str], live: Callable[[], httpx2.Response],
                                            accept: str = "*/*") -> None:  # fmt: skip
    """While a runaway query holds the one slot, two requests left open fill their client's two queue places
    (a live request gets 429); once they close, a live request sent while the slot is still held is queued
    and answered 200 when the slot comes free."""
    pid = server_pid(url)
    before = idle_workers(pid, count=1)
    thread, answers = in_background(url, RUNAWAY)
    busy_worker(pid, before)
    orphans = [requested_and_left_open(url, target, accept) for target in orphan_targets]
    try:
        time.sleep(1)  # the server reads both: their queries are queued, and fill this client's two places
        full = live()
        assert full.status_code == 429, f"the queue was to be full: {full.status_code} {full.text[:300]}"
    finally:
        for sock in orphans:
            sock.close()
    sent_while_held = False
    answer = full
    while answer.status_code == 429 and thread.is_alive():
        sent_while_held = thread.is_alive()
        answer = live()  # waits for the slot, unless refused at once
        time.sleep(0.05 if answer.status_code == 429 else 0)
    thread.join(30)
    assert sent_while_held and answer.status_code == 200, f"{answer.status_code} {answer.text[:300]}"
    assert answers["answer"].status_code == 503, "the runaway query held the slot until its deadline"
