"""The OpenAPI 3.1 description of the HTTP API, made from what the app serves; no I/O.

``/openapi.json`` serves it: the named queries with their parameters, the dumps,
the views, the media types each route negotiates and the error statuses with
what they mean. ``tests/test_openapi.py`` checks it against the app's routes and
fuzzes the app with it (schemathesis).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from twingraph.serve.listings import PAGE_SIZE, Facet, Listing
from twingraph.store.queries import NamedQuery, Param

OPENAPI_VERSION = "3.1.0"
HTML = "text/html"
ERROR_TYPES = ("text/plain", HTML)
# what each error status of the API means, as the app answers it
ERRORS = {
    400: "Bad request: a query that does not parse, or that the safety check cannot read (longer than 64 Ki "
         "characters, brackets nested deeper than 128, a number longer than 100 digits); more than one query; a "
         "graph name that is not an absolute IRI; text or percent-escapes that are not UTF-8; an unknown `format`; "
         "a parameter a named query does not have, or a value of the wrong kind.",
    403: "Forbidden: this endpoint is read-only and makes no outgoing requests. SPARQL Update (an `update` "
         "field, `application/sparql-update`, or text that is not a SELECT, ASK, CONSTRUCT or DESCRIBE query, such "
         "as LOAD), SERVICE anywhere in a query, a store pragma (DEFINE) or a `\\u` escape of an ASCII character "
         "is refused.",
    404: "Not found: no such resource in this dataset, or no such view, named query or dump.",
    406: "Not acceptable: the Accept header (or `format`) accepts none of the media types offered; the message "
         "lists them.",
    413: "The request body is larger than {limit} bytes.",
    415: "Unsupported media type: POST a query as `application/sparql-query` or "
         "`application/x-www-form-urlencoded`, in UTF-8.",
    429: "Too many requests: this client already runs its share of the query slots; try again after "
         "`Retry-After` seconds.",
    500: "A query stopped the worker process evaluating it (an engine crash); that request alone fails, and the "
         "next query gets a new worker.",
    502: "Bad gateway: the remote triple store (`twingraph serve --store`) failed or stopped answering.",
    503: "Service unavailable: every query slot stayed taken, or the queue of waiting queries is full, or the "
         "query (or a page's look-ups) ran past the deadline and was stopped; try again after `Retry-After` "
         "seconds.",
}  # fmt: skip
RETRY_AFTER = (429, 503)
# the statuses of a request that runs queries: refused, busy, past its deadline, crashed, remote store failed
QUERYING = (429, 500, 502, 503)
ROW_LIMIT_HEADER = "X-Row-Limit-Reached"  # on results cut at the server's row limit
NOT_MODIFIED = {"description": "Not modified: `If-None-Match` names the current `ETag`."}
QUERY_LISTING = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "title", "description", "url", "params"],
        "properties": {
            "name": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "url": {"type": "string"},
            "params": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "kind", "help"],
                    "properties": {
                        "name": {"type": "string"},
                        "kind": {"enum": ["text", "year", "iri"]},
                        "help": {"type": "string"},
                    },
                },
            },
        },
    },
}
RANGE = {"name": "Range", "in": "header", "required": False, "schema": {"type": "string"},
         "description": "Byte ranges of the file, e.g. bytes=0-1023."}  # fmt: skip
PARAM_SCHEMAS = {
    "text": {"type": "string"},
    "year": {"type": "string", "pattern": "^[0-9]{4}$"},
    "iri": {"type": "string", "format": "iri", "pattern": "^https?://[^\\s<>\"{}|\\\\^`]+$"},
}


@dataclasses.dataclass(frozen=True)
class Api:
    """What the description is made of: what the app serves and the media types it negotiates.

    Attributes:
        queries: the named queries, by name.
        dumps: each dump file's name and media type.
        views: the names of the view pages.
        graph_types: the media types of a description (HTML first, then the RDF formats).
        result_types: the media types of SELECT and ASK results.
        graph_formats: the ``format`` names of a description and their media types.
        result_formats: the ``format`` names of results and their media types.
        body_limit: the largest request body, in bytes.
        listings: the lists (``/city/``...), by path.
    """

    queries: Mapping[str, NamedQuery]
    dumps: Mapping[str, str]
    views: Sequence[str]
    graph_types: Sequence[str]
    result_types: Sequence[str]
    graph_formats: Mapping[str, str]
    result_formats: Mapping[str, str]
    body_limit: int
    listings: Mapping[str, Listing] = dataclasses.field(default_factory=dict)


def openapi_document(api: Api) -> dict[str, Any]:
    """The OpenAPI document of the app: every route, its parameters, media types and error statuses.

    >>> api = Api({}, {"twingraph.nt": "application/n-triples"}, ["map"], ["text/html"], ["text/csv"],
    ...           {"html": "text/html"}, {"csv": "text/csv"}, 1024)
    >>> doc = openapi_document(api)
    >>> doc["openapi"], "/sparql" in doc["paths"], "/twingraph.nt" in doc["paths"]
    ('3.1.0', True, True)
    """
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "twingraph",
            "version": "1",
            "description": "A city's partner cities, agreements, events and people as linked open data: pages and "
                           "RDF for every IRI, a read-only SPARQL 1.1 endpoint, named queries and dumps. Each "
                           "description and result is negotiated by the Accept header or `?format=`; an error is "
                           "an HTML page for a client that prefers HTML, plain text otherwise.",
        },
        "paths": {**page_paths(api), **list_paths(api), **sparql_paths(api), **query_paths(api),
                  **file_paths(api)},
        "components": components(api),
    }


def components(api: Api) -> dict[str, Any]:
    """The error responses (one per status), the ``Retry-After`` and row-limit headers and the listing's schema."""
    return {
        "responses": {str(status): error_response(status, api.body_limit) for status in ERRORS},
        "headers": {
            "Retry-After": {
                "description": "Seconds after which the request may succeed.",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            },
            ROW_LIMIT_HEADER: {
                "description": "Present when the results were cut at the server's row limit, which is its value: "
                               "there are more rows (or triples) than the answer holds.",
                "required": False,
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            },
        },
        "schemas": {"QueryListing": QUERY_LISTING},
    }


