"""SPARQL 1.1 Protocol: read the query from a request, check it is safe, run it, write results.

Safety, in order:

* read-only: only ``Store.query`` is ever called, never ``Store.update``; an update
  (``update=``, ``application/sparql-update`` or an update form) is refused with 403;
* no outgoing requests: a query with ``SERVICE`` is refused before evaluation, by a
  check on its tokens (strings, IRIs and comments skipped, any case, ``\\u`` escapes
  decoded); ``FROM``/``FROM NAMED`` and the protocol's ``default-graph-uri``/
  ``named-graph-uri`` only name graphs of the local store, which pyoxigraph never
  fetches (a name the store lacks is an empty graph; ``{base}dataset``, the default
  graph of the service description, is the store's default graph);
* text: a body or query string that is not UTF-8, or declares another charset, is refused;
* time: each query runs in its own daemon thread (pyoxigraph releases the GIL) and the
  request is answered 503 when ``timeout`` passes. A thread cannot be killed, so an
  abandoned query keeps its slot until it ends: at most ``workers`` queries run at
  once, and a query arriving when all slots are taken is answered 503 at once;
* size: at most ``row_limit`` rows (or triples); the response says when it cut.
* a remote store (``serve --store``): the same checks run before a query is sent, and
  ``store.remote`` sends only plain SPARQL 1.1 (no pragmas, no ``bif:``/``sql:`` IRIs;
  refused with 403); a store that fails or stops answering gives 502.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Sequence
from itertools import islice
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox

from twingraph.rdf.query_text import decode_escapes, keywords
from twingraph.store.interface import QueryRefusedError, QueryStore, StoreError

UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


class ProtocolError(Exception):
    """A request the endpoint answers with an error status and a plain message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def check_query(text: str) -> None:
    """Refuse an update or a federated query before anything runs.

    Raises:
        ProtocolError: 403 for an update form or a SERVICE clause.
    """
    for variant in (text, decode_escapes(text)):
        words = [w for w in keywords(variant) if w not in ("BASE", "PREFIX")]
        if words and words[0] in UPDATE_WORDS:
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if "SERVICE" in words:
            raise ProtocolError(403, "SERVICE is not allowed: this endpoint makes no outgoing requests")


@dataclasses.dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names by ``default-graph-uri`` and ``named-graph-uri``.

    It replaces the query's own ``FROM``/``FROM NAMED`` (SPARQL 1.1 Protocol, 2.1.4);
    a graph not given is not in the dataset, so naming only named graphs leaves an
    empty default graph.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Operation:
    """A query request: the query text and the dataset the protocol names, if any."""

    query: str
    dataset: Dataset | None = None


