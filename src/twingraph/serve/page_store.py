"""The embedded store as one page sees it: each of its queries run in a query worker, all within one deadline.

A page makes several queries (the resource, its neighbours, its quotes...). Each
goes to a worker process of ``serve.evaluator`` (taking a slot like a ``/sparql``
query), and comes back as serialized results read into the pyoxigraph objects the
look-ups expect. The deadline is the page's: past ``timeout`` seconds from the
first query, the page is answered 503 with ``Retry-After`` and the worker running
its query is killed, so a page can no more hold a core than a ``/sparql`` query can. When the
page's client closes its connection (``gone``), a query still waiting for a slot leaves the queue.
"""

from __future__ import annotations

import io
import threading
import time

import pyoxigraph as ox

from twingraph.serve.evaluator import Evaluator
from twingraph.store.interface import GraphName, Results, count_triples, read_through
from twingraph.store.remote import as_triples


class PageStore:
    """A ``QueryStore`` for the queries behind one page (made per request, used by its one thread)."""

    def __init__(self, evaluator: Evaluator, client: str, gone: threading.Event | None = None) -> None:
        self.evaluator, self.client, self.gone = evaluator, client, gone
        self.deadline = time.monotonic() + evaluator.timeout

    def query(self, query: str, *, base_iri: str | None = None,
              default_graph: GraphName | list[GraphName] | None = None,
              named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None) -> Results:  # fmt: skip
        """Run one of the page's queries (the default dataset only) in a worker within what is left of the deadline.

        Raises:
            ProtocolError: 503 past the page's deadline or when the server is busy, 429, 500.
        """
        assert default_graph is None and named_graphs is None, "pages query the default dataset only"
        answer = self.evaluator.serialized(query, self.deadline - time.monotonic(), self.client, self.gone)
        if answer.triples:
            return as_triples(io.BytesIO(answer.data), ox.RdfFormat.N_TRIPLES, limit=len(answer.data))
        # read here: the page's thread may end before its results are dropped (see ``Solutions``)
        return read_through(ox.parse_query_results(answer.data, format=ox.QueryResultsFormat.JSON))

    def __len__(self) -> int:
        return count_triples(self)
