"""twingraph: publish a city's partner cities, agreements, events and people as linked open data.

>>> from twingraph import build, default_settings
>>> # built = build(default_settings())

The names below are imported when first used, so that importing one submodule (a query
worker imports ``twingraph.store.workers``) does not load the whole pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twingraph.lazy import lazy_attributes

if TYPE_CHECKING:
    from twingraph.config import Settings, default_settings
    from twingraph.errors import TwingraphError
    from twingraph.pipeline import Built, InvalidGraphError, build, open_store
    from twingraph.rdf.mapping import records_to_graph
    from twingraph.records import RecordsError, load_dataset
    from twingraph.validate import Report, validate_graph

__all__ = [
    "Built",
    "InvalidGraphError",
    "RecordsError",
    "Report",
    "Settings",
    "TwingraphError",
    "build",
    "default_settings",
    "load_dataset",
    "open_store",
    "records_to_graph",
    "validate_graph",
]

EXPORTS = {
    "Built": "twingraph.pipeline",
    "InvalidGraphError": "twingraph.pipeline",
    "RecordsError": "twingraph.records",
    "Report": "twingraph.validate",
    "Settings": "twingraph.config",
    "TwingraphError": "twingraph.errors",
    "build": "twingraph.pipeline",
    "default_settings": "twingraph.config",
    "load_dataset": "twingraph.records",
    "open_store": "twingraph.pipeline",
    "records_to_graph": "twingraph.rdf.mapping",
    "validate_graph": "twingraph.validate",
}  # each public name's module

__getattr__ = lazy_attributes(__name__, EXPORTS)
