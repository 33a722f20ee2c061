"""The query checks on their own: the linear scan, the parse-based guard, and the workers' network lockdown."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from twingraph.config import DEFAULT_LIMITS
from twingraph.rdf.query_guard import QueryFacts, QueryGuardError, Verdicts, read_query
from twingraph.rdf.query_text import MAX_DEPTH, MAX_NUMBER, QueryTextError, scan
from twingraph.store.pool import WorkerPool
from twingraph.store.sandbox import filter_program
from twingraph.store.workers import NICENESS, Job, Outcome, Refusal, WorkerError

SERVICE = "SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o }"


# -- the scan -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "depth"),
    [
        ("SELECT * { ?s ?p ?o }", 1),
        ('SELECT * { ?s ?p "{{{((([[[" }', 1),
        ("SELECT * { ?s ?p '''\n{{{\n''' }", 1),
        ("SELECT * { ?s ?p <urn:x#{{> }", 1),
        ("SELECT * { ?s ?p ?o } # {{{{", 1),
        ("SELECT * { ?s ?p ?o FILTER(?o < 3 && (?o > 1)) }", 3),
        (r"PREFIX e: <urn:e#> SELECT * { ?s ?p e:a\# { { } } }", 3),
        ("SELECT * { ?s ?p [ ?q ( 1 2 ) ] }", 3),
    ],
)
def test_the_scan_counts_brackets_outside_strings_iris_and_comments(query: str, depth: int) -> None:
    assert scan(query).depth == depth


@pytest.mark.parametrize("opening", ["{", "(", "[", "OPTIONAL {", "FILTER NOT EXISTS {", "{ SELECT * WHERE {"])
def test_nesting_past_the_limit_is_refused(opening: str) -> None:
    scan("SELECT * WHERE " + opening * (MAX_DEPTH // 2))
    with pytest.raises(QueryTextError, match="deep") as refused:
        scan("SELECT * WHERE " + opening * (MAX_DEPTH + 1))
    assert not refused.value.forbidden


def test_long_numbers_and_texts_are_refused_but_long_strings_are_not() -> None:
    scan(f"ASK {{ FILTER(1 < {'1' * MAX_NUMBER}) }}")
    with pytest.raises(QueryTextError, match="number"):
        scan(f"ASK {{ FILTER(1 < {'1' * 60_000}) }}")
    with pytest.raises(QueryTextError, match="number"):
        scan("1" * 64 * 1024)
    with pytest.raises(QueryTextError, match="characters long"):
        scan("ASK {} #" + "x" * 70_000)
    assert scan('ASK { ?s ?p "' + "1" * 60_000 + '" }').depth == 1


@pytest.mark.parametrize("unit", ["<", "<a", "a:", "a.", "a\\#", "'", "#\n", "SELECT ", "{}", ".", "?", "я", "\\"])
def test_the_scan_reads_64_kb_of_one_pattern(unit: str) -> None:
    """Each pattern that made the old tokeniser backtrack; its time is measured in benchmarks/hostile.py."""
    text = unit * ((64 * 1024 - 100) // len(unit))
    with contextlib.suppress(QueryTextError):
        scan(text)


def test_ascii_escapes_are_refused_other_escapes_are_not() -> None:
    for text in (r"SELECT * { \u0053ERVICE <urn:x> {} }", r'ASK { ?s ?p "\u0022" }', r"ASK { ?s ?p <urn:\U00000023> }",
                 r"ASK { ?s ?p ?o } # \U000A", r"ASK { ?s ?p ?o } # \U000a", r'ASK { ?s ?p "\u00E90041" }'):
        with pytest.raises(QueryTextError) as refused:
            scan(text)
        assert refused.value.forbidden
    assert scan(r'ASK { ?s ?p "Каз\u0430нь" }').depth == 1
    assert scan(r'ASK { ?s ?p "\U0001F600" }').depth == 1


# -- the guard ------------------------------------------------------------------------------------


SERVICE_SPELLINGS = [
        "PREFIX ex: <http://e/>\nSELECT * WHERE { VALUES ?z { ex:a\\# } " + SERVICE + " }",
        "PREFIX ex: <http://e/>\nSELECT * WHERE { ?s ex:a\\# ?o . " + SERVICE + " }",
        "select * where { service <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        "SELECT * WHERE { sErViCe # a comment }\n silent <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        "SELECT * WHERE {\n\tSERVICE\n\n<http://127.0.0.1:9/x>\n{?s ?p ?o}}",
        "SELECT * WHERE { OPTIONAL { { " + SERVICE + " } } }",
        "SELECT * WHERE { FILTER EXISTS { " + SERVICE + " } }",
        "SELECT * WHERE { FILTER NOT EXISTS { ?s ?p ?o MINUS { " + SERVICE + " } } }",
        "SELECT * WHERE { { SELECT * WHERE { " + SERVICE + " } } }",
        "SELECT * WHERE { ?s ?p ?o } VALUES ?x { 1 } ",  # harmless, checked below
        'SELECT * WHERE { ?s ?p "#" . ' + SERVICE + " }",
        "SELECT * WHERE { ?s ?p <urn:x#y> . " + SERVICE + " }",
        "PREFIX s: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE s:x { ?s ?p ?o } }",
        "BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <x> { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<http://127.0.0.1:9/x> AS ?u) SERVICE ?u { ?s ?p ?o } }",
        "ASK { " + SERVICE + " }",
        "CONSTRUCT { ?s ?p ?o } WHERE { " + SERVICE + " }",
        "DESCRIBE ?s WHERE { " + SERVICE + " }",
        'SELECT * WHERE { ?s ?p ?o . # \\U000A ?s ?p """\n' + SERVICE + ' # """\n}',
        "SELECT * WHERE { ?s ?p ?o . # \\U000a ?s ?p '''\n" + SERVICE + " # '''\n}",
    ]


