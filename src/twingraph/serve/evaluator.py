"""The endpoint's query evaluator: pre-check off the event loop, then a worker process with a deadline.

For each ``/sparql`` or named query:

1. the linear pre-check (``rdf.query_text.scan``) refuses what no parser should see; a
   text longer than ``INLINE_SCAN`` is scanned in a thread, so a hostile text never
   holds the event loop;
2. a slot is taken (``serve.admission``: at most ``workers`` queries at once, a share of
   them per client); a query finding none for it waits up to ``queue_wait`` seconds,
   with at most ``queue_limit`` queries waiting, and is answered 429 (its client's
   share is taken) or 503 (the server is busy) past a bound, with ``Retry-After``;
   a freed slot wakes the next query at once;
3. in one of ``workers`` threads (one per slot), a worker process (``store.pool``)
   parses and checks the query (``rdf.query_guard``) and, on the embedded store,
   evaluates it. Past ``timeout`` the worker is killed
   and the request is answered 503; a worker that dies gives 500; either way a new
   worker takes its place;
4. on a remote store (``serve --store``) the worker, holding an empty store, only
   checks; the query is then sent from a thread of the server, which waits at most
   ``timeout`` (the store's requests time out soon after).

The queries behind pages take the same slots and workers (``serialized`` below):
all the queries of one page share one deadline, past which the page is 503.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pyoxigraph as ox

from twingraph.config import DEFAULT_LIMITS, Limits
from twingraph.rdf.query_text import QueryTextError, scan
from twingraph.serve.admission import Admission, retry_seconds
from twingraph.serve.sparql import Dataset, Outcome, ProtocolError, dataset_options, evaluate
from twingraph.store.interface import QueryStore
from twingraph.store.pool import WorkerPool
from twingraph.store.workers import Job, Refusal, Serialized, WorkerError

T = TypeVar("T")
INLINE_SCAN = 1024  # characters: a text this short is scanned on the event loop (well under a millisecond)
GONE_POLL = 0.1  # seconds between two looks, by a page's query waiting for a slot, at whether its client left


def screen(query: str) -> None:
    """The linear pre-check, as the endpoint answers it.

    Raises:
        ProtocolError: 400 (too long, too deep, a number too long) or 403 (an ASCII code-point escape).
    """
    try:
        scan(query)
    except QueryTextError as exc:
        raise ProtocolError(exc.status, exc.template, values=exc.values) from exc


class Evaluator:
    """Runs queries in worker processes with a deadline, admitted by ``serve.admission``.

    Args:
        store: a pyoxigraph store (the embedded one: workers evaluate on snapshots of
            it) or a remote store (workers only check; the server sends the query).
        timeout: seconds a query may run; past it the answer is 503 and its worker is killed.
        row_limit: at most this many rows or triples per answer.
        limits: worker processes (queries that may run at once), the share of one
            client, and how many queries may wait, for how long.
    """

    def __init__(self, store: QueryStore, base_iri: str, timeout: float, row_limit: int,
                 limits: Limits = DEFAULT_LIMITS) -> None:  # fmt: skip
        self.store, self.base_iri, self.timeout, self.row_limit = store, base_iri, timeout, row_limit
        self.embedded = isinstance(store, ox.Store)
        self.pool = WorkerPool(store if isinstance(store, ox.Store) else None, limits.workers, limits.query_memory)
        self.limits, self.admission = limits, Admission(limits)
        # one thread per slot: admission lets at most ``workers`` queries run, so a query never waits for a thread
        self.threads = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="twingraph-query")

    def start(self) -> str:
        """Start the workers (blocking); how they are locked out of the network.

        Raises:
            WorkerError: the workers cannot be locked out of the network, or did not start.
        """
        return self.pool.start().lockdown

    def close(self) -> None:
        """Stop the workers and delete their snapshots."""
        self.pool.close()
        self.threads.shutdown(wait=False, cancel_futures=True)

    def swap(self, store: QueryStore) -> None:
        """Serve another store: queries that start from now on see it."""
        self.store = store
        if isinstance(store, ox.Store):
            self.pool.swap(store)

    def in_worker(self, job: Job, seconds: float, what: str) -> Outcome | Serialized:
        """A job's answer from a worker within seconds.

        Raises:
            ProtocolError: the worker's refusal (400, 403, 500), a crash (500), the deadline (503).
        """
        try:
            answer = self.pool.run(job, seconds)
        except WorkerError as exc:
            if exc.crashed:
                raise ProtocolError(500, "%(what)s stopped the process evaluating it (%(reason)s); the next "
                                         "query gets a new one", values={"what": what, "reason": str(exc)}
                                    ) from exc  # fmt: skip
            raise ProtocolError(503, "%(what)s ran longer than %(seconds)s s and was stopped",
                                retry_after=retry_seconds(self.timeout),
                                values={"what": what, "seconds": f"{seconds:g}"}) from exc  # fmt: skip
        if isinstance(answer, Refusal):
            raise ProtocolError(answer.status, answer.template, values=answer.values)
        return answer

    def work(self, query: str, dataset: Dataset | None) -> Outcome:
        """Check (and, embedded, evaluate) a query in a worker; on a remote store, then send it (blocking).

        Raises:
            ProtocolError: the worker's refusal (400, 403), a crash (500), the deadline (503),
                or the remote store's failure (502).
        """
        job = Job(query, self.base_iri, self.row_limit, dataset_options(dataset, self.base_iri), self.embedded)
        answer = self.in_worker(job, self.timeout, "the query")
        assert isinstance(answer, Outcome)
        if self.embedded:
            return answer
        return evaluate(self.store, query, self.base_iri, self.row_limit, dataset)

    async def run(self, query: str, dataset: Dataset | None = None, client: str = "-") -> Outcome:
        """Check and run a query over the store or a dataset of its graphs; 429 or 503 when too slow or busy.

        Raises:
            ProtocolError: refused (403), unreadable or syntax (400), a crash (500),
                the client's share taken (429), busy or too slow (503), a failing remote store (502).
        """
        if len(query) <= INLINE_SCAN:
            screen(query)
        else:
            await asyncio.to_thread(screen, query)
        await self.admit(client)
        future = in_thread(self.threads, self.work, query, dataset, lambda: self.admission.finish(client))
        if self.embedded:  # the worker's deadline binds: the thread ends by then (or by a worker's start)
            return await future
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise ProtocolError(503, "the query ran longer than %(seconds)s s and was abandoned",
                                retry_after=retry_seconds(self.timeout),
                                values={"seconds": f"{self.timeout:g}"}) from None  # fmt: skip

    async def admit(self, client: str) -> None:
        """Take a slot on the event loop, waiting for one a bounded time in a bounded queue.

        The wait is a future that the thread giving a slot back settles (``Admission.finish``).

        Raises:
            ProtocolError: 429 or 503 when the queue refuses the query or no slot came free in time.
        """
        loop = asyncio.get_running_loop()
        given: asyncio.Future[None] = loop.create_future()
        ticket = self.admission.enter(client, lambda: wake_future(loop, given))
        if ticket.granted:
            return
        try:
            await asyncio.wait_for(given, self.limits.queue_wait)
        except TimeoutError:
            if not self.admission.withdraw(ticket):  # else a slot came at the last moment: use it
                raise self.admission.refusal(client) from None
        except BaseException:  # the request went away while it waited
            if self.admission.withdraw(ticket):
                self.admission.finish(client)
            raise

    def admit_blocking(self, client: str, seconds: float, gone: threading.Event | None = None) -> None:
        """Take a slot from a thread (a page's), waiting at most seconds (and the queue's own bound).

        ``gone`` is set when the page's client has closed its connection: a query still waiting then
        leaves the queue, so that it holds no place a live request could take.

        Raises:
            ProtocolError: 429 or 503 as ``admit``; 499 when the client went away while it waited.
        """
        given = threading.Event()
        ticket = self.admission.enter(client, given.set)
        if ticket.granted:
            return
        deadline = time.monotonic() + min(seconds, self.limits.queue_wait)
        while not given.wait(max(0.0, min(GONE_POLL, deadline - time.monotonic()))):
            if (gone is not None and gone.is_set()) or time.monotonic() >= deadline:
                break
        if given.is_set() or not self.admission.withdraw(ticket):  # else a slot came at the last moment: use it
            return
        if gone is not None and gone.is_set():
            raise ProtocolError(499, "the client closed the connection")
        raise self.admission.refusal(client)

    def serialized(self, query: str, seconds: float, client: str, gone: threading.Event | None = None) -> Serialized:
        """A page's own query, evaluated whole in a worker within seconds (blocking; call it from a thread).

        Raises:
            ProtocolError: 429 or 503 (busy, or past the deadline), 500 (a crash), 499 (``gone``: the client
                went away while the query waited for a slot).
        """
        started = time.monotonic()
        if seconds <= 0:
            raise self.page_too_slow()
        self.admit_blocking(client, seconds, gone)
        try:
            left = seconds - (time.monotonic() - started)
            if left <= 0:
                raise self.page_too_slow()
            answer = self.in_worker(Job(query, self.base_iri, self.row_limit, serialized=True), left,
                                    "a query behind this page")  # fmt: skip
            assert isinstance(answer, Serialized)
            return answer
        finally:
            self.admission.finish(client)

    def page_too_slow(self) -> ProtocolError:
        return ProtocolError(503, "this page took longer than %(seconds)s s to look up; try again later",
                             retry_after=retry_seconds(self.timeout), values={"seconds": f"{self.timeout:g}"})


def wake_future(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
    """Settle a waiter's future from any thread (nothing to do when it gave up, or its loop closed)."""
    try:
        loop.call_soon_threadsafe(settle, future, None)
    except RuntimeError:  # the loop closed: nobody waits
        pass


