"""Rendered pages kept for the build they were made from, so that the same request is answered without the store.

A page of the embedded store changes only when the build does, so its answer to a
request (path, query string, ``Accept`` and the interface's language, chosen by ``?lang=`` or
``Accept-Language``) can be kept until
the server swaps in another build (``serve --watch``). The cache holds at most
``budget`` bytes of bodies and drops the least recently used first; a page made on
the old build while the new one is swapped in is not kept (each ``clear`` starts a new
generation). Only complete 200 answers are kept; the ETag they carry is the one a
``304 Not Modified`` is then decided by.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import threading

from starlette.requests import Request
from starlette.responses import Response

Key = tuple[str, str, str, str]
DEFAULT_BUDGET = 64 * 2**20  # bytes of page bodies
LARGEST_SHARE = 8  # a page larger than budget / LARGEST_SHARE is never kept
NOT_KEPT = frozenset({"content-length", "content-type"})  # made again with the response


@dataclasses.dataclass(frozen=True)
class Page:
    """A kept answer: its body, media type and headers (ETag, Last-Modified, Vary, Link, ...)."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]


def request_key(request: Request, language: str) -> Key:
    """What a page's answer depends on besides the build: the request and the language chosen for it."""
    return request.url.path, request.url.query, request.headers.get("accept", ""), language


def page_of(response: Response) -> Page | None:
    """The response as a page to keep, or None when it is not a complete 200 answer."""
    if response.status_code != 200 or not isinstance(response.body, bytes) or response.media_type is None:
        return None
    headers = tuple((name, value) for name, value in response.headers.items() if name not in NOT_KEPT)
    return Page(response.body, response.media_type, headers)


def etag_of(body: bytes) -> str:
    """The entity tag of a body: its hash, so the same page has the same tag in every run."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (or ``*``).

    >>> etag_matches('W/"a", "b"', '"a"'), etag_matches(None, '"a"'), etag_matches("*", '"a"')
    (True, False, True)
    """
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def answer(page: Page, request: Request) -> Response:
    """A kept page as the answer to a request: 304 when the request already holds it, else the page."""
    headers = {**dict(page.headers), "X-Cache": "hit"}
    if etag_matches(request.headers.get("if-none-match"), headers.get("etag", "")):
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type=page.media_type, headers=headers)


class PageCache:
    """At most ``budget`` bytes of pages, least recently used dropped first; ``clear`` when the build changes.

    >>> cache, page = PageCache(budget=100), Page(b"x" * 10, "text/html", ())
    >>> generation = cache.generation
    >>> cache.put(("/a", "", "", ""), page, generation), cache.get(("/a", "", "", "")) is page
    (True, True)
    >>> cache.clear(); cache.put(("/a", "", "", ""), page, generation), cache.get(("/a", "", "", ""))
    (False, None)
    """

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.pages: collections.OrderedDict[Key, Page] = collections.OrderedDict()
        self.size = 0
        self.generation = 0
        self.lock = threading.Lock()  # handlers run in Starlette's thread pool

    def get(self, key: Key) -> Page | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: Key, page: Page, generation: int) -> bool:
        """Keep a page made during ``generation``; False when it is too large or the build changed since."""
        if len(page.body) > self.budget // LARGEST_SHARE:
            return False
        with self.lock:
            if generation != self.generation:
                return False
            old = self.pages.pop(key, None)
            self.size += len(page.body) - (len(old.body) if old else 0)
            self.pages[key] = page
            while self.size > self.budget:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped.body)
            return True

    def clear(self) -> None:
        """Drop every page and start a new generation: pages still being made are not kept."""
        with self.lock:
            self.pages.clear()
            self.size = 0
            self.generation += 1
