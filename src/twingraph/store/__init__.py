"""Triple stores behind one interface: the embedded Oxigraph store (default) and remote SPARQL 1.1 stores.

The names below are imported when first used, so that a query worker, which imports
``twingraph.store.workers``, does not load the remote store's client or the publisher.
``publish`` is imported from ``twingraph.store.publish``: a name its submodule shares
cannot be exported lazily (importing the submodule binds the name to the module).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twingraph.lazy import lazy_attributes

if TYPE_CHECKING:
    from twingraph.store.embedded import EmbeddedStore
    from twingraph.store.interface import QueryRefusedError, QueryStore, ServedStore, StoreError, Table, select
    from twingraph.store.publish import Endpoints, Publisher, endpoints_for
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
    "select",
]

EXPORTS = {
    "Credentials": "twingraph.store.transport",
    "EmbeddedStore": "twingraph.store.embedded",
    "Endpoints": "twingraph.store.publish",
    "NamedQuery": "twingraph.store.queries",
    "Publisher": "twingraph.store.publish",
    "QueryRefusedError": "twingraph.store.interface",
    "QueryStore": "twingraph.store.interface",
    "RemoteStore": "twingraph.store.remote",
    "ServedStore": "twingraph.store.interface",
    "StoreError": "twingraph.store.interface",
    "Table": "twingraph.store.interface",
    "endpoints_for": "twingraph.store.publish",
    "load_queries": "twingraph.store.queries",
    "select": "twingraph.store.interface",
}  # each public name's module

__getattr__ = lazy_attributes(__name__, EXPORTS)
