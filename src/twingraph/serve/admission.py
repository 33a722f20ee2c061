"""Who may run a query now: a fixed number of slots, a share per client, a bounded queue with a bounded wait.

The endpoint's limits, as Virtuoso and Datasette state theirs: at most ``workers``
queries run at once (one per worker process); one client runs at most
``per_client`` of them and may have as many more waiting, so it cannot take every
slot or fill the queue; at most ``queue_limit`` queries wait, each at most
``queue_wait`` seconds. Past a bound the answer is 429 (the client's own share) or
503 (the server is busy), each with ``Retry-After``.

``Admission`` holds only counters under a lock; the waiting is done by its
callers (``serve.evaluator``), on the event loop or in a page's thread.
"""

from __future__ import annotations

import math
import threading
from collections import Counter

from twingraph.config import Limits
from twingraph.serve.sparql import ProtocolError


class Admission:
    """Slots and a queue, counted per client. Thread-safe: slots are given back by the threads that ran them.

    >>> gate = Admission(Limits(workers=2, per_client=1))
    >>> gate.queue("a"); gate.start("a"), gate.start("a")
    (True, False)
    >>> gate.start("b"), gate.start("c")
    (True, False)
    >>> gate.refusal("a").status, gate.refusal("c").status
    (429, 503)
    """

    def __init__(self, limits: Limits) -> None:
        self.limits, self.share = limits, limits.client_share()
        self.lock = threading.Lock()
        self.free = limits.workers
        self.running: Counter[str] = Counter()
        self.waiting: Counter[str] = Counter()

    def queue(self, client: str) -> None:
        """Join the queue.

        Raises:
            ProtocolError: 429 when the client already has its share running and waiting;
                503 when the queue is full.
        """
        with self.lock:
            if self.running[client] >= self.share and self.waiting[client] >= self.share:
                raise self.client_refusal(client)
            if self.waiting.total() >= self.limits.queue_limit:
                raise ProtocolError(503, "all query slots are taken and %(waiting)s queries wait; try again shortly",
                                    retry_after=retry_seconds(self.limits.queue_wait),
                                    values={"waiting": self.waiting.total()})  # fmt: skip
            self.waiting[client] += 1

    def start(self, client: str) -> bool:
        """Leave the queue for a slot if one is free and the client is under its share; whether it did."""
        with self.lock:
            if self.free == 0 or self.running[client] >= self.share:
                return False
            self.free -= 1
            self.running[client] += 1
            self.waiting[client] -= 1
            self.waiting += Counter()  # drops the clients no longer waiting
            return True

    def give_up(self, client: str) -> None:
        """Leave the queue without a slot (the wait ran out, or the request went away)."""
        with self.lock:
            self.waiting[client] -= 1
            self.waiting += Counter()

    def finish(self, client: str) -> None:
        """Give a slot back when its query has ended."""
        with self.lock:
            self.free += 1
            self.running[client] -= 1
            self.running += Counter()

    def refusal(self, client: str) -> ProtocolError:
        """The answer to a query whose wait ran out: 429 if its client is at its share, else 503."""
        with self.lock:
            if self.running[client] >= self.share:
                return self.client_refusal(client)
        return ProtocolError(503, "all query slots stayed taken for %(seconds)s s; try again shortly",
                             retry_after=retry_seconds(self.limits.queue_wait),
                             values={"seconds": f"{self.limits.queue_wait:g}"})  # fmt: skip

    def client_refusal(self, client: str) -> ProtocolError:
        return ProtocolError(429, "you already have %(running)s queries running, the most one client may run at "
                                  "once is %(share)s; wait for them to finish", retry_after=1,
                             values={"running": self.running[client], "share": self.share})  # fmt: skip


def retry_seconds(seconds: float) -> int:
    """A Retry-After value: whole seconds, at least one.

    >>> retry_seconds(0.2), retry_seconds(2.0), retry_seconds(10.5)
    (1, 2, 11)
    """
    return max(1, math.ceil(seconds))
