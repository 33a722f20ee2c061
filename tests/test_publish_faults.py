"""``twingraph publish`` against stores that fail: hostile answers, a store killed mid-publish, a trickling store.

Every failure must be one line naming the store and what to do (never a traceback),
within ``--timeout`` of the request that met it; a staging graph that a dead store
kept is dropped by a later publish. The hostile stores are real HTTP servers on
sockets of their own (raw bytes, so that they can break HTTP), optionally passing
the first requests on to a real Oxigraph server.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import re
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner, Result
from rdflib import Graph

from running_stores import GRAPH, KINDS, VIRTUOSO_PASSWORD, StartCommand, Store, free_port, oxigraph, started
from twingraph.cli import main
from twingraph.clock import fixed_clock
from twingraph.config import Settings
from twingraph.sparql_http import Retries
from twingraph.store import Publisher, StoreError, endpoints_for
from twingraph.store.publish import publish, staging_graph

pytestmark = pytest.mark.server

TIMEOUT = 3.0


# -- a hostile HTTP server ------------------------------------------------------------------------

Behaviour = Callable[[socket.socket, threading.Event], None]


def head(status: str = "200 OK", content_type: str = "application/sparql-results+json", *more: str) -> bytes:
    lines = (f"HTTP/1.1 {status}", f"Content-Type: {content_type}", *more, "")
    return "".join(f"{line}\r\n" for line in lines).encode()


def reset_mid_body(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(head("200 OK", "application/sparql-results+json", "Content-Length: 1000") + b'{"head": ' * 10)
    time.sleep(0.2)  # the client has read what came before the reset
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def garbage_200(sock: socket.socket, stop: threading.Event) -> None:
    body = b"\x00\xff<<not json {{{"
    sock.sendall(head("200 OK", "application/sparql-results+json", f"Content-Length: {len(body)}") + body)


def huge_500(sock: socket.socket, stop: threading.Event) -> None:
    body = b"<html><head><title>Internal Server Error</title></head><body>" + b"<p>trace line</p>\n" * 300_000
    sock.sendall(head("500 Internal Server Error", "text/html", f"Content-Length: {len(body)}") + body)


def redirect(sock: socket.socket, stop: threading.Event, to: str = "http://127.0.0.1:9/sparql") -> None:
    sock.sendall(head("301 Moved Permanently", "text/plain", f"Location: {to}", "Content-Length: 0"))


def endless_body(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(head("200 OK", "application/sparql-results+json", "Transfer-Encoding: chunked"))
    while not stop.is_set():
        sock.sendall(b"400\r\n" + b" " * 0x400 + b"\r\n")  # 1 KiB chunks, 100 a second, for ever
        time.sleep(0.01)


def flood(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(head("200 OK", "application/sparql-results+json"))
    block = b" " * 2**20
    while not stop.is_set():
        sock.sendall(block)


def wrong_content_type(sock: socket.socket, stop: threading.Event) -> None:
    body = b"<html><body>Welcome to our web site</body></html>"
    sock.sendall(head("200 OK", "text/html", f"Content-Length: {len(body)}") + body)


def auth_loop(sock: socket.socket, stop: threading.Event) -> None:
    challenge = f'WWW-Authenticate: Digest realm="store", nonce="{random.getrandbits(64):x}", qop="auth"'
    sock.sendall(head("401 Unauthorized", "text/plain", challenge, "Content-Length: 0"))


def not_http(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(b"hello, this is not HTTP at all\n\n")


def close_at_once(sock: socket.socket, stop: threading.Event) -> None:
    sock.close()


def trickle_body(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(head())
    while not stop.is_set():
        sock.sendall(b" ")
        time.sleep(0.3)


def trickle_head(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.is_set():
        sock.sendall(b"X")
        time.sleep(0.3)


def busy(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(head("503 Service Unavailable", "text/plain", "Retry-After: 1", "Content-Length: 4") + b"busy")


# name -> (behaviour, what the one error line says)
HOSTILE: dict[str, tuple[Behaviour, str]] = {
    "reset mid-body": (reset_mid_body, r"broke off its answer after \d+ bytes|connection to the store .* broke"),
    "200 with garbage": (garbage_200, r"answered a SELECT query with application/sparql-results\+json that does not"),
    "500 with a huge HTML page": (huge_500, r"answered HTTP 500 Internal Server Error after 3 attempts.*trace line"),
    "redirect": (redirect, r"was redirected \(301\) to http://127\.0\.0\.1:9/sparql: .*redirects are not followed"),
    "a body that never ends": (endless_body, r"did not finish its answer within 3s \(\d+ bytes came\)"),
    "a flood": (flood, r"answered with more than 16 MiB"),
    "wrong Content-Type": (wrong_content_type, r"answered a SELECT query with text/html, not SPARQL results"),
    "401 for ever": (auth_loop, r"answered HTTP 401 Unauthorized: give --user and set TWINGRAPH_STORE_PASSWORD"),
    "not HTTP": (not_http, r"did not answer POST in HTTP"),
    "closed at once": (close_at_once, r"closed the connection without answering POST|connection to the store .* broke"),
    "a trickling body": (trickle_body, r"did not finish its answer within 3s"),
    "a trickling head": (trickle_head, r"did not answer within 3s"),
    "busy for ever": (busy, r"answered HTTP 503 Service Unavailable after 3 attempts; try again later"),
}  # fmt: skip


class HostileServer(socketserver.ThreadingTCPServer):
    """Answers requests with raw bytes: the first ``honest`` ones passed on to a real store, the others hostile."""

    daemon_threads = False
    block_on_close = True  # closing waits for every request: none passed on may reach the store in a later test
    allow_reuse_address = True

    def __init__(self, behaviour: Behaviour, upstream: str | None = None, honest: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.behaviour, self.upstream, self.honest = behaviour, upstream, honest
        self.seen: list[str] = []
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class HostileHandler(socketserver.BaseRequestHandler):
    server: HostileServer
    request: socket.socket

    def handle(self) -> None:
        if self.server.behaviour is close_at_once and len(self.server.seen) >= self.server.honest:
            self.server.seen.append("(not read)")
            close_at_once(self.request, self.server.stop)
            return
        line, headers, body = read_request(self.request)
        self.server.seen.append(line)
        try:
            if len(self.server.seen) <= self.server.honest and self.server.upstream:
                self.request.sendall(forward(self.server.upstream, line, headers, body))
            else:
                self.server.behaviour(self.request, self.server.stop)
        except OSError:  # the client gave up: that is the point
            pass


def read_request(sock: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """The request line, headers and body of one HTTP request read off a socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    top, _, body = data.partition(b"\r\n\r\n")
    line, *rest = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in rest)}
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return line, headers, body


