"""The one list of RDF formats: name, media type, file suffix, parser names."""

from __future__ import annotations

import enum

import pyoxigraph


class RdfFormat(enum.Enum):
    """A serialisation twingraph reads or writes."""

    TURTLE = ("turtle", "text/turtle", ".ttl", "turtle")
    JSONLD = ("jsonld", "application/ld+json", ".jsonld", "json-ld")
    NTRIPLES = ("ntriples", "application/n-triples", ".nt", "nt")
    TRIG = ("trig", "application/trig", ".trig", "trig")
    RDFXML = ("rdfxml", "application/rdf+xml", ".rdf", "xml")

    def __init__(self, label: str, media_type: str, suffix: str, rdflib_name: str) -> None:
        self.label = label
        self.media_type = media_type
        self.suffix = suffix
        self.rdflib_name = rdflib_name

    @classmethod
    def from_label(cls, label: str) -> RdfFormat:
        """Find a format by its name, e.g. ``turtle``.

        >>> RdfFormat.from_label("jsonld").media_type
        'application/ld+json'
        """
        for fmt in cls:
            if fmt.label == label:
                return fmt
        raise ValueError(f"unknown RDF format {label!r}: use one of {', '.join(f.label for f in cls)}")

    @classmethod
    def from_suffix(cls, suffix: str) -> RdfFormat:
        for fmt in cls:
            if fmt.suffix == suffix:
                return fmt
        raise ValueError(f"unknown RDF file suffix {suffix!r}: use one of {', '.join(f.suffix for f in cls)}")

    @property
    def oxigraph(self) -> pyoxigraph.RdfFormat:
        return pyoxigraph.RdfFormat.from_media_type(self.media_type)  # type: ignore[return-value]
