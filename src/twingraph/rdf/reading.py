"""Reading an RDF file a user hands over, without letting it reach out or blow up.

rdflib, given a JSON-LD file with a remote ``@context``, fetches it (a request to any
host the file names), and both rdflib and pyoxigraph expand a "billion laughs" of
nested XML entities until memory runs out. So a user's file is read by pyoxigraph,
which loads no remote context (the file is refused, saying so), and an RDF/XML file
is first read by the XML parser, which refuses it if it declares a DTD (the only place
entities come from). The triples are then handed over as an rdflib graph.
"""

from __future__ import annotations

import xml.parsers.expat
from pathlib import Path
from typing import Any, NoReturn

import pyoxigraph as ox
from rdflib import Graph

from twingraph.errors import TwingraphError
from twingraph.rdf.formats import RdfFormat

SUFFIXES = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.NTRIPLES, ".jsonld": RdfFormat.JSONLD,
            ".json": RdfFormat.JSONLD, ".rdf": RdfFormat.RDFXML, ".xml": RdfFormat.RDFXML,
            ".owl": RdfFormat.RDFXML}  # fmt: skip


def format_of(path: Path) -> RdfFormat:
    """The format a file's suffix names.

    >>> format_of(Path("links.ttl")).label, format_of(Path("a.owl")).label
    ('turtle', 'rdfxml')

    Raises:
        TwingraphError: a suffix that names no RDF format read here.
    """
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise TwingraphError(f"{path}: {path.suffix or 'no suffix'} names no RDF format; give a file ending in "
                             f"{', '.join(SUFFIXES)}") from None  # fmt: skip


def refuse_dtd(*_: Any) -> NoReturn:
    raise ValueError("it declares a DTD")


def check_xml(data: bytes, path: Path) -> None:
    """Refuse an XML document that declares a DTD (and so could declare entities), as the XML parser reads it.

    >>> check_xml(b'<r/>', Path("a.rdf"))
    >>> try:
    ...     check_xml(b'<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', Path("a.rdf"))
    ... except TwingraphError as exc:
    ...     print(str(exc)[:45])
    a.rdf: refused: it declares a DTD (line 1); R
    """
    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        parser.Parse(data, True)
    except ValueError as exc:
        raise TwingraphError(f"{path}: refused: {exc} (line {parser.CurrentLineNumber}); RDF/XML needs none, and "
                             "its entities could expand without end or name files and hosts") from None  # fmt: skip
    except xml.parsers.expat.ExpatError as exc:
        raise TwingraphError(f"{path}: not well-formed XML: {exc}") from None


def read_rdf(path: Path) -> Graph:
    """The triples of a user's RDF file (Turtle, N-Triples, JSON-LD or RDF/XML), as an rdflib graph.

    Raises:
        TwingraphError: an unknown suffix, a file that does not parse (with the parser's
            line), a JSON-LD ``@context`` to fetch, or an RDF/XML DTD.
    """
    rdf_format = format_of(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TwingraphError(f"{path}: cannot read it: {exc.strerror}") from None
    if rdf_format is RdfFormat.RDFXML:
        check_xml(data, path)
    try:
        triples = [quad.triple for quad in ox.parse(data, format=rdf_format.oxigraph, base_iri=path.resolve().as_uri())]
    except SyntaxError as exc:
        hint = " (a remote @context is never fetched: put it inline)" if rdf_format is RdfFormat.JSONLD else ""
        raise TwingraphError(f"{path}: not valid {rdf_format.label}{hint}: {exc}") from None
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return Graph().parse(data=text.decode("utf-8"), format="nt")
