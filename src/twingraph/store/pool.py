"""A fixed number of query workers over snapshots of the served store, handed out one job at a time.

The pool writes the store it serves to an N-Quads snapshot in a private temporary
directory, and each worker loads that file. ``swap`` serves another store from then
on: the next job dumps it once, and a worker still holding the old data is replaced
before it answers, so a query that starts after the swap sees the new data. A
worker that died or was killed is replaced at once (the new one starts while the
server answers), so the next job finds a fresh worker.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

from twingraph.store.workers import Job, Outcome, Ready, Refusal, Serialized, WorkerError, WorkerProcess

START_TIMEOUT = 120.0  # seconds a new worker may take to lock down and load its snapshot
KEPT_SNAPSHOTS = 2  # the newest ones, so a worker starting on the one before last still finds it


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
        self.dumping = threading.Lock()  # one snapshot written at a time
        self.source, self.generation = store, 0
        self.snapshots: dict[int, Path] = {}
        self.directory: Path | None = None
        self.closed = False

    def swap(self, store: ox.Store) -> None:
        """Serve another store: jobs from now on run on a snapshot of it (written by the next job)."""
        with self.state:
            self.source, self.generation = store, self.generation + 1

    def current(self) -> tuple[Path | None, int]:
        """The snapshot of the store served now and its generation, written on first use."""
        with self.dumping:
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

    def fresh(self, worker: WorkerProcess | None) -> WorkerProcess:
        """The worker, or a new one in its place if it is missing, dead or holds old data; ready.

        Raises:
            WorkerError: the new worker could not lock the network, or did not start in time.
        """
        snapshot, generation = self.current()
        if worker is None or worker.generation != generation or not worker.alive():
            if worker is not None:
                worker.kill()
            worker = WorkerProcess(snapshot, generation, self.memory)
        worker.wait_ready(self.start_timeout)
        return worker

    def run(self, job: Job, seconds: float) -> Outcome | Serialized | Refusal:
        """Answer a job in a worker, killing it if it takes longer than seconds.

        Raises:
            WorkerError: the worker died (``crashed``) or was stopped at the deadline;
                either way a new worker is started in its place.
        """
        worker = self.idle.get(timeout=self.start_timeout)
        try:
            worker = self.fresh(worker)
            return worker.ask(job, seconds)
        except WorkerError:
            worker = None if self.closed else self.replacement()
            raise
        finally:
            self.give_back(worker)

    def replacement(self) -> WorkerProcess | None:
        """A new worker started now for the next job (None if it cannot be: the next job will try again)."""
        try:
            snapshot, generation = self.current()
            return WorkerProcess(snapshot, generation, self.memory)
        except (OSError, ValueError):
            return None

    def give_back(self, worker: WorkerProcess | None) -> None:
        if self.closed and worker is not None:
            worker.kill()
            worker = None
        self.idle.put(worker)

    def start(self) -> Ready:
        """Start one worker and wait until it is ready, then start the others without waiting.

        A worker that cannot lock the network thus stops the server from starting,
        rather than failing its first query; the others load while the server serves.

        Raises:
            WorkerError: the first worker could not lock the network or did not start in time.
        """
        taken = [self.idle.get(timeout=self.start_timeout) for _ in range(self.size)]
        try:
            taken[0] = self.fresh(taken[0])
            snapshot, generation = self.current()
            for i, worker in enumerate(taken):
                if worker is None or worker.generation != generation or not worker.alive():
                    taken[i] = WorkerProcess(snapshot, generation, self.memory)
            assert taken[0] is not None and taken[0].ready is not None
            return taken[0].ready
        finally:
            for worker in taken:
                self.give_back(worker)

    def pids(self) -> list[int]:
        """The process ids of the idle workers (for tests and diagnostics)."""
        workers = list(self.idle.queue)
        return [w.pid for w in workers if w is not None and w.pid is not None and w.alive()]

    def close(self) -> None:
        """Stop every idle worker (a busy one is stopped when its job ends) and delete the snapshots."""
        self.closed = True
        while True:
            try:
                worker = self.idle.get_nowait()
            except queue.Empty:
                break
            if worker is not None:
                worker.kill()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