def media_type_of(content_type: str | None) -> tuple[str, str | None]:
    """The bare media type, lower case, and the charset parameter if there is one.

    >>> media_type_of('Application/SPARQL-Query; charset="UTF-16"')
    ('application/sparql-query', 'utf-16')
    >>> media_type_of(None)
    ('', None)
    """
    media, *params = (content_type or "").split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def utf8_text(data: bytes, what: str) -> str:
    """Bytes decoded as UTF-8, the only encoding SPARQL requests use.

    Raises:
        ProtocolError: 400 when the bytes are not UTF-8.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the {what} is not UTF-8: {exc.reason} at byte {exc.start}") from exc


def form_fields(encoded: str, what: str) -> list[tuple[str, str]]:
    """The fields of a URL-encoded query string or form; percent-escapes must give UTF-8.

    >>> form_fields("query=ASK+%7B%7D&default-graph-uri=urn%3Ag", "form")
    [('query', 'ASK {}'), ('default-graph-uri', 'urn:g')]

    Raises:
        ProtocolError: 400 when a percent-escaped value is not UTF-8.
    """
    try:
        return parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the {what} has percent-escapes that are not UTF-8: {exc.reason}") from exc


def body_fields(method: str, content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The protocol fields a request body carries: a form's fields, or a direct query.

    Raises:
        ProtocolError: an update (403), an unsupported media type or charset (415),
            a body that is not UTF-8 (400).
    """
    if method != "POST":
        return []
    media, charset = media_type_of(content_type)
    if media == "application/sparql-update":
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise ProtocolError(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")
    if charset not in (None, "utf-8", "us-ascii"):
        raise ProtocolError(415, f"the body must be UTF-8, not {charset}")
    text = utf8_text(body, "request body")
    if media == "application/sparql-query":
        return [("query", text)]
    return form_fields(text, "form")


def graph_iris(fields: Sequence[tuple[str, str]], name: str) -> tuple[str, ...]:
    """The values of one dataset parameter, each checked to be an absolute IRI.

    Raises:
        ProtocolError: 400 for a value that is not an IRI.
    """
    iris = tuple(value for key, value in fields if key == name)
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise ProtocolError(400, f"{name} {iri!r} is not an absolute IRI: {exc}") from exc
    return iris


def query_from_request(method: str, query_string: bytes, content_type: str | None,
                       body: bytes) -> Operation | None:  # fmt: skip
    """The query and dataset of a GET or POST request, None when it has no query.

    Args:
        method: the HTTP method; only a POST's body is read.
        query_string: the raw, still percent-encoded query string of the URL.
        content_type: the Content-Type header, if any.
        body: the request body.

    Raises:
        ProtocolError: an update (403), an unsupported body (415), text that is
            not UTF-8, several queries or a graph name that is not an IRI (400).
    """
    fields = form_fields(utf8_text(query_string, "query string"), "query string")
    fields += body_fields(method, content_type, body)
    names = {name for name, _ in fields}
    if "update" in names:
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    queries = [value for name, value in fields if name == "query"]
    if len(queries) > 1:
        raise ProtocolError(400, "give one query, not several")
    if not queries:
        return None
    if not names & {"default-graph-uri", "named-graph-uri"}:
        return Operation(queries[0])
    dataset = Dataset(graph_iris(fields, "default-graph-uri"), graph_iris(fields, "named-graph-uri"))
    return Operation(queries[0], dataset)


def default_graph_iri(base_iri: str) -> str:
    """The IRI the service description gives the store's default graph.

    >>> default_graph_iri("https://twingraph.example/")
    'https://twingraph.example/dataset'
    """
    return base_iri + "dataset"


def dataset_options(dataset: Dataset | None, base_iri: str) -> dict[str, Any]:
    """The ``Store.query`` arguments that make a protocol dataset the query's dataset."""
    if dataset is None:
        return {}
    own = default_graph_iri(base_iri)
    default = [ox.DefaultGraph() if iri == own else ox.NamedNode(iri) for iri in dataset.default_graphs]
    return {"default_graph": default, "named_graphs": [ox.NamedNode(iri) for iri in dataset.named_graphs]}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a query gave: solutions (variables, rows), a boolean, or triples."""

    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] | None = None
    truncated: bool = False


def evaluate(store: QueryStore, query: str, base_iri: str, row_limit: int, dataset: Dataset | None = None) -> Outcome:
    """Run one query (in the caller's thread) and keep at most row_limit rows or triples.

    Args:
        dataset: the graphs of the store the protocol request named, if it named any.

    Raises:
        ProtocolError: 400 with the parser's message for a syntax error.
    """
    try:
        results = store.query(query, base_iri=base_iri, **dataset_options(dataset, base_iri))
        if isinstance(results, ox.QueryBoolean):
            return Outcome(boolean=bool(results))
        if isinstance(results, ox.QueryTriples):
            triples = tuple(islice(results, row_limit + 1))
            return Outcome(triples=triples[:row_limit], truncated=len(triples) > row_limit)
        variables = tuple(v.value for v in results.variables)
        rows = tuple(tuple(s[v] for v in variables) for s in islice(results, row_limit + 1))
    except SyntaxError as exc:
        raise ProtocolError(400, f"SPARQL syntax error: {exc}") from exc
    except QueryRefusedError as exc:
        raise ProtocolError(403, str(exc)) from exc
    except (StoreError, OSError) as exc:  # a remote store failed, or stopped answering while results were read
        raise ProtocolError(502, f"the triple store failed: {exc}") from exc
    return Outcome(variables=variables, rows=rows[:row_limit], truncated=len(rows) > row_limit)


class Evaluator:
    """Runs queries in daemon threads with a deadline and a cap on how many run at once."""

    def __init__(self, store: QueryStore, base_iri: str, timeout: float, row_limit: int, workers: int = 4) -> None:
        self.store, self.base_iri, self.timeout, self.row_limit = store, base_iri, timeout, row_limit
        self.slots = threading.BoundedSemaphore(workers)

    async def run(self, query: str, dataset: Dataset | None = None) -> Outcome:
        """Check and run a query over the store or a dataset of its graphs; 503 when too slow or busy.

        Raises:
            ProtocolError: refused (403), syntax (400), busy or too slow (503).
        """
        check_query(query)
        if not self.slots.acquire(blocking=False):
            raise ProtocolError(503, "all query slots are taken by running queries; try again shortly")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()

        def work() -> None:
            try:
                result: Outcome | BaseException = evaluate(self.store, query, self.base_iri, self.row_limit,
                                                            dataset)
            except BaseException as exc:  # handed to the waiting request, not swallowed
                result = exc
            finally:
                self.slots.release()
            try:
                loop.call_soon_threadsafe(settle, future, result)
            except RuntimeError:  # the loop closed while the query ran: nobody waits
                pass

        threading.Thread(target=work, name="twingraph-query", daemon=True).start()
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise ProtocolError(503, f"the query ran longer than {self.timeout:g} s and was abandoned") from None


def settle(future: asyncio.Future[Outcome], result: Outcome | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
