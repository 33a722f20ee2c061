"""HTTP to a triple store: a timeout on every request, Digest or Basic auth when asked, and no redirects.

The store's URLs come from the command line only, never from a request, so the
server cannot be made to call anywhere else. A redirect is refused rather than
followed (it could lead to another host, and would resend credentials there).
Passwords go to urllib's auth handlers and never into a message.
"""

from __future__ import annotations

import base64
import dataclasses
import urllib.error
import urllib.request
from http.client import HTTPResponse
from typing import IO, NoReturn
from urllib.parse import urlencode, urlsplit

from twingraph.store.interface import StoreError

ERROR_TEXT = 500  # characters of a store's error message worth showing


@dataclasses.dataclass(frozen=True)
class Credentials:
    """A user name and password for a store that asks for them (Digest or Basic auth)."""

    user: str
    password: str = dataclasses.field(repr=False)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuses every redirect: a store endpoint answers where it was asked."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: object, newurl: str) -> NoReturn:  # fmt: skip
        raise StoreError(f"{req.get_method()} {req.full_url} was redirected ({code}) to {newurl}: "
                         "give the store's endpoint URL itself, redirects are not followed")  # fmt: skip


def check_url(url: str) -> str:
    """The URL, checked to be http(s) with a host and no user or password in it.

    >>> check_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'

    Raises:
        StoreError: another scheme, no host, or credentials written into the URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"{url!r} is not an http:// or https:// URL of a store endpoint")
    if parts.username is not None or parts.password is not None:
        raise StoreError("the store URL carries a user name or password: give them with --user and "
                         "TWINGRAPH_STORE_PASSWORD instead")  # fmt: skip
    return url


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One HTTP endpoint of a store (query, update or Graph Store) and how to reach it."""

    url: str
    timeout: float
    credentials: Credentials | None = None
    def __post_init__(self) -> None:
        check_url(self.url)

    def send(self, method: str, *, params: list[tuple[str, str]] | None = None, body: bytes | None = None,
             content_type: str | None = None, accept: str | None = None) -> HTTPResponse:  # fmt: skip
        """Send one request and return the open response (the caller reads and closes it).

        Raises:
            StoreError: no answer within the timeout, the store unreachable, or an error status.
        """
        url = self.url + ("&" if "?" in self.url else "?") + urlencode(params) if params else self.url
        request = urllib.request.Request(url, data=body, method=method)
        if self.credentials is not None:
            answer_challenge(request, self.credentials, self.timeout)
        if content_type:
            request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        try:
            response: HTTPResponse = urllib.request.build_opener(NoRedirects()).open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                raise StoreError(status_message(method, self.url, exc)) from None
        except TimeoutError:
            raise StoreError(f"{method} {self.url}: no answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            raise StoreError(f"{method} {self.url}: cannot reach the store ({exc.reason}); is it running "
                             "and is the URL right?") from None  # fmt: skip
        return response

    def call(self, method: str, **options: object) -> bytes:
        """Send a request and return the whole answer body (see ``send``)."""
        with self.send(method, **options) as response:  # type: ignore[arg-type]
            try:
                return response.read()
            except TimeoutError:
                raise StoreError(f"{method} {self.url}: the answer stopped for {self.timeout:g} s") from None


def answer_challenge(request: urllib.request.Request, credentials: Credentials, timeout: float) -> None:
    """Authorize a request before it is sent, from the challenge a GET of the same URL gets.

    urllib's own auth handlers send the request again after a 401; a store that
    refuses the first one while its body is still arriving (Virtuoso) breaks the
    connection instead, so neither the body nor the store's refusal would get through.

    Raises:
        StoreError: the store refuses the credentials (401).
    """
    challenge = challenge_of(request.full_url, timeout)
    if not challenge:
        return
    check = urllib.request.Request(request.full_url)
    authorize(check, challenge, credentials)
    try:  # the credentials, checked on a GET: a refusal is reported as it is
        urllib.request.build_opener(NoRedirects()).open(check, timeout=timeout).close()
    except urllib.error.HTTPError as exc:
        with exc:
            if exc.code == 401:
                raise StoreError(status_message(request.get_method(), request.full_url.split("?")[0], exc)) from None
    except (OSError, StoreError):  # the request itself will report what is wrong
        return
    authorize(request, challenge_of(request.full_url, timeout), credentials)  # a fresh nonce for the request


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


def challenge_of(url: str, timeout: float) -> str:
    """The WWW-Authenticate header a GET of the URL without credentials is refused with, else ''."""
    try:
        urllib.request.build_opener(NoRedirects()).open(urllib.request.Request(url), timeout=timeout).close()
    except urllib.error.HTTPError as exc:
        with exc:
            return str(exc.headers.get("WWW-Authenticate", "")) if exc.code == 401 else ""
    except (OSError, StoreError):  # the request itself will report what is wrong
        pass
    return ""


def status_message(method: str, url: str, error: urllib.error.HTTPError) -> str:
    """What an error status means for the user, with the start of the store's own message."""
    text = error.read().decode("utf-8", errors="replace").strip()[:ERROR_TEXT]
    hint = {401: "give --user and set TWINGRAPH_STORE_PASSWORD (the store asks for credentials)",
            403: "the user may not do this here: grant it (e.g. SPARQL_UPDATE in Virtuoso) or use another endpoint",
            404: "no such endpoint: check the URL (Oxigraph /store /query /update, Fuseki /ds/data /ds/query "
                 "/ds/update, Virtuoso /sparql-graph-crud-auth /sparql /sparql-auth)"}.get(error.code, "")  # fmt: skip
    return f"{method} {url} answered {error.code} {error.reason}" + (f": {hint}" if hint else "") + (
        f"\n{text}" if text else "")
