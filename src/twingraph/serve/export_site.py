"""The static site: every page and description the server gives, as files for any web server.

A resource ``{base}city/tehran`` becomes ``city/tehran/index.html`` (the page the
server renders, through ``render``), ``city/tehran.ttl``, ``.jsonld`` and ``.nt``
(the bodies the server gives for those suffixes). Beside them: the home page,
``dataset/`` (DCAT/VoID), the lists' pages (``city/index.html``, ``city/page-2.html``...),
``queries/`` (each named query's text, and its results without parameters), ``views/``,
the dumps of dist/, ``static/``, and the ``.htaccess`` and nginx snippets of ``hosting``.
Search, SPARQL, queries with parameters and the lists' filters and sorts need the server:
they are left out, and the pages do not link to them.

The site is built in a temporary directory beside the target and swapped in whole
(``fileio.replacing_directory``); a target that is not an earlier export, marked by
``MARKER``, is refused instead of replaced.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from rdflib import Graph, URIRef

from twingraph.config import DUMPS, ONTOLOGY_IRI, Settings
from twingraph.errors import TwingraphError
from twingraph.export import load_context, load_description, load_frames, serialize
from twingraph.fileio import copy_atomic, ensure_writable, replacing_directory, write_atomic
from twingraph.progress import Progress, counted
from twingraph.rdf.vocabulary import load_ontology
from twingraph.serve import hosting, i18n, listings, lookups, pages, render, results, sparql, views
from twingraph.store import EmbeddedStore, load_queries
from twingraph.store.interface import QueryStore

MARKER = ".twingraph-site"
HTACCESS = ".htaccess"
NGINX = "nginx.conf.example"
PAGE = "index.html"
DATASET = PurePosixPath("dataset")
QUERIES = PurePosixPath("queries")
VIEWS = PurePosixPath("views")
JSON_RESULTS = "application/sparql-results+json"
STATIC = PurePosixPath("static")
# paths the server answers with its own routes before any resource; the site keeps them for its own files
RESERVED_TOP = {"static", "queries", "views", "sparql", "search", "dumps", PAGE, NGINX, *DUMPS.values()}
MAX_NAME_BYTES = 200


class UnsafePathError(TwingraphError):
    """An IRI whose path cannot be a file of the site without leaving it or clashing with it."""


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A resource the site leaves out, and why."""

    iri: str
    reason: str


@dataclasses.dataclass(frozen=True)
class SiteExport:
    """What was written: where, how many resources, and which were left out."""

    root: Path
    pages: int
    skipped: tuple[Skipped, ...]


# -- paths (pure) ---------------------------------------------------------------------------------


def unsafe_segment(segment: str) -> str | None:
    """Why one percent-decoded path segment cannot be a file or directory name, or None.

    >>> [unsafe_segment(s) for s in ("tehran", "..", "a/b", ".htaccess")]
    [None, "'..' leaves its directory", "'a/b' holds a slash or backslash", "'.htaccess' is a hidden file"]
    """
    if segment in ("", ".", ".."):
        return f"{segment!r} leaves its directory" if segment else "an empty segment (// or a trailing /)"
    if "/" in segment or "\\" in segment:
        return f"{segment!r} holds a slash or backslash"
    if segment.startswith("."):
        return f"{segment!r} is a hidden file"
    if any(ord(ch) < 32 or ch == "\x7f" for ch in segment):
        return f"{segment!r} holds a control character"
    if len(segment.encode("utf-8")) > MAX_NAME_BYTES:
        return f"a segment is longer than {MAX_NAME_BYTES} bytes"
    return None


