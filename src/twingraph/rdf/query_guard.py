"""Whether a SPARQL query may run, decided on what it means: rdflib's parse and algebra, not its spelling.

The endpoint (``serve.sparql``) and the remote store adapter (``store.remote``) ask
``read_query`` before a query is evaluated or sent:

1. ``rdf.query_text.scan`` reads the text once, in linear time, and refuses what
   could crash or stall a parser (deep nesting, huge numbers, ASCII code-point escapes);
2. rdflib parses the query (``parseQuery``) and translates it to the SPARQL algebra
   (``translateQuery``). Deny by default: a text rdflib cannot read is refused, never
   handed to pyoxigraph to try. A text that is not a query (an update, a ``LOAD``, a
   Virtuoso ``DEFINE`` pragma) does not parse as one, and is refused as not read-only
   when its first keyword says what it is;
3. the parse tree and the algebra are walked for ``ServiceGraphPattern``: a SERVICE
   anywhere (in a subquery, an ``EXISTS``, an ``OPTIONAL``, written with any spelling
   rdflib accepts) refuses the query. The IRIs the query names are collected, so a
   caller can refuse schemes of its own (``bif:``, ``sql:``).

``FROM`` and ``FROM NAMED`` are allowed: in the embedded store they name local
graphs only (pyoxigraph never fetches them), and rdflib's translation loads nothing.
"""

from __future__ import annotations

import collections
import dataclasses
import sys
from collections.abc import Iterator
from typing import Any

from pyparsing import ParseBaseException, ParseResults
from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from twingraph.errors import TwingraphError
from twingraph.rdf.query_text import FORMS, MAX_DEPTH, QueryTextError, Refused, Scan, scan

UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
# rdflib's recursive descent takes about 100 Python frames per level of nesting
RECURSION_ROOM = MAX_DEPTH * 150 + 5_000
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"
NO_SERVICE = "SERVICE is not allowed: this endpoint makes no outgoing requests"
VERDICTS_BUDGET = 2_000_000  # characters of query text whose verdicts a worker keeps


class QueryGuardError(Refused, TwingraphError):
    """A query refused before it runs; ``forbidden``: refused by policy (403), else unreadable (400)."""

    def __init__(self, message: str, *, forbidden: bool) -> None:
        self.forbidden = forbidden
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class QueryFacts:
    """What a query that may run is: its form (SELECT, ASK, CONSTRUCT, DESCRIBE) and the IRIs it names."""

    form: str
    iris: frozenset[str]


def parts(tree: object) -> Iterator[object]:
    """Every node of a parse tree or algebra (``CompValue``s, lists, dicts, terms), without recursion.

    >>> sorted(p for p in parts({"a": [1, (2,)]}) if isinstance(p, int))
    [1, 2]
    """
    stack: list[object] = [tree]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, dict):  # CompValue is an OrderedDict; VALUES rows are dicts
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset | ParseResults):
            stack.extend(node)


def has_service(tree: object) -> bool:
    return any(getattr(node, "name", None) == "ServiceGraphPattern" for node in parts(tree))


def named_iris(tree: object) -> frozenset[str]:
    return frozenset(str(node) for node in parts(tree) if isinstance(node, URIRef))


def unparsed(text: str, scanned: Scan, exc: Exception) -> QueryGuardError:
    """Why a text that rdflib does not read as a query is refused: not a query or SERVICE (403), else unreadable (400).

    It is refused either way; the scan's words only choose the status and message.
    """
    leading_word = scanned.leading_word
    if leading_word is None and is_update(text):  # nothing but a prologue, comments and spaces: an empty update
        return QueryGuardError("the query is empty: send a SELECT, ASK, CONSTRUCT or DESCRIBE query", forbidden=False)
    if leading_word in UPDATE_WORDS or is_update(text):
        return QueryGuardError(READ_ONLY, forbidden=True)
    if leading_word is not None and leading_word not in FORMS:
        return QueryGuardError(f"only SELECT, ASK, CONSTRUCT and DESCRIBE queries are accepted, not {leading_word}",
                               forbidden=True)  # fmt: skip
    if scanned.says_service:
        return QueryGuardError(NO_SERVICE, forbidden=True)
    if isinstance(exc, ParseBaseException):
        where = f"SPARQL syntax error at {exc.lineno}:{exc.col}: {exc.msg}"
    else:
        where = f"{type(exc).__name__}: {exc}"
    return QueryGuardError(f"the endpoint's safety check could not read this query: {where}", forbidden=False)


