"""Pages kept for their build: the same request answered from the cache, and never a page of an old build."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from twingraph.config import DUMP, Settings
from twingraph.pipeline import Built, Reloader, build, open_store
from twingraph.serve import create_app, page_cache
from twingraph.store import EmbeddedStore

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(built: Built, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(EmbeddedStore.from_file(settings.dist_dir / DUMP), settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/city/tehran", "/", "/person/", "/views/timeline", "/dataset", "/search?q=Тег"])
def test_a_page_asked_again_is_the_kept_one(client: TestClient, path: str) -> None:
    first, again = client.get(path, headers=HTML), client.get(path, headers=HTML)
    assert first.status_code == again.status_code == 200
    assert first.headers.get("x-cache") in ("miss", "hit") and again.headers["x-cache"] == "hit"
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == first.headers["content-type"]
    held = client.get(path, headers={**HTML, "If-None-Match": first.headers["etag"]})
    assert held.status_code == 304 and held.content == b""


def test_each_format_and_query_string_is_a_page_of_its_own(client: TestClient) -> None:
    html = client.get("/city/harbin", headers=HTML)
    turtle = client.get("/city/harbin", headers={"Accept": "text/turtle"})
    jsonld = client.get("/city/harbin?format=jsonld")
    assert html.headers["content-type"].startswith("text/html")
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert jsonld.headers["content-type"].startswith("application/ld+json") and "link" in jsonld.headers
    again = client.get("/city/harbin?format=jsonld")
    assert again.headers["x-cache"] == "hit" and again.headers["link"] == jsonld.headers["link"]


def test_errors_are_not_kept(client: TestClient) -> None:
    for _ in range(2):
        missing = client.get("/city/no-such-city", headers=HTML)
        assert missing.status_code == 404 and "x-cache" not in missing.headers


@pytest.mark.slow
def test_a_rebuild_drops_the_pages_of_the_old_build(project_settings: Settings) -> None:
    build(project_settings)
    swapped = threading.Event()
    reload = Reloader(project_settings, lambda _: None)

    def refresh() -> EmbeddedStore | None:
        store = reload()
        if store is not None:
            swapped.set()
        return store

    app = create_app(open_store(project_settings), project_settings, refresh=refresh, interval=0.05)
    with TestClient(app) as client:
        observation, turtle = "/city/urbino/population/2021", {"Accept": "text/turtle"}
        client.get(observation, headers=turtle)
        assert client.get(observation, headers=turtle).headers["x-cache"] == "hit"
        path = project_settings.records_dir / "urbino.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("value: 15000,", "value: 15001,"), encoding="utf-8")
        assert swapped.wait(120), "the rebuild was not swapped in"
        deadline = time.monotonic() + 30
        while "15001" not in (page := client.get(observation, headers=turtle)).text:
            assert time.monotonic() < deadline, "the old build's page is still served"
            time.sleep(0.05)
        assert page.headers.get("x-cache") in (None, "miss", "hit")
        assert "15000" not in client.get(observation, headers=turtle).text


def test_the_readme_states_the_cache_budget_of_the_code() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"are kept once made \((\d+) MiB of them", readme)
    assert stated is not None and int(stated.group(1)) * 2**20 == page_cache.DEFAULT_BUDGET