def error_response(status: int, body_limit: int) -> dict[str, Any]:
    """An error status: its meaning, a plain-text or HTML message, and ``Retry-After`` when it says when to retry."""
    response: dict[str, Any] = {
        "description": ERRORS[status].format(limit=body_limit),
        "content": {media: {"schema": {"type": "string"}} for media in ERROR_TYPES},
    }
    if status in RETRY_AFTER:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    return response


def responses(ok: dict[str, Any], *errors: int, cached: bool = True) -> dict[str, Any]:
    """An operation's responses: ``ok`` (200), 304 when ``cached``, and the error statuses by reference."""
    found: dict[str, Any] = {"200": ok, **({"304": NOT_MODIFIED} if cached else {})}
    return found | {str(status): {"$ref": f"#/components/responses/{status}"} for status in sorted(errors)}


def results_content(description: str, media_types: Iterable[str]) -> dict[str, Any]:
    """A 200 response of query results, which may be cut at the row limit (``X-Row-Limit-Reached`` says so)."""
    return content(description, media_types) | {
        "headers": {ROW_LIMIT_HEADER: {"$ref": f"#/components/headers/{ROW_LIMIT_HEADER}"}}
    }


def content(description: str, media_types: Iterable[str], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """A 200 response in any of ``media_types``; its body's JSON schema when it has one."""
    body = {"schema": schema} if schema else {}
    return {"description": description, "content": {media: body for media in dict.fromkeys(media_types)}}


def format_param(names: Mapping[str, str], offers: Iterable[str]) -> dict[str, Any]:
    """The ``format`` query parameter: the names of the offered media types, overriding Accept."""
    allowed = sorted(name for name, media in names.items() if media in set(offers))
    return {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": allowed},
            "description": "The media type by name, instead of the Accept header."}  # fmt: skip


def path_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string", "minLength": 1}}  # fmt: skip


def get(operation_id: str, summary: str, response_map: dict[str, Any],
        parameters: Sequence[dict[str, Any]] = (), description: str = "") -> dict[str, Any]:  # fmt: skip
    """A GET operation."""
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "responses": response_map}
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = list(parameters)
    return {"get": operation}


