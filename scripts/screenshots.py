"""Take one screenshot of each kind of page that ``twingraph serve`` shows, into docs/screenshots/.

Builds the dataset (or uses a built dist/ directory), starts ``twingraph serve`` on a
free port (``--port 0``), and opens each page in headless Chromium (Debian's, driven by
Playwright) at 1400x900: one PNG of the window per page kind, not the full page, with a
palette of 256 colours to keep the files small.

Example:
    python scripts/screenshots.py
    python scripts/screenshots.py --dist dist --out docs/screenshots --chromium /usr/bin/chromium
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from PIL import Image  # a dependency of matplotlib, which the project depends on
from playwright.sync_api import ViewportSize, sync_playwright

from twingraph.config import Settings
from twingraph.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
# file name (without .png) -> the page of that kind shown
PAGES = {
    "index": "/",
    "city": "/city/harbin",
    "person": "/person/ilsur-metshin",
    "event": "/event/tehran-2023-12-05-meeting",
    "agreement": "/agreement/qiqihar-protocol-of-intent-2022",
    "organization": "/organization/arkhitekturnyj-stroitelno-issledovatelskij-institut-pri-"
    "kharbinskom-politekhnicheskom-universitete",
    "list-city": "/city/",
    "list-person": "/person/",
    "list-event": "/event/",
    "list-organization": "/organization/",
    "list-agreement": "/agreement/",
    "queries": "/queries",
    "query-who-met-whom": "/queries/who-met-whom?person=Метшин&year=2023",
    "sparql": "/sparql",
    "search": "/search?q=Казаныш",
    "dataset": "/dataset",
    "view-timeline": "/views/timeline",
    "view-network": "/views/network",
    "view-map": "/views/map",
    "view-years": "/views/years",
    "not-found": "/city/no-such-city",
}
# Keep Chromium off the network and out of any profile (as tests/conftest.py does).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SERVING = re.compile(r" at (http://\S+)")


@contextlib.contextmanager
def serving(dist: Path, wait: float = 60) -> Iterator[str]:
    """``twingraph --dist DIST serve --port 0`` in a process of its own; yields the URL it prints.

    Raises:
        RuntimeError: the server stopped, or printed no address within ``wait`` seconds.
    """
    command = [sys.executable, "-m", "twingraph", "--dist", str(dist), "serve", "--port", "0", "--no-watch"]
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline, said = time.monotonic() + wait, list[str]()
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                raise RuntimeError(f"twingraph serve stopped: {''.join(said)}")
            said.append(line)
            if found := SERVING.search(line):
                break
        else:
            raise RuntimeError(f"twingraph serve printed no address within {wait} s: {''.join(said)}")
        # the rest of its log is not read: send it nowhere, so that it never fills a pipe
        threading.Thread(target=drain, args=(process.stderr,), daemon=True).start()
        yield found[1].rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=10)


def drain(stream: IO[str]) -> None:
    """Reads and drops what is left to read."""
    for _ in stream:
        pass


def take(url: str, out: Path, chromium: str) -> list[Path]:
    """One PNG of the window per page of ``PAGES``, into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as driver, tempfile.TemporaryDirectory() as profile:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_FLAGS, locale="ru-RU", viewport=VIEWPORT
        )
        # nothing but the server: a page that asked another host would show what it failed to get
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url)
                      or route.request.url.startswith("data:") else route.abort("blockedbyclient"))  # fmt: skip
        page = context.new_page()
        for name, path in PAGES.items():
            page.goto(url + path)
            page.wait_for_load_state("networkidle")  # the SPARQL editor and the views draw after loading
            target = out / f"{name}.png"
            page.screenshot(path=target, type="png")
            shrink(target)
            written.append(target)
        context.close()
    return written


def shrink(png: Path) -> None:
    """Rewrites a screenshot with a palette of 256 colours: a third of the size, the text as sharp."""
    with Image.open(png) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(png, format="PNG", optimize=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, help="a built dist/ directory (default: build into a temporary one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots",
                        help="where the PNGs go [default: docs/screenshots/]")  # fmt: skip
    parser.add_argument("--chromium", default="/usr/bin/chromium",
                        help="the Chromium executable [default: %(default)s]")  # fmt: skip
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        dist = args.dist
        if dist is None:
            dist = Path(scratch) / "dist"
            build(Settings(root=ROOT, dist=dist))
        with serving(dist.resolve()) as url:
            for path in take(url, args.out, args.chromium):
                print(path)


if __name__ == "__main__":
    main()
