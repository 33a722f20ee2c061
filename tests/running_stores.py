"""The real stores the tests publish to and query: the Oxigraph server and Virtuoso, each on free ports.

Each store runs from a temporary directory for as long as its context lasts (``started``).
Virtuoso is skipped where it is not installed, unless ``TWINGRAPH_REQUIRE_VIRTUOSO=1``
(CI sets it), which fails the tests instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

GRAPH = "https://twingraph.example/dataset"
VIRTUOSO_PASSWORD = "dba"  # a fresh Virtuoso database's dba password
KINDS = ("oxigraph", "virtuoso")
VIRTUOSO_INI = """[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = {http_port}
ServerRoot = .
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
"""

StartCommand = Callable[..., contextlib.AbstractContextManager[str]]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass(frozen=True)
class Store:
    """A running store: its endpoints and what ``twingraph publish`` needs to write to it."""

    name: str
    graph_store: str
    update: str
    query: str
    user: str | None = None

    def publish_args(self, *more: str) -> list[str]:
        return ["publish", "--to", self.graph_store, *(["--user", self.user] if self.user else []), *more]

    def ask(self, query: str) -> list[dict[str, dict[str, str]]]:
        answer = httpx2.post(self.query, data={"query": query}, headers={"Accept": "application/sparql-results+json"},
                             timeout=30)  # fmt: skip
        answer.raise_for_status()
        return answer.json()["results"]["bindings"]  # type: ignore[no-any-return]

    def count(self, graph: str = GRAPH) -> int:
        return int(self.ask(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]["value"])

    def staging(self) -> set[str]:
        query = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH}/")) }}'
        found = self.ask(query)
        return {row["g"]["value"] for row in found}

    def put(self, graph: str, ntriples: str) -> None:
        auth = httpx2.DigestAuth(self.user, VIRTUOSO_PASSWORD) if self.user else None
        answer = httpx2.put(self.graph_store, params={"graph": graph}, content=ntriples.encode(), auth=auth,
                            headers={"Content-Type": "application/n-triples"}, timeout=30)  # fmt: skip
        assert answer.status_code in (200, 201, 204), answer.text


def virtuoso_missing(reason: str) -> None:
    """Skips, or fails where ``TWINGRAPH_REQUIRE_VIRTUOSO=1`` (CI) asks for the Virtuoso tests."""
    if os.environ.get("TWINGRAPH_REQUIRE_VIRTUOSO") == "1":
        pytest.fail(f"{reason}, and TWINGRAPH_REQUIRE_VIRTUOSO=1 asks for the Virtuoso tests", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def oxigraph(start_command: StartCommand, where: Path) -> Iterator[Store]:
    """The Oxigraph server on a database in ``where``."""
    if shutil.which("oxigraph") is None:
        pytest.fail("no oxigraph command: pip install -e '.[dev]' installs the Oxigraph server")
    command = ["oxigraph", "serve", "--location", str(where / "db"), "--bind"]
    with start_command(lambda port: [*command, f"127.0.0.1:{port}"], cwd=where) as url:
        yield Store("oxigraph", url + "/store", url + "/update", url + "/query")


@contextlib.contextmanager
def virtuoso(start_command: StartCommand, where: Path) -> Iterator[Store]:
    """Virtuoso on a database in ``where`` (a second free port for its SQL)."""
    if shutil.which("virtuoso-t") is None:
        virtuoso_missing("Virtuoso is not installed: apt-get install virtuoso-opensource")

    def command(port: int) -> list[str]:
        (where / "virtuoso.ini").write_text(VIRTUOSO_INI.format(sql_port=free_port(), http_port=port))
        return ["virtuoso-t", "+foreground", "+configfile", "virtuoso.ini"]

    with start_command(command, cwd=where) as url:
        yield Store("virtuoso", url + "/sparql-graph-crud-auth", url + "/sparql-auth", url + "/sparql", "dba")


def started(kind: str, start_command: StartCommand, where: Path) -> contextlib.AbstractContextManager[Store]:
    """A fresh store of a kind (``oxigraph`` or ``virtuoso``)."""
    return oxigraph(start_command, where) if kind == "oxigraph" else virtuoso(start_command, where)
