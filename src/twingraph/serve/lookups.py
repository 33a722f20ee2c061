"""The read-only look-ups behind the pages: one resource, its neighbours, the index, search.

Every value from a request enters a query as an N-Triples term written by
pyoxigraph (``str(NamedNode)``, ``str(Literal)``), never as query text.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from twingraph.rdf.namespaces import PREFIXES, SCHEMA
from twingraph.serve.results import triples_graph
from twingraph.store.interface import QueryStore
from twingraph.store.queries import NamedQuery

PROLOGUE = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())
LABEL = "?{v} schema:name|rdfs:label|skos:prefLabel ?{v}Label"


def rows(store: QueryStore, query: str) -> list[dict[str, Any]]:
    """The solutions of a SELECT as dicts of pyoxigraph terms (unbound ones left out)."""
    solutions = store.query(PROLOGUE + query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def node(iri: str) -> ox.NamedNode | None:
    """The IRI as a term, None when it is not a valid IRI (so nothing can be there)."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


def exists(store: QueryStore, iri: str) -> bool:
    """Whether the store has triples about the IRI."""
    term = node(iri)
    return term is not None and bool(store.query(f"ASK {{ {term} ?p ?o }}"))


def describe(store: QueryStore, iri: str, incoming: int = 500) -> Graph:
    """The triples about a resource, the names of what it points at, blank nodes one level deep,
    and up to ``incoming`` links pointing at it, with their subjects' names (as Pubby shows backlinks)."""
    s = str(ox.NamedNode(iri))
    outgoing = store.query(
        PROLOGUE
        + f"""CONSTRUCT {{ {s} ?p ?o . ?o ?lp ?label . ?o ?bp ?bo }} WHERE {{
      {s} ?p ?o .
      OPTIONAL {{ ?o ?lp ?label . VALUES ?lp {{ schema:name rdfs:label skos:prefLabel }} }}
      OPTIONAL {{ ?o ?bp ?bo . FILTER(isBlank(?o)) }}
    }}"""
    )
    backlinks = store.query(
        PROLOGUE
        + f"""CONSTRUCT {{ ?in ?ip {s} . ?in ?lp ?label }} WHERE {{
      {{ SELECT ?in ?ip WHERE {{ ?in ?ip {s} . FILTER(isIRI(?in)) }} ORDER BY ?ip ?in LIMIT {int(incoming)} }}
      OPTIONAL {{ ?in ?lp ?label . VALUES ?lp {{ schema:name rdfs:label skos:prefLabel }} }}
    }}"""
    )
    assert isinstance(outgoing, ox.QueryTriples) and isinstance(backlinks, ox.QueryTriples)
    return triples_graph([*outgoing, *backlinks])


def describe_in(graph: Graph, iri: str) -> Graph:
    """A resource's triples in a graph outside the store, as ``lookups.describe`` gives them from the store."""
    subject, found = URIRef(iri), Graph()
    for prefix, namespace in graph.namespaces():
        found.bind(prefix, namespace)
    for p, o in graph.predicate_objects(subject):
        found.add((subject, p, o))
        for name in (SCHEMA.name, RDFS.label, SKOS.prefLabel):
            for label in graph.objects(o, name):
                found.add((o, name, label))
        if isinstance(o, BNode):
            for bp, bo in graph.predicate_objects(o):
                found.add((o, bp, bo))
    return found


def incoming(store: QueryStore, iri: str, limit: int = 200) -> list[dict[str, Any]]:
    """Resources pointing at this one: subject, predicate and the subject's names."""
    o = str(ox.NamedNode(iri))
    return rows(
        store,
        f"""SELECT ?s ?p (SAMPLE(?sLabel) AS ?label) WHERE {{
      ?s ?p {o} . FILTER(isIRI(?s)) OPTIONAL {{ {LABEL.format(v="s")} FILTER(lang(?sLabel) IN ("ru", "")) }}
    }} GROUP BY ?s ?p ORDER BY ?p ?label ?s LIMIT {int(limit)}""",
    )


def quotes(store: QueryStore, iri: str) -> list[dict[str, Any]]:
    """The source sentences behind a resource: exact text and the page it is from."""
    s = str(ox.NamedNode(iri))
    return rows(
        store,
        f"""SELECT DISTINCT ?exact ?source WHERE {{
      {s} tg:quote ?q . ?q oa:hasSelector/oa:exact ?exact . OPTIONAL {{ ?q oa:hasSource ?source }}
    }} ORDER BY ?exact""",
    )


