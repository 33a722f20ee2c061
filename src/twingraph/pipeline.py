"""build(): records -> graph -> SHACL -> dist/ (dumps, metadata) -> store."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from twingraph.config import BUILD_INFO, DUMP, DUMPS, VOID, Settings
from twingraph.errors import TwingraphError
from twingraph.export import (
    GraphOrTriples,
    Summary,
    counts,
    describe_dataset,
    dump_jsonld_lines,
    load_context,
    ntriples,
    ntriples_lines,
    prefixes,
    rows_to_csv,
    select_rows,
    serialize,
    sorted_lines,
    summarize,
    turtle,
)
from twingraph.fileio import atomic_output, ensure_writable, replacing_directory, write_atomic
from twingraph.forked import forked, may_fork
from twingraph.link.output import links_for_base, review_path_for, review_problems
from twingraph.model import Dataset
from twingraph.problems import Problem, ProblemReport, ProblemsError, Severity, Site
from twingraph.progress import Progress, ignore
from twingraph.rdf.formats import RdfFormat
from twingraph.rdf.iris import Minter
from twingraph.rdf.mapping import WHOLE, Share, Triple, name_collisions, records_triples, triples_graph
from twingraph.rdf.namespaces import prefixed_graph
from twingraph.rdf.vocabulary import concept_triples, load_ontology
from twingraph.records import LoadedRecords, RecordsError, check_file, read_records
from twingraph.store import EmbeddedStore, Publisher, load_queries
from twingraph.store.publish import publish
from twingraph.validate import Engine, Report, load_shapes, ntriples_store, validate_graph, validate_store


class InvalidGraphError(ProblemsError):
    """The graph does not conform to the shapes; ``report`` is SHACL's, ``problems`` say where in the records."""

    def __init__(self, report: Report, origin: Mapping[str, Site]) -> None:
        self.report = report
        self.origin = origin
        super().__init__(report.problems(origin).problems, "Nothing was written; fix the records named above.")


@dataclasses.dataclass(frozen=True)
class Built:
    """What a build made: its SHACL report, counts and where it was written (the graph is its dump there)."""

    report: Report
    counts: dict[str, int]
    dist: Path | None


def version() -> str:
    try:
        return metadata.version("twingraph")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def record_origin(loaded: LoadedRecords, base_iri: str) -> dict[str, Site]:
    """The record (file, line) behind each city, agreement, event, declared person and organization IRI."""
    mint = Minter(base_iri)
    origin = {}
    for name, city_file in loaded.dataset.files:
        origin[str(mint.city(city_file.city.id))] = loaded.site(name, ("city",))
        origin.update({str(mint("agreement", a.id)): loaded.site(name, ("agreements", i))
                       for i, a in enumerate(city_file.agreements)})  # fmt: skip
        origin.update({str(mint("event", e.id)): loaded.site(name, ("events", i))
                       for i, e in enumerate(city_file.events)})  # fmt: skip
        origin.update({str(mint.named("person", p.name)): loaded.site(name, ("persons", i))
                       for i, p in enumerate(city_file.persons)})  # fmt: skip
        origin.update({str(mint.named("organization", o.name)): loaded.site(name, ("organizations", i))
                       for i, o in enumerate(city_file.organizations)})  # fmt: skip
    return origin


def record_problems(settings: Settings) -> tuple[LoadedRecords | None, ProblemReport]:
    """The records and every problem the build finds in them, names that make one IRI included.

    The records are None when a file does not parse or the files have errors.
    """
    loaded, report = read_records(settings.records_dir, settings.sources_dir, settings.clock)
    if loaded is None:
        return None, report
    report += ProblemReport(tuple(name_collisions(loaded.dataset, settings.base_iri, loaded.site)))
    return (loaded if report.ok else None), report


def load_records(settings: Settings, progress: Progress = ignore) -> LoadedRecords:
    """The records, checked alone and together; raises RecordsError with every problem."""
    progress(f"reading records in {settings.records_dir}")
    loaded, report = record_problems(settings)
    if loaded is None:
        raise RecordsError(report.problems)
    return loaded