def in_thread(threads: ThreadPoolExecutor, work: Callable[[str, Dataset | None], Outcome], query: str,
              dataset: Dataset | None, done: Callable[[], None]) -> asyncio.Future[Outcome]:  # fmt: skip
    """Run work in one of the threads; a future of the running loop settles with its result.

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
            result = exc.fresh()
        except BaseException as exc:  # whatever it is, the waiting request must be answered
            drop_frames(exc)  # the log keeps the traceback, and may drop it on another thread
            logging.getLogger(__name__).exception("a query failed")
            reason = f"{type(exc).__name__}: {exc}"
            result = ProtocolError(500, "the query failed: %(reason)s", values={"reason": reason})
        finally:
            done()
        try:
            loop.call_soon_threadsafe(settle, future, result)
        except RuntimeError:  # the loop closed while the query ran: nobody waits
            pass

    threads.submit(target)
    return future


def chained(exc: BaseException) -> list[BaseException]:
    """An error and those it was raised from or during, each once."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def drop_frames(exc: BaseException) -> None:
    """Clear the locals of the frames an error (and those chained to it) keeps, so it can leave its thread.

    A pyoxigraph result may only be dropped on the thread that made it; an error's
    traceback keeps its frames and their locals, results among them. What a traceback
    tells (files, lines, functions) stays.
    """
    for error in chained(exc):
        traceback.clear_frames(error.__traceback__)


def settle(future: asyncio.Future[T], result: T | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