def site_path(iri: str, base: str) -> PurePosixPath:
    """The path of a resource's files in the site: its IRI's path after the base, percent-decoded.

    A web server decodes ``%XX`` before it looks for a file, so the files carry
    the decoded names; a path that would then leave the site, or name a hidden
    file or one of the site's own files, is refused.

    >>> site_path("https://twingraph.example/city/tehran", "https://twingraph.example/")
    PurePosixPath('city/tehran')

    Raises:
        UnsafePathError: the IRI is not under the base, has a query or fragment,
            or a segment is empty, ``.``/``..``, hidden, or hides a slash (``%2F``).
    """
    if not iri.startswith(base):
        raise UnsafePathError(f"{iri} is not under the base IRI {base}")
    rest = iri[len(base) :]
    if "#" in rest:
        document = iri.split("#", 1)[0]
        raise UnsafePathError(f"{iri} has a fragment, which never reaches a web server: no files of its own "
                              f"(a client asks for {document})")  # fmt: skip
    if "?" in rest:
        raise UnsafePathError(f"{iri} has a query string, which no file name can hold")
    try:
        segments = [unquote(s, errors="strict") for s in rest.split("/")]
    except UnicodeDecodeError as exc:
        raise UnsafePathError(f"{iri}: a percent-escape is not UTF-8, so no file name spells it") from exc
    for segment in segments:
        problem = unsafe_segment(segment)
        if problem:
            raise UnsafePathError(f"{iri}: {problem}")
    if segments[0] in RESERVED_TOP:
        raise UnsafePathError(f"{iri}: /{segments[0]} is the site's own (the server's route comes first too)")
    return PurePosixPath(*segments)


def description_files(path: PurePosixPath) -> dict[str, PurePosixPath]:
    """The files of one described resource: the page and one file per RDF format, by format name.

    >>> sorted(str(p) for p in description_files(PurePosixPath("city/tehran")).values())
    ['city/tehran.jsonld', 'city/tehran.nt', 'city/tehran.ttl', 'city/tehran/index.html']
    """
    files = {"html": path / PAGE}
    files |= {f.label: path.with_name(path.name + f.suffix) for f in hosting.SITE_FORMATS}
    return files


def is_free(root: Path, relative: PurePosixPath) -> bool:
    """Whether a file can be written there: nothing is at that path, and no file where a directory must go."""
    target = root.joinpath(relative)
    return not target.exists() and not any(root.joinpath(p).is_file() for p in relative.parents)


# -- descriptions ---------------------------------------------------------------------------------


def write_file(root: Path, relative: PurePosixPath, data: bytes) -> None:
    """One file of the site, written as every twingraph file is (atomically, with the umask's mode)."""
    write_atomic(root.joinpath(relative), data)


@dataclasses.dataclass(frozen=True)
class Document:
    """One resource of the site: its IRI, how to describe it, and the store its page looks neighbours up in."""

    iri: str
    describe: Callable[[], Graph]
    store: QueryStore | None


def write_description(root: Path, renderer: render.Renderer, document: Document, path: PurePosixPath) -> None:
    """A resource's page and its Turtle, JSON-LD and N-Triples, the bodies the server gives."""
    graph, files = document.describe(), description_files(path)
    write_file(root, files["html"], render.resource_page(renderer, graph, document.iri, document.store))
    for fmt in hosting.SITE_FORMATS:
        write_file(root, files[fmt.label], serialize(graph, fmt, renderer.context, graph_iri=document.iri,
                                                            frames=renderer.frames))  # fmt: skip


def place(root: Path, iri: str, base: str) -> PurePosixPath:
    """Where a resource goes in the site being written.

    Raises:
        UnsafePathError: the path is unsafe, or an earlier resource's files are in the way.
    """
    path = site_path(iri, base)
    if not all(is_free(root, f) for f in description_files(path).values()):
        raise UnsafePathError(f"{iri}: its files would overwrite those of another IRI written before")
    return path