def dataset_graph(settings: Settings, progress: Progress = lambda _: None) -> tuple[Dataset, Graph]:
    """Load the records and map them to a graph with the vocabulary's concepts."""
    loaded, graph = records_graph(settings, progress)
    return loaded.dataset, graph


def records_graph(settings: Settings, progress: Progress = lambda _: None) -> tuple[LoadedRecords, Graph]:
    """The records (with their lines, for reports) and their graph with the vocabulary's concepts."""
    loaded = load_records(settings, progress)
    return loaded, graph_of(loaded, settings, progress)


def graph_of(loaded: LoadedRecords, settings: Settings, progress: Progress = lambda _: None) -> Graph:
    """The graph of loaded records, with the vocabulary's concepts and the links."""
    return triples_graph(dataset_triples(loaded, settings, progress), settings.base_iri)


def dataset_triples(loaded: LoadedRecords, settings: Settings, progress: Progress = ignore,
                    share: Share = WHOLE) -> Iterator[Triple]:  # fmt: skip
    """The triples of :func:`graph_of`, some more than once: the records', the vocabulary's concepts, the links.

    Args:
        share: one share of them (:class:`twingraph.rdf.mapping.Share`): the shares together hold them all.
    """
    dataset = loaded.dataset
    for name, city_file in share.of(dataset.files):
        if city_file.unparsed:
            progress(f"{name}: {len(city_file.unparsed)} statements under 'unparsed:' await review (not published)")
    yield from mapped_triples(dataset, settings, progress, share)
    if settings.links_file.exists() and share.last:
        progress(f"merging links from {settings.links_file}")
        yield from links_for_base(settings.links_file, settings.base_iri)  # type: ignore[misc]


def mapped_graph(dataset: Dataset, settings: Settings, progress: Progress = ignore) -> Graph:
    """The records' graph by the dataset's mapping (with its schema.org view) and the vocabulary's concepts."""
    return triples_graph(mapped_triples(dataset, settings, progress), settings.base_iri)


def mapped_triples(dataset: Dataset, settings: Settings, progress: Progress = ignore,
                   share: Share = WHOLE) -> Iterator[Triple]:  # fmt: skip
    """The triples of :func:`mapped_graph`, some more than once (or one share of them, as :func:`dataset_triples`)."""
    yield from records_triples(dataset, settings.base_iri, progress, share)
    if share.last:
        yield from concept_triples(load_ontology(settings.ontology_dir))


def write_graph(dataset: Dataset, fmt: RdfFormat, path: Path, settings: Settings) -> Path:
    """Write the graph of a dataset (such as one extracted page: ``extract --format``) as the build maps it."""
    graph = mapped_graph(dataset, settings)
    return write_atomic(path, serialize(graph, fmt, load_context(settings.ontology_dir), settings.base_iri))


def checked_graph(settings: Settings, progress: Progress = lambda _: None) -> tuple[Dataset, Graph, Report]:
    """The dataset's graph, validated; raises InvalidGraphError on violations."""
    loaded, graph = records_graph(settings, progress)
    origin = record_origin(loaded, settings.base_iri)
    return loaded.dataset, graph, validated(origin, dumped(graph, progress)[1], settings, progress)


def dumped(graph: GraphOrTriples, progress: Progress) -> tuple[bytes, ox.Store]:
    """The graph as sorted N-Triples (:func:`twingraph.export.ntriples`) and an in-memory store loaded from them.

    The store is for SHACL (:func:`validated`) and the counts (:func:`twingraph.export.summarize`),
    so the graph is serialized once for them and for the N-Triples dump.
    """
    progress(f"writing the {len(graph):,} triples as N-Triples")
    dump = ntriples(graph)
    progress("loading the N-Triples into an in-memory store for SHACL")
    return dump, ntriples_store(dump)


