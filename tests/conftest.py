"""Shared fixtures: the real records, their graph, a build in a temporary dist/, real servers, Chromium."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import httpx2
import pytest
from click.testing import CliRunner
from rdflib import Graph
from starlette.testclient import TestClient

from browsing import Traffic
from running_stores import free_port
from twingraph.config import Settings
from twingraph.pipeline import Built, build, dataset_graph
from twingraph.serve import create_app
from twingraph.store import EmbeddedStore
from twingraph.validate import load_shapes

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the fixture `chromium` skips the browser tests, or fails them in CI
    pass

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(root=ROOT, dist=tmp_path_factory.mktemp("dist") / "dist")


@pytest.fixture(scope="session")
def graph(settings: Settings) -> Graph:
    return dataset_graph(settings)[1]


@pytest.fixture(scope="session")
def shapes(settings: Settings) -> Graph:
    return load_shapes(settings.shapes_dir)


@pytest.fixture(scope="session")
def built(settings: Settings) -> Built:
    return build(settings)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the project's data, ontology, shapes and queries."""
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def project_settings(project: Path) -> Settings:
    return dataclasses.replace(Settings(root=project), dist=project / "dist")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# -- a real server --------------------------------------------------------------------------------


@contextlib.contextmanager
def serving_command(command: Callable[[int], Sequence[str]], cwd: Path = ROOT) -> Iterator[str]:
    """A server in a process of its own on a free port, once it answers on ``/``; yields its URL.

    Args:
        command: the command line of a server listening on 127.0.0.1 at the port it is given.
        cwd: the directory the server runs in.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # a file, not a pipe, so that a chatty server never blocks on a full pipe
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command(port), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        try:
            for _ in range(400):
                try:
                    httpx2.get(url + "/", timeout=1)
                    break
                except httpx2.TransportError:
                    if process.poll() is not None:
                        log.seek(0)
                        pytest.fail(f"the server stopped: {log.read().decode(errors='replace')}")
                    time.sleep(0.05)
            else:
                pytest.fail(f"the server did not answer on {url} within 20 s")
            yield url
        except BaseException:
            log.seek(0)  # a failed test shows what the server said (pytest prints captured output on failure)
            print(f"the server's log:\n{log.read().decode(errors='replace')[-20000:]}")
            raise
        finally:
            process.terminate()
            process.wait(timeout=10)


def serving(dist: Path, *options: str) -> contextlib.AbstractContextManager[str]:
    """``twingraph --dist DIST serve`` in a process of its own on a free port; yields its URL.

    Args:
        dist: a built dist/ directory.
        options: more ``serve`` options, e.g. ``"--timeout", "1"``.
    """

    def command(port: int) -> list[str]:
        return [sys.executable, "-c", "from twingraph.cli import main; main()", "--dist", str(dist),
                "serve", "--port", str(port), "--no-watch", *options]  # fmt: skip

    return serving_command(command)


@pytest.fixture(scope="session")
def start_server() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Starts ``twingraph serve`` on a built dist/: ``with start_server(dist, "--timeout", "1") as url:``."""
    return serving


@pytest.fixture(scope="session")
def start_command() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Starts another server: ``with start_command(lambda port: [..., str(port)], cwd=site) as url:``."""
    return serving_command


# -- the session's build, in process --------------------------------------------------------------
# A module may give its own ``store`` or ``client`` (another store, another app); these are the build's.


@pytest.fixture(scope="module")
def store(built: Built, settings: Settings) -> EmbeddedStore:
    """The session's build in an embedded store, read from its N-Triples dump."""
    return EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt")


@pytest.fixture(scope="module")
def client(store: EmbeddedStore, settings: Settings) -> Iterator[TestClient]:
    """The app over ``store``, in process."""
    with TestClient(create_app(store, settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(built: Built, settings: Settings) -> Iterator[str]:
    """The URL of ``twingraph serve`` over the session's build, one process for the session."""
    with serving(settings.dist_dir) as url:
        yield url


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP socket that would see any connection the server tried to make."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.settimeout(0.5)
        yield sock


def no_connection(sock: socket.socket) -> None:
    """Fails if anything connected to ``sock`` (a ``listener``), waiting its timeout for a late one."""
    with pytest.raises(TimeoutError):
        sock.accept()


@pytest.fixture(scope="session")
def assert_no_connection() -> Callable[[socket.socket], None]:
    """``assert_no_connection(listener)``: nothing connected to the listener."""
    return no_connection


# -- a browser ------------------------------------------------------------------------------------

# --headless comes from headless=True; the rest keep Chromium off the network (the test
# machines have none) and out of any profile but the fresh one of each launch.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def browser_unavailable(reason: str) -> NoReturn:
    """Skips the test, or fails it where ``TWINGRAPH_REQUIRE_BROWSER=1`` (CI sets it)."""
    if os.environ.get("TWINGRAPH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and TWINGRAPH_REQUIRE_BROWSER=1 asks for the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable: ``$TWINGRAPH_CHROMIUM``, else Debian's ``chromium`` on the PATH.

    Browser test modules ask for it before anything else (``usefixtures``), so that
    without Playwright or Chromium they skip (or fail) before a server is built for nothing.
    """
    if importlib.util.find_spec("playwright") is None:
        browser_unavailable("no Playwright for Python: pip install -e '.[dev]'")
    wanted = os.environ.get("TWINGRAPH_CHROMIUM")
    found = shutil.which(wanted) if wanted else shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        browser_unavailable(f"no Chromium at TWINGRAPH_CHROMIUM={wanted}" if wanted else
                            "no Chromium: install Debian's chromium package (apt-get install chromium)")  # fmt: skip
    return found


@pytest.fixture(scope="module")
def launch_chromium(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., BrowserContext]]:
    """Launches headless Chromium with a fresh, empty profile: ``launch_chromium(locale="ru-RU")``.

    Each call gives a new persistent context (the options are Playwright's
    ``launch_persistent_context`` ones); those still open are closed after the module.
    """
    launched: list[BrowserContext] = []
    with sync_playwright() as driver:

        def launch(**options: Any) -> BrowserContext:
            profile = tmp_path_factory.mktemp("chromium-profile")
            context = driver.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=CHROMIUM_FLAGS, **options
            )
            launched.append(context)
            return context

        yield launch
        for context in launched:
            context.close()


# -- a page in the browser ------------------------------------------------------------------------
# A browser test module gives its own ``context`` (the language and the window it wants);
# these give each test a page in it, and fail the test if a page asked another host or logged an error.


@pytest.fixture
def traffic(context: BrowserContext, live_server: str) -> Iterator[Traffic]:
    """The traffic of this test's pages; the test fails if any left the server or logged an error."""
    seen = Traffic(live_server)
    context.route("**/*", seen.route)
    yield seen
    context.unroute("**/*", seen.route)
    seen.assert_clean()


@pytest.fixture
def page(context: BrowserContext, traffic: Traffic) -> Iterator[Page]:
    opened = context.new_page()
    traffic.watch(opened)
    yield opened
    opened.close()
