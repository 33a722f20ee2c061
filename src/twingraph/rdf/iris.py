"""Readable, deterministic IRIs for the dataset's resources."""

from __future__ import annotations

import hashlib

from rdflib import URIRef

from twingraph.slugs import slugify


def digest(text: str, length: int = 12) -> str:
    """A short stable hash of a text.

    >>> digest("abc")
    'a9993e364706'
    """
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


class Minter:
    """Mints the IRIs of one dataset under one base IRI."""

    def __init__(self, base: str) -> None:
        self.base = base if base.endswith(("/", "#")) else base + "/"

    def __call__(self, kind: str, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join((kind, *parts)))

    def city(self, slug: str) -> URIRef:
        return self("city", slug)

    def named(self, kind: str, name: str) -> URIRef:
        return self(kind, slugify(name))

    def quote(self, text: str) -> URIRef:
        return self("quote", digest(text))

    def dataset(self) -> URIRef:
        return self("dataset")
