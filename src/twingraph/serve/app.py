"""The ASGI app: linked-data pages, the SPARQL endpoint, named queries, dataset and dumps.

A request path ``P`` names the IRI ``settings.base_iri + P``, so every IRI of the
dataset dereferences on the host that serves it. Handlers parse the request,
call a look-up or the query evaluator, and negotiate the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import threading
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from email.utils import formatdate
from pathlib import Path
from typing import ParamSpec, TypeVar

from rdflib import Graph
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from twingraph.clock import Clock, system_clock
from twingraph.config import DEFAULT_LIMITS, DUMP, DUMPS, ONTOLOGY_IRI, Limits, Settings
from twingraph.errors import ParameterError, TwingraphError
from twingraph.export import load_context, load_description, load_frames, serialize
from twingraph.rdf.formats import RdfFormat
from twingraph.rdf.vocabulary import load_ontology
from twingraph.serve import i18n, listings, lookups, openapi, page_cache, pages, render, results, sparql, views
from twingraph.serve.evaluator import Evaluator, drop_frames
from twingraph.serve.headers import SecurityHeaders
from twingraph.serve.negotiation import choose
from twingraph.serve.page_store import PageStore
from twingraph.store import EmbeddedStore, ServedStore, StoreError, load_queries
from twingraph.store.interface import QueryStore

HTML = "text/html"
JSON_LD = "application/ld+json"
# JSON-LD 1.1 (6.1): the context of a JSON document; a JSON-LD document keeps its own inline, to stand alone
CONTEXT_LINK = f'<{openapi.CONTEXT_PATH}>; rel="http://www.w3.org/ns/json-ld#context"; type="{JSON_LD}"'
P = ParamSpec("P")
T = TypeVar("T")
PLAIN_JSON = "application/json"  # asked for by plain-JSON clients; answered with the JSON-LD, under this type
RDF_FORMATS = {f.media_type: f for f in RdfFormat} | {PLAIN_JSON: RdfFormat.JSONLD}
GRAPH_OFFERS = [HTML, *(f.media_type for f in (RdfFormat.TURTLE, RdfFormat.JSONLD, RdfFormat.NTRIPLES,
                                               RdfFormat.RDFXML, RdfFormat.TRIG)), PLAIN_JSON]  # fmt: skip
RESULT_OFFERS = [*results.RESULTS, HTML]
INLINE_ROWS = 500  # rows or triples of an answer written on the event loop; more are written in a thread
GRAPH_NAMES = {"html": HTML, "ttl": "text/turtle", "turtle": "text/turtle", "jsonld": "application/ld+json",
               "json-ld": "application/ld+json", "json": "application/ld+json", "nt": "application/n-triples",
               "ntriples": "application/n-triples", "rdf": "application/rdf+xml", "xml": "application/rdf+xml",
               "rdfxml": "application/rdf+xml", "trig": "application/trig"}  # fmt: skip
SUFFIXES = {f.suffix: f.media_type for f in RdfFormat} | {".html": HTML}
DUMP_TYPES = {name: "application/gzip" if name.endswith(".gz") else RdfFormat.from_suffix(Path(name).suffix).media_type
              for name in (DUMP, *DUMPS.values())}  # fmt: skip
BODY_LIMIT = 64 * 1024


def last_modified(settings: Settings, clock: Clock = system_clock) -> str:
    """The HTTP date of the build being served; the clock's time when there is no build (``serve --store``)."""
    dump = settings.dist_dir / DUMP
    return formatdate(dump.stat().st_mtime if dump.exists() else clock().timestamp(), usegmt=True)