def forward(upstream: str, line: str, headers: dict[str, str], body: bytes) -> bytes:
    """The real store's answer to the request, as raw bytes."""
    method, path, _ = line.split(" ", 2)
    keep = {k: v for k, v in headers.items() if k in ("content-type", "accept", "authorization")}
    request = urllib.request.Request(upstream + path, data=body or None, headers=keep, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, reason, kind, data = answer.status, answer.reason, answer.headers.get("Content-Type"), answer.read()
    except urllib.error.HTTPError as exc:
        status, reason, kind, data = exc.code, exc.reason, exc.headers.get("Content-Type"), exc.read()
    return head(f"{status} {reason}", kind or "text/plain", f"Content-Length: {len(data)}") + data


@contextlib.contextmanager
def hostile(behaviour: Behaviour, upstream: str | None = None, honest: int = 0) -> Iterator[HostileServer]:
    server = HostileServer(behaviour, upstream, honest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


def one_error_line(result: Result) -> str:
    """The command's error: exit status 1, no traceback, and one line saying what failed."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exc_info
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and result.output.endswith(errors[0] + "\n"), result.output
    assert "Traceback" not in result.output
    return errors[0]


# -- real stores -----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=KINDS)
def store(request: pytest.FixtureRequest, start_command: StartCommand,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:  # fmt: skip
    with started(request.param, start_command, tmp_path_factory.mktemp(request.param)) as running:
        yield running


@pytest.fixture(scope="module")
def ntriples(graph: Graph) -> bytes:
    """The dataset as the publish sends it."""
    return graph.serialize(format="nt", encoding="utf-8")


def invoke(settings: Settings, *args: str, env: dict[str, str] | None = None) -> tuple[Result, float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), *args], env=env)
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def baseline(settings: Settings) -> float:
    """Seconds a publish takes to fail at once (building and validating the dataset come first)."""
    result, took = invoke(settings, "publish", "--to", f"http://127.0.0.1:{free_port()}/store")
    assert "cannot reach the store" in one_error_line(result)
    return took


# -- hostile answers -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_answer_is_one_clear_line_within_the_timeout(name: str, settings: Settings, baseline: float) -> None:
    behaviour, message = HOSTILE[name]
    with hostile(behaviour) as server:
        result, took = invoke(settings, "publish", "--to", server.url + "/store", "--timeout", f"{TIMEOUT:g}")
    line = one_error_line(result)
    assert re.search(message, line), line
    assert server.url in line and len(line) < 700, line
    assert took < baseline + 3 * TIMEOUT + 5 + (3 if "attempts" in message else 0), f"{took:.1f}s: {line}"


def test_credentials_do_not_loop_on_a_store_that_refuses_them(settings: Settings) -> None:
    with hostile(auth_loop) as server:
        result, _ = invoke(settings, "publish", "--to", server.url + "/store", "--user", "someone",
                           env={"TWINGRAPH_STORE_PASSWORD": "secret-password-42"})  # fmt: skip
    line = one_error_line(result)
    assert "answered HTTP 401" in line and "secret-password-42" not in result.output
    assert len(server.seen) == 2, server.seen  # the challenge, then the credentials once: refused, reported


def test_a_redirect_is_not_followed(settings: Settings, listener: socket.socket,
                                    assert_no_connection: Callable[[socket.socket], None]) -> None:  # fmt: skip
    elsewhere = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    with hostile(lambda sock, stop: redirect(sock, stop, elsewhere)) as server:
        result, _ = invoke(settings, "publish", "--to", server.url + "/store")
    assert f"redirected (301) to {elsewhere}" in one_error_line(result)
    assert_no_connection(listener)


def test_a_trickling_store_is_cut_at_the_timeout_of_the_whole_request(ntriples: bytes) -> None:
    """urllib's own timeout is per read: a byte every 0.3 s would hold the request for ever."""
    with hostile(trickle_body) as server:
        publisher = Publisher(endpoints_for(server.url + "/store", True), timeout=1.0)
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"did not finish its answer within 1s \(\d+ bytes came\)"):
            publish(ntriples, 10, GRAPH, publisher, lambda _: None)
    assert time.monotonic() - started < 1.0 * 3 + 5


# -- a store that goes bad in the middle of a publish -----------------------------------------------


@pytest.fixture(scope="module")
def oxigraph_store(start_command: StartCommand,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:  # fmt: skip
    with oxigraph(start_command, tmp_path_factory.mktemp("oxigraph-faults")) as running:
        yield running


@pytest.mark.slow
@pytest.mark.parametrize("honest", [1, 2, 3, 4])  # hostile from the PUT, the count, the switch, the last count
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_store_that_turns_hostile_mid_publish_fails_cleanly_and_leaves_the_graph_whole(
    name: str, honest: int, oxigraph_store: Store, ntriples: bytes, graph: Graph
) -> None:
    """Whichever request meets the hostile answer, publish raises StoreError (one line) and the graph is old or new."""
    old = "".join(f"<urn:old:{i}> <urn:p> <urn:o> .\n" for i in range(10))
    oxigraph_store.put(GRAPH, old)
    upstream = oxigraph_store.query.rpartition("/")[0]
    with hostile(HOSTILE[name][0], upstream, honest) as server:
        publisher = Publisher(endpoints_for(server.url + "/store", True), timeout=2.0,
                              retries=Retries(retries=2, backoff=0.05, max_wait=0.1))  # fmt: skip
        try:
            publish(ntriples, len(graph), GRAPH, publisher, lambda _: None)
        except StoreError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 700, str(exc)
            assert server.url in str(exc), str(exc)
        else:
            pytest.fail(f"the publish went through a hostile store: {server.seen}")
    assert oxigraph_store.count() in (10, len(graph))


def start_oxigraph(where: Path, port: int) -> subprocess.Popen[bytes]:
    """The Oxigraph server on a store directory, once it answers."""
    process = subprocess.Popen(["oxigraph", "serve", "--location", str(where), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(200):
        with contextlib.suppress(httpx2.TransportError):
            httpx2.get(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=1)
            return process
        time.sleep(0.05)
    process.kill()
    pytest.fail("the Oxigraph server did not start")


def publish_in_thread(ntriples: bytes, expected: int, publisher: Publisher, outcome: list[object]) -> threading.Thread:
    def run() -> None:
        try:
            outcome.append(publish(ntriples, expected, GRAPH, publisher, lambda _: None))
        except Exception as exc:  # what the test checks: only StoreError may come out
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.slow
@pytest.mark.parametrize("by", ["graph-store", "update"])
def test_killing_the_store_mid_publish_fails_cleanly_and_the_next_publish_drops_what_it_left(
    by: str, tmp_path: Path, ntriples: bytes, graph: Graph
) -> None:
    """The Oxigraph server is killed (SIGKILL) at random moments of a publish, then started again on its files."""
    if shutil.which("oxigraph") is None:
        pytest.fail("no oxigraph command: pip install -e '.[dev]' installs the Oxigraph server")
    port, where, chance = free_port(), tmp_path / "db", random.Random(13)
    store = Store("oxigraph", f"http://127.0.0.1:{port}/store", f"http://127.0.0.1:{port}/update",
                  f"http://127.0.0.1:{port}/query")  # fmt: skip
    to = store.graph_store if by == "graph-store" else store.update
    publisher = Publisher(endpoints_for(to, by == "graph-store"), timeout=10.0)
    process = start_oxigraph(where, port)
    started = time.monotonic()
    publish(ntriples, len(graph), GRAPH, publisher, lambda _: None)
    length = time.monotonic() - started
    failures = 0
    for _ in range(12):
        outcome: list[object] = []
        thread = publish_in_thread(ntriples, len(graph), publisher, outcome)
        time.sleep(chance.uniform(0, length * 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        thread.join(timeout=60)
        assert len(outcome) == 1 and isinstance(outcome[0], int | StoreError), outcome
        failures += isinstance(outcome[0], StoreError)
        assert "\n" not in str(outcome[0])
        process = start_oxigraph(where, port)
        assert store.count() == len(graph), "the graph is whole after every kill"
    try:
        assert failures >= 6, "most kills came in the middle of a publish"
        later = fixed_clock(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2))
        said: list[str] = []
        publish(ntriples, len(graph), GRAPH, publisher, said.append, clock=later)
        assert store.staging() == set()
        assert store.count() == len(graph)
    finally:
        process.kill()
        process.wait()


# -- staging graphs left behind ----------------------------------------------------------------------


def test_the_next_publish_drops_old_staging_graphs_and_leaves_young_ones(store: Store, settings: Settings) -> None:
    """A staging graph older than an hour is one a dead publish left; a younger one may be a live publish's."""
    now = datetime.datetime.now(datetime.UTC)
    old = staging_graph(GRAPH, now - datetime.timedelta(hours=2), "dead01")
    young = staging_graph(GRAPH, now - datetime.timedelta(minutes=5), "live01")
    not_ours = GRAPH + "/staging-by-hand"
    for name in (old, young, not_ours):
        store.put(name, "<urn:a> <urn:p> <urn:o> .\n")
    result, _ = invoke(settings, *store.publish_args(), env={"TWINGRAPH_STORE_PASSWORD": VIRTUOSO_PASSWORD})
    assert result.exit_code == 0, result.output
    assert store.staging() == {young, not_ours}, result.output
    assert f"dropping 1 staging graph(s) that earlier publishes left behind (older than 60 minutes): {old}" in (
        result.output)  # fmt: skip
    assert f"leaving the staging graph {young} alone" in result.output
    assert f"leaving the staging graph {not_ours} alone" in result.output


@pytest.fixture
def fresh_oxigraph(start_command: StartCommand,
                   tmp_path: Path) -> Iterator[Store]:  # fmt: skip
    with oxigraph(start_command, tmp_path) as running:
        yield running


def test_a_store_that_dies_during_the_switch_keeps_the_staging_graph_until_a_later_publish(
    fresh_oxigraph: Store, ntriples: bytes, graph: Graph
) -> None:
    """The switch request meets a dead store: the publish fails, its staging graph stays; an hour on, it goes."""
    upstream = fresh_oxigraph.query.rpartition("/")[0]
    with hostile(close_at_once, upstream, honest=3) as server:  # dies at the switch, and stays dead
        publisher = Publisher(endpoints_for(server.url + "/store", True), timeout=30.0)
        said: list[str] = []
        with pytest.raises(StoreError, match="the switch is one update request"):
            publish(ntriples, len(graph), GRAPH, publisher, said.append)
    left = fresh_oxigraph.staging()
    assert len(left) == 1 and any("could not drop the staging graph" in line for line in said), said
    publisher = Publisher(endpoints_for(fresh_oxigraph.graph_store, True), timeout=10.0)
    soon = fixed_clock(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10))
    publish(ntriples, len(graph), GRAPH, publisher, said.append, clock=soon)
    assert left <= fresh_oxigraph.staging(), "ten minutes on, it may still be a live publish's"
    later = fixed_clock(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2))
    said.clear()
    publish(ntriples, len(graph), GRAPH, publisher, said.append, clock=later)
    (dead,) = left
    assert dead not in fresh_oxigraph.staging()
    assert any(line.startswith("dropping") and dead in line for line in said), said
