"""The security headers on every response of the server, pages, results, errors and files alike.

* ``Content-Security-Policy``: scripts, styles, images, fonts and requests from this
  origin only (the views and the query editor ship their JavaScript: nothing comes
  from a CDN); inline styles are allowed, since d3 and YASGUI set them, inline
  scripts are not; no plugins, no ``<base>``, forms post here only; and
  ``frame-ancestors 'none'``, so no other site can frame a page (clickjacking);
* ``X-Content-Type-Options: nosniff``: a browser takes each answer for its declared
  type, so a query result or an error echoing its input is never run as a script;
* ``X-Frame-Options: DENY``, for browsers that do not read ``frame-ancestors``;
* ``Referrer-Policy: strict-origin-when-cross-origin``: a link out (to Wikidata, to a
  source page) sends no query text.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'")  # fmt: skip
HEADERS = (
    (b"content-security-policy", POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers with the security headers set (replacing any of the same name).

    >>> [name for name, _ in with_security_headers([(b"content-type", b"text/plain"), (b"x-frame-options", b"x")])]
    [b'content-type', b'content-security-policy', b'x-content-type-options', b'x-frame-options', b'referrer-policy']
    """
    names = {name for name, _ in HEADERS}
    return [(name, value) for name, value in headers if name.lower() not in names] + list(HEADERS)


class SecurityHeaders:
    """ASGI middleware: adds ``HEADERS`` to the start of every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, send_with_headers)