@pytest.mark.parametrize("query", SERVICE_SPELLINGS)
def test_service_is_found_on_the_parse_whatever_the_spelling(query: str) -> None:
    if "SERVICE" not in query.upper():
        read_query(query)
        return
    with pytest.raises(QueryGuardError, match="SERVICE") as refused:
        read_query(query)
    assert refused.value.forbidden


NOT_QUERIES = [
        "LOAD <http://127.0.0.1:9/x>",
        "load silent <http://127.0.0.1:9/x> into graph <urn:g>",
        "# comment\nINSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "PREFIX x: <urn:x#> DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        'DEFINE get:soft "replace" SELECT * FROM <http://127.0.0.1:9/> { ?s ?p ?o }',
        "SELECT * { ?s ?p ?o } ; LOAD <http://127.0.0.1:9/x>",
    ]


@pytest.mark.parametrize("query", NOT_QUERIES)
def test_anything_but_a_plain_query_is_refused(query: str) -> None:
    with pytest.raises(QueryGuardError) as refused:
        read_query(query)
    assert refused.value.forbidden or "could not read" in str(refused.value)


def test_from_and_from_named_are_read_as_local_graph_names() -> None:
    facts = read_query("SELECT * FROM <http://127.0.0.1:9/a> FROM NAMED <http://127.0.0.1:9/b> { ?s ?p ?o }")
    assert facts.form == "SELECT"
    assert {"http://127.0.0.1:9/a", "http://127.0.0.1:9/b"} <= facts.iris


def test_iris_are_read_from_the_parse_prefixed_or_not() -> None:
    assert "bif:file_to_string" in read_query("SELECT (<bif:file_to_string>('x') AS ?x) {}").iris
    assert "bif:x" in read_query("PREFIX b: <bif:> SELECT (b:x(1) AS ?x) {}").iris


def test_what_the_guard_cannot_read_is_refused_with_the_reason() -> None:
    with pytest.raises(QueryGuardError, match="could not read this query: SPARQL syntax error at 1:") as refused:
        read_query("SELECT ?s WHERE { ?s ?p }")
    assert not refused.value.forbidden
    with pytest.raises(QueryGuardError, match="could not read"):
        read_query("SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }")


def verdict(read: Callable[[str], QueryFacts], text: str) -> QueryFacts | tuple[str, bool]:
    try:
        return read(text)
    except QueryGuardError as exc:
        return str(exc), exc.forbidden


