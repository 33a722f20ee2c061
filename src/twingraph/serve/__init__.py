"""The web server: linked-data pages, a read-only SPARQL endpoint, named queries, dumps."""

from __future__ import annotations

from twingraph.serve.app import create_app

__all__ = ["create_app"]