def documents(renderer: render.Renderer, store: QueryStore, void: Graph, ontology: Graph) -> list[Document]:
    """What the site describes, in the order the server's routes take precedence.

    The dataset description first (``/dataset`` is a route of its own), with the
    partitions and downloads it links to; then every IRI of the store under the
    base; then the ontology's document, where its hash IRIs (``/ns#Person``)
    point, when it is under the base and the store has nothing there.
    """
    dataset = renderer.base + str(DATASET)
    parts = sorted({str(s) for s in void.subjects() if isinstance(s, URIRef) and str(s).startswith(dataset + "/")})
    found = [Document(dataset, lambda: void, None)]
    found += [Document(iri, functools.partial(lookups.describe_in, void, iri), None) for iri in parts]
    found += [Document(iri, functools.partial(lookups.described, store, iri, renderer.context, renderer.frames),
                       store)
              for iri in lookups.subjects(store, renderer.base)]  # fmt: skip
    ontology_iri = ONTOLOGY_IRI.rstrip("#/")
    if ontology_iri.startswith(renderer.base):
        found.append(Document(ontology_iri, lambda: ontology, None))
    return found


def write_documents(root: Path, renderer: render.Renderer, docs: list[Document], progress: Progress,
                    ) -> tuple[int, list[Skipped]]:  # fmt: skip
    """Every document's page and descriptions; how many were written, and the ones left out."""
    written, skipped = 0, []
    for document in counted(docs, "writing resources", progress):
        try:
            path = place(root, document.iri, renderer.base)
        except UnsafePathError as exc:
            skipped.append(Skipped(document.iri, str(exc)))
            continue
        write_description(root, renderer, document, path)
        written += 1
    return written, skipped


def write_files(root: Path, settings: Settings) -> None:
    """The stylesheet and the dumps of dist/, copied."""
    for source in sorted(pages.static_dir().rglob("*")):
        if source.is_file():
            copy_atomic(source, root / STATIC / source.relative_to(pages.static_dir()))
    for name in DUMPS.values():
        source = settings.dist_dir / name
        if not source.is_file():
            raise TwingraphError(f"{source}: the dump is missing; run 'twingraph build' and export again")
        copy_atomic(source, root / name)


def write_queries(root: Path, renderer: render.Renderer, store: QueryStore, settings: Settings) -> None:
    """The catalogue of named queries, and each one's results without parameters, as page and SPARQL JSON.

    These are what the server gives for ``/queries/NAME`` and ``/queries/NAME?format=json``;
    the views' scripts read the JSON.

    Raises:
        TwingraphError: a query's name cannot be a file name, or the query does not parse.
    """
    write_file(root, QUERIES / PAGE, render.queries_page(renderer))
    for query in renderer.queries.values():
        source = settings.queries_dir / f"{query.name}.rq"
        problem = unsafe_segment(query.name)
        if problem:
            raise TwingraphError(f"{source}: the name cannot be a file name ({problem}); rename the file")
        try:
            outcome = sparql.evaluate(store, query.text, renderer.base, settings.row_limit)
        except sparql.ProtocolError as exc:
            raise TwingraphError(f"{source}: {exc.message}; fix the query and export again") from exc
        write_file(root, QUERIES / query.name / PAGE, render.results_page(renderer, query.text, outcome))
        if outcome.triples is None:
            write_file(root, QUERIES / f"{query.name}.json", results.write_results(outcome, JSON_RESULTS))


def write_views(root: Path, renderer: render.Renderer, store: QueryStore) -> None:
    """The view pages (timeline, network, map, years) whose named query is there, as the server has them."""
    for name, view in views.VIEWS.items():
        if view.query in renderer.queries:
            write_file(root, VIEWS / name / PAGE, views.view_page(renderer, store, name))