def validated(origin: Mapping[str, Site], graph: ox.Store, settings: Settings, progress: Progress) -> Report:
    """The SHACL report on the records' graph, held by a store; raises InvalidGraphError on violations.

    Args:
        origin: the record behind each IRI (:func:`record_origin`), for the violations' sites.
    """
    progress("validating with SHACL")
    report = validate_store(graph, load_shapes(settings.shapes_dir, settings.clock), progress=progress)
    if not report.conforms:
        raise InvalidGraphError(report, origin)
    return report


def build_problems(
    settings: Settings, engine: Engine = Engine.OXIGRAPH, progress: Progress = lambda _: None
) -> ProblemReport:
    """Every problem a build would report, without writing: the records', then SHACL's when the records have none.

    Raises:
        TwingraphError: nothing to check (no records files), or the shapes cannot be evaluated.
    """
    progress(f"reading records in {settings.records_dir}")
    loaded, report = record_problems(settings)
    if loaded is None:
        return report
    graph = graph_of(loaded, settings, progress)
    progress(f"validating with SHACL ({engine.value})")
    shacl = validate_graph(graph, load_shapes(settings.shapes_dir, settings.clock), engine)
    return report + shacl.problems(record_origin(loaded, settings.base_iri))


def check_records(settings: Settings, files: Sequence[Path], progress: Progress = lambda _: None) -> ProblemReport:
    """The problems a build would report that concern ``files`` (all of them when none is named).

    A file outside the records directory is checked alone (YAML, schema, quotes).
    A problem that involves several files concerns each of them. The linker's review
    queue (``links-review.tsv`` beside the links) adds a warning per entity left unlinked.
    """
    review = review_path_for(settings.links_file)
    report = build_problems(settings, progress=progress) + ProblemReport(tuple(review_problems(review)))
    if not files:
        return report
    loaded = {p.resolve() for p in (*settings.records_dir.glob("*.yaml"), review)}
    for path in files:
        if path.resolve() not in loaded:
            report += check_file(path, settings.sources_dir, settings.clock)
    found = report.concerning(files)
    elsewhere = len(report.errors) - len(found.errors)
    if elsewhere > 0:  # they stop the build (records errors even before SHACL): "OK" alone would promise one
        note = f"{elsewhere} other error(s), not in these files, stop the build; 'twingraph check' lists them all"
        found += ProblemReport((Problem("check.elsewhere", note, Severity.INFO),))
    return found


@dataclasses.dataclass(frozen=True)
class Encoded:
    """The dumps dist/ holds beside the JSON-LD, encoded from the N-Triples, and the graph's summary."""

    summary: Summary  # the graph's :func:`twingraph.export.summarize`
    files: dict[str, bytes]  # each dump by its file name: the N-Triples, gzipped and not, and the Turtle


def dump_files(dump: bytes, expected: int) -> dict[str, bytes]:
    """The N-Triples dump, gzipped, and as Turtle parsed back by the store's parser, by file name.

    That parse checks the dump holds the graph's ``expected`` triples.

    Raises:
        TwingraphError: the N-Triples dump does not hold the graph's triples.
    """
    # level 6, the gzip command's default: half the time of 9 for 3% more bytes (the 100k dump)
    return {DUMP: dump, DUMPS["ntriples"]: gzip.compress(dump, compresslevel=6, mtime=0),
            DUMPS["turtle"]: turtle(dump, prefixes(prefixed_graph()), expected=expected)}  # fmt: skip