class Site:
    """The state the handlers share, made once per app: store, settings, templates, evaluator."""

    def __init__(self, store: ServedStore, settings: Settings, limits: Limits) -> None:
        self.store, self.settings, self.base = store.raw(), settings, settings.base_iri
        # one template environment per language of the interface, each with its catalogue
        self.envs = {lang: pages.environment(lang=lang) for lang in i18n.LANGUAGES}
        self.context = load_context(settings.ontology_dir)
        self.frames = load_frames(settings.ontology_dir)
        self.queries = load_queries(settings.queries_dir) if settings.queries_dir.is_dir() else {}
        self.evaluator = Evaluator(self.store, self.base, settings.query_timeout, settings.row_limit, limits)
        self.modified = last_modified(settings)
        self.ontology = load_ontology(settings.ontology_dir)
        # the embedded store's pages change only with the build; a remote store's may change at any time
        self.cache = page_cache.PageCache() if self.evaluator.embedded else None

    def swap(self, store: EmbeddedStore) -> None:
        """Serve another store from now on; queries already running finish on the old one."""
        self.store = store.raw()
        self.evaluator.swap(self.store)
        self.modified = last_modified(self.settings)
        if self.cache is not None:
            self.cache.clear()

    # -- responses --------------------------------------------------------------------------------

    def respond(self, request: Request, body: bytes, media_type: str, status: int = 200,
                extra: dict[str, str] | None = None) -> Response:  # fmt: skip
        """The body with ETag, Last-Modified and Vary; 304 when If-None-Match names it.

        An HTML page is in the interface's language (``language``): it says which, and varies with the header.
        """
        localized = language_headers(request, language(request)) if media_type == HTML else {}
        headers = {"ETag": page_cache.etag_of(body), "Last-Modified": self.modified, "Vary": "Accept",
                   **localized, **(extra or {})}  # fmt: skip
        if status == 200 and page_cache.etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return Response(body, status_code=status, media_type=media_type, headers=headers)

    def rdf_answer(self, request: Request, graph: Graph, media_type: str, subject: str | None = None,
                   extra: dict[str, str] | None = None) -> Response:  # fmt: skip
        """A graph in an RDF format; JSON-LD (as ``application/ld+json`` or ``application/json``) names its
        context in a ``Link`` header as well as carrying it inline."""
        rdf_format = RDF_FORMATS[media_type]
        linked = {"Link": CONTEXT_LINK} if rdf_format is RdfFormat.JSONLD else {}
        body = serialize(graph, rdf_format, self.context, graph_iri=subject, frames=self.frames)
        return self.respond(request, body, media_type, extra={**linked, **(extra or {})})

    def error(self, request: Request, status: int, message: str, retry_after: int | None = None,
              **values: str | int | float) -> Response:  # fmt: skip
        """An error as an HTML page for browsers, plain text for everyone else; ``Retry-After`` when given.

        ``message`` is in English, a msgid of the catalogue: translated, then given its ``%(name)s`` values
        (``pages.said``).
        """
        page = choose(["text/plain", HTML], request.headers.get("accept")) == HTML
        lang = language(request) if page else language(request, i18n.SOURCE)
        headers = {"Vary": "Accept", **language_headers(request, lang),
                   **({"Retry-After": str(retry_after)} if retry_after is not None else {})}  # fmt: skip
        tr = pages.translator(self.envs[lang])
        if page:
            body = pages.render(self.envs[lang], "error.html", title=tr("Error %(status)s") % {"status": status},
                                status=status, message=sentence(pages.said(tr, lang, message, values, html=True)),
                                switch=switch(request, lang))  # fmt: skip
            return Response(body, status_code=status, media_type=HTML, headers=headers)
        text = pages.said(tr, lang, message, values, html=False)
        return PlainTextResponse(text + "\n", status_code=status, headers=headers)

    def reader(self, request: Request) -> QueryStore:
        """The store a page reads: the embedded one through the query workers, under one deadline; a remote one."""
        if not self.evaluator.embedded:
            return self.store
        return PageStore(self.evaluator, client_of(request), getattr(request.state, "gone", None))

    def pick(self, request: Request, offers: list[str], names: dict[str, str], wanted: str | None = None) -> str:
        """The media type to answer with: ``?format=``, a suffix, else the Accept header.

        Raises:
            sparql.ProtocolError: 400 for an unknown format name, 406 when nothing offered is acceptable.
        """
        name = request.query_params.get("format")
        if name is not None:
            if name.lower() not in names or names[name.lower()] not in offers:
                raise sparql.ProtocolError(400, "unknown format %(name)s: use one of %(names)s",
                                           values={"name": repr(name), "names": ", ".join(sorted(names))})
            return names[name.lower()]
        chosen = wanted or choose(offers, request.headers.get("accept"))
        if chosen is None:
            raise sparql.ProtocolError(406, "none of the acceptable media types is offered: %(offers)s",
                                       values={"offers": ", ".join(offers)})
        return chosen

    def graph_response(self, request: Request, graph: Graph, subject: str, wanted: str | None = None,
                       store: QueryStore | None = None) -> Response:  # fmt: skip
        """A description negotiated among HTML and the RDF formats; its page looks neighbours up in ``store``."""
        media = self.pick(request, GRAPH_OFFERS, GRAPH_NAMES, wanted)
        if media != HTML:
            return self.rdf_answer(request, graph, media, subject)
        return self.respond(request, render.resource_page(self.renderer(request), graph, subject, store), HTML)

    # -- pages ------------------------------------------------------------------------------------
    # The handlers that read the store are plain functions: Starlette runs them in its thread
    # pool, so a slow page (or a remote store answering slowly) never holds the event loop.

    def renderer(self, request: Request) -> render.Renderer:
        """What the page rendering shared with ``twingraph site`` needs besides the store, in the request's language."""
        lang = language(request)
        return render.Renderer(self.envs[lang], self.base, self.context, self.queries, self.frames,
                               switch(request, lang))  # fmt: skip

    def find(self, store: QueryStore, iri: str) -> tuple[Graph, bool] | None:
        """An IRI's description and whether its page looks neighbours up in the store.

        The store first; then the parts of the dataset description (``/dataset/...``)
        and the ontology's document (``/ns``), which pages link to as well.
        """
        if lookups.exists(store, iri):
            return lookups.described(store, iri, self.context, self.frames), True
        if iri.startswith(self.base + "dataset/"):
            part = lookups.describe_in(self.void_graph(), iri)
            return (part, False) if len(part) else None
        return (self.ontology, False) if iri == ONTOLOGY_IRI.rstrip("#/") else None

    def locate(self, store: QueryStore, path: str) -> tuple[str, str | None, tuple[Graph, bool]] | None:
        """The IRI a path names, the media type its suffix asks for (if any) and what ``find`` finds of it."""
        found = self.find(store, self.base + path)
        if found is not None:
            return self.base + path, None, found
        suffix = next((s for s in SUFFIXES if path.endswith(s)), None)
        if suffix is not None and (found := self.find(store, self.base + path.removesuffix(suffix))) is not None:
            return self.base + path.removesuffix(suffix), SUFFIXES[suffix], found
        return None

    def resource(self, request: Request) -> Response:
        """GET any dataset IRI: its description, negotiated; suffixes .ttl, .jsonld, .nt, ... override.

        A path with a trailing slash that names nothing, when the path without it names a
        resource (``/city/kazan/``), is redirected there (301), its query string kept.
        """
        path, store = request.path_params["path"], self.reader(request)
        located = self.locate(store, path)
        if located is None:
            bare = without_slash(path)
            if bare is not None and self.locate(store, bare) is not None:
                return moved(request.url.path.rstrip("/"), request.url.query)
            return self.error(request, 404, "no resource %(iri)s in this dataset", iri=self.base + path)
        iri, wanted, (graph, with_store) = located
        return self.graph_response(request, graph, iri, wanted, store if with_store else None)

    def index(self, request: Request) -> Response:
        void = self.void_graph()
        media = self.pick(request, GRAPH_OFFERS, GRAPH_NAMES)
        if media != HTML:
            return self.rdf_answer(request, void, media)
        return self.respond(request, render.index_page(self.renderer(request), self.reader(request), void), HTML)

    def view(self, request: Request) -> Response:
        """A view (timeline, network, map, years): the drawing's page with its table fallback."""
        name = request.path_params["name"]
        if name not in views.VIEWS or views.VIEWS[name].query not in self.queries:
            return self.error(request, 404, "no view named %(name)s: the views are %(views)s", name=repr(name),
                              views=", ".join(views.VIEWS))  # fmt: skip
        try:
            page = views.view_page(self.renderer(request), self.reader(request), name, request.query_params)
        except TwingraphError as exc:
            raise bad_parameter(exc) from exc
        return self.respond(request, page, HTML)

    def listing(self, request: Request) -> Response:
        """GET /city/, /person/, /organization/, /event/, /agreement/: a page of the list, with
        ``?q=`` (a part of a name), ``?sort=`` (a column, ``-`` first for descending), ``?page=`` and its facets."""
        kind = request.url.path.strip("/")
        try:
            query = listings.list_query(listings.LISTINGS[kind], request.query_params, self.base)
        except ValueError as exc:
            raise bad_parameter(exc) from exc
        return self.respond(request, render.list_page(self.renderer(request), self.reader(request), kind, query), HTML)

    async def to_list(self, request: Request) -> Response:
        """/city and the like: the list, at its path with a slash."""
        return moved(request.url.path + "/", request.url.query)

    def search(self, request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        found = lookups.search(self.reader(request), text) if text else []
        rows = pages.link_rows(found, self.base, {"s": "name"})
        renderer = self.renderer(request)
        page = pages.render(renderer.env, "search.html", title=renderer.tr("Search"), q=text, rows=rows,
                            switch=renderer.switch)  # fmt: skip
        return self.respond(request, page, HTML)

    # -- SPARQL and named queries -----------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        """The request body, refused with 413 past BODY_LIMIT bytes."""
        if int(request.headers.get("content-length") or 0) > BODY_LIMIT:
            raise too_large()
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > BODY_LIMIT:
                raise too_large()
        return body

    async def endpoint(self, request: Request) -> Response:
        """SPARQL 1.1 Protocol: GET ?query=, POST form or sparql-query; no query: the service description."""
        body = await self.read_body(request)
        operation = sparql.query_from_request(request.method, request.scope.get("query_string", b""),
                                              request.headers.get("content-type"), body)  # fmt: skip
        if operation is None:
            media = self.pick(request, [RdfFormat.TURTLE.media_type, *GRAPH_OFFERS], GRAPH_NAMES)
            if media == HTML:
                texts = json.dumps({q.name: q.text for q in self.queries.values()}, ensure_ascii=False).encode()
                renderer = self.renderer(request)
                page = pages.render(renderer.env, "sparql.html", title="SPARQL", queries=list(self.queries.values()),
                                    named=pages.json_script(texts), switch=renderer.switch)  # fmt: skip
                return self.respond(request, page, HTML)
            graph = results.service_description(self.base)
            return self.rdf_answer(request, graph, media)
        return await self.answer(request, operation.query, operation.dataset)

    async def answer(self, request: Request, query: str, dataset: sparql.Dataset | None = None) -> Response:
        """Run a query (over the graphs of the store a dataset names, if any) and write its results, negotiated.

        Results of more than ``INLINE_ROWS`` rows or triples are written in a thread: writing
        10,000 rows takes a good part of a second, which the event loop would not answer
        anyone else in.
        """
        outcome = await unless_gone(request, self.evaluator.run(query, dataset, client_of(request)))
        if outcome is None:
            return gone()
        size = len(outcome.rows) if outcome.triples is None else len(outcome.triples)
        if size > INLINE_ROWS:
            return await asyncio.to_thread(self.written, request, query, outcome)
        return self.written(request, query, outcome)

    def written(self, request: Request, query: str, outcome: sparql.Outcome) -> Response:
        """A query's outcome as the answer the request negotiates: results, a graph, or the results page."""
        extra = {openapi.ROW_LIMIT_HEADER: str(self.settings.row_limit)} if outcome.truncated else {}
        if outcome.triples is not None:
            graph = results.triples_graph(outcome.triples)
            media = self.pick(request, [*GRAPH_OFFERS[1:], HTML], GRAPH_NAMES)
            if media != HTML:
                return self.rdf_answer(request, graph, media, extra=extra)
        else:
            media = self.pick(request, RESULT_OFFERS, results.RESULT_NAMES | {"html": HTML})
            if media != HTML:
                return self.respond(request, results.write_results(outcome, media), media, extra=extra)
        return self.respond(request, render.results_page(self.renderer(request), query, outcome), HTML, extra=extra)

    def query_list(self, request: Request) -> Response:
        media = self.pick(request, [HTML, "application/json"], {"html": HTML, "json": "application/json"})
        if media == HTML:
            return self.respond(request, render.queries_page(self.renderer(request)), HTML)
        # its texts (title, description, what each parameter takes) in the interface's language, as the page has them
        lang = language(request, i18n.SOURCE)
        tr = pages.translator(self.envs[lang])
        listing = [{"name": q.name, "title": tr(q.title), "description": tr(q.description), "url": f"/queries/{q.name}",
                    "params": [vars(p) | {"help": tr(p.help) if p.help else p.help} for p in q.params]}
                   for q in self.queries.values()]  # fmt: skip
        body = json.dumps(listing, ensure_ascii=False).encode("utf-8")
        return self.respond(request, body, media, extra=language_headers(request, lang))

    async def named_query(self, request: Request) -> Response:
        """Run a named query with its parameters from the query string (``format`` excepted; an empty
        one, as a form sends a field left blank, is not given). A browser gets the query's page."""
        named = self.queries.get(request.path_params["name"])
        if named is None:
            name = repr(request.path_params["name"])
            return self.error(request, 404, "no query named %(name)s; see /queries", name=name)
        values = {k: v for k, v in request.query_params.items() if k not in ("format", "lang") and v != ""}
        try:
            text = named.bound(values)
        except TwingraphError as exc:
            raise bad_parameter(exc) from exc
        wanted = request.query_params.get("format")
        accept = request.headers.get("accept")
        if not (wanted.lower() == "html" if wanted is not None else choose(RESULT_OFFERS, accept) == HTML):
            return await self.answer(request, text)  # the results themselves, negotiated
        outcome = await unless_gone(request, self.evaluator.run(text, None, client_of(request)))
        if outcome is None:
            return gone()
        extra = {openapi.ROW_LIMIT_HEADER: str(self.settings.row_limit)} if outcome.truncated else {}
        page = render.results_page(self.renderer(request), text, outcome, named, values)
        return self.respond(request, page, HTML, extra=extra)

    # -- dataset and files ------------------------------------------------------------------------

    def void_graph(self) -> Graph:
        return load_description(self.settings.dist_dir)

    def dataset(self, request: Request) -> Response:
        graph = self.void_graph()
        if not len(graph):
            command = "'twingraph build'"
            return self.error(request, 404, "no dataset description: run %(command)s first", command=command)
        return self.graph_response(request, graph, self.base + "dataset")

    async def dump(self, request: Request) -> Response:
        """One of the whitelisted dump files of dist/, by exact name; nothing else."""
        name = request.path_params.get("name") or request.url.path.lstrip("/")
        path = self.settings.dist_dir / name
        if name not in DUMP_TYPES or not path.is_file():
            return self.error(request, 404, "no dump named %(name)s: the dumps are %(dumps)s", name=repr(name),
                              dumps=", ".join(DUMP_TYPES))  # fmt: skip
        return FileResponse(path, media_type=DUMP_TYPES[name], filename=name)

    def api_description(self, request: Request) -> Response:
        """The OpenAPI description of this HTTP API (``serve.openapi``), as JSON."""
        api = openapi.Api(self.queries, DUMP_TYPES, list(views.VIEWS), GRAPH_OFFERS, list(results.RESULTS), GRAPH_NAMES,
                          results.RESULT_NAMES | {"html": HTML}, BODY_LIMIT, listings.LISTINGS)  # fmt: skip
        body = json.dumps(openapi.openapi_document(api), ensure_ascii=False).encode("utf-8")
        return self.respond(request, body, "application/json")

    async def json_ld_context(self, request: Request) -> Response:
        """The JSON-LD context, as ``ontology/context.jsonld`` holds it; cacheable by its ETag."""
        body = json.dumps({"@context": self.context}, ensure_ascii=False, indent=2).encode("utf-8")
        return self.respond(request, body, JSON_LD, extra={"Cache-Control": "public, max-age=86400"})

    async def protocol_errors(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, sparql.ProtocolError)
        return self.error(request, exc.status, exc.template, exc.retry_after, **exc.values)

    async def store_errors(self, request: Request, exc: Exception) -> Response:
        """A remote store that failed while a page was made: 502, with what failed."""
        logging.getLogger(__name__).warning("the triple store failed: %s", exc)
        return self.error(request, 502, sparql.STORE_FAILED, reason=str(exc))


def sentence(message: str) -> str:
    """A message as a page's sentence: its first letter a capital (the plain-text answer keeps it as it is).

    >>> sentence("нет ресурса"), sentence("<code>page</code>=0")
    ('Нет ресурса', '<code>page</code>=0')
    """
    return message[:1].upper() + message[1:]


def bad_parameter(exc: Exception) -> sparql.ProtocolError:
    """A page's parameter of the wrong kind (a year that is none, an unknown sort column): 400, with why."""
    if isinstance(exc, ParameterError):
        return sparql.ProtocolError(400, exc.template, values=exc.values)
    return sparql.ProtocolError(400, "a parameter of this page is not valid: %(reason)s", values={"reason": str(exc)})


def too_large() -> sparql.ProtocolError:
    return sparql.ProtocolError(413, "the request body is larger than %(limit)s bytes", values={"limit": BODY_LIMIT})


LANGUAGE_COOKIE = "lang"  # the language a reader chose with the switch, remembered for their next pages


def language(request: Request, default: str = i18n.DEFAULT) -> str:
    """The interface's language for a request: ``?lang=``, else the one remembered, else ``Accept-Language``,
    else ``default``: Russian for a page; English (``i18n.SOURCE``) for what programs read (plain-text errors,
    the JSON list of queries), so that a client that asks for no language gets the API's own."""
    asked = request.query_params.get("lang")
    chosen = asked if asked in i18n.LANGUAGES else request.cookies.get(LANGUAGE_COOKIE)
    return i18n.choose_language(chosen, request.headers.get("accept-language"), default)


def switch(request: Request, lang: str) -> str:
    """The link to the requested page (in ``lang``) in the interface's other language."""
    return i18n.switch_href(request.url.path, request.url.query, i18n.other_language(lang))


def language_headers(request: Request, lang: str) -> dict[str, str]:
    """The headers of an answer in the interface's language: which one, what chose it, and, when ``?lang=``
    chose it, a cookie that remembers the choice (for a year, on every path of the site)."""
    headers = {"Content-Language": lang, "Vary": "Accept, Accept-Language, Cookie"}
    if request.query_params.get("lang") == lang and request.cookies.get(LANGUAGE_COOKIE) != lang:
        headers["Set-Cookie"] = remember_language(lang)
    return headers


def remember_language(lang: str) -> str:
    """The ``Set-Cookie`` value that remembers a language: no script reads it and no other site sends it.

    >>> remember_language("en")
    'lang=en; Max-Age=31536000; Path=/; SameSite=Lax; HttpOnly'
    """
    return f"{LANGUAGE_COOKIE}={lang}; Max-Age={365 * 24 * 3600}; Path=/; SameSite=Lax; HttpOnly"


def moved(path: str, query: str) -> Response:
    """A permanent redirect to another path of this site, with the request's query string."""
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=301)


