"""The schema.org terms of a graph, checked against schema.org's vocabulary; queries that use the other namespace.

Each schema.org class and property the graph uses must be in the vocabulary, and each
statement must fit the property's ``schema:domainIncludes`` and ``schema:rangeIncludes``
(any of them, or a subclass). The vocabulary is the file ``vendor/schemaorg/schema.nq``
(see its README), read from disk, never fetched.

Two conventions of schema.org are followed:

- The Role pattern: ``person performerIn role . role performerIn event`` puts a
  ``schema:Role`` between a subject and its value. The role is then not checked
  against the property's domain or range; the subject and the final value are.
- Literals fit the data types: a language-tagged or plain string is Text, an
  ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` a Date (ISO 8601 dates at the
  precision the page gives), an ``xsd:decimal`` or ``xsd:integer`` a Number.

A resource linked with ``owl:sameAs`` is the same resource: a Wikidata item has the
types of the city it is the same as.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from twingraph.rdf.namespaces import SCHEMA
from twingraph.rdf.query_guard import parts

VOCABULARY_NS = "http://schema.org/"
DATATYPES = {
    str(XSD.string): "Text", str(RDF.langString): "Text", str(XSD.date): "Date", str(XSD.gYearMonth): "Date",
    str(XSD.gYear): "Date", str(XSD.dateTime): "DateTime", str(XSD.decimal): "Number", str(XSD.integer): "Integer",
    str(XSD.double): "Number", str(XSD.boolean): "Boolean", str(XSD.anyURI): "URL",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """schema.org's classes and properties, by local name (``Event``, ``startDate``)."""

    parents: Mapping[str, frozenset[str]]  # a class (or an enumeration member) -> its superclasses (its types)
    domains: Mapping[str, frozenset[str]]  # a property -> schema:domainIncludes
    ranges: Mapping[str, frozenset[str]]  # a property -> schema:rangeIncludes
    pending: frozenset[str]  # terms of schema.org's pending area, not yet core

    def is_property(self, name: str) -> bool:
        return name in self.domains or name in self.ranges

    def ancestors(self, names: Iterable[str]) -> set[str]:
        """The classes and all their superclasses.

        >>> parents = {"City": frozenset({"Place"}), "Place": frozenset({"Thing"})}
        >>> Vocabulary(parents, {}, {}, frozenset()).ancestors(["City"]) == {"City", "Place", "Thing"}
        True
        """
        found: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo.extend(self.parents.get(name, ()))
        return found


def local_name(iri: str) -> str | None:
    """A schema.org term's name, in either namespace; None for another IRI.

    >>> local_name("https://schema.org/Event"), local_name("http://schema.org/Event"), local_name("https://x.org/y")
    ('Event', 'Event', None)
    """
    for namespace in (str(SCHEMA), VOCABULARY_NS):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return iri[len(namespace) :]
    return None


def load_vocabulary(path: Path) -> Vocabulary:
    """The vocabulary from schema.org's N-Quads (or N-Triples) release file."""
    found: dict[str, dict[str, set[str]]] = {"parents": {}, "domains": {}, "ranges": {}, "pending": {}}
    keys = {str(RDFS.subClassOf): "parents", str(RDF.type): "parents", VOCABULARY_NS + "domainIncludes": "domains",
            VOCABULARY_NS + "rangeIncludes": "ranges", VOCABULARY_NS + "isPartOf": "pending"}  # fmt: skip
    for quad in ox.parse(path=path, format=ox.RdfFormat.N_QUADS):
        subject, key = local_name(quad.subject.value), keys.get(quad.predicate.value)
        if subject is None or key is None:
            continue
        value = local_name(quad.object.value)
        if key == "pending" and "pending" in quad.object.value:
            found["pending"].setdefault(subject, set())
        elif value is not None and key != "pending":
            found[key].setdefault(subject, set()).add(value)
    frozen = {key: {name: frozenset(values) for name, values in table.items()} for key, table in found.items()}
    return Vocabulary(frozen["parents"], frozen["domains"], frozen["ranges"], frozenset(frozen["pending"]))


