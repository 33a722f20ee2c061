"""A share of the work done in a forked child process, whose answer comes back as bytes.

The child is a fork: it has everything the parent had read (a dataset of a million
triples costs it nothing to receive), and nothing is pickled but its answer. Fork
only from a process that has no other thread (:func:`may_fork`): a lock another
thread held at the fork stays held in the child.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from twingraph.errors import TwingraphError

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def may_fork() -> bool:
    """Whether forking a helper is safe and worth it: no other thread runs here, and there is a second core."""
    return threading.active_count() == 1 and (os.cpu_count() or 1) > 1


@contextlib.contextmanager
def forked(work: Callable[[], bytes], what: str) -> Iterator[Callable[[], bytes]]:
    """Start ``work`` in a forked child; yield a function that waits for its bytes.

    Leaving the block kills the child if it still runs (the parent failed, or did not ask).

    Args:
        what: what the child does, for errors: "mapping half of the records".

    >>> with forked(lambda: b"from the child " + str(os.getpid()).encode(), "a doctest") as answer:
    ...     text = answer()
    >>> text.startswith(b"from the child ") and text != b"from the child " + str(os.getpid()).encode()
    True
    """
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=send_answer, args=(work, writer, os.getpid()), name=f"twingraph: {what}")
    # the collector leaves what the parent holds alone: a collection in the child would write to every
    # object's header and so copy every page the two processes share
    gc.freeze()
    try:
        child.start()
        writer.close()
        yield lambda: received(reader, child, what)
    finally:
        gc.unfreeze()
        if child.is_alive():
            child.kill()
        child.join()
        reader.close()


def send_answer(work: Callable[[], bytes], connection: Connection, parent: int) -> None:
    """In the child: send ``None`` and the work's bytes, or the text of what it raised.

    It dies with ``parent``: a build killed mid-way leaves no process working on for nobody.
    """
    die_with(parent)
    try:
        answer = work()
    except BaseException as exc:  # whatever it was, the parent must hear of it
        connection.send(f"{type(exc).__name__}: {exc}")
    else:
        connection.send(None)
        connection.send_bytes(answer)
    finally:
        connection.close()


def die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux's PR_SET_PDEATHSIG); exit if it already has."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the child ends when it next writes to the pipe
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request: no signal will come
        os._exit(1)


def received(reader: Connection, child: multiprocessing.process.BaseProcess, what: str) -> bytes:
    """The child's bytes; raises TwingraphError with its error, or its exit status if it died without a word."""
    try:
        failure = reader.recv()
        if failure is None:
            return reader.recv_bytes()
    except EOFError:
        child.join()
        raise TwingraphError(f"the process {what} ended without an answer (exit status {child.exitcode}); "
                             "if it ran out of memory, build on a machine with more") from None  # fmt: skip
    raise TwingraphError(f"the process {what} failed: {failure}")
