"""What the server needs of a store, whichever it is: SPARQL queries in, pyoxigraph results out."""

from __future__ import annotations

import dataclasses
from typing import Protocol

import pyoxigraph as ox

from twingraph.errors import TwingraphError

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
Results = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


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
    assert isinstance(found, ox.QuerySolutions)
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
    if not isinstance(solutions, ox.QuerySolutions):
        raise TwingraphError("not a SELECT query: use select() for SELECT only")
    columns = tuple(v.value for v in solutions.variables)
    rows = tuple(tuple(term_text(solution[c]) for c in columns) for solution in solutions)
    return Table(columns=columns, rows=rows)
