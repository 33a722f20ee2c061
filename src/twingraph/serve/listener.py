"""How the server listens: uvicorn, with a deadline for each request to arrive and a cap on connections.

Slow or idle clients are the cheapest attack on a server: each open socket holds a
file descriptor. So:

* a request must arrive whole within ``REQUEST_DEADLINE`` seconds of the connection
  (or of the previous answer on a kept-alive connection); a client that sends nothing,
  or half a request, is disconnected then (uvicorn alone waits forever);
* a request's line and headers may take ``HEADER_LIMIT`` bytes (nginx allows 32 KB,
  Node.js 16 KB); past that the answer is 431 and the connection is closed (h11 lets a
  head of any size through when it arrives at once);
* the process's file limit is raised to its hard limit, and uvicorn answers 503 to new
  requests past ``connection_cap`` connections, which stays below that limit with room
  for the workers' pipes and the files the server opens;
* when the limit is reached all the same, asyncio's "accept failed" error is logged once
  per ``LOG_EVERY`` seconds with a count, never once per attempt with a traceback.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import resource
import socket
import time
from collections.abc import Callable
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from twingraph.errors import TwingraphError

REQUEST_DEADLINE = 10.0  # seconds for a whole request to arrive
HEADER_LIMIT = 16 * 1024  # bytes of a request's line and headers
HEADERS_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
                     b"connection: close\r\ncontent-length: %d\r\n\r\n%s")  # fmt: skip
FILES_KEPT = 64  # descriptors kept free for workers, snapshots, dumps and logs
LOG_EVERY = 10.0  # seconds between two log lines about the same loop error

log = logging.getLogger(__name__)


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request has not arrived whole by its deadline."""

    request_deadline = REQUEST_DEADLINE
    header_limit = HEADER_LIMIT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline_task: asyncio.TimerHandle | None = None
        self.head = b""  # the request's head so far (up to its blank line), while it arrives

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and not self.head_fits(data):
            message = f"the request's line and headers take more than {self.header_limit} bytes".encode()
            self.transport.write(HEADERS_TOO_LARGE % (len(message), message))
            self.transport.close()
            return
        super().data_received(data)

    def head_fits(self, data: bytes) -> bool:
        """Whether the request's head, with ``data`` added, stays within the limit (its end counts, not its body)."""
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        size = len(self.head) if end < 0 else end + 4
        if end >= 0:
            self.head = b""
        return size <= self.header_limit

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport)
        super().connection_made(transport)
        self.arm()

    def arm(self) -> None:
        """Start the wait for the next request (the connection is new, or its last answer was sent)."""
        self.deadline_task = self.loop.call_later(self.request_deadline, self.too_slow)

    def disarm(self) -> None:
        if self.deadline_task is not None:
            self.deadline_task.cancel()
            self.deadline_task = None

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE):  # the request has arrived whole
            self.disarm()

    def on_response_complete(self) -> None:
        self.head = b""
        self.disarm()
        self.arm()  # before uvicorn reads a pipelined request, whose arrival disarms it again
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def too_slow(self) -> None:
        """The deadline passed with the request still incomplete: drop the connection."""
        self.deadline_task = None
        if not self.transport.is_closing():
            self.transport.close()


def raise_file_limit() -> int:
    """Raise the soft limit on open files to the hard one; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return int(hard)
    return int(soft)


def connection_cap(file_limit: int) -> int:
    """How many connections to serve at once under a file limit, keeping ``FILES_KEPT`` free.

    >>> connection_cap(256), connection_cap(1024), connection_cap(80)
    (192, 960, 16)
    """
    return max(16, file_limit - FILES_KEPT)


class QuietLoopErrors:
    """An asyncio exception handler that logs each kind of error once per ``LOG_EVERY`` seconds, with a count."""

    def __init__(self, every: float = LOG_EVERY, clock: Any = time.monotonic) -> None:
        self.every, self.clock = every, clock
        self.last: dict[str, float] = {}
        self.dropped: dict[str, int] = {}

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", "error in the event loop"))
        exception = context.get("exception")
        kind = f"{message}: {type(exception).__name__}" if exception else message
        now = self.clock()
        if now - self.last.get(kind, -self.every) < self.every:
            self.dropped[kind] = self.dropped.get(kind, 0) + 1
            return
        self.last[kind] = now
        repeats = self.dropped.pop(kind, 0)
        log.error("%s%s%s", kind, f" ({exception})" if exception else "",
                  f"; {repeats} more like it in the last {self.every:g} s" if repeats else "")  # fmt: skip


def no_delay(transport: asyncio.BaseTransport) -> None:
    """Send small writes at once (``TCP_NODELAY``) on a TCP connection.

    asyncio does so only for sockets made with ``IPPROTO_TCP`` as their protocol
    number; ``socket.create_server`` (``bound_socket``) leaves it 0, and so do the
    connections it accepts. Without it an answer written in two parts (head, then
    body) waits for the client's delayed ACK: 40 ms on Linux, for every small answer.
    """
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host and port (0: any free port), bound before anything is built or announced.

    Raises:
        TwingraphError: the address is taken, not this machine's, or not allowed: one line, with what to do.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise TwingraphError(listen_error(host, port, exc)) from None


def listen_error(host: str, port: int, exc: OSError) -> str:
    """The one line that says why the server cannot listen, and what to do.

    >>> listen_error("::1", 80, OSError(errno.EADDRINUSE, "Address already in use (binding)")).split("; ")
    ['cannot listen on ::1:80: port 80 is already in use', 'choose another with --port, or --port 0 for any free port']
    """
    if exc.errno == errno.EADDRINUSE:
        return (f"cannot listen on {host}:{port}: port {port} is already in use; choose another with --port, "
                "or --port 0 for any free port")  # fmt: skip
    # create_server's own message repeats the address; a host that does not resolve has a negative (EAI_) errno
    reason = os.strerror(exc.errno) if isinstance(exc.errno, int) and exc.errno > 0 else exc.strerror or str(exc)
    return f"cannot listen on {host}:{port}: {reason}; check --host and --port"


def url_of(sock: socket.socket) -> str:
    """The http URL a listening socket answers at, with the port it really got.

    >>> with socket.create_server(("127.0.0.1", 0)) as sock:
    ...     url_of(sock).startswith("http://127.0.0.1:") and not url_of(sock).endswith(":0/")
    True
    """
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


class AnnouncingServer(uvicorn.Server):
    """uvicorn's server, calling ``announce`` with its URL once it has started and accepts connections."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket, announce: Callable[[str], None]) -> None:
        super().__init__(config)
        self.sock, self.announce = sock, announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self.announce(url_of(self.sock))


def serve(app: ASGIApp, sock: socket.socket, announce: Callable[[str], None]) -> None:
    """Run the app under uvicorn on a bound socket until stopped (deadline, cap, quiet log).

    ``announce`` is called with the socket's URL once the app has started (its query
    workers ready) and uvicorn accepts connections on it; never when the start fails.
    """
    config = uvicorn.Config(app, log_level="warning", http=DeadlineProtocol,
                            limit_concurrency=connection_cap(raise_file_limit()))  # fmt: skip
    server = AnnouncingServer(config, sock, announce)

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(QuietLoopErrors())
        await server.serve(sockets=[sock])

    asyncio.run(main())