def partner_cities(store: QueryStore) -> list[dict[str, Any]]:
    """The partner cities with names and numbers of agreements and events."""
    return rows(
        store,
        """SELECT ?city (SAMPLE(?n) AS ?name) (SAMPLE(?cn) AS ?country)
        (COUNT(DISTINCT ?a) AS ?agreements) (COUNT(DISTINCT ?e) AS ?events) WHERE {
      ?city a tg:PartnerCity .
      OPTIONAL { ?city schema:name ?n FILTER(lang(?n) IN ("ru", "")) }
      OPTIONAL { ?city tg:country/schema:name ?cn FILTER(lang(?cn) IN ("ru", "")) }
      OPTIONAL { ?a a tg:Agreement ; tg:party ?city }
      OPTIONAL { ?e schema:about ?city }
    } GROUP BY ?city ORDER BY ?name""",
    )


def agreements(store: QueryStore, city: str) -> list[dict[str, Any]]:
    """Agreements a city is party to, oldest first."""
    c = str(ox.NamedNode(city))
    return rows(
        store,
        f"""SELECT ?agreement (SAMPLE(?n) AS ?name) (SAMPLE(?d) AS ?date) WHERE {{
      ?agreement a tg:Agreement ; tg:party {c} . OPTIONAL {{ ?agreement schema:name ?n }}
      OPTIONAL {{ ?agreement schema:dateCreated ?d }}
    }} GROUP BY ?agreement ORDER BY ?date ?name""",
    )


def timeline(store: QueryStore, city: str) -> list[dict[str, Any]]:
    """Events about a city, by start date."""
    c = str(ox.NamedNode(city))
    return rows(
        store,
        f"""SELECT ?event (SAMPLE(?n) AS ?name) (SAMPLE(?d) AS ?date) (SAMPLE(?pn) AS ?place) WHERE {{
      ?event schema:about {c} . OPTIONAL {{ ?event schema:name ?n }} OPTIONAL {{ ?event schema:startDate ?d }}
      OPTIONAL {{ ?event schema:location/schema:name ?pn FILTER(lang(?pn) IN ("ru", "")) }}
    }} GROUP BY ?event ORDER BY ?date ?name""",
    )


def person_name(store: QueryStore, person: str) -> list[str]:
    """The person's canonical name, as a list of at most one."""
    names = rows(store, f"SELECT ?n WHERE {{ {ox.NamedNode(person)} schema:name ?n }} LIMIT 1")
    return [r["n"].value for r in names]


def roles(store: QueryStore, query: NamedQuery, person: str) -> list[dict[str, Any]]:
    """A person's events with the post held and whom they represented, from the person-timeline query."""
    bound = [query.bound({"person": name}) for name in person_name(store, person)]
    return [row for text in bound for row in rows(store, text) if row["who"].value == person]


def met_with(store: QueryStore, query: NamedQuery, person: str) -> list[dict[str, Any]]:
    """Whom a person met, when and where, from the who-met-whom query bound to their name."""
    met: list[dict[str, Any]] = []
    for name in person_name(store, person):
        for row in rows(store, query.bound({"person": name})):
            me, other = ("p1", "p2") if row["p1"].value == person else ("p2", "p1")
            if row[me].value != person:
                continue
            met.append(
                {
                    "other": row[other],
                    "otherName": row["person" + other[1]],
                    "date": row["date"],
                    "event": row["event"],
                    "eventName": row["eventName"],
                    "place": row.get("place"),
                }
            )
    return met


def search(store: QueryStore, text: str, limit: int = 100) -> list[dict[str, Any]]:
    """Resources whose schema:name contains the text, any case."""
    needle = str(ox.Literal(text.lower()))
    return rows(
        store,
        f"""SELECT ?s (SAMPLE(?n) AS ?name) (SAMPLE(?t) AS ?type) WHERE {{
      ?s schema:name ?n . FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?n)), {needle}))
      OPTIONAL {{ ?s a ?t FILTER(STRSTARTS(STR(?t), STR(tg:))) }}
    }} GROUP BY ?s ORDER BY ?name LIMIT {int(limit)}""",
    )


def subjects(store: QueryStore, base: str) -> list[str]:
    """The IRIs under the base that the store has triples about, in order (blank nodes left out)."""
    prefix = str(ox.Literal(base))
    found = rows(store, f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {prefix})) }}")
    return sorted(r["s"].value for r in found)