SLASH_MOVED = {"301": {"description": "Moved permanently: the resource is at the path without its trailing slash "
                                      "(given in Location, with the query string)."}}  # fmt: skip


def view_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}  # fmt: skip


VIEW_PARAMS = (
    view_param("city", "timeline, years: only the events (and agreements) of the cities with this in a name."),
    view_param("person", "timeline: only the events of the persons with this in a name."),
    view_param("organization", "timeline: only the events of the organizations with this in a name."),
    view_param("year", "timeline: only the events that started in this year.", {"type": "string",
                                                                               "pattern": "^[0-9]{4}$"}),
    view_param("page", "timeline: the page of a zoomed list, 300 events a page, from 1.", {"type": "string"}),
    view_param("node", "network: the neighbourhood of this participant (an http(s) IRI).", {"type": "string"}),
    view_param("q", "network: the persons, cities and organizations with this in a name, to pick a neighbourhood."),
)


def page_paths(api: Api) -> dict[str, Any]:
    """The home page, search, views, the dataset description and every resource of the dataset."""
    graphs = format_param(api.graph_formats, api.graph_types)
    described = content("The description, negotiated among HTML and the RDF formats; `application/json` (asked "
                        "for alone, as a plain-JSON client does) gets the JSON-LD, with its context inline.",
                        api.graph_types)  # fmt: skip
    void = get("dataset", "The dataset's VoID description", responses(described, 400, 404, 406), [graphs])
    return {
        "/": get("home", "The home page: the dataset, its partner cities and what to read next",
                 responses(content("The home page, or the dataset's VoID description in RDF.", api.graph_types),
                           400, 406, *QUERYING), [graphs]),
        "/search": get("search", "Resources whose name contains a text, any case",
                       responses(content("The search page and its results.", [HTML]), 400, *QUERYING),
                       [{"name": "q", "in": "query", "required": False, "schema": {"type": "string"},
                         "description": "The text to look for; none: an empty search page."}]),
        "/views/{name}": get("view", "A view: the drawing and its table",
                             responses(content("The view's page.", [HTML]), 400, 404, *QUERYING),
                             [path_param("name", "The view.", {"type": "string", "enum": list(api.views)}),
                              *VIEW_PARAMS],
                             "Past a few hundred items a view is an overview (events per year and city, the "
                             "participants with most events, the busiest cities) and says what it left out; "
                             "its parameters zoom in. A view ignores the parameters of the others, and empty ones."),
        "/dataset": void,
        "/.well-known/void": {"get": {**void["get"], "operationId": "well-known-void"}},
        "/{path}": get("resource", "Any IRI of the dataset, dereferenced",
                       responses(described, 400, 404, 406, *QUERYING) | SLASH_MOVED,
                       [path_param("path", "The IRI's path under the base IRI; a suffix such as .ttl, .jsonld, "
                                           ".nt, .rdf, .trig or .html asks for that format."), graphs],
                       "The request path P names the IRI base + P. A path with a trailing slash that names no "
                       "resource, when the path without it does (`/city/kazan/`), is moved there (301)."),
    }  # fmt: skip


