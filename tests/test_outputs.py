"""What twingraph writes: the user's umask, the same bytes for the same data, and files that hold the graph.

Every dump of dist/ and every ``export --format`` is parsed back with rdflib and
compared with the graph by isomorphism; two builds in processes of their own (other
hash seeds, other umasks) give the same bytes; the headline counts are exact.
"""

from __future__ import annotations

import collections
import csv
import gzip
import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from twingraph.cli import main
from twingraph.config import DUMPS, Settings
from twingraph.export import describe_dataset, load_context, ntriples, select_rows, serialize, summarize
from twingraph.fileio import directory_mode, file_mode
from twingraph.pipeline import Built, version
from twingraph.rdf.formats import RdfFormat
from twingraph.serve.export_site import export_site
from twingraph.store import EmbeddedStore
from twingraph.validate import ntriples_store

ROOT = Path(__file__).resolve().parent.parent

# The headline numbers of the bundled data, measured from its build: the one place tests
# (and the README's checks) take them from. "person pairs" counts each pair once; "meetings"
# once per event at which the pair met.
EXPECTED_COUNTS = {
    "cities": 26,
    "partner cities": 10,
    "agreements": 11,
    "events": 128,
    "persons": 51,
    "organizations": 56,
    "meetings": 106,
    "person pairs": 99,
    "triples": 7710,
}

# rdflib's parser for each file suffix and export format, written out here rather than taken from the
# code under test, so that a file in the wrong format fails to parse
PARSERS = {".nt": "nt", ".ttl": "turtle", ".jsonld": "json-ld"}
EXPORT_PARSERS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "trig": "trig", "rdfxml": "xml"}
ODD_UMASK = 0o027  # neither the usual 022 nor tempfile's private 0600/0700, so each mode tells where it came from


def assert_same_graph(found: Graph, expected: Graph, what: str) -> None:
    """Fails unless the graphs are isomorphic, printing some triples only one of them holds."""
    if isomorphic(found, expected):
        return
    _, only_found, only_expected = graph_diff(to_isomorphic(found), to_isomorphic(expected))
    sample = [f"+ {t}" for t in list(only_found)[:5]] + [f"- {t}" for t in list(only_expected)[:5]]
    pytest.fail(f"{what} is not the graph: {len(found)} vs {len(expected)} triples\n" + "\n".join(sample))


