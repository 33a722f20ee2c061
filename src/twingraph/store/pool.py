"""A fixed number of query workers over snapshots of the served store, handed out one job at a time.

The pool writes the store it serves to an N-Quads snapshot in a private temporary
directory, and a template process (``store.template``) loads it once and forks the
workers. ``swap`` serves another store from then on: the next job dumps it once and
starts a template for it, and a worker still holding the old data is replaced before
it answers, so a query that starts after the swap sees the new data; the old template
ends with its last worker. A worker that died or was killed, or that ran a long query
(and so dropped to the lowest priority), is replaced at once by a new fork.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

from twingraph.store.template import Template
from twingraph.store.workers import Job, Outcome, Ready, Refusal, Serialized, WorkerError, WorkerProcess

START_TIMEOUT = 120.0  # seconds a new template may take to lock down and load its snapshot
KEPT_SNAPSHOTS = 2  # the newest ones, so a template starting on the one before last still finds it


class WorkerPool:
    """``size`` worker processes over snapshots of one store (None: empty stores, for checking only).

    Thread-safe; ``run`` is called with one of at most ``size`` slots held (the caller's
    ``Evaluator`` keeps the count), so a worker is always free for it.
    """

    def __init__(self, store: ox.Store | None, size: int, memory: int, start_timeout: float = START_TIMEOUT) -> None:
        self.size, self.memory, self.start_timeout = size, memory, start_timeout
        self.idle: queue.Queue[WorkerProcess | None] = queue.Queue()
        for _ in range(size):
            self.idle.put(None)
        self.state = threading.Lock()  # source and generation; held for an instant
        self.dumping = threading.Lock()  # one snapshot written, and one template started, at a time
        self.source, self.generation = store, 0
        self.snapshots: dict[int, Path] = {}
        self.template: Template | None = None
        self.directory: Path | None = None
        self.closed = False

    def swap(self, store: ox.Store) -> None:
        """Serve another store: jobs from now on run on a snapshot of it (written by the next job)."""
        with self.state:
            self.source, self.generation = store, self.generation + 1

    def current(self) -> tuple[Path | None, int]:
        """The snapshot of the store served now and its generation, written on first use."""
        with self.dumping:
            return self.snapshot()

    def snapshot(self) -> tuple[Path | None, int]:
        with self.state:
            source, generation = self.source, self.generation
        if source is None:
            return None, generation
        if generation not in self.snapshots:
            self.directory = self.directory or Path(tempfile.mkdtemp(prefix="twingraph-snapshot-"))
            path = self.directory / f"generation-{generation}.nq"
            source.dump(path, format=ox.RdfFormat.N_QUADS)
            self.snapshots[generation] = path
            for old in sorted(self.snapshots)[:-KEPT_SNAPSHOTS]:
                self.snapshots.pop(old).unlink(missing_ok=True)
        return self.snapshots[generation], generation

    def current_template(self) -> Template:
        """The template of the data served now, started (and the old one retired) when the data or it changed."""
        with self.dumping:
            snapshot, generation = self.snapshot()
            template = self.template
            if template is None or template.generation != generation or not template.alive():
                if template is not None:
                    template.retire()
                template = self.template = Template(snapshot, generation, self.memory)
            return template

    def spawn(self) -> WorkerProcess:
        """A new worker forked from the current template, once the template has loaded its data.

        Raises:
            WorkerError: the template could not lock the network, load or fork in time.
        """
        template = self.current_template()
        template.wait_ready(self.start_timeout)
        return template.fork()

    def fresh(self, worker: WorkerProcess | None) -> WorkerProcess:
        """The worker, or a new one in its place if it is missing, dead or holds old data; ready.

        Raises:
            WorkerError: the new worker could not lock the network, or did not start in time.
        """
        generation = self.current()[1]
        if worker is None or worker.generation != generation or not worker.alive():
            if worker is not None:
                worker.kill()
            worker = self.spawn()
        worker.wait_ready(self.start_timeout)
        return worker

    def run(self, job: Job, seconds: float) -> Outcome | Serialized | Refusal:
        """Answer a job in a worker, killing it if it takes longer than seconds.

        A worker demoted during a long query is replaced once it has answered.

        Raises:
            WorkerError: the worker died (``crashed``) or was stopped at the deadline;
                either way a new worker is started in its place.
        """
        worker = self.idle.get(timeout=self.start_timeout)
        try:
            worker = self.fresh(worker)
            answer = worker.ask(job, seconds)
            if worker.demoted:
                worker.kill()
                worker = self.replacement()
            return answer
        except WorkerError:
            worker = self.replacement()
            raise
        finally:
            self.give_back(worker)

    def replacement(self) -> WorkerProcess | None:
        """A new worker forked now for the next job (None if it cannot be, or the pool is closed)."""
        if self.closed:
            return None
        try:
            return self.spawn()
        except (OSError, ValueError, WorkerError):  # the next job will try again
            return None

    def give_back(self, worker: WorkerProcess | None) -> None:
        if self.closed and worker is not None:
            worker.kill()
            worker = None
        self.idle.put(worker)

    def start(self) -> Ready:
        """Start the template and wait until it has loaded its data, then fork the workers.

        A template that cannot lock the network thus stops the server from starting,
        rather than failing its first query.

        Raises:
            WorkerError: the template could not lock the network or did not start in time.
        """
        taken = [self.idle.get(timeout=self.start_timeout) for _ in range(self.size)]
        try:
            taken[0] = self.fresh(taken[0])
            generation = self.current()[1]
            for i, worker in enumerate(taken):
                if worker is None or worker.generation != generation or not worker.alive():
                    taken[i] = self.spawn()
            assert taken[0] is not None and taken[0].ready is not None
            return taken[0].ready
        finally:
            for worker in taken:
                self.give_back(worker)

    def pids(self) -> list[int]:
        """The process ids of the idle workers (for tests and diagnostics)."""
        workers = list(self.idle.queue)
        return [w.pid for w in workers if w is not None and w.alive()]

    def close(self) -> None:
        """Stop every idle worker (a busy one is stopped when its job ends), the template, and delete the snapshots."""
        self.closed = True
        while True:
            try:
                worker = self.idle.get_nowait()
            except queue.Empty:
                break
            if worker is not None:
                worker.kill()
        with self.dumping, contextlib.suppress(OSError):
            if self.template is not None:
                self.template.retire()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
