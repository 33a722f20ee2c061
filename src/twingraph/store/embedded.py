"""The embedded store: pyoxigraph in memory, loaded from the persisted build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from twingraph.errors import TwingraphError
from twingraph.rdf.formats import RdfFormat
from twingraph.store.interface import Table, select


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
        return select(self._store, query)

    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store, for the server's protocol handling."""
        return self._store