def write_dist(dump: bytes, ready: Callable[[], Encoded], settings: Settings,
               progress: Progress = lambda _: None) -> Path:  # fmt: skip
    """Write the dumps and the DCAT/VoID description to dist/, replacing it whole.

    The JSON-LD is compacted first, from the N-Triples read back a node at a time
    (:func:`twingraph.export.dump_jsonld_lines`); only then is ``ready`` asked for the rest,
    so that the build can check and encode the graph meanwhile.

    Args:
        dump: the graph's sorted N-Triples (:func:`twingraph.export.ntriples`).
        ready: the other dumps (:func:`dump_files`) and the summary; whatever it raises leaves
            dist/ as it was.

    Raises:
        TwingraphError: dist/ is inside the installed package; dist/ is left as it was.
    """
    ensure_writable(settings.dist_dir, "the build")
    context = load_context(settings.ontology_dir)
    with replacing_directory(settings.dist_dir) as staging:
        with atomic_output(staging / DUMPS["jsonld"]) as handle:
            handle.writelines(dump_jsonld_lines(dump, context))
        progress(f"{DUMPS['jsonld']} is compacted; waiting for the checks and the other dumps")
        rest = ready()
        progress(f"writing dumps to {settings.dist_dir}")
        for name, data in rest.files.items():
            write_atomic(staging / name, data)
        meta = describe_dataset(rest.summary, settings.base_iri, version(), DUMPS)
        write_atomic(staging / VOID, serialize(meta, RdfFormat.TURTLE, context))
        write_atomic(staging / BUILD_INFO, json.dumps({"base_iri": settings.base_iri}).encode("utf-8"))
    return settings.dist_dir


def build(settings: Settings, progress: Progress = lambda _: None) -> Built:
    """Records -> graph -> SHACL -> dist/; writing the dumps checks the N-Triples parse back whole.

    The records are mapped straight to N-Triples lines; only they are kept. One thread validates
    them with SHACL in a store and another encodes the other dumps (pyoxigraph and zlib let go of
    the GIL), while this one compacts the JSON-LD dump from them into dist/'s staging directory.

    Raises:
        RecordsError: a records file is malformed (file:line: field).
        InvalidGraphError: the graph violates the shapes; nothing is written.
        TwingraphError: the N-Triples dump does not hold the graph's triples; dist/ is left as it was.
    """
    loaded = load_records(settings, progress)
    dump = mapped_dump(loaded, settings, progress)
    expected = dump.count(b"\n")  # a line per triple
    origin = record_origin(loaded, settings.base_iri)
    del loaded  # the records and the line of each of their fields: SHACL's report needs only the origins now
    progress(f"compacting the JSON-LD dump ({DUMPS['jsonld']}), and meanwhile validating the graph")
    with ThreadPoolExecutor(max_workers=2) as pool:
        # the compaction reports nothing: the terminal's line is SHACL's
        checking = pool.submit(checked_summary, origin, dump, settings, progress)
        encoding = pool.submit(dump_files, dump, expected)
        dist = write_dist(dump, lambda: Encoded(checking.result()[1], encoding.result()), settings, progress)
    report, summary = checking.result()
    return Built(report=report, counts=counts(summary), dist=dist)


def mapped_dump(loaded: LoadedRecords, settings: Settings, progress: Progress = ignore) -> bytes:
    """The records' graph (:func:`dataset_triples`) as sorted N-Triples (:func:`twingraph.export.ntriples`).

    Each triple becomes its N-Triples line as it is mapped: the lines are the graph from the
    start (at 1.66M triples a set of rdflib triples took 0.7 GB, an rdflib graph 1.8 GB). A
    forked process maps every other records file when this process may fork
    (:func:`twingraph.forked.may_fork`: the command line may, a server's reload may not).
    """
    if not may_fork() or len(loaded.dataset.files) < 2:
        lines = ntriples_lines(dataset_triples(loaded, settings, progress))
    else:
        progress("mapping the records in two processes: every other file in a second one")
        other = Share(0, 2)  # the share without the dataset's own triples: forked, a process is slower
        with forked(lambda: b"\n".join(ntriples_lines(dataset_triples(loaded, settings, ignore, other))),
                    "mapping every other records file") as answer:  # fmt: skip
            lines = ntriples_lines(dataset_triples(loaded, settings, progress, Share(1, 2)))
            progress("taking the second process's N-Triples lines")
            received = answer()
        if received:
            lines.update(received.split(b"\n"))
        del received
    progress(f"sorting the {len(lines):,} N-Triples lines")
    return sorted_lines(lines)


def checked_summary(origin: Mapping[str, Site], dump: bytes, settings: Settings,
                    progress: Progress = ignore) -> tuple[Report, Summary]:  # fmt: skip
    """The SHACL report on the graph of the records' N-Triples, and its summary; raises InvalidGraphError."""
    store = ntriples_store(dump)
    return validated(origin, store, settings, progress), summarize(store)


