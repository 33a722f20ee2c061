"""twingraph: publish a city's partner cities, agreements, events and people as linked open data.

>>> from twingraph import build, default_settings
>>> # built = build(default_settings())
"""

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
