"""SPARQL 1.1 Protocol: read the query from a request, check it is safe, run it, write results.

Safety, as enforced (``serve.evaluator`` runs the checks, ``rdf.query_text`` and
``rdf.query_guard`` make them, ``store.workers`` evaluates):

* size: a request body over 64 KiB is refused with 413, a query over 64 KiB
  characters with 400; at most ``row_limit`` rows (or triples) are returned, and the
  response says when it cut;
* text: a body or query string that is not UTF-8, or declares another charset, is refused;
* a linear pre-check, in a thread (never on the event loop) before any parser:
  brackets ``{ ( [`` nested deeper than 128 (outside strings, IRIs and comments),
  a number longer than 100 characters (400), and a ``\\u``/``\\U`` escape of an ASCII
  character anywhere (403: the parsers expand such escapes differently);
* read-only, on the query's meaning: the query must parse with rdflib's SPARQL
  parser and translate to its algebra, else it is refused (deny by default: 400,
  "the endpoint's safety check could not read this query"); an update (``update=``,
  ``application/sparql-update``, or update text such as ``LOAD``) or a store pragma
  (``DEFINE``) is refused with 403; only ``Store.query`` is ever called;
* no outgoing requests: a ``SERVICE`` anywhere in the parsed query (subqueries,
  ``EXISTS``, ``OPTIONAL``, any spelling rdflib reads) is refused with 403. ``FROM``/
  ``FROM NAMED`` and the protocol's ``default-graph-uri``/``named-graph-uri`` only
  name graphs of the local store, which pyoxigraph never fetches (a name the store
  lacks is an empty graph; ``{base}dataset``, the default graph of the service
  description, is the store's default graph). Besides, the processes that evaluate
  queries cannot open a socket at all (``store.sandbox``: a seccomp filter, else a
  network namespace; the server does not start without one);
* crashes and time: each query is checked and evaluated in a worker process
  (``store.workers``, ``workers`` of them, 4 by default). A query past ``timeout``
  is answered 503 and its worker is killed, which stops the work; a worker that
  dies (an engine crash) gives that one request 500 and is replaced for the next.
  A query finding no slot for it waits a bounded time in a bounded queue, then is
  answered 429 (its client's share is taken) or 503 (busy), with ``Retry-After``
  (``serve.admission``);
* a remote store (``serve --store``): the same checks run in a worker before a query
  is sent, and ``store.remote`` repeats them and sends only plain SPARQL 1.1 (no
  pragmas, no ``bif:``/``sql:`` IRIs; refused with 403); a store that fails or stops
  answering gives 502, one slower than ``timeout`` 503.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox

from twingraph.rdf.query_guard import QueryGuardError, read_query
from twingraph.rdf.query_text import SYNTAX_ERROR
from twingraph.store.interface import QueryRefusedError, QueryStore, StoreError
from twingraph.store.workers import Outcome, collect

__all__ = ["Dataset", "Operation", "Outcome", "ProtocolError", "check_query", "evaluate", "query_from_request"]


class ProtocolError(Exception):
    """A request the endpoint answers with an error status and a plain message.

    ``template``: the message in English, a msgid of the interface's catalogue with ``%(name)s`` for each of
    ``values`` (names, numbers, a parser's own words), so that a page can say it in its language;
    ``message`` is it in English with the values in. ``retry_after``: seconds after which trying again may
    succeed (busy, 429 and 503), sent as the ``Retry-After`` header.

    >>> ProtocolError(413, "the request body is larger than %(limit)s bytes", values={"limit": 65536}).message
    'the request body is larger than 65536 bytes'
    """

    def __init__(self, status: int, template: str, retry_after: int | None = None,
                 values: Mapping[str, str | int | float] | None = None) -> None:  # fmt: skip
        self.status = status
        self.template = template
        self.values = dict(values or {})
        self.message = template % self.values if self.values else template
        self.retry_after = retry_after
        super().__init__(self.message)

    def fresh(self) -> ProtocolError:
        """The same error without a traceback, to cross to another thread with no frame of this one."""
        return ProtocolError(self.status, self.template, self.retry_after, self.values)


def check_query(text: str) -> str:
    """Refuse, before anything runs, what is not a plain read-only query with no SERVICE; its form.

    It parses the query (``rdf.query_guard.read_query``): call it off the event loop.

    Raises:
        ProtocolError: 403 for an update, a pragma, SERVICE or an ASCII code-point
            escape; 400 for a query the check cannot read (too long, too deep, a syntax error).
    """
    try:
        return read_query(text).form
    except QueryGuardError as exc:
        raise ProtocolError(exc.status, exc.template, values=exc.values) from exc


STORE_FAILED = "the triple store failed: %(reason)s"


def read_only() -> ProtocolError:
    return ProtocolError(403, "this endpoint is read-only: %(operation)s is not accepted",
                         values={"operation": "SPARQL Update"})


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
        raise ProtocolError(400, "the %(what)s is not UTF-8: %(reason)s at byte %(byte)s",
                            values={"what": what, "reason": exc.reason, "byte": exc.start}) from exc


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
        raise ProtocolError(400, "the %(what)s has percent-escapes that are not UTF-8: %(reason)s",
                            values={"what": what, "reason": exc.reason}) from exc


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
        raise read_only()
    if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise ProtocolError(415, "send a query by %(method)s as %(first)s or %(second)s", values={
            "method": "POST", "first": "application/sparql-query", "second": "application/x-www-form-urlencoded"})
    if charset not in (None, "utf-8", "us-ascii"):
        raise ProtocolError(415, "the body must be UTF-8, not %(charset)s", values={"charset": charset or ""})
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
            raise ProtocolError(400, "%(name)s %(iri)s is not an absolute IRI: %(reason)s",
                                values={"name": name, "iri": repr(iri), "reason": str(exc)}) from exc
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
        raise read_only()
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


def evaluate(store: QueryStore, query: str, base_iri: str, row_limit: int, dataset: Dataset | None = None) -> Outcome:
    """Run one query in the caller's thread, unchecked, and keep at most row_limit rows or triples.

    For queries the server trusts (``twingraph site``'s named queries) and for a remote
    store, whose adapter checks each query itself; ``/sparql`` queries on the embedded
    store run in the workers of ``serve.evaluator``.

    Args:
        dataset: the graphs of the store the protocol request named, if it named any.

    Raises:
        ProtocolError: 400 with the parser's message for a syntax error, 403 for a
            query a remote store refuses, 502 when a remote store fails.
    """
    try:
        return collect(store.query(query, base_iri=base_iri, **dataset_options(dataset, base_iri)), row_limit)
    except SyntaxError as exc:
        raise ProtocolError(400, SYNTAX_ERROR, values={"reason": str(exc)}) from exc
    except QueryRefusedError as exc:
        raise ProtocolError(403, "the store refused the query: %(reason)s", values={"reason": str(exc)}) from exc
    except (StoreError, OSError) as exc:  # a remote store failed, or stopped answering while results were read
        raise ProtocolError(502, STORE_FAILED, values={"reason": str(exc)}) from exc
