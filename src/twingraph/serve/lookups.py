"""The read-only look-ups behind the pages: one resource, its facts and neighbours, the index, search, the lists.

Every value from a request enters a query as an N-Triples term written by
pyoxigraph (``str(NamedNode)``, ``str(Literal)``), never as query text. Every
look-up that could grow with the data has a LIMIT, so a page stays small.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from twingraph.export import frame_of
from twingraph.rdf.jsonld import frame_paths
from twingraph.rdf.namespaces import PREFIXES, SCHEMA
from twingraph.serve.results import triples_graph
from twingraph.store.interface import CONSTRUCTED, SELECTED, QueryStore
from twingraph.store.queries import name_key

PROLOGUE = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())
LABEL = "?{v} schema:name|rdfs:label|skos:prefLabel ?{v}Label"
# the name of ?{v} in Russian (or without language), as ?{v}Name; aggregate it with MIN or SAMPLE
NAME = 'OPTIONAL {{ ?{v} schema:name|skos:prefLabel ?{v}Name FILTER(lang(?{v}Name) IN ("ru", "")) }}'
# an event's or agreement's type by its English label, a msgid of the interface's catalogue: pages translate it
TYPE_NAME = 'OPTIONAL {{ ?{v} skos:prefLabel ?{v}Name FILTER(lang(?{v}Name) = "en") }}'
ROWS = 200  # at most this many rows in one section of a page
# the properties that name a resource, as search reads them (and the named queries' name parameters)
OWN_NAMES = "schema:name|skos:prefLabel|skos:altLabel|schema:alternateName|rdfs:label"


def rows(store: QueryStore, query: str) -> list[dict[str, Any]]:
    """The solutions of a SELECT as dicts of pyoxigraph terms (unbound ones left out)."""
    solutions = store.query(PROLOGUE + query)
    assert isinstance(solutions, SELECTED)
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def node(iri: str) -> ox.NamedNode | None:
    """The IRI as a term, None when it is not a valid IRI (so nothing can be there)."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


def term_list(iris: Iterable[str]) -> str:
    """IRIs as the N-Triples terms of a VALUES block; invalid ones left out."""
    return " ".join(str(t) for t in map(node, iris) if t is not None)


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
    assert isinstance(outgoing, CONSTRUCTED) and isinstance(backlinks, CONSTRUCTED)
    return triples_graph([*outgoing, *backlinks])


def described(store: QueryStore, iri: str, context: Mapping[str, Any], frames: Mapping[str, dict[str, Any]]) -> Graph:
    """A resource's description (:func:`describe`) with what the frame of its kind nests (:func:`nested`).

    The same graph is served in every format; in JSON-LD it is framed (``export.description_jsonld``).
    """
    graph = describe(store, iri)
    frame = frame_of(graph, iri, context, frames)
    if frame is not None:
        graph += nested(store, iri, frame_paths(frame, context))
    return graph


def nested(store: QueryStore, iri: str, paths: Iterable[tuple[str, ...]]) -> Graph:
    """The triples along chains of properties forward from a resource (``rdf.jsonld.frame_paths``).

    What a resource's description adds so that the frame of its kind finds the objects it
    nests: an event's place with its name, a person's posts with their events. One query,
    a branch per chain; a chain the data does not have adds nothing.
    """
    template, branches = [], []
    for n, chain in enumerate(sorted(set(paths))):
        steps = [str(ox.NamedNode(iri))] + [f"?n{n}_{depth}" for depth in range(len(chain))]
        triples = [f"{steps[d]} {ox.NamedNode(p)} {steps[d + 1]} ." for d, p in enumerate(chain)]
        template += triples
        branches.append("{ " + " ".join(triples) + " }")
    if not branches:
        return Graph()
    found = store.query(f"CONSTRUCT {{ {' '.join(template)} }} WHERE {{ {' UNION '.join(branches)} }}")
    assert isinstance(found, CONSTRUCTED)
    return triples_graph(list(found))


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


# -- what links here ------------------------------------------------------------------------------


