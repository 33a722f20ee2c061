"""The twingraph command: options -> Settings -> one library call -> echo."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from twingraph.config import Settings, default_settings
from twingraph.errors import TwingraphError
from twingraph.export import load_context, rows_to_csv, select_rows, serialize
from twingraph.fileio import write_atomic
from twingraph.pipeline import Reloader, build, checked_graph, dataset_graph, open_store, record_origin
from twingraph.rdf.formats import RdfFormat
from twingraph.records import RecordsError, check_files
from twingraph.store import Table, load_queries
from twingraph.validate import load_shapes, validate_graph

EXPORT_FORMATS = [f.label for f in RdfFormat] + ["csv"]


def progress(message: str) -> None:
    click.echo(f"… {message}", err=True)


def fail(exc: TwingraphError) -> click.ClickException:
    return click.ClickException(str(exc))


def settings_from(ctx: click.Context) -> Settings:
    return ctx.obj  # type: ignore[no-any-return]


@click.group()
@click.option("--base-iri", envvar="TWINGRAPH_BASE_IRI", help="Base IRI of the dataset's resources.")
@click.option("--dist", type=click.Path(path_type=Path), help="Directory for the build output [default: ./dist].")
@click.version_option(package_name="twingraph")
@click.pass_context
def main(ctx: click.Context, base_iri: str | None, dist: Path | None) -> None:
    """Publish a city's partner cities as linked open data.

    \b
    Example:
        twingraph build
        twingraph query who-met-whom --param person=Метшин --format csv
    """
    overrides: dict[str, object] = {"dist": dist}
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
    try:
        built = build(settings_from(ctx), progress)
    except TwingraphError as exc:
        raise fail(exc) from exc
    for name, count in built.counts.items():
        click.echo(f"{count:>7}  {name}")
    click.echo(f"SHACL: conforms. Written to {built.dist}/")


@main.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def check_command(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check records files while you edit them: schema, quotes on the page, cross-file references.

    \b
    Example:
        twingraph check data/records/tehran.yaml
    """
    settings = settings_from(ctx)
    problems = check_files(settings.records_dir, settings.sources_dir, list(files))
    if problems:
        raise click.ClickException("\n".join(problems))
    click.echo("OK")


@main.command("validate")
@click.pass_context
def validate_command(ctx: click.Context) -> None:
    """Check the records and the graph against the SHACL shapes; exit 1 on violations.

    \b
    Example:
        twingraph validate
    """
    settings = settings_from(ctx)
    try:
        dataset, graph = dataset_graph(settings, progress)
    except RecordsError as exc:
        raise fail(exc) from exc
    report = validate_graph(graph, load_shapes(settings.shapes_dir))
    click.echo(report.text(record_origin(dataset, settings.base_iri)))
    sys.exit(0 if report.conforms else 1)


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: write key=value, e.g. person=Метшин", param_hint="--param")
        params[key] = value
    return params


def render_table(table: Table, fmt: str) -> str:
    if fmt == "csv":
        return rows_to_csv(list(table.columns), [list(r) for r in table.rows]).decode("utf-8")
    if fmt == "json":
        return json.dumps(table.as_dicts(), ensure_ascii=False, indent=2) + "\n"
    widths = [max([len(c), *(len(r[i]) for r in table.rows)]) for i, c in enumerate(table.columns)]
    widths = [min(w, 40) for w in widths]
    lines = ["  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True))]
    lines += ["  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)) for row in table.rows]
    return "\n".join([*lines, f"({len(table.rows)} rows)"]) + "\n"


@main.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def query_command(ctx: click.Context, name: str | None, params: tuple[str, ...], fmt: str) -> None:
    """Run a named query from queries/; without NAME, list them.

    \b
    Example:
        twingraph query who-met-whom --param person=Голамзаде --format csv
        twingraph query city-timeline -p city=Харбин
    """
    settings = settings_from(ctx)
    queries = load_queries(settings.queries_dir)
    if not name:
        for query in queries.values():
            args = " ".join(f"[{p.name}=<{p.kind}>]" for p in query.params)
            click.echo(f"{query.name:<24} {query.title}  {args}")
        return
    if name not in queries:
        raise click.UsageError(f"no query {name!r}; known: {', '.join(queries)}")
    try:
        query = queries[name]
        text = query.bound(parse_params(params))
        table = open_store(settings, progress).select(text)
    except TwingraphError as exc:
        raise fail(exc) from exc
    click.echo(render_table(table, fmt), nl=False)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="SPARQL query timeout in seconds [default: 10].")
@click.option("--base-iri", "serve_base", help="Base IRI of the dataset (same as twingraph --base-iri).")
@click.option("--watch/--no-watch", default=True, show_default=True,
              help="Rebuild when the records change and swap the new build in while serving.")  # fmt: skip
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, timeout: float | None, serve_base: str | None,
                  watch: bool) -> None:  # fmt: skip
    """Serve the dataset: linked-data pages, /sparql, named queries and dumps.

    Builds the bundled dataset first if there is no build yet, then serves it
    from the embedded store until stopped with Ctrl-C. With --watch (the
    default), an edit to the records is rebuilt in the background and the new
    build replaces the old one only once it is complete and valid.

    \b
    Example:
        twingraph serve --port 8000
        curl -H 'Accept: text/turtle' http://127.0.0.1:8000/person/ilsur-metshin
    """
    import uvicorn

    from twingraph.serve import create_app

    settings = settings_from(ctx)
    if timeout is not None:
        settings = dataclasses.replace(settings, query_timeout=timeout)
    if serve_base:
        settings = dataclasses.replace(settings, base_iri=serve_base)
    try:
        store = open_store(settings, progress)
    except TwingraphError as exc:
        raise fail(exc) from exc
    click.echo(f"Serving {len(store)} triples at http://{host}:{port}/  (SPARQL: /sparql, Ctrl-C to stop)", err=True)
    refresh = Reloader(settings, progress) if watch else None
    uvicorn.run(create_app(store, settings, refresh=refresh), host=host, port=port, log_level="warning")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="turtle", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.pass_context
def export_command(ctx: click.Context, fmt: str, output: Path) -> None:
    """Export the validated dataset to one file (CSV: one row per participation).

    \b
    Example:
        twingraph export --format jsonld -o kazan.jsonld
        twingraph export --format csv -o participations.csv
    """
    settings = settings_from(ctx)
    try:
        _, graph, _ = checked_graph(settings, progress)
        if fmt == "csv":
            query = load_queries(settings.queries_dir)["participations"]
            data = rows_to_csv(*select_rows(graph, query.text))
        else:
            data = serialize(graph, RdfFormat.from_label(fmt), load_context(settings.ontology_dir), settings.base_iri)
    except TwingraphError as exc:
        raise fail(exc) from exc
    write_atomic(output, data)
    click.echo(f"wrote {output} ({len(data)} bytes)")
