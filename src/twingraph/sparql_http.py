"""SPARQL over HTTP: the one client that the remote store and the Wikidata linker share, with one set of rules.

- **A deadline per request.** ``timeout`` bounds the whole exchange: connecting,
  sending, the answer's head and every byte of its body (urllib's own timeout is
  per socket read, so a server that trickles a byte now and then would hold a
  request for ever). A watchdog cuts the connection when the deadline passes,
  whatever read is under way; the body is read in chunks that check it too.
- **Retries** after a refusal the server calls passing: 429 and 503 for every
  request, and 500, 502 and 504 only for a request that may be sent twice (a
  query, not an update). Retry-After is honoured, in seconds or as a date counted
  from the answer's own Date (so no clock of ours is needed), at most ``max_wait``.
- **Auth:** Digest or Basic, answered before the request is sent (see
  ``Endpoint.authorize_first``); passwords never appear in a message or a URL.
- **No redirects:** a 3xx is refused, never followed (it could lead to another
  host and would carry the request, and its credentials, there).
- **Failures** are one line, raised as the caller's own error type
  (``StoreError``, ``LinkError``), naming the endpoint and what to do.

This module sits below ``store`` and ``link`` (they may not import each other) and
imports nothing of twingraph but ``errors``.
"""

from __future__ import annotations

import base64
import dataclasses
import email.utils
import functools
import html
import http.client
import io
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email.message import Message
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from twingraph.errors import TwingraphError
from twingraph.progress import Progress, ignore

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAX_BODY = 64 * 2**20  # bytes of an answer read whole: no SPARQL answer twingraph asks for comes near it
ERROR_BYTES = 64 * 1024  # bytes of an error answer's body read for its message
ERROR_TEXT = 300  # characters of a server's own error message worth showing
CHUNK = 64 * 1024
RETRIED = frozenset({429, 503})  # the server says it did not do the request
RETRIED_WHEN_SAFE = frozenset({429, 500, 502, 503, 504})  # it may have: only a query is sent again
FORM = "application/x-www-form-urlencoded"


class HttpError(TwingraphError):
    """An HTTP request failed; the message says to what, why and what to do (the default error type)."""


@dataclasses.dataclass(frozen=True)
class Credentials:
    """A user name and password for a server that asks for them (Digest or Basic auth)."""

    user: str
    password: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class Retries:
    """How often a refused request is sent again, and how long to wait before each time."""

    retries: int = 2
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    max_wait: float = 30.0  # the longest wait, whatever Retry-After asks

    def wait(self, attempt: int, asked: float | None) -> float:
        """Seconds to wait after the ``attempt``-th try (from 0): Retry-After if given, else the backoff.

        >>> Retries(backoff=0.5).wait(2, None), Retries(max_wait=10).wait(0, 300.0)
        (2.0, 10.0)
        """
        return float(min(asked if asked is not None else self.backoff * 2**attempt, self.max_wait))


NO_RETRIES = Retries(retries=0)


def user_agent(contact: str | None = None) -> str:
    """A User-Agent as the Wikimedia policy asks: tool/version (contact) library/version.

    >>> user_agent("mailto:ops@example.org").split()[1]
    '(mailto:ops@example.org)'
    """
    python = f"Python-urllib/{sys.version_info.major}.{sys.version_info.minor}"
    return f"twingraph/{version_of('twingraph')}" + (f" ({contact})" if contact else "") + f" {python}"


def version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "0"


