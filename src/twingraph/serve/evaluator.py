"""The endpoint's query evaluator: pre-check off the event loop, then a worker process with a deadline.

For each ``/sparql`` or named query:

1. the linear pre-check (``rdf.query_text.scan``) runs in a thread, so a hostile text
   never holds the event loop, and refuses what no parser should see;
2. a slot is taken (at most ``workers`` queries at once); a query finding them all
   taken waits up to ``queue_wait`` seconds for one, with at most ``queue_limit``
   queries waiting, and is answered 503 past either bound;
3. a worker process (``store.pool``) parses and checks the query (``rdf.query_guard``)
   and, on the embedded store, evaluates it. Past ``timeout`` the worker is killed
   and the request is answered 503; a worker that dies gives 500; either way a new
   worker takes its place;
4. on a remote store (``serve --store``) the worker, holding an empty store, only
   checks; the query is then sent from a thread of the server, which waits at most
   ``timeout`` (the store's requests time out soon after).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import pyoxigraph as ox

from twingraph.rdf.query_text import QueryTextError, scan
from twingraph.serve.sparql import Dataset, Outcome, ProtocolError, dataset_options, evaluate
from twingraph.store.interface import QueryStore
from twingraph.store.pool import WorkerPool
from twingraph.store.workers import Job, Refusal, WorkerError

QUEUE_WAIT = 2.0  # seconds a query waits for a slot
QUEUE_LIMIT = 64  # queries that may wait at once
ADMISSION_POLL = 0.005


def screen(query: str) -> None:
    """The linear pre-check, as the endpoint answers it.

    Raises:
        ProtocolError: 400 (too long, too deep, a number too long) or 403 (an ASCII code-point escape).
    """
    try:
        scan(query)
    except QueryTextError as exc:
        raise ProtocolError(403 if exc.forbidden else 400, str(exc)) from exc


class Evaluator:
    """Runs queries in worker processes with a deadline and a cap on how many run at once.

    Args:
        store: a pyoxigraph store (the embedded one: workers evaluate on snapshots of
            it) or a remote store (workers only check; the server sends the query).
        timeout: seconds a query may run; past it the answer is 503 and its worker is killed.
        row_limit: at most this many rows or triples per answer.
        workers: worker processes, and queries that may run at once.
        queue_wait: seconds a query may wait for a slot when every one is taken.
        queue_limit: how many queries may wait at once; one more is answered 503 at once.
    """

    def __init__(self, store: QueryStore, base_iri: str, timeout: float, row_limit: int, workers: int = 4,
                 queue_wait: float = QUEUE_WAIT, queue_limit: int = QUEUE_LIMIT) -> None:  # fmt: skip
        self.store, self.base_iri, self.timeout, self.row_limit = store, base_iri, timeout, row_limit
        self.embedded = isinstance(store, ox.Store)
        self.pool = WorkerPool(store if isinstance(store, ox.Store) else None, workers)
        self.slots = threading.BoundedSemaphore(workers)
        self.queue_wait, self.queue_limit = queue_wait, queue_limit
        self.waiting = 0  # queries waiting for a slot; changed only on the event loop

    def start(self) -> str:
        """Start the workers (blocking); how they are locked out of the network.

        Raises:
            WorkerError: the workers cannot be locked out of the network, or did not start.
        """
        return self.pool.start().lockdown

    def close(self) -> None:
        """Stop the workers and delete their snapshots."""
        self.pool.close()

    def swap(self, store: QueryStore) -> None:
        """Serve another store: queries that start from now on see it."""
        self.store = store
        if isinstance(store, ox.Store):
            self.pool.swap(store)

    def work(self, query: str, dataset: Dataset | None) -> Outcome:
        """Check (and, embedded, evaluate) a query in a worker; on a remote store, then send it (blocking).

        Raises:
            ProtocolError: the worker's refusal (400, 403), a crash (500), the deadline (503),
                or the remote store's failure (502).
        """
        job = Job(query, self.base_iri, self.row_limit, dataset_options(dataset, self.base_iri), self.embedded)
        try:
            answer = self.pool.run(job, self.timeout)
        except WorkerError as exc:
            if exc.crashed:
                raise ProtocolError(500, f"the query stopped the process evaluating it ({exc}); "
                                         "the next query gets a new one") from exc  # fmt: skip
            raise ProtocolError(503, f"the query ran longer than {self.timeout:g} s and was stopped") from exc
        if isinstance(answer, Refusal):
            raise ProtocolError(answer.status, answer.message)
        if self.embedded:
            return answer
        return evaluate(self.store, query, self.base_iri, self.row_limit, dataset)

    async def run(self, query: str, dataset: Dataset | None = None) -> Outcome:
        """Check and run a query over the store or a dataset of its graphs; 503 when too slow or busy.

        Raises:
            ProtocolError: refused (403), unreadable or syntax (400), a crash (500),
                busy or too slow (503), a failing remote store (502).
        """
        await asyncio.to_thread(screen, query)
        await self.admit()
        future = in_thread(self.work, query, dataset, self.slots.release)
        if self.embedded:  # the worker's deadline binds: the thread ends by then (or by a worker's start)
            return await future
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise ProtocolError(503, f"the query ran longer than {self.timeout:g} s and was abandoned") from None

    async def admit(self) -> None:
        """Take a slot, waiting for one a bounded time in a bounded queue.

        The slots are released by the threads that run the queries, so the wait polls
        (every ``ADMISSION_POLL`` seconds) rather than blocking a thread per waiter.

        Raises:
            ProtocolError: 503 when the queue is full or no slot came free in time.
        """
        if self.slots.acquire(blocking=False):
            return
        if self.waiting >= self.queue_limit:
            raise ProtocolError(503, f"all query slots are taken and {self.waiting} queries wait; try again shortly")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queue_wait
        self.waiting += 1
        try:
            while loop.time() < deadline:
                await asyncio.sleep(ADMISSION_POLL)
                if self.slots.acquire(blocking=False):
                    return
        finally:
            self.waiting -= 1
        raise ProtocolError(503, f"all query slots stayed taken for {self.queue_wait:g} s; try again shortly")


def in_thread(work: Callable[[str, Dataset | None], Outcome], query: str, dataset: Dataset | None,
              done: Callable[[], None]) -> asyncio.Future[Outcome]:  # fmt: skip
    """Run work in a daemon thread of its own; a future of the running loop settles with its result.

    ``done`` is called when the work ends, whether or not anyone still waits for it.
    An error is handed over as a new ``ProtocolError`` without a traceback, so that
    no object of the thread (a pyoxigraph result, which may not be dropped on
    another thread) travels to the event loop inside a traceback's frames.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Outcome] = loop.create_future()

    def target() -> None:
        result: Outcome | BaseException
        try:
            result = work(query, dataset)
        except ProtocolError as exc:  # a fresh error: no traceback, so no frame of this thread crosses over
            result = ProtocolError(exc.status, exc.message)
        except BaseException as exc:  # whatever it is, the waiting request must be answered
            logging.getLogger(__name__).exception("a query failed")
            result = ProtocolError(500, f"the query failed: {type(exc).__name__}: {exc}")
        finally:
            done()
        try:
            loop.call_soon_threadsafe(settle, future, result)
        except RuntimeError:  # the loop closed while the query ran: nobody waits
            pass

    threading.Thread(target=target, name="twingraph-query", daemon=True).start()
    return future


def settle(future: asyncio.Future[Outcome], result: Outcome | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