def is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:  # not an update either
        return False
    return True


def read_query(text: str) -> QueryFacts:
    """Parse a query and tell whether it may run: a plain query with no SERVICE anywhere.

    rdflib needs more recursion than Python's default for nested queries, so this
    raises the interpreter's recursion limit to ``RECURSION_ROOM`` when it is lower
    (never lowers it); ``scan`` bounds the nesting first, so that room is enough.

    >>> read_query("PREFIX s: <https://schema.org/> SELECT ?n WHERE { ?x s:name ?n }").form
    'SELECT'

    Raises:
        QueryGuardError: forbidden (an update, a pragma, SERVICE, an ASCII escape)
            or unreadable (too long, too deep, a syntax error, rdflib failed).
    """
    try:
        scanned = scan(text)
    except QueryTextError as exc:
        raise QueryGuardError(str(exc), forbidden=exc.forbidden) from exc
    if sys.getrecursionlimit() < RECURSION_ROOM:
        sys.setrecursionlimit(RECURSION_ROOM)
    try:
        tree = parseQuery(text)
        algebra: Any = translateQuery(tree).algebra
    except Exception as exc:  # deny by default: whatever rdflib cannot read does not run
        raise unparsed(text, scanned, exc) from None
    if has_service(tree) or has_service(algebra):
        raise QueryGuardError(NO_SERVICE, forbidden=True)
    form = str(algebra.name).removesuffix("Query").upper()
    if form not in FORMS:
        raise QueryGuardError(f"only SELECT, ASK, CONSTRUCT and DESCRIBE queries are accepted, not {form}",
                              forbidden=True)  # fmt: skip
    return QueryFacts(form, named_iris(tree) | named_iris(algebra))


class Verdicts:
    """``read_query``'s verdicts on the texts read last, so that a text asked again is not parsed again.

    The verdict is a function of the text alone (the same parse, the same walk), so a
    kept one is the one a new parse would give: the check still decides on the parsed
    meaning, once per distinct text. rdflib's parse costs milliseconds, the
    evaluation of a small query tens of microseconds, and an application sends the
    same few texts over and over. At most ``budget`` characters of text are kept; the
    least recently asked go first. One instance per process (a query worker's); not
    thread-safe.

    >>> verdicts = Verdicts(budget=100)
    >>> verdicts.read("ASK {}").form, verdicts.read("ASK {}").form, verdicts.parsed
    ('ASK', 'ASK', 1)
    >>> verdicts.read("ASK { SERVICE <http://127.0.0.1:9/> {} }")
    Traceback (most recent call last):
    ...
    twingraph.rdf.query_guard.QueryGuardError: SERVICE is not allowed: this endpoint makes no outgoing requests
    >>> _ = verdicts.read("SELECT * {}"); list(verdicts.kept)
    ['ASK {}', 'ASK { SERVICE <http://127.0.0.1:9/> {} }', 'SELECT * {}']
    >>> _ = verdicts.read("SELECT * { ?s ?p ?o }" + " " * 60); list(verdicts.kept)
    ['SELECT * {}', 'SELECT * { ?s ?p ?o }                                                            ']
    """

    def __init__(self, budget: int = VERDICTS_BUDGET) -> None:
        self.budget, self.size, self.parsed = budget, 0, 0
        self.kept: collections.OrderedDict[str, QueryFacts | QueryGuardError] = collections.OrderedDict()

    def read(self, text: str) -> QueryFacts:
        """``read_query(text)``, from the kept verdict when there is one.

        Raises:
            QueryGuardError: as ``read_query`` (a new error each time, with the kept message).
        """
        verdict = self.kept.get(text)
        if verdict is None:
            verdict = self.verdict_of(text)
            self.keep(text, verdict)
        else:
            self.kept.move_to_end(text)
        if isinstance(verdict, QueryGuardError):
            raise QueryGuardError(str(verdict), forbidden=verdict.forbidden)
        return verdict

    def verdict_of(self, text: str) -> QueryFacts | QueryGuardError:
        self.parsed += 1
        try:
            return read_query(text)
        except QueryGuardError as exc:
            return QueryGuardError(str(exc), forbidden=exc.forbidden)  # kept without the parse's traceback

    def keep(self, text: str, verdict: QueryFacts | QueryGuardError) -> None:
        if len(text) > self.budget:
            return
        self.kept[text] = verdict
        self.size += len(text)
        while self.size > self.budget:
            dropped, _ = self.kept.popitem(last=False)
            self.size -= len(dropped)
