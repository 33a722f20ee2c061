"""A template process: it loads a snapshot once, locked out of the network, and forks query workers from it.

The server has threads, so it never forks; it spawns one template per snapshot of the
served data instead (multiprocessing's ``spawn`` context). The template lowers its CPU
priority, locks itself out of the network (``store.sandbox``), loads the snapshot into
an in-memory pyoxigraph store, and then, with one thread, forks a worker whenever the
server asks for one. A worker thus starts in milliseconds at any size of the data, and
its pages of the store are shared with the template's copy-on-write; it inherits the
template's network lock and priority. Killing a worker (at a deadline, or after a long
query) is therefore cheap, and the server does so freely.

The server's side is ``Template``: it hands the template the worker's end of a new
pipe (SCM_RIGHTS over the control connection, made before the lock), gets the worker's
process id back, and asks the template to reap a worker it has killed or that died,
with the status it ended with. Process names (``/proc/PID/comm``) tell the two apart.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path
from typing import Any

from twingraph.store.sandbox import NetworkLockError, lock_network
from twingraph.store.workers import (
    LOWEST_PRIORITY,
    NICENESS,
    STACK_SIZE,
    Ready,
    Refusal,
    WorkerError,
    WorkerProcess,
    load_snapshot,
    lower_priority,
    serve_jobs,
)

TEMPLATE_NAME = "twingraph-tmpl"  # /proc/PID/comm of a template (at most 15 bytes)
WORKER_NAME = "twingraph-query"  # ... and of a worker forked from it
FORK_TIMEOUT = 30.0  # seconds the template may take to fork a worker and say so


def name_process(name: str) -> None:
    """Set this process's name as ``ps`` and /proc/PID/comm show it (where /proc allows)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(name)


def run_worker(fd: int, store: Any, lockdown: str, memory: int) -> None:
    """A forked worker's life: answer jobs on the pipe ``fd`` in a thread with a large stack."""
    name_process(WORKER_NAME)
    conn = Connection(fd)
    threading.stack_size(STACK_SIZE)
    thread = threading.Thread(target=serve_jobs, args=(conn, store, lockdown, memory), name="twingraph-worker")
    thread.start()
    thread.join()


def fork_worker(control: Connection, store: Any, lockdown: str, memory: int) -> None:
    """Take a pipe's end from the server, fork a worker on it, and send the worker's process id back."""
    fd = recv_handle(control)
    pid = os.fork()
    if pid == 0:  # the worker: it never returns into the template's loop
        status = 0
        try:
            control.close()
            run_worker(fd, store, lockdown, memory)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(fd)
    control.send(pid)


def template_main(control: Connection, snapshot: str | None, memory: int, niceness: int) -> None:
    """The template's entry point: lock out the network, load the snapshot, then fork and reap workers on request.

    Requests on ``control``: ``("fork",)`` followed by a pipe's end, answered with the new
    worker's process id; ``("reap", pid)``, answered with the status it ended with. The
    template ends when the server closes the control connection.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lower_priority(0, niceness)
    name_process(TEMPLATE_NAME)
    # rdflib warns about every odd IRI and number of a hostile query; the server's log is not the place
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    try:
        lockdown = lock_network()
    except NetworkLockError as exc:
        control.send(Refusal(500, "the query worker cannot lock out the network: %(reason)s", {"reason": str(exc)}))
        return
    store = load_snapshot(snapshot)
    control.send(Ready(os.getpid(), lockdown))
    while True:
        try:
            request = control.recv()
        except EOFError:  # the server closed the connection, or died
            return
        if request[0] == "fork":
            fork_worker(control, store, lockdown, memory)
        elif request[0] == "reap":
            try:
                _, status = os.waitpid(request[1], 0)
                control.send(os.waitstatus_to_exitcode(status))  # minus the signal that ended it
            except ChildProcessError:  # not a worker of this template's, or reaped already
                control.send(None)


class Template:
    """The server's handle on one template process; thread-safe.

    Args:
        snapshot: the N-Quads file the template loads (None: an empty store, for checking only).
        generation: which snapshot of the served data this is.
        memory: MiB each worker may allocate beyond what it holds at its start.
    """

    def __init__(self, snapshot: Path | None, generation: int, memory: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.control, child = context.Pipe()
        self.generation, self.memory = generation, memory
        niceness = min(LOWEST_PRIORITY, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
        self.process = context.Process(target=template_main, name="twingraph-query-template", daemon=True,
                                       args=(child, str(snapshot) if snapshot else None, memory, niceness))  # fmt: skip
        self.process.start()
        lower_priority(self.process.pid or 0, niceness)  # at once: the interpreter's start yields to the server
        child.close()
        self.lock = threading.Lock()  # one request on the control connection at a time
        self.ready: Ready | None = None
        self.workers = 0  # forked and not yet reaped
        self.retired = False

    def wait_ready(self, seconds: float) -> Ready:
        """Wait until the template has locked the network and loaded its data.

        Raises:
            WorkerError: it could not lock the network, died, or took longer than seconds.
        """
        with self.lock:
            if self.ready is None:
                message = self.reply(seconds, f"load its data within {seconds:g} s")
                if isinstance(message, Refusal):
                    self.close()
                    raise WorkerError(message.message, crashed=True)
                self.ready = message
            return self.ready

    def reply(self, seconds: float, what: str) -> Any:
        """The template's next message within seconds; else it is stopped and WorkerError raised."""
        try:
            if self.control.poll(seconds):
                return self.control.recv()
        except (EOFError, OSError):
            pass
        self.close()
        raise WorkerError(f"the query workers' template did not {what}", crashed=True)

    def fork(self, seconds: float = FORK_TIMEOUT) -> WorkerProcess:
        """A new worker forked from the template (it says it is ready on its own pipe).

        Raises:
            WorkerError: the template is gone or did not fork in time.
        """
        self.wait_ready(seconds)
        server_end, worker_end = multiprocessing.get_context("spawn").Pipe()
        try:
            with self.lock:
                try:
                    self.control.send(("fork",))
                    send_handle(self.control, worker_end.fileno(), self.process.pid or 0)
                except OSError as exc:
                    self.close()
                    raise WorkerError(f"the query workers' template is gone: {exc}", crashed=True) from None
                pid = self.reply(seconds, "fork a worker")
                self.workers += 1
        finally:
            worker_end.close()
        return WorkerProcess(server_end, pid, self.generation, self.memory, self.reap)

    def reap(self, pid: int) -> int | None:
        """Wait for a killed or dead worker to end; the status it ended with (None: the template is gone)."""
        with self.lock:
            self.workers -= 1
            try:
                self.control.send(("reap", pid))
                status = self.control.recv() if self.control.poll(10) else None
            except (EOFError, OSError):
                status = None
            if self.retired and self.workers <= 0:
                self.close()
            return status

    def retire(self) -> None:
        """The data moved on: end the template once its last worker is reaped (at once if it has none)."""
        with self.lock:
            self.retired = True
            if self.workers <= 0:
                self.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def close(self) -> None:
        """End the template now (its workers are the caller's to kill)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.control.close()