def schema_types(graph: Graph, node: object) -> set[str]:
    """The schema.org types of a node, those of the resources it is owl:sameAs included."""
    same = {node, *graph.objects(node, OWL.sameAs), *graph.subjects(OWL.sameAs, node)}  # type: ignore[arg-type]
    names = (local_name(str(t)) for n in same for t in graph.objects(n, RDF.type))  # type: ignore[arg-type]
    return {name for name in names if name}


def is_role_between(graph: Graph, vocabulary: Vocabulary, node: object, prop: URIRef) -> bool:
    """Whether ``node`` is a Role in the middle of the Role pattern for ``prop``: x -prop-> node -prop-> value."""
    is_role = "Role" in vocabulary.ancestors(schema_types(graph, node))
    return is_role and (None, prop, node) in graph and (node, prop, None) in graph  # type: ignore[operator]


def value_types(graph: Graph, vocabulary: Vocabulary, value: object) -> set[str]:
    """What a value is in schema.org's terms: a literal's data type, an IRI's classes (and URL)."""
    if isinstance(value, Literal):
        datatype = str(RDF.langString) if value.language else str(value.datatype or XSD.string)
        return vocabulary.ancestors([DATATYPES[datatype]]) if datatype in DATATYPES else set()
    names = {*schema_types(graph, value), "URL"}
    own = local_name(str(value))
    if own is not None and own in vocabulary.parents:  # an enumeration member (OnlineEventAttendanceMode): its types
        names |= vocabulary.parents[own]
    return vocabulary.ancestors(names)


def statement_problems(graph: Graph, vocabulary: Vocabulary, subject: object, prop: URIRef, value: object) -> list[str]:
    """What does not fit in one statement with a schema.org property: the term, its domain, its range."""
    name = local_name(str(prop)) or ""
    where = f"<{subject}> schema:{name} {value.n3() if hasattr(value, 'n3') else value}"
    if not vocabulary.is_property(name):
        return [f"{where}: schema:{name} is not a schema.org property"]
    problems = []
    domain = vocabulary.domains.get(name, frozenset())
    if domain and not is_role_between(graph, vocabulary, subject, prop):
        if not vocabulary.ancestors(schema_types(graph, subject)) & domain:
            problems.append(f"{where}: the subject is none of {sorted(domain)}")
    allowed = vocabulary.ranges.get(name, frozenset())
    if allowed and not is_role_between(graph, vocabulary, value, prop):
        if not value_types(graph, vocabulary, value) & allowed:
            problems.append(f"{where}: the value is none of {sorted(allowed)}")
    return problems


def schema_problems(graph: Graph, vocabulary: Vocabulary) -> list[str]:
    """Every schema.org term of the graph that the vocabulary does not have, or that does not fit where it is used."""
    problems: list[str] = []
    for subject, prop, value in graph:
        if prop == RDF.type or local_name(str(prop)) is None:
            name = local_name(str(value)) if prop == RDF.type else None
            if name is not None and name not in vocabulary.parents:
                problems.append(f"<{subject}> a schema:{name}: not a schema.org class")
            continue
        problems.extend(statement_problems(graph, vocabulary, subject, prop, value))  # type: ignore[arg-type]
    return sorted(set(problems))


def schema_terms(graph: Graph) -> set[str]:
    """The schema.org classes and properties a graph uses, by name."""
    used = {local_name(str(p)) for p in graph.predicates()}
    used |= {local_name(str(t)) for t in graph.objects(None, RDF.type)}
    return {name for name in used if name}


def http_schema_iris(query: str) -> list[str]:
    """The ``http://schema.org/`` IRIs a SPARQL query uses, read from its algebra (rdflib's parse).

    The dataset uses ``https://schema.org/``: such a query matches nothing, silently.
    A prefix declared and never used is no use of it. A text rdflib cannot read gives none
    (the endpoint's guard has refused it already).

    >>> http_schema_iris("PREFIX schema: <http://schema.org/> SELECT ?n WHERE { ?x schema:name ?n }")
    ['http://schema.org/name']
    >>> http_schema_iris("PREFIX s: <http://schema.org/> SELECT ?n WHERE { ?x <https://schema.org/name> ?n }")
    []
    """
    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except Exception:  # a warning only: what cannot be read has nothing to warn about
        return []
    iris = (str(node) for node in parts(algebra) if isinstance(node, URIRef))
    return sorted({iri for iri in iris if iri.startswith(VOCABULARY_NS)})
