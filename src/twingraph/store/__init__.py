"""Triple stores behind one interface: the embedded Oxigraph store (default) and remote SPARQL 1.1 stores."""

from twingraph.store.embedded import EmbeddedStore
from twingraph.store.interface import QueryRefusedError, QueryStore, ServedStore, StoreError, Table, select
from twingraph.store.publish import Endpoints, Publisher, endpoints_for, publish
from twingraph.store.queries import NamedQuery, load_queries
from twingraph.store.remote import RemoteStore
from twingraph.store.transport import Credentials

__all__ = [
    "Credentials",
    "EmbeddedStore",
    "Endpoints",
    "NamedQuery",
    "Publisher",
    "QueryRefusedError",
    "QueryStore",
    "RemoteStore",
    "ServedStore",
    "StoreError",
    "Table",
    "endpoints_for",
    "load_queries",
    "publish",
    "select",
]