def list_paths(api: Api) -> dict[str, Any]:
    """Each list (``/city/``...) with its name filter, sorts, facets and pages, and its path without a slash."""
    found: dict[str, Any] = {}
    for kind, listing in api.listings.items():
        sorts = sorted(listing.sorts)
        parameters = [
            query_field("q", "A part of a name (Russian, English or another name), any case.", {"type": "string"}),
            query_field("sort", f"The column to sort by, `-` first for descending (default {listing.default_sort}).",
                        {"type": "string", "enum": [*sorts, *(f"-{s}" for s in sorts)]}),
            query_field("page", f"The page, from 1; a page holds {PAGE_SIZE} rows.",
                        {"type": "string", "pattern": "^[1-9][0-9]{0,5}$"}),
            *(query_field(name, "Only the rows with this value.", facet_schema(facet))
              for name, facet in listing.facets.items()),
        ]  # fmt: skip
        found[f"/{kind}/"] = get(f"list-{kind}", f"The list of {kind} resources: a page, sorted and filtered",
                                 responses(content("The list's page.", [HTML]), 400, *QUERYING), parameters)
        moved = {"301": {"description": f"Moved permanently: the list is at /{kind}/."}}
        found[f"/{kind}"] = get(f"list-{kind}-moved", f"The list at /{kind}/", moved)
    return found


def query_field(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query-string parameter."""
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def facet_schema(facet: Facet) -> dict[str, Any]:
    """What a facet's value may be: four digits, one of its choices, or an IRI (absolute, or relative to the base)."""
    if facet.kind == "year":
        return {"type": "string", "pattern": "^[0-9]{4}$"}
    if facet.kind == "text":
        return {"type": "string", "enum": list(facet.choices)}
    return {"type": "string"}


def sparql_paths(api: Api) -> dict[str, Any]:
    """``/sparql``: SPARQL 1.1 Protocol queries by GET and POST; without a query, the service description."""
    answers = [*api.result_types, *api.graph_types]
    formats = format_param({**api.graph_formats, **api.result_formats}, answers)
    ok = results_content("Query results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE); without a query, the "
                         "service description (or, for HTML, the query editor).", answers)  # fmt: skip
    statuses = (400, 403, 406, 413, 415, *QUERYING)
    dataset = [{"name": name, "in": "query", "required": False, "explode": True,
                "schema": {"type": "array", "items": {"type": "string"}},
                "description": f"{what} of the query's dataset, replacing its {clause}."}
               for name, what, clause in (("default-graph-uri", "A graph of the default graph", "FROM"),
                                          ("named-graph-uri", "A named graph", "FROM NAMED"))]  # fmt: skip
    query = {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "The SPARQL query; none: the service description."}  # fmt: skip
    form = {"type": "object", "properties": {
        "query": {"type": "string"},
        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
    }}  # fmt: skip
    post = {
        "operationId": "sparql-post",
        "summary": "Run a read-only SPARQL query sent in the request body",
        "description": f"A body larger than {api.body_limit} bytes is refused (413); SPARQL Update is refused "
                       "(403).",
        "parameters": [formats],
        "requestBody": {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": form},
            "application/sparql-query": {"schema": {"type": "string"}},
        }},
        "responses": responses(ok, *statuses),
    }  # fmt: skip
    get_op = get("sparql", "Run a read-only SPARQL query; without one, the service description",
                 responses(ok, *statuses), [query, *dataset, formats])  # fmt: skip
    return {"/sparql": {**get_op, "post": post}}


def query_form(text: str) -> str | None:
    """A query's form, read from its first keyword outside comments and IRIs; None when there is none.

    >>> query_form("# title: select nothing\\nPREFIX s: <https://x.example/select>\\nCONSTRUCT { ?a ?b ?c } WHERE {}")
    'CONSTRUCT'
    """
    bare = re.sub(r"<[^<>\s]*>|#[^\n]*", " ", text)
    found = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", bare, flags=re.IGNORECASE)
    return found.group(1).upper() if found else None