def input_time(settings: Settings) -> float:
    """When the build's inputs (records, sources, ontology, shapes, links) last changed."""
    inputs = [settings.records_dir, settings.sources_dir, settings.ontology_dir, settings.shapes_dir]
    # a directory's own time changes when a file is added, removed or renamed in it
    times = [p.stat().st_mtime for d in inputs for p in (d, *d.iterdir())]
    if settings.links_file.exists():
        times.append(settings.links_file.stat().st_mtime)
    return max(times)


def stale_reason(settings: Settings) -> str | None:
    """Why dist/ must be rebuilt before serving, or None when it is current."""
    dump, info = settings.dist_dir / DUMP, settings.dist_dir / BUILD_INFO
    if not dump.exists() or not info.exists():
        return "no build yet"
    if json.loads(info.read_text(encoding="utf-8")).get("base_iri") != settings.base_iri:
        return f"the build has another base IRI than {settings.base_iri}"
    return "the records changed since the last build" if input_time(settings) > dump.stat().st_mtime else None


def open_store(settings: Settings, progress: Progress = lambda _: None) -> EmbeddedStore:
    """The embedded store from dist/, rebuilding first when dist/ is missing or out of date."""
    fresh = refreshed_store(settings, progress)
    return EmbeddedStore.from_file(settings.dist_dir / DUMP) if fresh is None else fresh


def refreshed_store(settings: Settings, progress: Progress = lambda _: None) -> EmbeddedStore | None:
    """A new store when the records changed since the last build, else None (nothing rebuilt).

    Raises:
        RecordsError, InvalidGraphError: the changed records do not build; dist/ is left as it was.
    """
    reason = stale_reason(settings)
    if reason is None:
        return None
    progress(f"{reason}: building the dataset")
    build(settings, progress)
    return EmbeddedStore.from_file(settings.dist_dir / DUMP)


@dataclasses.dataclass
class Reloader:
    """For a running server: a new store each time the inputs change and build.

    A build that fails is reported and not retried until the inputs change again,
    so the server keeps its last good store instead of rebuilding in a loop.
    """

    settings: Settings
    progress: Progress
    failed_at: float | None = None

    def __call__(self) -> EmbeddedStore | None:
        changed = input_time(self.settings)
        if self.failed_at is not None and changed <= self.failed_at:
            return None
        try:
            store = refreshed_store(self.settings, self.progress)
        except TwingraphError as exc:
            self.failed_at = changed
            self.progress(f"the changed data does not build, still serving the last good build:\n{exc}")
            return None
        self.failed_at = None
        if store is not None:
            self.progress(f"now serving the new build: {len(store)} triples")
        return store


def publish_graph(settings: Settings, graph_iri: str, publisher: Publisher, progress: Progress = lambda _: None) -> int:
    """Records -> graph -> SHACL -> one named graph of a remote store, switched in whole; return its triples.

    Raises:
        RecordsError, InvalidGraphError: the records do not build; nothing is sent.
        StoreError: the store failed; the graph it held is left as it was when the switch did not happen.
    """
    _, graph, _ = checked_graph(settings, progress)
    ntriples = serialize(graph, RdfFormat.NTRIPLES, load_context(settings.ontology_dir))
    return publish(ntriples, len(graph), graph_iri, publisher, progress)


def export_dataset(settings: Settings, label: str, progress: Progress = lambda _: None) -> bytes:
    """The validated dataset in one export format: an RDF format's label, or ``csv`` (one row per participation).

    Raises:
        InvalidGraphError: the graph does not conform to the shapes.
        TwingraphError: the records cannot be read.
    """
    _, graph, _ = checked_graph(settings, progress)
    if label == "csv":
        query = load_queries(settings.queries_dir)["participations"]
        return rows_to_csv(*select_rows(graph, query.text))
    return serialize(graph, RdfFormat.from_label(label), load_context(settings.ontology_dir), settings.base_iri)
