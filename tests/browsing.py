"""What a page in the test browser asked for: the route that lets only the local server through."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

# the schemes that name no host, so they make no request to one
HOSTLESS = {"data", "blob", "about"}


@dataclasses.dataclass
class Traffic:
    """What the pages asked for: every URL, those for another host (refused), console errors."""

    origin: str
    requests: list[str] = dataclasses.field(default_factory=list)
    foreign: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)

    def local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in HOSTLESS or f"{parts.scheme}://{parts.netloc}" == self.origin

    def route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(url)
        if self.local(url):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort("blockedbyclient")  # never reaches the network

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"{m.text} at {m.location}"))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def assert_clean(self) -> None:
        assert not self.foreign, f"requests to other hosts than {self.origin}: {self.foreign}"
        assert not self.errors, f"console errors: {self.errors}"
