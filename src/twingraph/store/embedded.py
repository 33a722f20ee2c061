"""The embedded store: pyoxigraph in memory, loaded from the persisted build."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox

from twingraph.errors import TwingraphError
from twingraph.rdf.formats import RdfFormat


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


class EmbeddedStore:
    """An in-memory Oxigraph store holding one dataset."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    @classmethod
    def from_file(cls, path: Path) -> EmbeddedStore:
        """Load a dump (format from its suffix) into a new in-memory store."""
        if not path.exists():
            raise TwingraphError(f"{path}: no built dataset here; run 'twingraph build' first")
        store = ox.Store()
        store.bulk_load(path=str(path), format=RdfFormat.from_suffix(path.suffix).oxigraph)
        return cls(store)

    def __len__(self) -> int:
        return len(self._store)

    def select(self, query: str) -> Table:
        """Run a SELECT query and return its results as text."""
        try:
            solutions = self._store.query(query)
        except SyntaxError as exc:
            raise TwingraphError(f"SPARQL syntax error: {exc}") from exc
        if not isinstance(solutions, ox.QuerySolutions):
            raise TwingraphError("not a SELECT query: use select() for SELECT only")
        columns = tuple(v.value for v in solutions.variables)
        rows = tuple(tuple(term_text(solution[c]) for c in columns) for solution in solutions)
        return Table(columns=columns, rows=rows)

    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store, for the server's protocol handling."""
        return self._store