def check_url(url: str, error: type[TwingraphError] = HttpError) -> str:
    """The URL, checked to be http(s) with a host, a valid port and no user or password in it.

    >>> check_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'

    Raises:
        error: another scheme, no host, a bad port, credentials written into the URL, or non-ASCII text.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not url.isascii():
        raise error(f"{url!r} is not an http:// or https:// URL of an endpoint (percent-encode other characters)")
    try:
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise error(f"{url!r} has no valid port number") from None
    if parts.username is not None or parts.password is not None:
        raise error("the URL carries a user name or password: give them with --user and "
                    "TWINGRAPH_STORE_PASSWORD instead")  # fmt: skip
    return url


def encode_form(fields: list[tuple[str, str]]) -> bytes:
    """An ``application/x-www-form-urlencoded`` body.

    >>> encode_form([("query", "ASK {}")])
    b'query=ASK+%7B%7D'
    """
    return urlencode(fields).encode("ascii")


def with_params(url: str, params: list[tuple[str, str]] | None) -> str:
    """The URL with query parameters added.

    >>> with_params("http://h/store?x=1", [("graph", "urn:g")])
    'http://h/store?x=1&graph=urn%3Ag'
    """
    return url + ("&" if "?" in url else "?") + urlencode(params) if params else url


def media_type(content_type: str | None) -> str:
    """The bare media type of a Content-Type header.

    >>> media_type("application/n-triples; charset=UTF-8")
    'application/n-triples'
    """
    return (content_type or "").split(";")[0].strip().lower()


def retry_after(headers: Message) -> float | None:
    """The seconds a Retry-After header asks for: delta-seconds, or a date counted from the answer's own Date.

    >>> retry_after(email.message_from_string("Retry-After: 7\\n\\n"))
    7.0
    >>> retry_after(email.message_from_string(
    ...     "Retry-After: Wed, 21 Oct 2026 07:28:30 GMT\\nDate: Wed, 21 Oct 2026 07:28:00 GMT\\n\\n"))
    30.0
    >>> retry_after(email.message_from_string("Retry-After: soon\\n\\n")) is None
    True
    """
    value = (headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    try:
        then, sent = email.utils.parsedate_to_datetime(value), email.utils.parsedate_to_datetime(headers["Date"])
        return max(0.0, (then - sent).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def one_line(text: str, limit: int = ERROR_TEXT) -> str:
    """A server's message on one short line: tags of an HTML page dropped, spaces collapsed, cut at ``limit``.

    >>> one_line("<html><title>Oops</title>\\n<h1>Internal &amp; error</h1></html>")
    'Oops Internal & error'
    >>> one_line("x" * 20, limit=5)
    'xxxxx…'
    """
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>|<[^>]*>", " ", text) if re.search(r"<[a-zA-Z/!]", text) else text
    text = " ".join(html.unescape(text).split())
    return text[:limit] + "…" if len(text) > limit else text


class Deadline:
    """When one request must be over, and a watchdog that cuts its connections then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.timers: list[threading.Timer] = []

    def left(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self.ends

    def watch(self, sock: socket.socket) -> None:
        """Cut the socket when the deadline passes, whatever a thread is waiting on it for."""
        timer = threading.Timer(self.left() + 0.01, cut, (sock,))
        timer.daemon = True
        timer.start()
        self.timers.append(timer)

    def release(self) -> None:
        """The request is over: no watchdog is needed any more."""
        for timer in self.timers:
            timer.cancel()


def cut(sock: socket.socket) -> None:
    """Shut a socket down so a blocked read or write returns at once (the plain socket's shutdown, even under TLS)."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


class Watched:
    """A connection whose socket is handed to the deadline's watchdog once it is open."""

    deadline: Deadline
    sock: socket.socket

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.deadline.watch(self.sock)


class WatchedHTTPConnection(Watched, http.client.HTTPConnection):
    def __init__(self, host: str, *, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, **options)
        self.deadline = deadline


class WatchedHTTPSConnection(Watched, http.client.HTTPSConnection):
    def __init__(self, host: str, *, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, **options)
        self.deadline = deadline


class WatchedHandler(urllib.request.AbstractHTTPHandler):
    """Opens http and https connections under one deadline; answers of every status are returned as they are."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(WatchedHTTPConnection, deadline=self.deadline), req)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(WatchedHTTPSConnection, deadline=self.deadline), req)

    http_request = https_request = urllib.request.AbstractHTTPHandler.do_request_


def exchange(request: urllib.request.Request, deadline: Deadline, timeout: float) -> http.client.HTTPResponse:
    """Send one request and read the head of its answer, of any status, within the deadline; the body is left.

    Proxies are taken from the environment (http_proxy, https_proxy, no_proxy), as urllib does.
    No handler follows redirects or answers auth challenges, and none turns a status into an exception.

    Raises:
        TimeoutError: the deadline passed before the request was sent.
        OSError, http.client.HTTPException: the connection failed, or the answer is not HTTP.
    """
    if deadline.passed():
        raise TimeoutError
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), WatchedHandler(deadline)):
        opener.add_handler(handler)
    response: http.client.HTTPResponse = opener.open(request, timeout=max(0.01, min(timeout, deadline.left())))
    if deadline.passed():  # the head came, cut short by the watchdog
        response.close()
        raise TimeoutError
    return response


def authorize(request: urllib.request.Request, challenge: str, credentials: Credentials) -> None:
    """Add the Authorization header that answers a Digest or Basic challenge."""
    scheme, _, parameters = challenge.partition(" ")
    if scheme.lower() == "digest":
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, request.full_url, credentials.user, credentials.password)
        fields = urllib.request.parse_keqv_list([f for f in urllib.request.parse_http_list(parameters) if f])
        answer = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(request, fields)
        if answer:
            request.add_unredirected_header("Authorization", f"Digest {answer}")
    elif scheme.lower() == "basic":
        token = base64.b64encode(f"{credentials.user}:{credentials.password}".encode()).decode("ascii")
        request.add_unredirected_header("Authorization", f"Basic {token}")


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One HTTP endpoint (a SPARQL query or update endpoint, a Graph Store) and the rules to talk to it.

    Args:
        url: the endpoint, from the command line (never from a request).
        timeout: seconds one request may take in all, its answer's body included.
        credentials: for an endpoint that asks for them.
        retries: how refused requests are sent again.
        name: how messages call the server ("the store"); the URL alone when empty.
        hints: what to do about an error status, by status.
        error: the exception type raised.
        agent: the User-Agent header.
        sleep: waits between retries (tests pass a recorder).
        progress: told of each retry.
    """

    url: str
    timeout: float
    credentials: Credentials | None = None
    retries: Retries = NO_RETRIES
    name: str = ""
    hints: Mapping[int, str] = dataclasses.field(default_factory=dict)
    error: type[TwingraphError] = HttpError
    agent: str = dataclasses.field(default_factory=user_agent)
    sleep: Callable[[float], None] = time.sleep
    progress: Progress = ignore

    def __post_init__(self) -> None:
        check_url(self.url, self.error)

    @property
    def label(self) -> str:
        """The endpoint as messages name it."""
        return f"{self.name} at {self.url}" if self.name else self.url

    def send(self, method: str, *, params: list[tuple[str, str]] | None = None, body: bytes | None = None,
             content_type: str | None = None, accept: str | None = None, safe: bool = False) -> Answer:  # fmt: skip
        """Send one request, again after a passing refusal, and return its 2xx answer open (the caller closes it).

        Args:
            safe: the request may be sent twice (a query): retried after 500, 502 and 504 as well.

        Raises:
            error: no answer within the timeout, the server unreachable, an answer that is not HTTP,
                a redirect, or an error status (after the retries).
        """
        url = with_params(self.url, params)
        for attempt in range(self.retries.retries + 1):
            answer = self.attempt(self.build_request(method, url, body, content_type, accept))
            if 200 <= answer.status < 300:
                return answer
            with answer:
                if answer.status not in (RETRIED_WHEN_SAFE if safe else RETRIED) or attempt == self.retries.retries:
                    raise self.error(self.refusal(method, answer, attempt))
                wait = self.retries.wait(attempt, retry_after(answer.headers))
            self.progress(f"{self.label} answered {answer.status}; retrying in {wait:g}s")
            self.sleep(wait)
        raise AssertionError("unreachable")

    def call(self, method: str, **options: object) -> bytes:
        """Send a request (see ``send``) and return the whole body of its answer.

        Raises:
            error: as ``send``; or the body broke off, came late or passed ``MAX_BODY``.
        """
        with self.send(method, **options) as answer:  # type: ignore[arg-type]
            return answer.read_whole()

    def build_request(self, method: str, url: str, body: bytes | None = None, content_type: str | None = None,
                      accept: str | None = None) -> urllib.request.Request:  # fmt: skip
        headers = {"User-Agent": self.agent, "Content-Type": content_type, "Accept": accept}
        return urllib.request.Request(url, body, {k: v for k, v in headers.items() if v}, method=method)

    def attempt(self, request: urllib.request.Request) -> Answer:
        """One try of a request, authorized first when there are credentials, under a deadline of its own."""
        deadline = Deadline(self.timeout)
        try:
            if self.credentials is not None:
                self.authorize_first(request, self.credentials, deadline)
            return Answer(exchange(request, deadline, self.timeout), deadline, self)
        except (OSError, http.client.HTTPException) as exc:
            deadline.release()
            raise self.error(self.failure(request.get_method(), exc, deadline)) from None
        except BaseException:
            deadline.release()
            raise

    def authorize_first(self, request: urllib.request.Request, credentials: Credentials, deadline: Deadline) -> None:
        """Authorize a request before it is sent, from the challenge a GET of the same URL gets.

        urllib's own auth handlers send the request again after a 401; a store that
        refuses the first one while its body is still arriving (Virtuoso) breaks the
        connection instead, so neither the body nor the store's refusal would get through.

        Raises:
            error: the server refuses the credentials (401).
        """
        challenge = self.challenge(request.full_url, deadline)
        if not challenge:
            return
        check = self.build_request("GET", request.full_url)
        authorize(check, challenge, credentials)
        try:  # the credentials, checked on a GET: a refusal is reported as it is
            with Answer(exchange(check, deadline, self.timeout), deadline, self) as answer:
                if answer.status == 401:
                    raise self.error(self.refusal(request.get_method(), answer, 0))
        except (OSError, http.client.HTTPException):  # the request itself will report what is wrong
            return
        authorize(request, self.challenge(request.full_url, deadline), credentials)  # a fresh nonce

    def challenge(self, url: str, deadline: Deadline) -> str:
        """The WWW-Authenticate header a GET of the URL without credentials is refused with, else ''."""
        try:
            with exchange(self.build_request("GET", url), deadline, self.timeout) as answer:
                return str(answer.headers.get("WWW-Authenticate", "")) if answer.status == 401 else ""
        except (OSError, http.client.HTTPException):  # the request itself will report what is wrong
            return ""

    def refusal(self, method: str, answer: Answer, attempt: int) -> str:
        """What an answer of another status than 2xx means for the user, on one line."""
        if 300 <= answer.status < 400:
            where = one_line(answer.headers.get("Location") or "elsewhere", 200)
            return (f"{method} {self.label} was redirected ({answer.status}) to {where}: give the endpoint's own "
                    "URL, redirects are not followed")  # fmt: skip
        try:
            text = one_line(answer.read_up_to(ERROR_BYTES).decode("utf-8", errors="replace"))
        except TwingraphError:  # the message goes without the server's text
            text = ""
        gave_up = f" after {attempt + 1} attempts; try again later" if attempt else ""
        hint = self.hints.get(answer.status, "")
        return (f"{method} {self.label} answered HTTP {answer.status} {one_line(answer.reason, 80)}{gave_up}"
                + (f": {hint}" if hint else "") + (f" (it said: {text})" if text else ""))  # fmt: skip

    def failure(self, method: str, exc: BaseException, deadline: Deadline) -> str:
        """What a request that got no answer ran into, on one line."""
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if deadline.passed() or isinstance(reason, TimeoutError):
            return f"{self.label} did not answer within {self.timeout:g}s; try again later or raise --timeout"
        if isinstance(reason, http.client.RemoteDisconnected):
            return f"{self.label} closed the connection without answering {method}; has it stopped?"
        if isinstance(reason, http.client.HTTPException):
            return (f"{self.label} did not answer {method} in HTTP ({one_line(repr(reason), 80)}); "
                    "is the URL the endpoint's?")  # fmt: skip
        if isinstance(reason, ConnectionError) and not isinstance(reason, ConnectionRefusedError):
            return f"the connection to {self.label} broke during {method} ({describe(reason)}); has it stopped?"
        return f"cannot reach {self.label} ({describe(reason)}); is it running and is the URL right?"


def describe(reason: object) -> str:
    """An OS error's own words, else its type.

    >>> describe(ConnectionRefusedError(111, "Connection refused"))
    'Connection refused'
    """
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return one_line(str(reason), 120) or type(reason).__name__


class Answer(io.RawIOBase):
    """An answer's status, head and body; the body is read within the request's deadline.

    A body that breaks off, comes late or stops is an error of the endpoint's type,
    never an ``OSError`` or ``http.client`` exception. Closing it ends the request.
    """

    def __init__(self, response: http.client.HTTPResponse, deadline: Deadline, endpoint: Endpoint) -> None:
        super().__init__()
        self.response, self.deadline, self.endpoint = response, deadline, endpoint
        self.received = 0

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def reason(self) -> str:
        return self.response.reason

    @property
    def headers(self) -> Message:
        return self.response.headers

    @property
    def media_type(self) -> str:
        return media_type(self.response.headers.get("Content-Type"))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Read the next bytes of the body (0 at its end).

        Raises:
            error: the deadline passed, or the connection broke before the body's end.
        """
        if self.response.isclosed():  # the whole body was read
            return 0
        if self.deadline.passed():
            raise self.endpoint.error(self.late())
        try:
            count = self.response.readinto(buffer)
        except TimeoutError:
            raise self.endpoint.error(self.late()) from None
        except (OSError, http.client.HTTPException) as exc:
            if self.deadline.passed():
                raise self.endpoint.error(self.late()) from None
            raise self.endpoint.error(f"{self.endpoint.label} broke off its answer after {self.received} bytes "
                                      f"({describe(exc)}); has it stopped?") from None  # fmt: skip
        if count == 0 and self.deadline.passed():  # cut by the watchdog, not the body's end
            raise self.endpoint.error(self.late())
        self.received += count
        return count

    def read_up_to(self, limit: int) -> bytes:
        """The body, or its first ``limit`` bytes."""
        parts: list[bytes] = []
        size = 0
        while size < limit and (part := self.read(min(CHUNK, limit - size))):
            parts.append(part)
            size += len(part)
        return b"".join(parts)

    def read_whole(self, limit: int = MAX_BODY) -> bytes:
        """The whole body.

        Raises:
            error: the body broke off, came late or is longer than ``limit`` bytes.
        """
        body = self.read_up_to(limit + 1)
        if len(body) > limit:
            raise self.endpoint.error(f"{self.endpoint.label} answered with more than {limit / 2**20:g} MiB; "
                                      "is this the right endpoint?")  # fmt: skip
        return body

    def late(self) -> str:
        return (f"{self.endpoint.label} did not finish its answer within {self.endpoint.timeout:g}s "
                f"({self.received} bytes came); try again later or raise --timeout")  # fmt: skip

    def close(self) -> None:
        self.deadline.release()
        self.response.close()
        super().close()