def without_slash(path: str) -> str | None:
    """A resource path without its trailing slashes; None when it has none, or nothing (or a host) is left.

    >>> without_slash("city/kazan/"), without_slash("city/kazan"), without_slash("/"), without_slash("/evil.example/")
    ('city/kazan', None, None, None)
    """
    bare = path.rstrip("/")
    return bare if bare != path and bare and not bare.startswith("/") else None


def client_of(request: Request) -> str:
    """Who sent a request, for the per-client share of query slots: the peer's address.

    Behind a reverse proxy, run uvicorn with ``--forwarded-allow-ips`` so that this is
    the client's address rather than the proxy's.
    """
    return request.client.host if request.client else "-"


async def unless_gone(request: Request, answer: Awaitable[T]) -> T | None:
    """The answer, or None once the client has closed its connection: the answer's task is then cancelled.

    A query that waits for a slot leaves the queue at once (``Evaluator.admit``), so a client
    that went away (a benchmark's last requests, a reader who closed the tab) holds no place
    a live request could take. A query already running ends by its deadline, still counted in
    its client's share. Call it once the request's body has been read.
    """
    work, watch = asyncio.ensure_future(answer), asyncio.ensure_future(disconnected(request))
    work.add_done_callback(lambda task: task.cancelled() or task.exception())  # retrieved, should nobody wait
    try:
        await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not work.done():
            work.cancel()
    if work.cancelled() or not work.done():
        return None
    return work.result()