def query_answers(api: Api, form: str | None) -> tuple[list[str], dict[str, str]]:
    """The media types a query's answer is negotiated among, and their ``format`` names."""
    graph = ([*api.graph_types[1:], api.graph_types[0]], api.graph_formats)
    results = ([*api.result_types, *api.graph_types[:1]], api.result_formats)
    if form in ("CONSTRUCT", "DESCRIBE"):
        return graph[0], dict(graph[1])
    if form in ("SELECT", "ASK"):
        return results[0], dict(results[1])
    return [*results[0], *graph[0]], {**results[1], **graph[1]}


def query_paths(api: Api) -> dict[str, Any]:
    """The catalogue of named queries, each named query with its parameters, and any name (404 when unknown)."""
    answers, names = query_answers(api, None)
    formats = format_param(names, answers)
    ok = results_content("The query's results, negotiated.", answers)
    statuses = (400, 404, 406, *QUERYING)
    listing = {"$ref": "#/components/schemas/QueryListing"}
    found = {
        "/queries": get("queries", "The catalogue of named queries",
                        responses({"description": "The catalogue.", "content": {
                            HTML: {"schema": {"type": "string"}}, "application/json": {"schema": listing}}},
                            400, 406),
                        [format_param({"html": HTML, "json": "application/json"}, [HTML, "application/json"])]),
        "/queries/{name}": get("named-query", "Run a named query; its parameters are its own (see /queries)",
                               responses(ok, *statuses),
                               [path_param("name", "The query's name."), formats]),
    }  # fmt: skip
    for query in api.queries.values():
        answers, names = query_answers(api, query_form(query.text))
        found[f"/queries/{query.name}"] = get(
            f"query-{query.name}", query.title,
            responses(results_content("The query's results, negotiated.", answers), *statuses),
            [*(query_param(p) for p in query.params), format_param(names, answers)], query.description,
        )  # fmt: skip
    return found


def query_param(param: Param) -> dict[str, Any]:
    """A named query's parameter; not given, it leaves the query unfiltered."""
    return {"name": param.name, "in": "query", "required": False, "description": param.help,
            "schema": PARAM_SCHEMAS[param.kind]}  # fmt: skip


CONTEXT_PATH = "/ns/context.jsonld"


def file_paths(api: Api) -> dict[str, Any]:
    """The dumps (under ``/dumps/`` and at the root), the static files and this description."""
    name = path_param("name", "The dump's file name.", {"type": "string", "enum": list(api.dumps)})
    dumps = {"/dumps/{name}": get("dump", "A dump of the whole dataset, by file name",
                                  dump_responses(api.dumps.values()), [name, RANGE])}  # fmt: skip
    for dump, media in api.dumps.items():
        dumps[f"/{dump}"] = get(f"dump-{dump}", f"The dump {dump}", dump_responses([media]), [RANGE])
    static = get("static", "The stylesheets, scripts and fonts of the pages",
                 responses(content("The file.", ["*/*"]), 404),
                 [path_param("path", "The file's path under static/.")])  # fmt: skip
    spec = get("openapi", "This description of the HTTP API (OpenAPI)",
               responses(content("The OpenAPI document.", ["application/json"], {"type": "object"})))  # fmt: skip
    context = get("context", "The JSON-LD context of every JSON-LD document served (ontology/context.jsonld); the "
                  "documents name it in a Link header",
                  responses(content("The context.", ["application/ld+json"], {"type": "object"})))  # fmt: skip
    return {**dumps, "/static/{path}": static, "/openapi.json": spec, CONTEXT_PATH: context}


def dump_responses(media_types: Iterable[str]) -> dict[str, Any]:
    """A dump file's responses: the whole file, the byte ranges asked for, or why not."""
    found = responses(content("The dump file.", media_types), 404, cached=False)
    found["206"] = content("The byte ranges the Range header asks for.", [*media_types, "multipart/byteranges"])
    found["400"] = {"description": "A Range header that cannot be read.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}  # fmt: skip
    found["416"] = {"description": "A Range header whose ranges lie past the end of the file.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}  # fmt: skip
    return found
