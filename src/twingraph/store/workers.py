"""Query workers: processes that check and evaluate SPARQL queries, which the server may kill.

Each worker is a process forked from a template (``store.template``) that has locked
itself out of the network (``store.sandbox``) and loaded a snapshot of the served data
into an in-memory pyoxigraph store, so a worker shares that store's pages and starts in
milliseconds. One job at a time, it checks the query (``rdf.query_guard``) and
evaluates it, and sends back plain, picklable data: an ``Outcome`` of at most
``row_limit`` rows or triples, or a ``Refusal`` with an HTTP status. No pyoxigraph
result object leaves the thread that made it.

The server side (``WorkerProcess``) waits for an answer at most the query's
deadline; past it the worker is killed (SIGKILL), so the timeout stops the work and
frees the CPU. A worker that dies (a crash in the engine) costs its one job, and
the next job gets a fresh worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import re
import resource
import signal
from collections.abc import Callable
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import pyoxigraph as ox

from twingraph.rdf.query_guard import QueryGuardError, Verdicts
from twingraph.rdf.query_text import SYNTAX_ERROR
from twingraph.store.interface import CONSTRUCTED, Results

STACK_SIZE = 256 * 1024 * 1024  # the evaluating thread's stack: room for rdflib's and pyoxigraph's recursion
# how much lower a worker's CPU priority is than the server's: a query, however costly, leaves the server's
# own work (HTTP, the pages it has kept, the dumps) the CPU it needs; Linux gives nice 10 about a tenth of
# nice 0's share of a busy core
NICENESS = 10
# a query that has used LONG_QUERY seconds of CPU is a long one (a query that only waits for the CPU, on a busy
# machine, is not; its worker is looked at every LONG_QUERY seconds): its worker drops to the lowest priority
# (nice 19, about a seventh of nice 10's share of a busy core), so that the short queries in the other
# workers and the server keep the cores while it runs. Without privilege a process cannot raise its
# priority again, so once the long query is answered the pool replaces the worker with a fresh fork.
LONG_QUERY = 0.5
LOWEST_PRIORITY = 19


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a query gave: solutions (variables, rows), a boolean, or triples."""

    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] | None = None
    truncated: bool = False


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A job the worker did not answer with results: the HTTP status and message to give.

    ``template`` is the message in English with ``%(name)s`` for each of ``values`` (so a page can say it in its
    language; the server's catalogue has it); ``message`` is it with the values in.
    """

    status: int
    template: str
    values: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template % self.values if self.values else self.template


@dataclasses.dataclass(frozen=True)
class Serialized:
    """A page's query answered whole: SPARQL JSON results (``triples`` False) or N-Triples (``triples`` True)."""

    data: bytes
    triples: bool


@dataclasses.dataclass(frozen=True)
class Job:
    """One query for a worker: text, base IRI, row cap, ``Store.query`` dataset options.

    ``evaluate``: False to check the query only (for a remote store, which the worker
    cannot reach). ``serialized``: the server's own query behind a page, made of
    escaped terms: not checked, answered whole as a ``Serialized`` (its own LIMITs bound it).
    """

    query: str
    base_iri: str
    row_limit: int
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    evaluate: bool = True
    serialized: bool = False


@dataclasses.dataclass(frozen=True)
class Ready:
    """A worker's first message: its process id and how it is locked out of the network."""

    pid: int
    lockdown: str


class WorkerError(Exception):
    """A worker did not answer: ``crashed`` (it died), or it ran past its deadline and was killed."""

    def __init__(self, message: str, *, crashed: bool) -> None:
        self.crashed = crashed
        super().__init__(message)


def collect(results: Results, row_limit: int) -> Outcome:
    """At most row_limit rows or triples of a pyoxigraph result, as plain data (read in the calling thread)."""
    if isinstance(results, ox.QueryBoolean):
        return Outcome(boolean=bool(results))
    if isinstance(results, CONSTRUCTED):
        triples = tuple(islice(results, row_limit + 1))
        return Outcome(triples=triples[:row_limit], truncated=len(triples) > row_limit)
    variables = tuple(v.value for v in results.variables)
    rows = tuple(tuple(s[v] for v in variables) for s in islice(results, row_limit + 1))
    return Outcome(variables=variables, rows=rows[:row_limit], truncated=len(rows) > row_limit)


def answer(store: ox.Store, job: Job, verdicts: Verdicts) -> Outcome | Serialized | Refusal:
    """Check a job's query (or take the verdict kept for its text) and evaluate it: an ``Outcome``, or a ``Refusal``.

    >>> answer(ox.Store(), Job("ASK { SERVICE <http://127.0.0.1:9/> {} }", "urn:b/", 10), Verdicts()).status
    403
    >>> answer(ox.Store(), Job("SELECT (<urn:f>(1) AS ?x) {}", "urn:b/", 10), Verdicts()).status
    400
    """
    if job.serialized:
        return serialize(store, job)
    try:
        verdicts.read(job.query)
    except QueryGuardError as exc:
        return Refusal(exc.status, exc.template, exc.values)
    if not job.evaluate:
        return checked(store, job)
    try:
        return collect(store.query(job.query, base_iri=job.base_iri, **job.options), job.row_limit)
    except SyntaxError as exc:
        return Refusal(400, SYNTAX_ERROR, {"reason": str(exc)})
    except OSError as exc:
        return Refusal(500, "the query failed: %(reason)s", {"reason": str(exc)})
    except Exception as exc:  # pyoxigraph's RuntimeError for an unknown function, and whatever else it raises
        return Refusal(400, "the query cannot be evaluated: %(reason)s", {"reason": str(exc)})


def serialize(store: ox.Store, job: Job) -> Serialized | Refusal:
    """A page's query evaluated and written whole, to be read back as pyoxigraph results by the server.

    >>> serialize(ox.Store(), Job("ASK {}", "urn:b/", 10, serialized=True)).data
    b'{"head":{},"boolean":true}'
    """
    try:
        results = store.query(job.query, base_iri=job.base_iri, **job.options)
        if isinstance(results, ox.QueryTriples):
            return Serialized(results.serialize(format=ox.RdfFormat.N_TRIPLES) or b"", triples=True)
        return Serialized(results.serialize(format=ox.QueryResultsFormat.JSON) or b"", triples=False)
    except Exception as exc:  # the server's own query failed: a bug, or the engine's
        return Refusal(500, "a query behind this page failed: %(reason)s", {"reason": f"{type(exc).__name__}: {exc}"})


def checked(store: ox.Store, job: Job) -> Outcome | Refusal:
    """For a remote store: pyoxigraph parses the query and runs it on the worker's empty store.

    That is what a store would do with it, here under the deadline and without a
    network, so a query that is costly even over no data is stopped before the server
    sends it on, and one that makes pyoxigraph try a request (a SERVICE the guard's
    parser did not see) is refused. A function pyoxigraph does not know is the remote
    store's to judge.

    >>> checked(ox.Store(), Job("SELECT * { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }", "urn:b/", 10)).status
    403
    """
    try:
        collect(store.query(job.query, base_iri=job.base_iri, **job.options), job.row_limit)
    except SyntaxError as exc:
        return Refusal(400, SYNTAX_ERROR, {"reason": str(exc)})
    except OSError as exc:  # pyoxigraph tried to open a connection (seccomp or the URL refused it)
        return Refusal(403, "the query makes a request out of the endpoint, which it may not: %(reason)s",
                       {"reason": str(exc)})  # fmt: skip
    except Exception:  # unknown functions (bif:...) are left to the remote store's check
        pass
    return Outcome()


def load_snapshot(snapshot: str | None) -> ox.Store:
    """An in-memory store holding the snapshot (N-Quads), or an empty one."""
    store = ox.Store()
    if snapshot:
        store.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
    return store


def address_space() -> int:
    """The bytes of address space this process holds now (``VmSize``), 0 where /proc does not say."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmSize:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


def bound_memory(mebibytes: int) -> None:
    """Let this process grow at most ``mebibytes`` beyond what it holds now (``RLIMIT_AS``).

    An allocation past it fails: the engine then aborts the process (SIGABRT), which
    the server sees as a crash of this one query's worker.
    """
    held = address_space()
    if held:
        resource.setrlimit(resource.RLIMIT_AS, (held + mebibytes * 1024 * 1024, resource.RLIM_INFINITY))


def serve_jobs(conn: Connection, store: ox.Store, lockdown: str, memory: int) -> None:
    """A locked-down worker's life: bound its memory, say ready, answer jobs on the store till the pipe closes."""
    verdicts = Verdicts()
    bound_memory(memory)
    conn.send(Ready(os.getpid(), lockdown))
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the server closed the pipe, or died
            return
        result = answer(store, job, verdicts)
        try:
            conn.send(result)
        except (pickle.PicklingError, TypeError, ValueError) as exc:  # a term that does not pickle: say so
            conn.send(Refusal(500, "the results could not be sent back: %(reason)s", {"reason": str(exc)}))


def lower_priority(pid: int, niceness: int) -> None:
    """Give a process (0: this one) at least this nice value; a process that has gone is left alone."""
    with contextlib.suppress(ProcessLookupError):
        os.setpriority(os.PRIO_PROCESS, pid, max(niceness, os.getpriority(os.PRIO_PROCESS, pid)))


class WorkerProcess:
    """The server's handle on one worker process (forked by a ``store.template``); used by one thread at a time.

    Args:
        conn: the server's end of the worker's pipe.
        pid: the worker's process id.
        generation: which snapshot of the served data it holds, so a pool can retire old workers.
        memory: MiB the worker may allocate beyond its data (``bound_memory``), for the messages.
        reap: waits for the killed or dead worker to end, and gives the status it ended with.
    """

    def __init__(self, conn: Connection, pid: int, generation: int, memory: int,
                 reap: Callable[[int], int | None]) -> None:  # fmt: skip
        self.conn, self.pid, self.generation, self.memory, self.reap = conn, pid, generation, memory, reap
        self.ready: Ready | None = None
        self.demoted = False
        self.exitcode: int | None = None
        self.ended = False

    def wait_ready(self, seconds: float) -> Ready:
        """Wait until the worker has bounded its memory and said it is ready.

        Raises:
            WorkerError: it died, or took longer than seconds.
        """
        if self.ready is None:  # a forked worker's first message: the template reports a lock it could not make
            self.ready = self.receive(seconds, "start")
        return self.ready

    def ask(self, job: Job, seconds: float) -> Outcome | Serialized | Refusal:
        """Send a job and wait at most seconds for its answer; past that the worker is killed.

        Raises:
            WorkerError: the worker died (``crashed``) or was killed at the deadline.
        """
        self.conn.send(job)
        started, waited = self.cpu_seconds(), 0.0
        while not self.demoted and waited + LONG_QUERY < seconds:
            if self.arrived(LONG_QUERY, "answer"):
                break
            waited += LONG_QUERY
            used = self.cpu_seconds()
            if used is None or started is None or used - started >= LONG_QUERY:  # no /proc: by the clock
                self.demote()
        return self.receive(seconds - waited, "answer", seconds)  # type: ignore[no-any-return]

    def cpu_seconds(self) -> float | None:
        """The CPU time the worker has used (user and system, from /proc), None where that cannot be read."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def receive(self, seconds: float, what: str, deadline: float | None = None) -> Any:
        """The worker's next message within seconds; else it is killed (``deadline``: the seconds to name)."""
        if self.arrived(seconds, what):
            try:
                return self.conn.recv()
            except (EOFError, OSError):
                self.died(what)
        self.kill()
        raise WorkerError(f"the query worker did not {what} within {deadline or seconds:g} s and was stopped",
                          crashed=False)  # fmt: skip

    def arrived(self, seconds: float, what: str) -> bool:
        """Whether a message came within seconds; raises WorkerError (crashed) if the worker died."""
        try:
            return self.conn.poll(seconds)
        except (EOFError, OSError):
            self.died(what)

    def died(self, what: str) -> NoReturn:
        self.kill()
        raise WorkerError(f"the query worker died before it could {what}{self.cause()}", crashed=True) from None

    def demote(self) -> None:
        """Drop the worker to the lowest CPU priority, for good (``LOWEST_PRIORITY``)."""
        self.demoted = True
        lower_priority(self.pid, LOWEST_PRIORITY)  # if it died meanwhile, the wait for its answer says so

    def cause(self) -> str:
        """Why a dead worker died, as far as its exit says."""
        if self.exitcode == -signal.SIGABRT:
            return f": it aborted, most likely out of the {self.memory} MiB a query may use"
        if self.exitcode is not None and self.exitcode < 0:
            return f": {signal.Signals(-self.exitcode).name}"
        return ""

    def alive(self) -> bool:
        """Whether the worker is there and idle: once it has said it is ready, an idle worker has nothing to
        read and a dead one its pipe's end."""
        if self.ended:
            return False
        try:
            if self.ready is None and self.conn.poll(0):
                self.wait_ready(0)
            return self.ready is None or not self.conn.poll(0)
        except (EOFError, OSError, WorkerError):
            return False

    def kill(self) -> None:
        """Stop the worker at once (SIGKILL) and have it reaped; once only."""
        if self.ended:
            return
        self.ended = True
        with contextlib.suppress(ProcessLookupError):  # not reaped yet, so the id is still the worker's
            os.kill(self.pid, signal.SIGKILL)
        self.exitcode = self.reap(self.pid)
        self.conn.close()