def write_lists(root: Path, renderer: render.Renderer, store: QueryStore) -> list[Skipped]:
    """Every list's pages, unfiltered and in its default order: ``city/index.html`` (what ``/city/`` is),
    then ``city/page-2.html`` and on; the ones whose file a resource's files took are left out."""
    skipped = []
    for kind, listing in listings.LISTINGS.items():
        count = listings.list_count(store, listing, listings.ListQuery(), renderer.base)
        for page in range(1, max(1, -(-count // listings.PAGE_SIZE)) + 1):
            relative = PurePosixPath(pages.list_href(f"/{kind}/", {"page": str(page)}, static=True).lstrip("/"))
            relative = relative / PAGE if page == 1 else relative
            if not is_free(root, relative):
                skipped.append(Skipped(f"{renderer.base}{kind}/", f"/{relative}: a resource's files are there"))
                continue
            write_file(root, relative, render.list_page(renderer, store, kind, listings.ListQuery(page=page)))
    return skipped


def write_hosting(root: Path, target: Path, base: str) -> None:
    """The web-server snippets for content negotiation, and the marker of an export."""
    write_file(root, PurePosixPath(HTACCESS), hosting.htaccess().encode("utf-8"))
    host = urlsplit(base).hostname or "localhost"
    write_file(root, PurePosixPath(NGINX), hosting.nginx_conf(target.resolve(), host).encode("utf-8"))
    marker = {"generator": "twingraph site", "base_iri": base}
    write_file(root, PurePosixPath(MARKER), json.dumps(marker).encode("utf-8"))


# -- the site -------------------------------------------------------------------------------------


def check_target(target: Path) -> None:
    """Refuse to replace anything but a missing or empty directory or an earlier export.

    Raises:
        TwingraphError: the target is a file, or a directory with files and no MARKER.
    """
    if not target.exists():
        return
    if not target.is_dir():
        raise TwingraphError(f"{target}: is a file, not a directory; choose a directory for the site")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise TwingraphError(f"{target}: the directory has files and is not a twingraph site (no {MARKER} in it); "
                             "choose a new or empty directory, or an earlier export, to be replaced")  # fmt: skip


def site_renderer(settings: Settings, lang: str = i18n.DEFAULT) -> render.Renderer:
    """The renderer of the server, with the templates' static links, in one language of the interface."""
    queries = load_queries(settings.queries_dir) if settings.queries_dir.is_dir() else {}
    return render.Renderer(pages.environment(static=True, lang=lang), settings.base_iri,
                           load_context(settings.ontology_dir),
                           queries, load_frames(settings.ontology_dir))  # fmt: skip


def export_site(store: EmbeddedStore, settings: Settings, target: Path,
                progress: Progress = lambda _: None, lang: str = i18n.DEFAULT) -> SiteExport:  # fmt: skip
    """Write the static site of the dataset to ``target``, replacing an earlier export whole.

    Args:
        store: the built dataset.
        settings: base IRI, dist/ (dumps and dataset description), ontology and queries.
        target: the site's directory: missing, empty, or an earlier export.
        progress: told of each resource written (``progress.Count``).
        lang: the interface's language (``i18n.LANGUAGES``; Russian by default); the data keep theirs.

    Raises:
        TwingraphError: the target is something else or inside the installed package, or dist/ has
            no complete build.
    """
    ensure_writable(target, "the site")
    check_target(target)
    void = load_description(settings.dist_dir)
    if not len(void):
        raise TwingraphError(f"{settings.dist_dir}: no dataset description; run 'twingraph build' first")
    renderer, raw = site_renderer(settings, lang), store.raw()
    docs = documents(renderer, raw, void, load_ontology(settings.ontology_dir))
    with replacing_directory(target) as root:
        progress(f"writing the static site of {len(docs)} resources to {target}")
        write_files(root, settings)
        written, skipped = write_documents(root, renderer, docs, progress)
        skipped += write_lists(root, renderer, raw)
        write_file(root, PurePosixPath(PAGE), render.index_page(renderer, raw, void))
        write_queries(root, renderer, raw, settings)
        write_views(root, renderer, raw)
        write_hosting(root, target, settings.base_iri)
        check_target(target)  # again: the export takes a while, and files may have appeared meanwhile
    return SiteExport(root=target, pages=written, skipped=tuple(skipped))
