"""Every link a person can follow on the served site leads somewhere: a crawl from the index."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from twingraph.config import Settings
from twingraph.pipeline import Built
from twingraph.serve import create_app
from twingraph.store import EmbeddedStore


class Links(HTMLParser):
    """The root-relative href, src and form action targets of a page, without fragments."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value and value.startswith("/") and not value.startswith("//"):
                self.found.add(value.split("#", 1)[0])


def links_of(html: str) -> set[str]:
    parser = Links()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def client(built: Built, settings: Settings) -> Iterator[TestClient]:
    store = EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt")
    with TestClient(create_app(store, settings)) as test_client:
        yield test_client


def crawl(client: TestClient, start: str) -> tuple[set[str], list[tuple[str, str, int]]]:
    """Every page reachable from start by root-relative links; the broken ones as (from, to, status)."""
    seen, todo, broken = {start}, [("", start)], []
    while todo:
        origin, path = todo.pop()
        response = client.get(path, headers={"Accept": "text/html"})
        if response.status_code >= 400:
            broken.append((origin, path, response.status_code))
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        for link in links_of(response.text) - seen:
            seen.add(link)
            todo.append((path, link))
    return seen, broken


@pytest.mark.slow
def test_every_link_from_the_index_resolves(client: TestClient, built: Built) -> None:
    seen, broken = crawl(client, "/")
    assert broken == []
    pages = {urlsplit(p).path for p in seen}
    assert "/ns" in pages and "/dataset" in pages, "the ontology and the dataset description are linked and served"
    assert len(pages) > built.counts["events"] + built.counts["persons"], "the crawl reached the events and persons"


def test_the_crawl_reports_a_broken_link(client: TestClient) -> None:
    _, broken = crawl(client, "/no/such/page")
    assert broken == [("", "/no/such/page", 404)]
