"""Who may run a query now: a fixed number of slots, a share per client, a bounded queue with a bounded wait.

The endpoint's limits, as Virtuoso and Datasette state theirs: at most ``workers``
queries run at once (one per worker process); one client runs at most
``per_client`` of them and may have ``Limits.client_queue()`` more waiting, so it
cannot take every slot or fill the queue; at most ``queue_limit`` queries wait, each
at most ``queue_wait`` seconds. Past a bound the answer is 429 (the client's own
share) or 503 (the server is busy), each with ``Retry-After``.

A freed slot goes to the first query in the queue whose client is under its share
(first come, first served, except that a client at its share is passed over), and
its waiter is woken at once: nobody polls. ``Admission`` holds only counters and
the queue under a lock; its callers (``serve.evaluator``) wait, on the event loop
or in a page's thread, each with its own way of being woken.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import threading
from collections import Counter
from collections.abc import Callable

from twingraph.config import Limits
from twingraph.serve.sparql import ProtocolError


@dataclasses.dataclass(eq=False)
class Ticket:
    """A query's place at the gate: ``granted`` once a slot is its; ``wake`` tells its waiter so (from any thread)."""

    client: str
    wake: Callable[[], None]
    granted: bool = False


class Admission:
    """Slots and a queue, counted per client. Thread-safe: slots are given back by the threads that ran them.

    >>> woken = []
    >>> gate = Admission(Limits(workers=2, per_client=1, queue_limit=4))
    >>> first = gate.enter("a", lambda: woken.append("a1")); second = gate.enter("a", lambda: woken.append("a2"))
    >>> first.granted, second.granted, gate.enter("b", lambda: woken.append("b")).granted
    (True, False, True)
    >>> gate.refusal("a").status, gate.refusal("c").status
    (429, 503)
    >>> gate.finish("a"); woken, second.granted
    (['a2'], True)
    """

    def __init__(self, limits: Limits) -> None:
        self.limits, self.share, self.patience = limits, limits.client_share(), limits.client_queue()
        self.lock = threading.RLock()  # re-entered by ``waiting`` from ``enter``
        self.free = limits.workers
        self.running: Counter[str] = Counter()
        self.queue: collections.deque[Ticket] = collections.deque()

    @property
    def waiting(self) -> Counter[str]:
        """How many queries each client has in the queue (read under the lock: other threads change the queue)."""
        with self.lock:
            return Counter(ticket.client for ticket in self.queue)

    def enter(self, client: str, wake: Callable[[], None]) -> Ticket:
        """Take a slot now if the client may, else join the queue; ``wake`` is called when a slot is given later.

        Raises:
            ProtocolError: 429 when the client already has ``Limits.client_queue()`` queries waiting;
                503 when the queue is full.
        """
        ticket = Ticket(client, wake)
        with self.lock:
            waiting = self.waiting[client]
            if self.free and self.running[client] < self.share and not waiting:
                self.grant(ticket)
                return ticket
            if waiting >= self.patience:
                raise self.client_refusal(client)
            if len(self.queue) >= self.limits.queue_limit:
                raise ProtocolError(503, "all query slots are taken and %(waiting)s queries wait; try again shortly",
                                    retry_after=retry_seconds(self.limits.queue_wait),
                                    values={"waiting": len(self.queue)})  # fmt: skip
            self.queue.append(ticket)
        return ticket

    def withdraw(self, ticket: Ticket) -> bool:
        """Leave the queue (the wait ran out, or the request went away); whether a slot had been given already.

        When it had, the slot is the caller's: it runs its query, or gives the slot back with ``finish``.
        """
        with self.lock:
            if ticket.granted:
                return True
            self.queue.remove(ticket)
            return False

    def finish(self, client: str) -> None:
        """Give a slot back when its query has ended; it goes to the next query waiting that may have it."""
        with self.lock:
            self.free += 1
            self.running[client] -= 1
            self.running += Counter()
            given = self.hand_out()
        for ticket in given:
            ticket.wake()

    def hand_out(self) -> list[Ticket]:
        """Give the free slots to the queue in order, passing over clients at their share (the lock is held)."""
        given = []
        for ticket in list(self.queue):
            if not self.free:
                break
            if self.running[ticket.client] < self.share:
                self.queue.remove(ticket)
                self.grant(ticket)
                given.append(ticket)
        return given

    def grant(self, ticket: Ticket) -> None:
        self.free -= 1
        self.running[ticket.client] += 1
        ticket.granted = True

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