async def disconnected(request: Request) -> None:
    """Return once the client has closed the connection (ASGI's ``http.disconnect``); a body left unread is dropped."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def gone() -> Response:
    """The answer to a request whose client went away: nobody reads it; logs show it as nginx's 499."""
    return Response(status_code=499)


def in_thread(function: Callable[P, T]) -> Callable[P, T]:
    """A function run in a worker thread (a plain handler) whose errors leave it without their frames.

    An error is raised again on the event loop; the frames of its traceback would take
    their locals with them, pyoxigraph results among them, which must be dropped on the
    thread that made them. So the frames are cleared first, on this thread.
    """

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            drop_frames(exc)
            raise

    return run


def page_handler(handler: Callable[[Request], Response]) -> Callable[[Request], Awaitable[Response]]:
    """A page handler run in a worker thread (``in_thread``) that learns when its client goes away.

    The thread gets ``request.state.gone``, an event set once the client has closed its
    connection; the page's queries still waiting for a slot then leave the queue (``PageStore``),
    and the request is logged as 499. A query already running ends by the page's deadline.
    """
    plain = in_thread(handler)

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        request.state.gone = threading.Event()
        answer = await unless_gone(request, run_in_threadpool(plain, request))
        if answer is None:
            request.state.gone.set()
            return gone()
        return answer

    return run


