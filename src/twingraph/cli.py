"""The twingraph command: options -> Settings -> one library call -> echo."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from twingraph.config import Limits, Settings, default_settings
from twingraph.errors import TwingraphError
from twingraph.export import FRAMES, export_city_bundles, export_framed, rows_to_csv
from twingraph.fileio import ensure_writable, write_atomic, write_files
from twingraph.pipeline import (
    Reloader,
    build,
    build_problems,
    check_records,
    checked_graph,
    dataset_graph,
    export_dataset,
    input_time,
    open_store,
    publish_graph,
    write_graph,  # fmt: skip
)
from twingraph.problems import ProblemReport
from twingraph.progress import TerminalProgress
from twingraph.rdf.formats import RdfFormat
from twingraph.store import Credentials, Publisher, RemoteStore, ServedStore, Table, endpoints_for, load_queries
from twingraph.store.table_text import Layout, table_text
from twingraph.validate import Engine

if TYPE_CHECKING:  # the link commands import rdflib and the linker only when they run
    from rdflib import Graph

    from twingraph.link import SparqlClient

Command = Callable[..., None]
EXPORT_FORMATS = [f.label for f in RdfFormat] + ["csv"]


PROGRESS_KEY = "twingraph.progress"


def shown_progress() -> TerminalProgress:
    """The progress display of this command run, on standard error (made on first use, kept in click's context)."""
    meta = click.get_current_context().meta
    if PROGRESS_KEY not in meta:
        stream = sys.stderr
        meta[PROGRESS_KEY] = TerminalProgress(lambda text: write_flushed(stream, text), stream.isatty())
    shown: TerminalProgress = meta[PROGRESS_KEY]
    return shown


def write_flushed(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


def settings_from(ctx: click.Context) -> Settings:
    return ctx.obj  # type: ignore[no-any-return]


def dataset_graph_iri(settings: Settings) -> str:
    """The graph of a remote store the dataset is published to unless --graph names another: the dataset's IRI."""
    return settings.base_iri + "dataset"


def credentials_from(user: str | None, password: str | None) -> Credentials | None:
    """The store's credentials; the password from TWINGRAPH_STORE_PASSWORD or a prompt, never echoed."""
    if user is None:
        return None
    if password is None:
        password = click.prompt(f"password of {user} at the store", hide_input=True)
    return Credentials(user, password)


def store_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options ``publish`` and ``serve --store`` share: the graph and the store's credentials."""
    command = click.option("--password", envvar="TWINGRAPH_STORE_PASSWORD", show_envvar=True,
                           help="The store's password; better given in the environment than on the "
                                "command line [default: asked].")(command)  # fmt: skip
    command = click.option("--user", help="User name for a store that asks for one (Digest or Basic auth).")(command)
    graph_help = "The store's graph holding the dataset [default: BASE-IRI + 'dataset']."
    return click.option("--graph", metavar="IRI", help=graph_help)(command)


class TwingraphGroup(click.Group):
    """The command group: a TwingraphError from any command is one error line and exit status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TwingraphError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:  # an error or the next output starts on a line of its own, not after a bar
            if PROGRESS_KEY in ctx.meta:
                ctx.meta[PROGRESS_KEY].end_line()


@click.group(cls=TwingraphGroup)
@click.option("--base-iri", envvar="TWINGRAPH_BASE_IRI", help="Base IRI of the dataset's resources.")
@click.option("--dist", type=click.Path(path_type=Path), help="Directory for the build output [default: ./dist].")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding records/ and sources/ [default: the project's data/].")  # fmt: skip
@click.version_option(package_name="twingraph")
@click.pass_context
def main(ctx: click.Context, base_iri: str | None, dist: Path | None, data: Path | None) -> None:
    """Publish a city's partner cities as linked open data.

    \b
    Example:
        twingraph build
        twingraph query who-met-whom --param person=Метшин --format csv
    """
    overrides: dict[str, object] = {"dist": dist, "data": data}
    if base_iri:
        overrides["base_iri"] = base_iri
    ctx.obj = default_settings(**overrides)


@main.command("build")
@click.pass_context
def build_command(ctx: click.Context) -> None:
    """Build the dataset: records -> graph -> SHACL -> dist/ and the store.

    \b
    Example:
        twingraph build
    """
    built = build(settings_from(ctx), shown_progress())
    for name, count in built.counts.items():
        click.echo(f"{count:>7}  {name}")
    click.echo(f"SHACL: conforms. Written to {built.dist}/")


def report_option(command: Callable[..., None]) -> Callable[..., None]:
    """``--format text|json`` of the commands that print a problem report."""
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help="text: one 'file:line: field: message [rule]' line per problem; json: "
                             "{ok, counts, problems: [{file, line, path, focus, rule, severity, message, also}]}."
                        )(command)  # fmt: skip


def echo_report(ctx: click.Context, report: ProblemReport, fmt: str, clean: str = "OK") -> None:
    """Print a problem report and exit 1 when it holds an error, 0 otherwise (warnings alone pass)."""
    click.echo(report.to_json() if fmt == "json" else (report.text() if len(report) else clean))
    ctx.exit(0 if report.ok else 1)


@main.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@report_option
@click.pass_context
def check_command(ctx: click.Context, files: tuple[Path, ...], fmt: str) -> None:
    """Report every problem a build would report that concerns FILE (every file when none is named).

    YAML and schema, quotes not on the page, ids, part_of, organization aliases,
    places spelt almost like a city of the records, names that make one IRI, SHACL,
    and the statements kept under 'unparsed:' (warnings). A problem that involves
    several files is reported for each of them.

    \b
    Exit status: 0 no errors (warnings may be printed), 1 errors, 2 usage error.
    \b
    Example:
        twingraph check data/records/tehran.yaml
        twingraph check --format json data/records/*.yaml
    """
    report = check_records(settings_from(ctx), list(files), shown_progress())
    echo_report(ctx, report, fmt)


@main.command("validate")
@click.option("--engine", type=click.Choice([e.value for e in Engine]), default=Engine.OXIGRAPH.value,
              show_default=True, help="oxigraph: the shapes compiled to SPARQL; pyshacl: the reference.")  # fmt: skip
@report_option
@click.pass_context
def validate_command(ctx: click.Context, engine: str, fmt: str) -> None:
    """Check the records and the graph against the SHACL shapes: every problem of the dataset.

    Each SHACL result names its focus node, path, rule (shacl.<Component>), severity
    and the records file and line the node comes from.

    \b
    Exit status: 0 no errors (warnings may be printed), 1 errors, 2 usage error.
    \b
    Example:
        twingraph validate
        twingraph validate --engine pyshacl --format json
    """
    report = build_problems(settings_from(ctx), Engine(engine), shown_progress())
    echo_report(ctx, report, fmt, clean="The graph conforms to the shapes: no violations.")


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: write key=value, e.g. person=Метшин", param_hint="--param")
        params[key] = value
    return params


PIPE_WIDTH = 120  # the width a table is fitted to when the output is not a terminal and COLUMNS is unset


def table_width(columns_env: str | None, terminal: int | None) -> int:
    """The width to fit a table to: COLUMNS when it is a number, else the terminal's, else ``PIPE_WIDTH``.

    >>> table_width("80", 200), table_width(None, 100), table_width(None, None), table_width("wide", None)
    (80, 100, 120, 120)
    """
    if columns_env and columns_env.strip().isdecimal() and int(columns_env) > 0:
        return int(columns_env)
    return terminal or PIPE_WIDTH


def layout_of(wide: bool, wrap: bool) -> Layout:
    """The table layout ``--wide`` or ``--wrap`` asks for; neither: values cut to fit."""
    if wide and wrap:
        raise click.UsageError("give --wide or --wrap, not both")
    return Layout.WIDE if wide else Layout.WRAP if wrap else Layout.CUT


def render_table(table: Table, fmt: str, layout: Layout = Layout.CUT) -> str:
    if fmt == "csv":
        return rows_to_csv(list(table.columns), [list(r) for r in table.rows]).decode("utf-8")
    if fmt == "json":
        return json.dumps(table.as_dicts(), ensure_ascii=False, indent=2) + "\n"
    terminal = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    width = table_width(os.environ.get("COLUMNS"), terminal)
    return table_text(table.columns, table.rows, width, layout, cut_hint="; --wide shows them whole")


@main.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--wide", is_flag=True, help="Table: print every value whole, however wide the table gets.")
@click.option("--wrap", is_flag=True, help="Table: wrap long values over several lines instead of cutting them.")
@click.pass_context
def query_command(ctx: click.Context, name: str | None, params: tuple[str, ...], fmt: str, wide: bool,
                  wrap: bool) -> None:  # fmt: skip
    """Run a named query from queries/; without NAME, list them.

    The table is fitted to the terminal's width: a value too long for its
    column is cut and ends in "…", and the count under the table says how
    many were cut (--wide prints them whole, --wrap over several lines).
    When the output is not a terminal (a pipe, a file), the table is fitted
    to $COLUMNS if set, else to 120 columns; --format csv or json never
    cuts anything.

    \b
    Example:
        twingraph query who-met-whom --param person=Голамзаде --format csv
        twingraph query city-timeline -p city=Харбин
        twingraph query who-met-whom -p person=Метшин --wide | less -S
    """
    settings = settings_from(ctx)
    layout = layout_of(wide, wrap)
    queries = load_queries(settings.queries_dir)
    if not name:
        for query in queries.values():
            args = " ".join(f"[{p.name}=<{p.kind}>]" for p in query.params)
            click.echo(f"{query.name:<24} {query.title}  {args}")
        return
    if name not in queries:
        raise click.UsageError(f"no query {name!r}; known: {', '.join(queries)}")
    query = queries[name]
    text = query.bound(parse_params(params))
    table = open_store(settings, shown_progress()).select(text)
    click.echo(render_table(table, fmt, layout), nl=False)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="SPARQL query timeout in seconds [default: 10].")
@click.option("--base-iri", "serve_base", help="Base IRI of the dataset (same as twingraph --base-iri).")
@click.option("--workers", type=click.IntRange(min=1), default=Limits.workers, show_default=True,
              help="Query worker processes: how many queries (from /sparql, named queries and pages) run at once.")
@click.option("--per-client", type=click.IntRange(min=1),
              help="How many queries one client may run at once [default: half the workers]; it may have a "
                   "quarter of --queue-limit (at least as many) more waiting.")
@click.option("--queue-wait", type=click.FloatRange(min=0), default=Limits.queue_wait, show_default=True,
              help="Seconds a query waits for a free worker before it is answered 503 (or 429).")
@click.option("--queue-limit", type=click.IntRange(min=0), default=Limits.queue_limit, show_default=True,
              help="How many queries may wait for a worker (a quarter of them from one client); one more is "
                   "answered 503 at once.")
@click.option("--query-memory", type=click.IntRange(min=64), default=Limits.query_memory, show_default=True,
              metavar="MIB", help="Memory a worker may take for one query beyond its data, in MiB; past it, 500.")
@click.option("--watch/--no-watch", default=True, show_default=True,
              help="Rebuild when the records change and swap the new build in while serving.")  # fmt: skip
@click.option("--store", "store_url", metavar="URL",
              help="Serve from this SPARQL query endpoint (e.g. http://127.0.0.1:7878/query) instead of the "
                   "embedded store; --watch is then off.")  # fmt: skip
@store_options
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, timeout: float | None, serve_base: str | None,
                  workers: int, per_client: int | None, queue_wait: float, queue_limit: int, query_memory: int,
                  watch: bool, store_url: str | None, graph: str | None, user: str | None,
                  password: str | None) -> None:  # fmt: skip
    """Serve the dataset: linked-data pages, /sparql, named queries and dumps.

    Builds the bundled dataset first if there is no build yet, then serves it
    from the embedded store until stopped with Ctrl-C. With --watch (the
    default), an edit to the records is rebuilt in the background and the new
    build replaces the old one only once it is complete and valid.

    The address is printed once the server accepts connections; with --port 0
    the system picks a free port, and the address shows it. A port already in
    use is a one-line error (exit status 1), before anything is built.

    With --store, the pages and /sparql come from a SPARQL 1.1 store the
    dataset was published to ('twingraph publish'), its graph (--graph) seen
    as the default graph; every query is checked as in the embedded mode
    before it is sent.

    \b
    Example:
        twingraph serve --port 8000
        curl -H 'Accept: text/turtle' http://127.0.0.1:8000/person/ilsur-metshin
        twingraph serve --store http://127.0.0.1:7878/query
    """
    from twingraph.serve import create_app
    from twingraph.serve.listener import bound_socket, serve

    settings = settings_from(ctx)
    if timeout is not None:
        settings = dataclasses.replace(settings, query_timeout=timeout)
    if serve_base:
        settings = dataclasses.replace(settings, base_iri=serve_base)
    with bound_socket(host, port) as sock:  # first: a taken port fails at once, before any build
        store: ServedStore = (
            open_store(settings, shown_progress())
            if store_url is None
            else remote_store(settings, store_url, graph, credentials_from(user, password))
        )
        served = len(store)
        where = f" from {store_url}" if store_url else ""
        refresh = Reloader(settings, shown_progress()) if watch and store_url is None else None
        inputs = functools.partial(input_time, settings) if refresh else None
        limits = Limits(workers, per_client, queue_wait, queue_limit, query_memory)
        app = create_app(store, settings, limits=limits, refresh=refresh, inputs=inputs)
        serve(app, sock, lambda url: click.echo(f"Serving {served} triples{where} at {url}  "
                                                "(SPARQL: /sparql, Ctrl-C to stop)", err=True))  # fmt: skip


def remote_store(settings: Settings, url: str, graph: str | None, credentials: Credentials | None) -> RemoteStore:
    """The store behind ``serve --store``: requests wait a little longer than the query timeout, then give up."""
    return RemoteStore(url, graph or dataset_graph_iri(settings), settings.query_timeout + 1, settings.row_limit,
                       credentials)  # fmt: skip


@main.command("publish")
@click.option("--to", "to", required=True, metavar="URL",
              help="The store's Graph Store endpoint (Oxigraph http://HOST:PORT/store, Fuseki .../ds/data, Virtuoso "
                   ".../sparql-graph-crud-auth), or its SPARQL Update endpoint with --by update.")  # fmt: skip
@click.option("--by", type=click.Choice(["graph-store", "update"]), default="graph-store", show_default=True,
              help="Load with the Graph Store Protocol, or with SPARQL Update where the store has no Graph Store "
                   "endpoint.")  # fmt: skip
@click.option("--update-url", metavar="URL", help="The SPARQL Update endpoint [default: derived from --to].")
@click.option("--query-url", metavar="URL", help="The SPARQL query endpoint [default: derived from --to].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=120, show_default=True,
              help="Seconds to wait for the store on each request.")  # fmt: skip
@store_options
@click.pass_context
def publish_command(ctx: click.Context, to: str, by: str, update_url: str | None, query_url: str | None,
                    timeout: float, graph: str | None, user: str | None, password: str | None) -> None:  # fmt: skip
    """Publish the validated dataset into a SPARQL 1.1 store, replacing its graph in one switch.

    The triples go into a fresh staging graph first; one SPARQL Update then
    replaces the graph (--graph) with them, so readers of the store see the
    old dataset or the new one, never half of it.

    \b
    Example:
        oxigraph serve --location store/ --bind 127.0.0.1:7878 &
        twingraph publish --to http://127.0.0.1:7878/store
        twingraph serve --store http://127.0.0.1:7878/query
    """
    settings = settings_from(ctx)
    target = graph or dataset_graph_iri(settings)
    endpoints = endpoints_for(to, by == "graph-store", update_url, query_url)
    publisher = Publisher(endpoints, timeout, credentials_from(user, password))
    count = publish_graph(settings, target, publisher, shown_progress())
    click.echo(f"published {count} triples into {target} at {endpoints.query}")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="turtle", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="The file to write (replaced whole, only once complete), or - for standard output.")  # fmt: skip
@click.option("--frame", type=click.Choice(FRAMES),
              help="JSON-LD only: one nested object per resource of this kind (ontology/frames/KIND.jsonld).")
@click.option("--split", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="With --frame city: one self-contained file per partner city in DIR, instead of -o.")
@click.pass_context
def export_command(ctx: click.Context, fmt: str, output: Path | None, frame: str | None, split: Path | None) -> None:
    """Export the validated dataset to one file or standard output (CSV: one row per participation).

    JSON-LD carries the published context inline, so a file stands alone offline.
    With --frame, each event (person, city, agreement) is one object with what
    it links to nested in it: an event's place, its attendees' names and posts.

    \b
    Example:
        twingraph export --format jsonld -o kazan.jsonld
        twingraph export --format jsonld --frame event -o events.jsonld
        twingraph export --format jsonld --frame city --split cities/
        twingraph export --format csv -o participations.csv
        twingraph export --format ntriples -o - | gzip > kazan.nt.gz
    """
    check_export_options(fmt, output, frame, split)
    settings = settings_from(ctx)
    target = split or output
    if target is not None and str(target) != "-":
        ensure_writable(target, "the export")
    if split is not None:
        graph = checked_graph(settings, shown_progress())[1]
        written = write_files(split, export_city_bundles(graph, settings.ontology_dir))
        click.echo(f"wrote {len(written)} files to {split}/")
        return
    assert output is not None  # check_export_options: -o or --split
    if frame is None:
        data = export_dataset(settings, fmt, shown_progress())
    else:
        data = export_framed(checked_graph(settings, shown_progress())[1], settings.ontology_dir, frame)
    if str(output) == "-":
        click.echo(data, nl=False)  # bytes go to the binary stream as they are
        click.echo(f"wrote {len(data)} bytes to standard output", err=True)
        return
    write_atomic(output, data)
    click.echo(f"wrote {output} ({len(data)} bytes)")


def check_export_options(fmt: str, output: Path | None, frame: str | None, split: Path | None) -> None:
    """Raises click.UsageError for options that do not go together."""
    if frame is not None and fmt != RdfFormat.JSONLD.label:
        raise click.UsageError("--frame needs --format jsonld")
    if split is not None and frame != "city":
        raise click.UsageError("--split needs --frame city")
    if (split is None) == (output is None):
        raise click.UsageError("give either --output/-o or --split DIR")


@main.command("site")
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory of the site: new, empty, or an earlier export (replaced whole).")  # fmt: skip
@click.option("--base-iri", "site_base", help="Base IRI of the dataset (same as twingraph --base-iri).")
@click.option("--lang", "lang", type=click.Choice(["ru", "en"]), default="ru", show_default=True,
              help="Language of the site's interface; the data keep their own languages.")  # fmt: skip
@click.pass_context
def site_command(ctx: click.Context, output: Path, site_base: str | None, lang: str) -> None:
    """Write the dataset as a static site: every page with its Turtle and JSON-LD, the dumps.

    Builds the dataset first if needed. Search and SPARQL need 'twingraph serve'
    and are left out. The directory gets a .htaccess and an nginx.conf.example
    that answer each IRI with the format its Accept header asks for.

    \b
    Example:
        twingraph site -o public
        python -m http.server --directory public 8080
    """
    from twingraph.serve.export_site import export_site

    settings = settings_from(ctx)
    if site_base:
        settings = dataclasses.replace(settings, base_iri=site_base)
    written = export_site(open_store(settings, shown_progress()), settings, output, shown_progress(), lang)
    for skipped in written.skipped:
        click.echo(f"warning: left out {skipped.reason}", err=True)
    click.echo(f"wrote {written.pages} pages to {written.root}/ (see .htaccess and nginx.conf.example there)")


@main.command("synth")
@click.option("--cities", type=click.IntRange(min=0), required=True,
              help="Number of partner cities (about 1,060 triples each).")  # fmt: skip
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory to write records/ and sources/ into (both replaced).")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generator: same seed, same files.")
def synth_command(cities: int, output: Path, seed: int) -> None:
    """Write synthetic records shaped like the real ones, for benchmarks at any scale.

    A home city and N partner cities with agreements, events at mixed date
    precision, persons whose posts change over time and organizations, in
    Russian; each city's source page holds its quotes, so the output builds
    with the real pipeline (twingraph --data DIR build).

    \b
    Example:
        twingraph synth --cities 200 -o /tmp/synth
        twingraph --data /tmp/synth --dist /tmp/synth/dist build
    """
    from twingraph.synth import write_synthetic

    written = write_synthetic(output, cities, seed, shown_progress())
    click.echo(f"wrote {written} records files to {output}/records and their pages to {output}/sources")


def link_client(endpoint: str, cache: Path | None, no_cache: bool, timeout: float, contact: str | None) -> SparqlClient:
    """The SPARQL client the link commands share: endpoint, cache, timeout, contact for the User-Agent."""
    from twingraph.link import ClientOptions, SparqlClient, default_cache_dir

    cache_dir = None if no_cache else cache or default_cache_dir()
    options = ClientOptions(endpoint=endpoint, timeout=timeout, cache_dir=cache_dir)
    if contact:
        options = dataclasses.replace(options, contact=contact)
    return SparqlClient(options, progress=shown_progress())


def graph_to_link(settings: Settings, input_file: Path | None) -> Graph:
    """The graph whose entities are linked: a file given with --input, else the dataset."""
    from twingraph.rdf.reading import read_rdf

    if input_file is None:
        return dataset_graph(settings, shown_progress())[1]
    return read_rdf(input_file)


def sparql_options(command: Command) -> Command:
    """The options every command that asks a SPARQL endpoint takes."""
    from twingraph.link import DEFAULT_ENDPOINT

    for option in reversed([
        click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True, help="SPARQL 1.1 query URL."),
        click.option("--input", "input_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Link the entities of this graph file instead of the dataset."),
        click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
                     help="Directory of cached answers [default: ~/.cache/twingraph/sparql]."),
        click.option("--no-cache", is_flag=True, help="Ask the endpoint again for every query."),
        click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
                     help="Seconds to wait for each answer."),
        click.option("--contact", envvar="TWINGRAPH_CONTACT", help="URL or e-mail sent in the User-Agent."),
    ]):  # fmt: skip
        command = option(command)
    return command


@main.command("link")
@sparql_options
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Links file [default: links.ttl in the data directory].",
)
@click.option("--only", multiple=True, type=click.Choice(["cities", "countries", "persons", "organizations"]),
              help="Link only these kinds (repeatable); the links of other kinds in the file are kept.")  # fmt: skip
@click.pass_context
def link_command(ctx: click.Context, endpoint: str, input_file: Path | None, cache: Path | None, no_cache: bool,
                 timeout: float, contact: str | None, output: Path | None, only: tuple[str, ...]) -> None:  # fmt: skip
    """Link cities, countries, persons and organizations to Wikidata; the unsure ones go to a review file.

    \b
    Example:
        twingraph link --only cities
        twingraph link --endpoint http://127.0.0.1:7878/query --no-cache
    """
    from twingraph.clock import today
    from twingraph.link import Kind, relink

    settings = settings_from(ctx)
    target = ensure_writable(output or settings.links_file, "the links")
    kinds = tuple(Kind(k) for k in only) or tuple(Kind)
    graph = graph_to_link(settings, input_file)
    client = link_client(endpoint, cache, no_cache, timeout, contact)
    run, _, review = relink(client, graph, target, kinds, today(settings.clock), shown_progress())
    click.echo(f"{len(run.links)} linked, {len(run.reviews)} to review ({client.requests} requests to {endpoint})")
    click.echo(f"wrote {target} and {review}")


@main.command("giveback")
@sparql_options
@click.option(
    "--links",
    "links_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Links file [default: links.ttl in the data directory].",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The gap report (TSV) [default: p190-gaps.tsv in the data directory].",
)
@click.option("--quickstatements", "qs_file", type=click.Path(dir_okay=False, path_type=Path),
              help="QuickStatements v1 to add the missing P190 [default: p190-quickstatements.txt in the data "
                   "directory].")  # fmt: skip
@click.pass_context
def giveback_command(ctx: click.Context, endpoint: str, input_file: Path | None, cache: Path | None, no_cache: bool,
                     timeout: float, contact: str | None, links_file: Path | None, output: Path | None,
                     qs_file: Path | None) -> None:  # fmt: skip
    """Compare the page's partner cities with Wikidata's P190, both ways; write the gaps and QuickStatements.

    \b
    Example:
        twingraph giveback
        twingraph giveback --endpoint http://127.0.0.1:7878/query -o gaps.tsv --quickstatements p190.qs
    """
    from twingraph.link import give_back, summary

    settings = settings_from(ctx)
    gaps_path = ensure_writable(output or settings.gaps_file, "the gap report")
    qs_path = ensure_writable(qs_file or settings.quickstatements_file, "the QuickStatements")
    graph = graph_to_link(settings, input_file)
    client = link_client(endpoint, cache, no_cache, timeout, contact)
    gaps, statements = give_back(client, graph, links_file or settings.links_file, gaps_path, qs_path)
    click.echo(summary(gaps))
    click.echo(f"wrote {gaps_path} and {qs_path} ({statements} statements)")


@main.command("plot")
@click.argument("view", type=click.Choice(["timeline", "network", "map", "years"]))
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The file to write: .svg or .png.")  # fmt: skip
@click.pass_context
def plot_command(ctx: click.Context, view: str, output: Path) -> None:
    """Draw a view (timeline, network, map or years) of the dataset to an SVG or PNG file, for reports.

    The same named queries as the site's views give the data; no browser is needed.

    \b
    Example:
        twingraph plot network -o network.svg
        twingraph plot map -o map.png
    """
    from twingraph.plot import plot

    settings = settings_from(ctx)
    plotted = plot(open_store(settings, shown_progress()), settings, view, output)
    counts = ", ".join(f"{n} {name}" for name, n in plotted.counts.items())
    click.echo(f"wrote {plotted.path} ({counts})")


@main.command("extract")
@click.argument("page", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True,
              help="Directory for the records files, or the graph file with --format turtle|jsonld.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["records", "turtle", "jsonld"]), default="records",
              show_default=True, help="Records files to review, or the page's graph.")  # fmt: skip
@click.option("--source", "source_id", help="The page's id in data/sources/ [default: the file's stem].")
@click.option("--force", is_flag=True, help="Replace records files that already exist in the directory.")
@click.option("--max-size", type=click.IntRange(min=1), default=5, show_default=True, metavar="MIB",
              help="Refuse a page file larger than this many MiB before reading it.")  # fmt: skip
@click.pass_context
def extract_command(ctx: click.Context, page: Path, output: Path, fmt: str, source_id: str | None, force: bool,
                    max_size: int) -> None:  # fmt: skip
    """Extract a partner-cities page (text or HTML) into records to review, or into its graph.

    Nothing is written when the page yields no records, or is larger than
    --max-size; the exit status is then 1.

    \b
    Example:
        twingraph extract data/sources/kzn-partner-cities-page4.txt -o out/
        twingraph extract page.html --format turtle -o page.ttl
    """
    from twingraph.extract import load_models
    from twingraph.extract.run import extract_dataset, write_extraction

    settings, limit = settings_from(ctx), max_size * 1024 * 1024
    if fmt == "records":
        written = write_extraction(page, output, load_models(), force, source_id, limit)
    else:  # the records go to the build's own mapping
        dataset = extract_dataset(page, load_models(), source_id, limit)
        written = [write_graph(dataset, RdfFormat.from_label(fmt), output, settings)]
    for path in written:
        click.echo(f"wrote {path}")


@main.command("score")
@click.argument("page", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--records", "-r", "records_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Curated records of the page [default: the project's data/records].")  # fmt: skip
@click.option("--source", "source_id", help="The page's id in the records' 'source' [default: the file's stem].")
@click.option("--misses", is_flag=True, help="List the keys missed and the keys found in excess.")
@click.pass_context
def score_command(
    ctx: click.Context, page: Path, records_dir: Path | None, source_id: str | None, misses: bool
) -> None:
    """Extract a page and print precision, recall and F1 per group against its curated records.

    \b
    Example:
        twingraph score data/sources/kzn-partner-cities-page4.txt
    """
    from twingraph.extract import load_models
    from twingraph.extract.run import score_file
    from twingraph.extract.score import table

    settings = settings_from(ctx)
    scores = score_file(page, records_dir or settings.records_dir, load_models(), source_id)
    click.echo(table(scores))
    for s in scores if misses else []:
        click.echo("".join(f"\n- {s.group} missed: {k}" for k in s.missing) +
                   "".join(f"\n+ {s.group} extra: {k}" for k in s.extra))  # fmt: skip
