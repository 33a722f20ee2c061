"""Content negotiation: parse an Accept header and choose a media type; no I/O.

A media range's weight is its ``q`` (1 when absent); an offer takes the weight of
the most specific range that matches it (``type/sub`` over ``type/*`` over
``*/*``), so ``text/*;q=0.1, text/turtle`` still prefers Turtle. Ties go to the
server's order of offers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


def parse_q(params: list[str]) -> float:
    """The q of a range's parameters, clamped to [0, 1]; a malformed q counts as 0.

    >>> parse_q([" q=0.5"]), parse_q(["charset=utf-8"]), parse_q(["q=x"])
    (0.5, 1.0, 0.0)
    """
    for param in params:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; a missing or empty header accepts anything.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/html;q=0.5, */*;q=0.1")]
    [('text', 'html', 0.5), ('*', '*', 0.1)]
    """
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        media, *params = part.split(";")
        kind, slash, sub = media.strip().lower().partition("/")
        if not slash or not kind or not sub:
            continue
        ranges.append(MediaRange(kind, sub, parse_q(params)))
    return ranges


def weight(media_type: str, ranges: Sequence[MediaRange]) -> float:
    """The q given to one offer by the most specific matching range, 0 when none matches."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0
    return max(matching, key=lambda r: (r.specificity, r.q)).q


def choose(offers: Sequence[str], accept: str | None) -> str | None:
    """The offer the client wants most, or None when it accepts none of them.

    >>> choose(["text/html", "text/turtle"], "text/turtle;q=0.9, text/html;q=0.8")
    'text/turtle'
    >>> choose(["text/html", "text/turtle"], None)
    'text/html'
    >>> choose(["text/html"], "image/png") is None
    True
    """
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        q = weight(offer.lower(), ranges)
        if q > best_q:
            best, best_q = offer, q
    return best
