"""A polite SPARQL 1.1 client for the linker: a User-Agent with a contact, retries, a timeout and a disk cache.

The HTTP is ``twingraph.sparql_http``'s, shared with the remote store: a deadline on
each whole request, retries of 429/5xx honouring Retry-After (at most ``max_wait``),
no redirects, one-line failures (as ``LinkError``). SPARQLWrapper is not used: it
opens URLs through urllib's global opener, which follows redirects and whose
timeout is per socket read, and it offers no way to put our rules in its place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from twingraph.errors import TwingraphError
from twingraph.fileio import write_atomic
from twingraph.progress import Progress, ignore
from twingraph.sparql_http import FORM, Endpoint, Retries, encode_form, user_agent

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
DEFAULT_CONTACT = "https://twingraph.example/"
SOLUTIONS = "application/sparql-results+json"
Binding = dict[str, str]
Row = dict[str, Binding]


class LinkError(TwingraphError):
    """The endpoint could not answer; the message says which and what to try."""


@dataclasses.dataclass(frozen=True)
class ClientOptions:
    """How to talk to one endpoint."""

    endpoint: str = DEFAULT_ENDPOINT
    contact: str = DEFAULT_CONTACT
    timeout: float = 60.0  # seconds for one whole request, its answer included
    retries: int = 4
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    max_wait: float = 120.0  # the longest wait honoured from a Retry-After
    cache_dir: Path | None = None

    @property
    def user_agent(self) -> str:
        """A User-Agent as the Wikimedia policy asks: tool/version (contact) library/version."""
        return user_agent(self.contact)

    def http_endpoint(self, sleep: Callable[[float], None], progress: Progress) -> Endpoint:
        """The endpoint under the shared HTTP rules, with these options' timeout and retries."""
        return Endpoint(self.endpoint, self.timeout, retries=Retries(self.retries, self.backoff, self.max_wait),
                        error=LinkError, agent=self.user_agent, sleep=sleep, progress=progress)  # fmt: skip


def default_cache_dir() -> Path:
    """The user's cache directory for SPARQL answers ($XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twingraph" / "sparql"


def cache_key(endpoint: str, query: str) -> str:
    """The file name of a cached answer: a hash of the endpoint and the query.

    >>> cache_key("http://x/sparql", "ASK {}") == cache_key("http://x/sparql", "ASK {}")
    True
    """
    return hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest() + ".json"


def parse_bindings(body: bytes, endpoint: str) -> list[Row]:
    """The bindings of a SPARQL JSON result; a clear error when the body is not one."""
    try:
        data = json.loads(body.decode("utf-8"))
        rows = data["results"]["bindings"]
        if not isinstance(rows, list) or not all(
            isinstance(r, dict) and all(isinstance(b, dict) and "value" in b for b in r.values()) for r in rows
        ):
            raise TypeError("bindings are not objects with a value")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise LinkError(
            f"{endpoint} answered with something that is not SPARQL JSON results ({exc}); "
            "check that --endpoint is the query URL of a SPARQL 1.1 endpoint"
        ) from exc
    return rows


class SparqlClient:
    """Runs SELECT queries on one endpoint; answers are cached on disk by endpoint and query."""

    def __init__(self, options: ClientOptions, sleep: Callable[[float], None] = time.sleep,
                 progress: Progress = ignore) -> None:  # fmt: skip
        self.options = options
        self.endpoint = options.http_endpoint(sleep, progress)
        self.requests = 0  # queries sent over the network, for the progress line and tests

    def select(self, query: str) -> list[Row]:
        """The bindings of a SELECT query, from the cache when it was asked before.

        Raises:
            LinkError: the endpoint is down, keeps refusing, times out or answers garbage.
        """
        cached = self._cached(query)
        if cached is not None:
            return parse_bindings(cached, self.options.endpoint)
        body = self._fetch(query)
        rows = parse_bindings(body, self.options.endpoint)
        if self.options.cache_dir is not None:
            write_atomic(self.options.cache_dir / cache_key(self.options.endpoint, query), body)
        return rows

    def _cached(self, query: str) -> bytes | None:
        if self.options.cache_dir is None:
            return None
        path = self.options.cache_dir / cache_key(self.options.endpoint, query)
        return path.read_bytes() if path.exists() else None

    def _fetch(self, query: str) -> bytes:
        """The answer to a query, by POST (queries are long), retried as the shared rules say."""
        self.requests += 1
        return self.endpoint.call("POST", body=encode_form([("query", query)]), content_type=FORM, accept=SOLUTIONS,
                                  safe=True)  # fmt: skip
