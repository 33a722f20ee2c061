"""HTTP to a triple store: ``twingraph.sparql_http``'s endpoints, failing with ``StoreError`` and store-wise hints.

The rules (a deadline on each whole request, retries with Retry-After, Digest or
Basic auth, no redirects, one-line failures) are those of ``twingraph.sparql_http``,
shared with the Wikidata linker. The store's URLs come from the command line only,
never from a request, so the server cannot be made to call anywhere else.
"""

from __future__ import annotations

from twingraph.progress import Progress, ignore
from twingraph.sparql_http import NO_RETRIES, Credentials, Endpoint, Retries
from twingraph.sparql_http import check_url as check_http_url
from twingraph.store.interface import StoreError

__all__ = ["PUBLISH_RETRIES", "STORE_HINTS", "Credentials", "Endpoint", "Retries", "check_url", "store_endpoint"]

STORE_HINTS = {
    401: "give --user and set TWINGRAPH_STORE_PASSWORD (the store asks for credentials)",
    403: "the user may not do this here: grant it (e.g. SPARQL_UPDATE in Virtuoso) or use another endpoint",
    404: "no such endpoint: check the URL (Oxigraph /store /query /update, Fuseki /ds/data /ds/query /ds/update, "
         "Virtuoso /sparql-graph-crud-auth /sparql /sparql-auth)",
    429: "the store is busy",
    503: "the store is busy or starting",
}  # fmt: skip
# publish is a command a user waits for: a busy store gets two more tries, a few seconds apart
PUBLISH_RETRIES = Retries(retries=2, backoff=1.0, max_wait=10.0)


def check_url(url: str) -> str:
    """The URL of a store endpoint, checked (see ``sparql_http.check_url``).

    >>> check_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'

    Raises:
        StoreError: another scheme, no host, a bad port, or credentials written into the URL.
    """
    return check_http_url(url, StoreError)


def store_endpoint(url: str, timeout: float, credentials: Credentials | None = None,
                   retries: Retries = NO_RETRIES, progress: Progress = ignore) -> Endpoint:  # fmt: skip
    """One endpoint of a store: its failures are ``StoreError``s that name "the store" and say what to do.

    >>> store_endpoint("http://127.0.0.1:7878/query", 5).label
    'the store at http://127.0.0.1:7878/query'

    Raises:
        StoreError: the URL is not one of an endpoint (see ``check_url``).
    """
    return Endpoint(url, timeout, credentials, retries, name="the store", hints=STORE_HINTS, error=StoreError,
                    progress=progress)  # fmt: skip
