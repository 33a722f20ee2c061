"""A terminal that behaves: query's table fits and marks what it cuts, serve says where it listens, and the
server answers a trailing slash and a plain-JSON client."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

from twingraph.cli import main
from twingraph.config import Settings
from twingraph.pipeline import Built
from twingraph.serve import create_app, listings
from twingraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
QUERY = ["query", "who-met-whom", "-p", "person=Метшин"]
STARTER = "from twingraph.cli import main; main()"


def run_query(runner: CliRunner, settings: Settings, *options: str, columns: str | None = None) -> str:
    """``twingraph query who-met-whom`` on the build, with COLUMNS set (or unset); its standard output."""
    result = runner.invoke(main, ["--dist", str(settings.dist_dir), *QUERY, *options], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def whole(built: Built, settings: Settings) -> tuple[list[str], list[list[str]]]:
    """The query's header and rows as CSV gives them: every value whole."""
    header, *rows = list(csv.reader(io.StringIO(run_query(CliRunner(), settings, "--format", "csv"))))
    assert rows, "the query found no meetings"
    return header, rows


def shown_or_marked(value: str, line: str) -> bool:
    """Whether a line shows a value whole, or its beginning followed by "…"."""
    return value in line or any(value[:k] + "…" in line for k in range(len(value)))


@pytest.mark.parametrize("columns", ["100", "80"])
def test_the_table_fits_the_terminal_and_marks_every_value_it_cuts(
    runner: CliRunner, settings: Settings, whole: tuple[list[str], list[list[str]]], columns: str
) -> None:
    header, rows = whole
    lines = run_query(runner, settings, columns=columns).splitlines()
    assert max(len(line) for line in lines) <= int(columns), "\n".join(lines)
    assert len(lines) == len(rows) + 2, "one line per row, between the header and the count"
    events = [row[header.index("event")] for row in rows]
    for line, row, event in zip(lines[1:-1], rows, events, strict=True):
        assert event not in line, f"a {len(event)}-character IRI cannot be whole in {columns} columns"
        assert all(shown_or_marked(value, line) for value in row), (row, line)
    cuts = sum(line.count("…") for line in lines[:-1])
    assert cuts > 0 and lines[-1] == f"({len(rows)} rows; {cuts} values cut to fit {columns} columns, ending in …; " \
                                      "--wide shows them whole)"  # fmt: skip


def test_wide_prints_every_value_whole(runner: CliRunner, settings: Settings,
                                       whole: tuple[list[str], list[list[str]]]) -> None:  # fmt: skip
    header, rows = whole
    lines = run_query(runner, settings, "--wide", columns="80").splitlines()
    assert "…" not in "\n".join(lines) and lines[-1] == f"({len(rows)} rows)"
    for line, row in zip(lines[1:-1], rows, strict=True):
        assert row[header.index("event")] in line and all(value in line for value in row)


def test_piped_output_is_fitted_to_120_columns_unless_columns_says_otherwise(
    runner: CliRunner, settings: Settings, whole: tuple[list[str], list[list[str]]]
) -> None:
    piped = run_query(runner, settings, columns=None).splitlines()
    assert max(len(line) for line in piped) <= 120 and "cut to fit 120 columns" in piped[-1]
    assert max(len(line) for line in run_query(runner, settings, columns="200").splitlines()) > 120
    assert "--wide" in runner.invoke(main, ["query", "--help"]).stdout


def test_wrap_keeps_every_character_and_conflicts_with_wide(runner: CliRunner, settings: Settings) -> None:
    wrapped = run_query(runner, settings, "--wrap", columns="160")
    assert "…" not in wrapped and max(len(line) for line in wrapped.splitlines()) <= 160
    assert re.fullmatch(r"\(\d+ rows\)", wrapped.splitlines()[-1])
    both = runner.invoke(main, ["--dist", str(settings.dist_dir), *QUERY, "--wide", "--wrap"])
    assert both.exit_code == 2 and "not both" in both.output


# -- serve ----------------------------------------------------------------------------------------


def serve_command(dist: Path, port: int) -> list[str]:
    return [sys.executable, "-c", STARTER, "--dist", str(dist), "serve", "--port", str(port), "--no-watch"]


@pytest.mark.server
def test_a_busy_port_is_one_error_line_and_exit_status_1_before_anything_is_built(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(serve_command(dist, port), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "already in use" in lines[0] and "--port" in lines[0]
    assert refused.stdout == "" and not dist.exists(), "nothing is built for a server that cannot listen"


@pytest.mark.server
def test_port_0_prints_the_port_the_system_chose_once_it_answers(built: Built, settings: Settings,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(serve_command(settings.dist_dir, 0), cwd=ROOT, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        announced = None
        for _ in range(1200):
            announced = re.search(r" at (http://127\.0\.0\.1:(\d+)/) ", log_path.read_text(errors="replace"))
            if announced or process.poll() is not None:
                break
            time.sleep(0.05)
        assert announced, log_path.read_text(errors="replace")
        assert int(announced.group(2)) != 0
        # no retry: the address is printed only once the server accepts and answers
        assert httpx2.get(announced.group(1), timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- the server's answers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built: Built, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt"), settings)) as app:
        yield app


def test_a_trailing_slash_on_a_resource_redirects_to_it(client: TestClient) -> None:
    moved = client.get("/city/kazan/", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/city/kazan"
    kept = client.get("/city/kazan/?format=ttl", follow_redirects=False)
    assert kept.status_code == 301 and kept.headers["location"] == "/city/kazan?format=ttl"
    assert client.get("/city/kazan/", headers={"Accept": "text/turtle"}).headers["content-type"].startswith(
        "text/turtle")  # fmt: skip
    assert client.get("/city/no-such-city/", follow_redirects=False).status_code == 404
    assert client.get("//city/kazan/", follow_redirects=False).status_code == 404


@pytest.mark.parametrize("kind", sorted(listings.LISTINGS))
def test_the_list_pages_keep_their_slash(client: TestClient, kind: str) -> None:
    page = client.get(f"/{kind}/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/city/kazan", "/person/ilsur-metshin", "/dataset"])
def test_a_plain_json_client_gets_the_json_ld(client: TestClient, path: str) -> None:
    answer = client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    document = json.loads(answer.text)
    assert "@context" in document, "the JSON-LD carries its context, so a plain JSON reader can use it"
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    base = str(client.base_url)
    assert isomorphic(Graph().parse(data=answer.text, format="json-ld", publicID=base),
                      Graph().parse(data=turtle.text, format="turtle", publicID=base))  # fmt: skip


def test_json_ld_and_browsers_are_answered_as_before(client: TestClient) -> None:
    linked = client.get("/city/kazan", headers={"Accept": "application/ld+json, application/json"})
    assert linked.headers["content-type"].startswith("application/ld+json")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for accept in (browser, "*/*"):
        assert client.get("/city/kazan", headers={"Accept": accept}).headers["content-type"].startswith("text/html")