def dump_bytes(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def modes(directory: Path) -> set[tuple[str, int]]:
    """Each kind of entry under a directory (itself included) with its permission bits."""
    entries = [directory, *directory.rglob("*")]
    return {("dir" if p.is_dir() else "file", stat.S_IMODE(p.stat().st_mode)) for p in entries}


@pytest.fixture
def odd_umask() -> Iterator[int]:
    """This process's umask set to ODD_UMASK for one test (tests run in one thread)."""
    previous = os.umask(ODD_UMASK)
    try:
        yield ODD_UMASK
    finally:
        os.umask(previous)


# -- the headline counts --------------------------------------------------------------------------


def test_the_headline_counts_are_exact(built: Built) -> None:
    assert built.counts == EXPECTED_COUNTS


def test_pairs_and_meetings_are_counted_as_a_query_counts_them(built: Built, graph: Graph) -> None:
    query = """SELECT (COUNT(*) AS ?meetings) (COUNT(DISTINCT ?pair) AS ?pairs) WHERE {
        ?m a tg:Meeting ; tg:firstPerson ?a ; tg:secondPerson ?b . BIND(CONCAT(STR(?a), " ", STR(?b)) AS ?pair) }"""
    _, rows = select_rows(graph, query)
    assert rows == [[str(built.counts["meetings"]), str(built.counts["person pairs"])]]


# -- the dumps ------------------------------------------------------------------------------------


def test_every_dump_holds_the_graph(built: Built, graph: Graph) -> None:
    assert built.dist is not None
    for path in sorted(built.dist.glob("twingraph.*")):
        data = dump_bytes(path)
        fmt = PARSERS[Path(path.name.removesuffix(".gz")).suffix]
        assert_same_graph(Graph().parse(data=data, format=fmt), graph, path.name)  # the records' graph, built apart
    assert {p.name for p in built.dist.glob("twingraph.*")} == {"twingraph.nt", *DUMPS.values()}


def test_the_jsonld_dump_is_utf8_with_the_published_context_and_sorted_nodes(built: Built, settings: Settings) -> None:
    assert built.dist is not None
    data = (built.dist / DUMPS["jsonld"]).read_bytes()
    document = json.loads(data.decode("utf-8"))
    assert document["@context"] == load_context(settings.ontology_dir)
    ids = [node["@id"] for node in document["@graph"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert "Казань".encode() in data and b"\\u04" not in data


def test_the_dataset_description_is_the_one_of_the_graph(built: Built, graph: Graph, settings: Settings) -> None:
    assert built.dist is not None
    expected = describe_dataset(summarize(ntriples_store(ntriples(graph))), settings.base_iri, version(), DUMPS)
    assert_same_graph(Graph().parse(built.dist / "void.ttl", format="turtle"), expected, "void.ttl")


def build_in_process(dist: Path, umask: int, seed: str) -> None:
    """``twingraph build`` in a process of its own, with this umask and hash seed."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-m", "twingraph", "--dist", str(dist), "build"]
    result = subprocess.run(command, cwd=ROOT, env=env, umask=umask, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_two_builds_give_the_same_bytes_with_the_modes_of_their_umask(tmp_path: Path) -> None:
    shared, private = tmp_path / "shared" / "dist", tmp_path / "private" / "dist"
    build_in_process(shared, 0o022, "1")
    build_in_process(private, 0o077, "2")
    names = sorted(p.name for p in shared.iterdir())
    assert names == sorted(p.name for p in private.iterdir())
    for name in names:
        assert (shared / name).read_bytes() == (private / name).read_bytes(), f"{name} differs between two builds"
    assert modes(shared) == {("dir", 0o755), ("file", 0o644)}
    assert modes(private) == {("dir", 0o700), ("file", 0o600)}


# -- the exports ----------------------------------------------------------------------------------


def export(runner: CliRunner, fmt: str, output: str, dist: Path) -> bytes:
    """``twingraph export --format FMT -o OUTPUT`` in the checkout; its standard output."""
    result = runner.invoke(main, ["--dist", str(dist), "export", "--format", fmt, "-o", output])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.mark.parametrize("fmt", sorted(EXPORT_PARSERS))
def test_every_export_format_holds_the_graph(runner: CliRunner, graph: Graph, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:  # fmt: skip
    monkeypatch.chdir(ROOT)
    export(runner, fmt, str(tmp_path / f"out.{fmt}"), tmp_path / "dist")
    data = (tmp_path / f"out.{fmt}").read_bytes()
    if fmt == "trig":
        dataset = Dataset().parse(data=data, format="trig")
        named = [g for g in dataset.graphs() if len(g)]
        assert [str(g.identifier) for g in named] == ["https://twingraph.example/"]
        parsed = Graph()
        for triple in named[0]:
            parsed.add(triple)
    else:
        parsed = Graph().parse(data=data, format=EXPORT_PARSERS[fmt])
    assert_same_graph(parsed, graph, f"export --format {fmt}")


def csv_rows(text: str) -> list[tuple[str, ...]]:
    return [tuple(row) for row in csv.reader(io.StringIO(text))]


def test_the_csv_export_has_the_rows_of_the_participations_query(runner: CliRunner, built: Built, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(ROOT)
    assert built.dist is not None
    export(runner, "csv", str(tmp_path / "out.csv"), built.dist)
    found = csv_rows((tmp_path / "out.csv").read_text(encoding="utf-8"))
    queried = runner.invoke(main, ["--dist", str(built.dist), "query", "participations", "--format", "csv"])
    assert queried.exit_code == 0, queried.output
    expected = csv_rows(queried.stdout)
    assert found[0] == expected[0] == ("date", "endDate", "eventName", "type", "place", "participant", "kind",
                                       "post", "onBehalfOf", "event", "quote")  # fmt: skip
    assert collections.Counter(found[1:]) == collections.Counter(expected[1:])
    assert len(found) - 1 > EXPECTED_COUNTS["events"]


@pytest.mark.parametrize("fmt", ["jsonld", "ntriples", "csv"])
def test_export_to_standard_output_is_the_file(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               fmt: str) -> None:  # fmt: skip
    monkeypatch.chdir(ROOT)
    to_file = tmp_path / f"out.{fmt}"
    export(runner, fmt, str(to_file), tmp_path / "dist")
    assert export(runner, fmt, "-", tmp_path / "dist") == to_file.read_bytes()
    assert not (ROOT / "-").exists()


def test_the_jsonld_export_is_the_same_bytes_in_another_process(graph: Graph, tmp_path: Path,
                                                                settings: Settings) -> None:  # fmt: skip
    code = "from twingraph.cli import main; main()"
    env = {**os.environ, "PYTHONHASHSEED": "3"}
    command = [sys.executable, "-c", code, "--dist", str(tmp_path / "dist"), "export", "--format", "jsonld", "-o", "-"]
    other = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True).stdout
    assert other == serialize(graph, RdfFormat.JSONLD, load_context(settings.ontology_dir))


# -- the modes of what is written -----------------------------------------------------------------


WRITERS = """
import os, stat, sys
from pathlib import Path
from twingraph.fileio import atomic_output, copy_atomic, current_umask, replacing_directory, write_atomic
root = Path(sys.argv[1])
with replacing_directory(root / "made") as staging:
    write_atomic(staging / "a" / "written.txt", b"x")
with atomic_output(root / "streamed.bin") as handle:
    handle.write(b"y")
copy_atomic(root / "streamed.bin", root / "copied.bin")
paths = [root / "made", root / "made" / "a", root / "made" / "a" / "written.txt", root / "streamed.bin",
         root / "copied.bin"]
print(oct(current_umask()), *(oct(stat.S_IMODE(p.stat().st_mode)) for p in paths))
"""


@pytest.mark.parametrize(("umask", "expected"), [
    (0o022, "0o22 0o755 0o755 0o644 0o644 0o644"),
    (0o077, "0o77 0o700 0o700 0o600 0o600 0o600"),
], ids=["umask-022", "umask-077"])  # fmt: skip
def test_every_writer_gives_the_modes_of_the_umask(tmp_path: Path, umask: int, expected: str) -> None:
    result = subprocess.run([sys.executable, "-c", WRITERS, str(tmp_path)], umask=umask, capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected.split()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "a temporary file was left"


def test_export_and_plot_files_get_the_umask(runner: CliRunner, built: Built, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, odd_umask: int) -> None:  # fmt: skip
    monkeypatch.chdir(ROOT)
    export(runner, "turtle", str(tmp_path / "new" / "kazan.ttl"), tmp_path / "dist")
    result = runner.invoke(main, ["--dist", str(built.dist), "plot", "map", "-o", str(tmp_path / "map.svg")])
    assert result.exit_code == 0, result.output
    assert modes(tmp_path / "new") == {("dir", directory_mode(odd_umask)), ("file", file_mode(odd_umask))}
    assert stat.S_IMODE((tmp_path / "map.svg").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.svg", "new"], "the plot left a temporary file"


@pytest.mark.slow
def test_every_file_of_the_site_gets_the_umask(built: Built, settings: Settings, tmp_path: Path,
                                               odd_umask: int) -> None:  # fmt: skip
    site = export_site(EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt"), settings, tmp_path / "site")
    assert modes(site.root) == {("dir", 0o750), ("file", 0o640)}