def cached(site: Site, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """A page handler whose complete answers are kept for the build (``serve.page_cache``); ``X-Cache`` says which.

    Without a cache (``serve --store``) the handler answers every request itself.
    """

    @functools.wraps(handler)
    def run(request: Request) -> Response:
        cache = site.cache
        if cache is None:
            return handler(request)
        key, generation = page_cache.request_key(request, language(request)), cache.generation
        page = cache.get(key)
        if page is not None:
            return page_cache.answer(page, request)
        response = handler(request)
        made = page_cache.page_of(response)
        if made is not None and cache.put(key, made, generation):
            response.headers["X-Cache"] = "miss"
        return response

    return run


def routes(site: Site) -> list[BaseRoute]:
    return [
        Route("/", page_handler(cached(site, site.index))),
        Route("/search", page_handler(cached(site, site.search))),
        Route("/sparql", site.endpoint, methods=["GET", "POST"]),
        Route("/queries", in_thread(site.query_list)),
        Route("/queries/{name}", site.named_query),
        Route("/views/{name}", page_handler(cached(site, site.view))),
        Route("/dataset", page_handler(cached(site, site.dataset))),
        Route("/.well-known/void", page_handler(cached(site, site.dataset))),
        Route("/dumps/{name}", site.dump),
        *(Route(f"/{name}", site.dump) for name in DUMP_TYPES),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
        Route("/openapi.json", in_thread(site.api_description)),
        Route(openapi.CONTEXT_PATH, site.json_ld_context),
        *(Route(f"/{kind}/", page_handler(cached(site, site.listing))) for kind in listings.LISTINGS),
        *(Route(f"/{kind}", site.to_list) for kind in listings.LISTINGS),
        Route("/{path:path}", page_handler(cached(site, site.resource))),
    ]


Refresh = Callable[[], EmbeddedStore | None]
Stamp = Callable[[], object]
Sleep = Callable[[float], Awaitable[object]]
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Backoff:
    """How long ``watch`` waits before asking again: ``interval``, doubled after each failure up to ``cap``."""

    interval: float = 2.0
    cap: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row of the same inputs.

        >>> [Backoff(2.0, 60.0).delay(n) for n in range(8)]
        [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
        """
        return min(self.cap, self.interval * 2.0 ** min(failures, 60))


def file_being_read(exc: BaseException) -> Path | None:
    """The innermost file a ``Path`` local of the failing call stack names, if any.

    An error such as UnicodeDecodeError does not say which file it was decoding; the
    frame that read it usually holds that file's path.
    """
    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for frame in reversed(frames[-200:]):  # a RecursionError's stack is deep; its file is near the top
        for value in frame.f_locals.values():
            if isinstance(value, Path) and value.is_file():
                return value
    return None


class ReloadError(Exception):
    """A reload's error as it leaves its thread, with the file it was reading (found before the frames went)."""

    def __init__(self, error: Exception, where: Path | None) -> None:
        super().__init__(str(error))
        self.error, self.where = error, where


def reloading(refresh: Refresh) -> Refresh:
    """``refresh`` for a worker thread: an error leaves it as a ``ReloadError`` with its frames cleared there.

    The frames name the file being read (``file_being_read``) but may also hold results
    that must be dropped on the thread that made them (see ``in_thread``).
    """

    def run() -> EmbeddedStore | None:
        try:
            return refresh()
        except Exception as exc:
            where = file_being_read(exc)
            drop_frames(exc)
            raise ReloadError(exc, where) from None

    return run


def failure_line(exc: BaseException, where: Path | None, wait: float, early: bool = False) -> str:
    """One log line for a reload that raised: what failed, where, what to do and when it is tried again."""
    what = f"{type(exc).__name__}: {str(exc)[:200]}".replace("\n", " ")
    todo = (f"fix or remove {where} (records are UTF-8 YAML)" if where else
            "check the files changed last under records/, sources/, shapes/ and ontology/")  # fmt: skip
    return (f"reloading failed{f' reading {where}' if where else ''} ({what}); still serving the last good "
            f"build; {todo}; next try in {wait:g} s{', or as soon as the inputs change' if early else ''}")  # fmt: skip


async def pause(seconds: float, step: float, inputs: Stamp | None, seen: object, sleep: Sleep) -> None:
    """Sleep ``seconds`` in steps of ``step``, returning early when the inputs' stamp differs from ``seen``."""
    waited = 0.0
    while waited < seconds:
        await sleep(min(step, seconds - waited))
        waited += step
        if inputs is not None and await asyncio.to_thread(inputs) != seen:
            return


async def watch(site: Site, refresh: Refresh, backoff: Backoff, inputs: Stamp | None = None,
                sleep: Sleep = asyncio.sleep, report: Callable[[str], None] = log.warning) -> None:  # fmt: skip
    """Ask refresh for a new store (in a thread) and swap it in when there is one, for ever.

    The old store answers every request until the new one is complete, and a
    refresh that raises leaves it serving: one line is reported, and the next try
    waits twice as long as the last (``backoff``), until it succeeds or the inputs
    change (``inputs``: a stamp of them, such as their latest modification time).
    """
    failures, seen = 0, None
    while True:
        await pause(backoff.delay(failures), backoff.interval, inputs if failures else None, seen, sleep)
        stamp = await asyncio.to_thread(inputs) if inputs is not None else None
        try:
            store = await asyncio.to_thread(reloading(refresh))
        except ReloadError as failure:  # a failed reload (any error) must not stop the server or later reloads
            failures = failures + 1 if stamp == seen else 1
            seen = stamp
            report(failure_line(failure.error, failure.where, backoff.delay(failures), early=inputs is not None))
            continue
        failures = 0
        if store is not None:
            site.swap(store)


def create_app(store: ServedStore, settings: Settings, *, limits: Limits = DEFAULT_LIMITS,
               refresh: Refresh | None = None, interval: float = 2.0, backoff_cap: float = 60.0,
               inputs: Stamp | None = None) -> Starlette:  # fmt: skip
    """The web app over one store: linked data, SPARQL endpoint, named queries and dumps.

    Args:
        store: the dataset to serve, read-only: an ``EmbeddedStore``, or a ``RemoteStore``
            (``serve --store``), whose queries get the same checks before they are sent.
        settings: base IRI, dist/ and queries/ paths, query timeout and row limit.
        limits: how many queries may run at once, each in a worker process of its own
            (killed, and its slot freed, when the query passes its deadline), how many
            of them one client may run, and how many may wait, for how long.
        refresh: called every ``interval`` seconds while the app runs; a store it
            returns replaces the served one atomically (None: keep serving). When it
            raises, one line is logged and the wait doubles up to ``backoff_cap`` seconds.
        inputs: a stamp of the inputs (e.g. their latest modification time); when it
            changes, a backed-off refresh is tried at once.
    """
    site = Site(store, settings, limits)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        lockdown = await asyncio.to_thread(site.evaluator.start)  # no network lockdown: the app does not start
        logging.getLogger(__name__).info("query workers started, locked out of the network by %s", lockdown)
        task = asyncio.create_task(watch(site, refresh, Backoff(interval, backoff_cap), inputs)) if refresh else None
        try:
            yield
        finally:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await asyncio.to_thread(site.evaluator.close)

    middleware = [
        Middleware(SecurityHeaders),
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                   allow_headers=["Accept", "Content-Type"],
                   expose_headers=["ETag", openapi.ROW_LIMIT_HEADER, "Retry-After"]),
        Middleware(GZipMiddleware, minimum_size=500),
    ]  # fmt: skip
    app = Starlette(routes=routes(site), middleware=middleware, lifespan=lifespan,
                    exception_handlers={sparql.ProtocolError: site.protocol_errors,
                                        StoreError: site.store_errors})  # fmt: skip
    app.state.site = site
    return app
