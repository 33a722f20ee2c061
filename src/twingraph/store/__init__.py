"""Triple stores behind one interface: the embedded Oxigraph store (default)."""

from twingraph.store.embedded import EmbeddedStore, Table
from twingraph.store.queries import NamedQuery, load_queries

__all__ = ["EmbeddedStore", "NamedQuery", "Table", "load_queries"]