@given(st.lists(st.tuples(st.sampled_from(SERVICE_SPELLINGS + NOT_QUERIES + ["ASK {}", "SELECT * { ?s ?p ?o }"]),
                          st.integers(min_value=0), st.sampled_from(["", " ", "#", "\n", "}", "{", "S", "\\", "'"])),
                min_size=1, max_size=12))  # fmt: skip
@hypothesis_settings(max_examples=150, deadline=None)
def test_a_kept_verdict_is_the_one_a_new_parse_gives(edits: list[tuple[str, int, str]]) -> None:
    """Texts asked in any order, near-misses of each other, with eviction: the verdict is always read_query's."""
    verdicts = Verdicts(budget=300)
    texts = [base[: at % (len(base) + 1)] + insert + base[at % (len(base) + 1) :] for base, at, insert in edits]
    for text in texts + texts[::-1]:
        assert verdict(verdicts.read, text) == verdict(read_query, text), text
    assert verdicts.size == sum(map(len, verdicts.kept)) <= 300


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 2
    assert read_query("SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }").form == "SELECT"


# -- the workers' network lockdown ----------------------------------------------------------------


def test_the_filter_program_is_known_for_both_machines() -> None:
    assert len(filter_program("x86_64")) == len(filter_program("aarch64"))


LOCKED = textwrap.dedent("""
    import socket, sys
    import pyoxigraph as ox
    from twingraph.store.sandbox import lock_network
    port = int(sys.argv[1])
    print(lock_network())
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2)
        print("connected")
    except OSError as exc:
        print("refused", type(exc).__name__)
    try:
        list(ox.Store().query("SELECT * WHERE { SERVICE <http://127.0.0.1:%d/sparql> { ?s ?p ?o } }" % port))
        print("service answered")
    except OSError as exc:
        print("service failed", exc)
""")


NoConnection = Callable[[socket.socket], None]


def test_a_locked_process_cannot_connect_nor_run_service(listener: socket.socket,
                                                         assert_no_connection: NoConnection) -> None:  # fmt: skip
    port = listener.getsockname()[1]
    done = subprocess.run([sys.executable, "-c", LOCKED, str(port)], capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[0] in ("seccomp", "network namespace")
    assert lines[1].startswith("refused"), lines
    assert lines[2].startswith("service failed"), lines
    assert_no_connection(listener)


def proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {name: value.strip() for name, _, value in (line.partition(":") for line in lines)}


@pytest.mark.slow
def test_pool_workers_run_under_the_filter_and_answer(listener: socket.socket,
                                                      assert_no_connection: NoConnection) -> None:  # fmt: skip
    pool = WorkerPool(None, 1, memory=DEFAULT_LIMITS.query_memory)
    try:
        assert pool.start().lockdown == "seccomp"
        [pid] = pool.pids()
        assert proc_status(pid)["Seccomp"] == "2", "the worker runs in seccomp filter mode"
        expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, pid) == expected, "queries run below the server's CPU priority"
        service = f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.getsockname()[1]}/> {{ ?s ?p ?o }} }}"
        refused = pool.run(Job(service, "urn:b/", 10), 30)
        assert isinstance(refused, Refusal) and refused.status == 403
        assert isinstance(pool.run(Job("ASK {}", "urn:b/", 10), 30), Outcome)
        assert_no_connection(listener)
    finally:
        pool.close()


@pytest.mark.slow
def test_a_worker_past_its_deadline_is_killed_and_replaced() -> None:
    pool = WorkerPool(None, 1, memory=DEFAULT_LIMITS.query_memory)
    try:
        pool.start()
        [pid] = pool.pids()
        slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
            f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(60))} }}" for i in range(6)) + " }"  # fmt: skip
        with pytest.raises(WorkerError) as stopped:
            pool.run(Job(slow, "urn:b/", 10), 0.5)
        assert not stopped.value.crashed
        assert not Path(f"/proc/{pid}").exists(), "the worker was killed, not abandoned"
        assert isinstance(pool.run(Job("ASK {}", "urn:b/", 10), 30), Outcome), "a new worker answers"
    finally:
        pool.close()
