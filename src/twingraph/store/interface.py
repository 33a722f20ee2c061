"""What the server needs of a store, whichever it is: SPARQL queries in, pyoxigraph results out."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from itertools import islice
from typing import Protocol

import pyoxigraph as ox

from twingraph.errors import TwingraphError

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


@dataclasses.dataclass(frozen=True)
class Solutions:
    """SELECT results read to the end: rows that any thread may hold and drop.

    pyoxigraph's ``QuerySolutions`` (and ``QueryTriples``) belong to the thread that
    made them. Dropped on another thread (by the garbage collector, say, when an
    error's frames held one) the object leaks and Python reports it as "unsendable".
    Results made in one thread and used or dropped in another are read into these
    first (``read_through``); the single rows and terms have no such tie.
    """

    variables: tuple[ox.Variable, ...]
    rows: tuple[ox.QuerySolution, ...]

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self.rows)


@dataclasses.dataclass(frozen=True)
class Triples:
    """CONSTRUCT or DESCRIBE results read to the end (see ``Solutions`` for why)."""

    triples: tuple[ox.Triple, ...]

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)


Results = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Solutions | Triples
SELECTED = (ox.QuerySolutions, Solutions)  # what a SELECT gives, for isinstance
CONSTRUCTED = (ox.QueryTriples, Triples)  # what a CONSTRUCT or DESCRIBE gives


def read_through(results: Results, limit: int | None = None) -> Solutions | ox.QueryBoolean | Triples:
    """Results read in the calling thread (at most ``limit`` rows or triples) into objects any thread may drop.

    >>> store = ox.Store()
    >>> [row["x"].value for row in read_through(store.query("SELECT ?x { VALUES ?x { 1 2 3 } }"), limit=2)]
    ['1', '2']
    """
    try:
        if isinstance(results, ox.QuerySolutions):
            return Solutions(tuple(results.variables), tuple(islice(results, limit)))
        if isinstance(results, ox.QueryTriples):
            return Triples(tuple(islice(results, limit)))
        return results
    finally:
        del results  # an error's traceback keeps this frame: it must not keep the results too


class StoreError(TwingraphError):
    """A remote store could not be reached or did not do what it was asked; the message says which and why."""


class QueryRefusedError(StoreError):
    """A query that is not sent to a remote store (not plain SPARQL 1.1, or asking it to fetch or run code)."""


class QueryStore(Protocol):
    """The part of ``pyoxigraph.Store`` the server uses; ``store.remote.RemoteStore`` offers it too."""

    def query(self, query: str, *, base_iri: str | None = None,
              default_graph: GraphName | list[GraphName] | None = None,
              named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None) -> Results:  # fmt: skip
        """Run a query: SELECT gives ``QuerySolutions``, ASK ``QueryBoolean``, CONSTRUCT/DESCRIBE ``QueryTriples``.

        Raises:
            SyntaxError: the query is not valid SPARQL.
        """

    def __len__(self) -> int:
        """The number of triples (quads) the store serves."""


def count_triples(store: QueryStore) -> int:
    """The number of triples in a store's default graph, by a COUNT query.

    >>> count_triples(ox.Store())
    0
    """
    found = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(found, SELECTED)
    count = next(iter(found))["n"]
    assert isinstance(count, ox.Literal)
    return int(count.value)


class ServedStore(Protocol):
    """A store the app can serve: the embedded one or a remote one."""

    def raw(self) -> QueryStore:
        """The object queries run on."""

    def __len__(self) -> int:
        """The number of triples served."""


@dataclasses.dataclass(frozen=True)
class Table:
    """SELECT results as text: column names and rows."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def as_dicts(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def term_text(term: object) -> str:
    """The plain value of a result term: an IRI, a literal's lexical form, or ''."""
    if term is None:
        return ""
    return str(term.value)  # type: ignore[attr-defined]


def select(store: QueryStore, query: str) -> Table:
    """Run a SELECT query on any store and return its results as text.

    Raises:
        TwingraphError: a syntax error, or not a SELECT query.
    """
    try:
        solutions = store.query(query)
    except SyntaxError as exc:
        raise TwingraphError(f"SPARQL syntax error: {exc}") from exc
    if not isinstance(solutions, SELECTED):
        raise TwingraphError("not a SELECT query: use select() for SELECT only")
    columns = tuple(v.value for v in solutions.variables)
    rows = tuple(tuple(term_text(solution[c]) for c in columns) for solution in solutions)
    return Table(columns=columns, rows=rows)