def incoming_counts(store: QueryStore, iri: str) -> list[dict[str, Any]]:
    """How many resources point at this one, by property."""
    o = str(ox.NamedNode(iri))
    return rows(store, f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {o} FILTER(isIRI(?s)) }} "
                       f"GROUP BY ?p ORDER BY ?p LIMIT {ROWS}")  # fmt: skip


def meanings(store: QueryStore, iris: Iterable[str]) -> list[dict[str, Any]]:
    """What the intermediate nodes among ``iris`` stand for: participations, observations, quotes, meetings.

    Each row has ``n`` (the node) and ``kind`` (its class's local name), and by kind:
    the participant, post, on whose behalf and the event with its date; the value and year;
    the exact text; the two persons, the event and the date.
    """
    terms = term_list(iris)
    if not terms:
        return []
    values = f"VALUES ?n {{ {terms} }}"  # in each arm: Oxigraph does not always push it into a UNION
    return rows(
        store,
        f"""SELECT ?n ?kind (SAMPLE(?xa) AS ?a) (MIN(?xaName) AS ?aName) (SAMPLE(?xb) AS ?b) (MIN(?xbName) AS ?bName)
          (SAMPLE(?e) AS ?event) (MIN(?eName) AS ?eventName) (MIN(STR(?d)) AS ?date) (MIN(?xPostName) AS ?post)
          (MIN(?bhName) AS ?behalf) (SAMPLE(?v) AS ?value) (SAMPLE(?y) AS ?year) (MIN(?x) AS ?exact) WHERE {{
      {{ {values} ?n a tg:Participation ; tg:participant ?xa . BIND("Participation" AS ?kind) {NAME.format(v="xa")}
         OPTIONAL {{ ?e tg:participation ?n . {NAME.format(v="e")} OPTIONAL {{ ?e schema:startDate ?d }} }}
         OPTIONAL {{ ?n tg:post ?xPost . {NAME.format(v="xPost")} }}
         OPTIONAL {{ ?n tg:onBehalfOf ?bh . {NAME.format(v="bh")} }} }}
      UNION {{ {values} ?n tg:value ?v ; a ?class . OPTIONAL {{ ?n tg:year ?y }}
         FILTER(?class IN (tg:PopulationObservation, tg:AreaObservation)) BIND(STRAFTER(STR(?class), "#") AS ?kind) }}
      UNION {{ {values} ?n a tg:Quote ; oa:hasSelector/oa:exact ?x . BIND("Quote" AS ?kind) }}
      UNION {{ {values} ?n a tg:Meeting ; tg:firstPerson ?xa ; tg:secondPerson ?xb . BIND("Meeting" AS ?kind)
         {NAME.format(v="xa")} {NAME.format(v="xb")} OPTIONAL {{ ?n tg:date ?d }}
         OPTIONAL {{ ?n tg:event ?e . {NAME.format(v="e")} }} }}
    }} GROUP BY ?n ?kind""",
    )


# -- sources --------------------------------------------------------------------------------------


def sources(store: QueryStore, iri: str) -> list[dict[str, Any]]:
    """The source sentences behind a resource and its figures (population, area, founding).

    Each row: ``holder`` (the resource or its figure), ``quote``, ``exact`` text,
    ``source`` page and ``prop``, the property the quote supports when it says so.
    """
    s = str(ox.NamedNode(iri))
    return rows(
        store,
        f"""SELECT ?holder ?quote (MIN(?x) AS ?exact) (SAMPLE(?src) AS ?source) (SAMPLE(?p) AS ?prop) WHERE {{
      {{ BIND({s} AS ?holder) }} UNION {{ {s} ?via ?holder . VALUES ?via {{ tg:population tg:area tg:founding }} }}
      ?holder tg:quote ?quote . ?quote oa:hasSelector/oa:exact ?x .
      OPTIONAL {{ ?quote oa:hasSource ?src }} OPTIONAL {{ ?quote tg:forProperty ?p }}
    }} GROUP BY ?holder ?quote ORDER BY ?exact LIMIT {ROWS}""",
    )


