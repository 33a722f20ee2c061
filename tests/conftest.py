"""Shared fixtures: the real records, their graph, a build in a temporary dist/."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner
from rdflib import Graph

from twingraph.config import Settings
from twingraph.pipeline import Built, build, dataset_graph
from twingraph.validate import load_shapes

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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(dist: Path, *options: str) -> Iterator[str]:
    """``twingraph --dist DIST serve`` in a process of its own on a free port; yields its URL.

    Args:
        dist: a built dist/ directory.
        options: more ``serve`` options, e.g. ``"--timeout", "1"``.
    """
    port = free_port()
    args = [sys.executable, "-c", "from twingraph.cli import main; main()", "--dist", str(dist),
            "serve", "--port", str(port), "--no-watch", *options]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    # a file, not a pipe, so that a chatty server never blocks on a full pipe
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
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
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def start_server() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Starts ``twingraph serve`` on a built dist/: ``with start_server(dist, "--timeout", "1") as url:``."""
    return serving


@pytest.fixture(scope="session")
def live_server(built: Built, settings: Settings) -> Iterator[str]:
    """The URL of ``twingraph serve`` over the session's build, one process for the session."""
    with serving(settings.dist_dir) as url:
        yield url
