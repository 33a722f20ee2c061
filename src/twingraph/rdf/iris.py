"""Readable, deterministic IRIs for the dataset's resources."""

from __future__ import annotations

import hashlib
import re

from rdflib import URIRef

# GOST 7.79-2000 system B, simplified for URLs: one ASCII spelling per letter.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e yo zh z i j k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)


def slugify(text: str) -> str:
    """Lower-case ASCII slug of a Russian or Latin name.

    >>> slugify("Ильсур Метшин")
    'ilsur-metshin'
    >>> slugify("Мэр г.Казани")
    'mer-g-kazani'
    """
    spelled = "".join(_CYRILLIC.get(ch, ch) for ch in text.lower()).replace("_", "")
    slug = re.sub(r"[^a-z0-9]+", "-", spelled).strip("-")
    return slug or "x" + hashlib.sha1(text.encode()).hexdigest()[:8]


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
