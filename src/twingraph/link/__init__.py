"""Linking to Wikidata: entities -> candidates (SPARQL 1.1) -> scored matches -> links and a review file."""

from twingraph.link.client import DEFAULT_ENDPOINT, ClientOptions, LinkError, SparqlClient, default_cache_dir
from twingraph.link.entities import Entity, Kind, read_entities
from twingraph.link.giveback import Gaps, find_gaps, gaps_tsv, give_back, quickstatements, summary
from twingraph.link.linking import LinkRun, link_entities, merge_runs, relink
from twingraph.link.match import Link, Review
from twingraph.link.output import links_graph, read_links, read_review, review_tsv

__all__ = [
    "DEFAULT_ENDPOINT",
    "ClientOptions",
    "Entity",
    "Gaps",
    "Kind",
    "Link",
    "LinkError",
    "LinkRun",
    "Review",
    "SparqlClient",
    "default_cache_dir",
    "find_gaps",
    "gaps_tsv",
    "give_back",
    "link_entities",
    "links_graph",
    "merge_runs",
    "quickstatements",
    "read_entities",
    "read_links",
    "read_review",
    "relink",
    "review_tsv",
    "summary",
]