def partner_cities(store: QueryStore) -> list[dict[str, Any]]:
    """The partner cities with names, numbers of agreements and events, and their first and latest events."""
    return settled(rows(
        store,
        """SELECT ?city (SAMPLE(?n) AS ?name) (SAMPLE(?cn) AS ?country)
        (COUNT(DISTINCT ?a) AS ?agreements) (COUNT(DISTINCT ?e) AS ?events)
        (MIN(COALESCE(STR(?d), "~")) AS ?first) (MAX(COALESCE(STR(?end), STR(?d), "")) AS ?latest) WHERE {
      ?city a tg:PartnerCity .
      OPTIONAL { ?city schema:name ?n FILTER(lang(?n) IN ("ru", "")) }
      OPTIONAL { ?city tg:country/schema:name ?cn FILTER(lang(?cn) IN ("ru", "")) }
      { OPTIONAL { ?a a tg:Agreement ; tg:party ?city } }
      UNION
      { OPTIONAL { ?e schema:about ?city OPTIONAL { ?e schema:startDate ?d } OPTIONAL { ?e schema:endDate ?end } } }
    } GROUP BY ?city ORDER BY ?name""",
    ))


def settled(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the values that stand for none (see ``FIRST``): ``"~"`` and ``""``."""
    return [{k: v for k, v in row.items() if v.value not in ("", "~")} for row in found]


def home_cities(store: QueryStore) -> list[dict[str, Any]]:
    """The city (or cities) whose partners the dataset describes: partner of some, partner city of none."""
    return rows(
        store,
        f"""SELECT ?city (MIN(?cityName) AS ?name) (MIN(?cName) AS ?country)
          (COUNT(DISTINCT ?partner) AS ?partners) WHERE {{
      ?city tg:partnerOf ?partner . FILTER NOT EXISTS {{ ?city a tg:PartnerCity }}
      {NAME.format(v="city")} OPTIONAL {{ ?city tg:country ?c . {NAME.format(v="c")} }}
    }} GROUP BY ?city ORDER BY ?name LIMIT 5""",
    )


def observations(store: QueryStore, city: str) -> list[dict[str, Any]]:
    """A city's population and area figures, latest year first: ``prop``, ``obs``, ``value``, ``year``."""
    c = str(ox.NamedNode(city))
    return rows(
        store,
        f"""SELECT ?prop ?obs ?value ?year WHERE {{
      {c} ?prop ?obs . VALUES ?prop {{ tg:population tg:area }} ?obs tg:value ?value . OPTIONAL {{ ?obs tg:year ?year }}
    }} ORDER BY ?prop DESC(?year) LIMIT 20""",
    )


def contacts(store: QueryStore, city: str) -> list[dict[str, Any]]:
    """A city's number of events and its first and latest ones (``which``: ``first``/``latest``), with names."""
    c = str(ox.NamedNode(city))
    events = f"?event schema:about {c} ; schema:startDate ?date . OPTIONAL {{ ?event schema:endDate ?end }}"
    return rows(
        store,
        f"""SELECT ?which ?event ?date ?end ?count (MIN(?eventName) AS ?name) WHERE {{
      {{ SELECT (COUNT(DISTINCT ?event) AS ?count) WHERE {{ ?event schema:about {c} }} }}
      {{ {{ SELECT ("first" AS ?which) ?event ?date ?end WHERE {{ {events} }} ORDER BY STR(?date) ?event LIMIT 1 }}
        UNION {{ SELECT ("latest" AS ?which) ?event ?date ?end WHERE {{ {events} }}
                 ORDER BY DESC(STR(COALESCE(?end, ?date))) ?event LIMIT 1 }} }}
      {NAME.format(v="event")}
    }} GROUP BY ?which ?event ?date ?end ?count""",
    )


def agreements(store: QueryStore, city: str) -> list[dict[str, Any]]:
    """Agreements a city is party to, oldest first, with their type, the other parties and the day of their
    signing where an event signed them (``signed`` to ``signedEnd``: the event's dates, a range when its sentence
    gives no single day)."""
    c = str(ox.NamedNode(city))
    return rows(
        store,
        f"""SELECT ?agreement (MIN(?agreementName) AS ?name) (SAMPLE(?d) AS ?date) (MIN(?xTypeName) AS ?type)
          (GROUP_CONCAT(DISTINCT ?otherName; separator=", ") AS ?others) (MIN(STR(?xSigned)) AS ?signed)
          (MIN(STR(?xSignedEnd)) AS ?signedEnd) WHERE {{
      ?agreement a tg:Agreement ; tg:party {c} . {NAME.format(v="agreement")}
      OPTIONAL {{ ?agreement schema:dateCreated ?d }}
      OPTIONAL {{ ?xSigning tg:signs ?agreement ; schema:startDate ?xSigned
                 OPTIONAL {{ ?xSigning schema:endDate ?xSignedEnd }} }}
      OPTIONAL {{ ?agreement tg:agreementType ?xType . {TYPE_NAME.format(v="xType")} }}
      OPTIONAL {{ ?agreement tg:party ?other FILTER(?other != {c}) {NAME.format(v="other")} }}
    }} GROUP BY ?agreement ORDER BY ?date ?name LIMIT {ROWS}""",
    )


def signings(store: QueryStore, agreement: str) -> list[dict[str, Any]]:
    """The events that signed an agreement, as their records say, with their dates."""
    a = str(ox.NamedNode(agreement))
    return rows(
        store,
        f"""SELECT ?event (MIN(?eventName) AS ?name) (MIN(STR(?d)) AS ?date) (MIN(STR(?end)) AS ?endDate) WHERE {{
      ?event tg:signs {a} ; schema:startDate ?d . {NAME.format(v="event")} OPTIONAL {{ ?event schema:endDate ?end }}
    }} GROUP BY ?event ORDER BY ?date LIMIT {ROWS}""",
    )


def partners(store: QueryStore, city: str) -> list[dict[str, Any]]:
    """The partner cities of a city, with their country and the date of the first agreement with them."""
    c = str(ox.NamedNode(city))
    return rows(
        store,
        f"""SELECT ?partner (MIN(?partnerName) AS ?name) (MIN(?cName) AS ?country) (MIN(STR(?d)) AS ?since) WHERE {{
      {c} tg:partnerOf ?partner . {NAME.format(v="partner")}
      OPTIONAL {{ ?partner tg:country ?c . {NAME.format(v="c")} }}
      OPTIONAL {{ ?a tg:party {c}, ?partner ; schema:dateCreated ?d }}
    }} GROUP BY ?partner ORDER BY ?name LIMIT {ROWS}""",
    )


def timeline(store: QueryStore, city: str) -> list[dict[str, Any]]:
    """Events about a city or held in it, by start date."""
    c = str(ox.NamedNode(city))
    return rows(
        store,
        f"""SELECT ?event (SAMPLE(?n) AS ?name) (SAMPLE(?d) AS ?date) (SAMPLE(?e) AS ?end) (SAMPLE(?pn) AS ?place)
        WHERE {{
      ?event schema:about|schema:location {c} . OPTIONAL {{ ?event schema:name ?n }}
      OPTIONAL {{ ?event schema:startDate ?d }} OPTIONAL {{ ?event schema:endDate ?e }}
      OPTIONAL {{ ?event schema:location/schema:name ?pn FILTER(lang(?pn) IN ("ru", "")) }}
    }} GROUP BY ?event ORDER BY ?date ?name LIMIT {ROWS}""",
    )


# -- persons, organizations, events ---------------------------------------------------------------

# the event's source sentence (?xQuote, its text ?x and page ?src)
EVENT_QUOTE = ("OPTIONAL { ?event tg:quote ?xQuote . ?xQuote oa:hasSelector/oa:exact ?x . "
               "OPTIONAL { ?xQuote oa:hasSource ?src } }")  # fmt: skip
# (the variables inside are named apart from the columns: a column may not take a name in use, ?xEvent AS ?event)
PARTICIPATION = f"""?xEvent tg:participation ?part . {NAME.format(v="xEvent")}
      OPTIONAL {{ ?xEvent schema:startDate ?d }} OPTIONAL {{ ?xEvent schema:endDate ?e }}
      OPTIONAL {{ ?part tg:post ?xPost . {NAME.format(v="xPost")} }}
      OPTIONAL {{ ?part tg:onBehalfOf ?xBehalf . {NAME.format(v="xBehalf")} }}
      OPTIONAL {{ ?part tg:asDelegation ?xDelegation }}
      {EVENT_QUOTE.replace("?event", "?xEvent")}"""
PARTICIPATION_COLUMNS = """?part (SAMPLE(?xEvent) AS ?event) (MIN(?xEventName) AS ?eventName) (SAMPLE(?d) AS ?date)
      (SAMPLE(?e) AS ?end) (SAMPLE(?xPost) AS ?post) (MIN(?xPostName) AS ?postName) (SAMPLE(?xBehalf) AS ?behalf)
      (MIN(?xBehalfName) AS ?behalfName) (SAMPLE(?xDelegation) AS ?delegation) (SAMPLE(?xQuote) AS ?quote)
      (MIN(?x) AS ?exact) (SAMPLE(?src) AS ?source) (MIN(STR(?d)) AS ?order)"""


def participations(store: QueryStore, iri: str, role: str = "participant") -> list[dict[str, Any]]:
    """The participations of a person or organization (``role="participant"``), or of those acting on its
    behalf (``"onBehalfOf"``), by date: event, post, on whose behalf, who, and the event's source sentence."""
    s, prop = str(ox.NamedNode(iri)), {"participant": "tg:participant", "onBehalfOf": "tg:onBehalfOf"}[role]
    return rows(
        store,
        f"""SELECT {PARTICIPATION_COLUMNS} (SAMPLE(?xWho) AS ?who) (MIN(?xWhoName) AS ?whoName) WHERE {{
      ?part {prop} {s} ; tg:participant ?xWho . {NAME.format(v="xWho")}
      {PARTICIPATION}
    }} GROUP BY ?part ORDER BY ?order ?eventName LIMIT {ROWS}""",
    )


def participants(store: QueryStore, event: str, in_parts: bool = False) -> list[dict[str, Any]]:
    """Who took part in an event: the participant and its kind, post, on whose behalf, as a delegation.

    ``in_parts``: who took part in its smaller events instead (at any depth), each with the part (``sub``,
    ``subName``, ``subDate``) they took part in.
    """
    e = str(ox.NamedNode(event))
    held = f"{e} tg:participation ?part ."
    if in_parts:
        held = (f"{e} schema:subEvent+ ?xSub . ?xSub tg:participation ?part . {NAME.format(v='xSub')} "
                "OPTIONAL { ?xSub schema:startDate ?xSubDate }")  # fmt: skip
    return rows(
        store,
        f"""SELECT ?part (SAMPLE(?xWho) AS ?who) (MIN(?xWhoName) AS ?whoName) (MIN(STR(?xKind)) AS ?kind)
          (SAMPLE(?xPost) AS ?post) (MIN(?xPostName) AS ?postName) (SAMPLE(?xBehalf) AS ?behalf)
          (MIN(?xBehalfName) AS ?behalfName) (MIN(STR(?xBehalfKind)) AS ?behalfKind)
          (SAMPLE(?xDelegation) AS ?delegation) (SAMPLE(?xSub) AS ?sub) (MIN(?xSubName) AS ?subName)
          (MIN(STR(?xSubDate)) AS ?subDate) WHERE {{
      {held} ?part tg:participant ?xWho . {NAME.format(v="xWho")}
      OPTIONAL {{ ?xWho a ?xKind FILTER(?xKind IN (tg:Person, tg:Organization, tg:City, tg:Country)) }}
      OPTIONAL {{ ?part tg:post ?xPost . {NAME.format(v="xPost")} }}
      OPTIONAL {{ ?part tg:onBehalfOf ?xBehalf . {NAME.format(v="xBehalf")}
                 OPTIONAL {{ ?xBehalf a ?xBehalfKind FILTER(?xBehalfKind = tg:Organization) }} }}
      OPTIONAL {{ ?part tg:asDelegation ?xDelegation }}
    }} GROUP BY ?part ORDER BY ?kind ?behalfName ?whoName ?subDate LIMIT {ROWS}""",
    )


def sub_events(store: QueryStore, event: str) -> list[dict[str, Any]]:
    """The smaller events an event is made of, by date."""
    e = str(ox.NamedNode(event))
    return rows(
        store,
        f"""SELECT ?sub (MIN(?subName) AS ?name) (SAMPLE(?d) AS ?date) (SAMPLE(?end) AS ?endDate)
          (MIN(STR(?d)) AS ?order) WHERE {{
      {e} schema:subEvent ?sub . {NAME.format(v="sub")}
      OPTIONAL {{ ?sub schema:startDate ?d }} OPTIONAL {{ ?sub schema:endDate ?end }}
    }} GROUP BY ?sub ORDER BY ?order ?name LIMIT {ROWS}""",
    )


def meetings(store: QueryStore, person: str) -> list[dict[str, Any]]:
    """Whom a person met, when and where (the build's tg:Meeting nodes), with the other's post there."""
    p = str(ox.NamedNode(person))
    return rows(
        store,
        f"""SELECT ?meeting (SAMPLE(?xOther) AS ?other) (MIN(?xOtherName) AS ?otherName) (SAMPLE(?d) AS ?date)
          (SAMPLE(?xEvent) AS ?event) (MIN(?xEventName) AS ?eventName) (MIN(?xPlaceName) AS ?place)
          (MIN(?xPostName) AS ?post) (SAMPLE(?xQuote) AS ?quote) (MIN(?x) AS ?exact) (SAMPLE(?src) AS ?source)
          (MIN(?sortKey) AS ?key) (MIN(STR(?d)) AS ?order) WHERE {{
      {{ ?meeting tg:firstPerson {p} ; tg:secondPerson ?xOther }}
      UNION {{ ?meeting tg:secondPerson {p} ; tg:firstPerson ?xOther }}
      ?meeting tg:date ?d ; tg:event ?xEvent . OPTIONAL {{ ?meeting tg:sortKey ?sortKey }}
      {NAME.format(v="xOther")} {NAME.format(v="xEvent")}
      OPTIONAL {{ ?xEvent schema:location ?xPlace . {NAME.format(v="xPlace")} }}
      OPTIONAL {{ ?xEvent tg:participation ?part . ?part tg:participant ?xOther ; tg:post ?xPost .
                 {NAME.format(v="xPost")} }}
      {EVENT_QUOTE.replace("?event", "?xEvent")}
    }} GROUP BY ?meeting ORDER BY ?key ?order ?otherName LIMIT {ROWS}""",
    )


def search(store: QueryStore, text: str, limit: int = 100) -> list[dict[str, Any]]:
    """Resources with a name that contains the text as people type it, each with its schema:name and tg: type.

    Every name counts: ``schema:name``, ``skos:prefLabel``, ``skos:altLabel``, ``schema:alternateName``
    and ``rdfs:label``, the resource's own and those of the Wikidata item it is the same as (its
    English label); each is compared lower-cased with ``ё`` as ``е``, with the text's ``name_key``,
    as the named queries compare their name parameters. Only the dataset's resources (those with a
    ``schema:name``) are found, not the Wikidata items themselves.
    """
    needle = str(ox.Literal(name_key(text)))
    return rows(
        store,
        f"""SELECT ?s (MIN(?n) AS ?name) (SAMPLE(?t) AS ?type) WHERE {{
      {{ SELECT DISTINCT ?s WHERE {{
        {{ ?s {OWN_NAMES} ?found }} UNION {{ ?s owl:sameAs|schema:sameAs ?same . ?same {OWN_NAMES} ?found }}
        FILTER(isIRI(?s) && CONTAINS(REPLACE(LCASE(STR(?found)), "ё", "е"), {needle}))
      }} }}
      ?s schema:name ?n .
      OPTIONAL {{ ?s a ?t FILTER(STRSTARTS(STR(?t), STR(tg:))) }}
    }} GROUP BY ?s ORDER BY ?name LIMIT {int(limit)}""",
    )


def subjects(store: QueryStore, base: str) -> list[str]:
    """The IRIs under the base that the store has triples about, in order (blank nodes left out)."""
    prefix = str(ox.Literal(base))
    found = rows(store, f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {prefix})) }}")
    return sorted(r["s"].value for r in found)

