"""A polite SPARQL 1.1 client: SPARQLWrapper with a User-Agent, retries with backoff, a timeout and a disk cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import time
import urllib.error
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from twingraph.errors import TwingraphError
from twingraph.fileio import write_atomic

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
DEFAULT_CONTACT = "https://twingraph.example/"
RETRY_CODES = frozenset({429, 500, 502, 503, 504})
Binding = dict[str, str]
Row = dict[str, Binding]


class LinkError(TwingraphError):
    """The endpoint could not answer; the message says which and what to try."""


@dataclasses.dataclass(frozen=True)
class ClientOptions:
    """How to talk to one endpoint."""

    endpoint: str = DEFAULT_ENDPOINT
    contact: str = DEFAULT_CONTACT
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    max_wait: float = 120.0  # the longest wait honoured from a Retry-After
    cache_dir: Path | None = None

    @property
    def user_agent(self) -> str:
        """A User-Agent as the Wikimedia policy asks: tool/version (contact) library/version."""
        return f"twingraph/{_version('twingraph')} ({self.contact}) SPARQLWrapper/{_version('SPARQLWrapper')}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "0"


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


def retry_after(error: urllib.error.HTTPError) -> float | None:
    """The seconds a Retry-After header asks for (only the delta-seconds form), else None."""
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class SparqlClient:
    """Runs SELECT queries on one endpoint; answers are cached on disk by endpoint and query."""

    def __init__(self, options: ClientOptions, sleep: Callable[[float], None] = time.sleep,
                 progress: Callable[[str], None] = lambda _: None) -> None:  # fmt: skip
        self.options = options
        self.sleep = sleep
        self.progress = progress
        self.requests = 0  # made over the network, for the progress line and tests

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
        endpoint = self.options.endpoint
        for attempt in range(self.options.retries + 1):
            try:
                return self._request(query)
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_CODES or attempt == self.options.retries:
                    raise LinkError(
                        f"{endpoint} answered HTTP {exc.code} {exc.reason}{self._gave_up(attempt)}"
                    ) from exc
                wait = retry_after(exc)
                delay = min(wait if wait is not None else self.options.backoff * 2**attempt, self.options.max_wait)
                self.progress(f"{endpoint} answered {exc.code}; retrying in {delay:g}s")
                self.sleep(delay)
            except EndPointInternalError as exc:  # SPARQLWrapper's form of HTTP 500, headers dropped
                if attempt == self.options.retries:
                    raise LinkError(f"{endpoint} answered HTTP 500{self._gave_up(attempt)}") from exc
                self.progress(f"{endpoint} answered 500; retrying in {self.options.backoff * 2**attempt:g}s")
                self.sleep(min(self.options.backoff * 2**attempt, self.options.max_wait))
            except SPARQLWrapperException as exc:
                raise LinkError(f"{endpoint} refused the query: {exc}") from exc
            except TimeoutError as exc:
                raise self._timed_out() from exc
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError | socket.timeout):
                    raise self._timed_out() from exc
                raise LinkError(
                    f"cannot reach {endpoint}: {exc.reason}; check the URL and that the server runs"
                ) from exc
        raise AssertionError("unreachable")

    def _gave_up(self, attempt: int) -> str:
        return f" after {attempt + 1} attempts; try again later" if attempt else ""

    def _timed_out(self) -> LinkError:
        return LinkError(
            f"{self.options.endpoint} did not answer within {self.options.timeout:g}s; "
            "try again later or raise --timeout"
        )

    def _request(self, query: str) -> bytes:
        wrapper = SPARQLWrapper(self.options.endpoint, agent=self.options.user_agent)
        wrapper.setQuery(query)
        wrapper.setMethod(POST)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(max(1, round(self.options.timeout)))
        self.requests += 1
        response: Any = wrapper.query().response
        body: bytes = response.read()
        return body
