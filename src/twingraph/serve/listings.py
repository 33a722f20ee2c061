"""The lists /city/, /person/, /organization/, /event/ and /agreement/: their queries, sorts, facets and pages.

Every value from a request enters a query as an N-Triples term written by
pyoxigraph, never as query text; a page holds at most PAGE_SIZE rows.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from twingraph.errors import ParameterError
from twingraph.rdf.namespaces import AGREEMENT_TYPE, EVENT_TYPE
from twingraph.serve.lookups import NAME, TYPE_NAME, rows, settled, term_list
from twingraph.store.interface import QueryStore

PAGE_SIZE = 100
FACET_VALUES = 100
# the names a list's ?q= is looked for in: Russian, English (Wikidata's), other names (rdfs:label and
# skos:prefLabel repeat schema:name, and each alternative costs a look-up per resource)
NAMES = "schema:name|skos:altLabel|schema:alternateName|owl:sameAs/rdfs:label"


@dataclasses.dataclass(frozen=True)
class Facet:
    """A way to narrow a list: ``pattern`` binds ``?v``, a value of the listed ``?s``.

    ``kind``: ``iri`` (written in a request without ``prefix``, which is relative to the
    base IRI unless absolute), ``year`` (four digits of a date) or ``text`` (one of ``choices``).
    ``condition`` narrows to one value, ``$value``; by default the pattern with ``$value``
    for ``?v``, so that the planner starts from the value (a FILTER on ``?v`` would not).
    """

    pattern: str
    kind: str = "iri"
    prefix: str = ""
    choices: tuple[str, ...] = ()
    condition: str = ""

    def narrow(self, term: str) -> str:
        """The condition for one value, given as an N-Triples term."""
        return (self.condition or re.sub(r"\?v\b", lambda _: "$value", self.pattern)).replace("$value", term)


@dataclasses.dataclass(frozen=True)
class Listing:
    """One list: its class, the UNION arms and aggregates of its columns, its sorts and facets.

    An arm is given the page's resources as ``VALUES ?s``: at its start, or where it says ``$values``.

    ``sorts`` maps a sort's name to an aggregate over ``?v`` and the pattern binding ``?v`` for ``?s``.
    """

    cls: str
    arms: tuple[str, ...]
    columns: str
    sorts: dict[str, tuple[str, str]]
    facets: dict[str, Facet]
    default_sort: str


@dataclasses.dataclass(frozen=True)
class ListQuery:
    """What a request asks of a list: a name filter, facet values (as written), a sort and a page."""

    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = ""
    page: int = 1


def names_arm(cls: str) -> str:
    """The UNION arm of a list's names: Russian (``?n``) and Wikidata's English (``?en``)."""
    return (f'?s a {cls} . OPTIONAL {{ ?s schema:name ?n FILTER(lang(?n) IN ("ru", "")) }} '
            'OPTIONAL { ?s owl:sameAs/rdfs:label ?english FILTER(lang(?english) = "en") }')  # fmt: skip


NAME_SORT = ("MIN(LCASE(STR(?v)))", '?s schema:name ?v FILTER(lang(?v) IN ("ru", ""))')
# Oxigraph's MIN, MAX and GROUP_CONCAT are unbound when a row of the group lacks the value (the
# columns come from UNION arms, so most rows lack most), hence SAMPLE, and COALESCE to a value
# that never wins: "~" sorts after every date, "" before; list_page drops both.
FIRST = '(MIN(COALESCE(STR(?d), "~")) AS ?first)'
LATEST = '(MAX(COALESCE(STR(?end), STR(?d), "")) AS ?latest)'


def links(v: str, column: str) -> str:
    """A column of ``?{v}`` IRIs with their names, one ``IRI name`` a line (see ``pages.link_lines``)."""
    return (f'(GROUP_CONCAT(DISTINCT COALESCE(CONCAT(STR(?{v}), " ", ?{v}Name), ""); separator="\\n") '
            f"AS ?{column})")


NAMES_COLUMNS = "(SAMPLE(?n) AS ?name) (SAMPLE(?english) AS ?en)"
# schema:attendee: the build states it for every person or organization taking part, one hop for two
TAKES_PART = "?e schema:attendee ?s ."
# a person's or organization's events, and the distinct posts held and those represented (named once each)
ACTIVITY_ARMS = (
    f"{TAKES_PART} OPTIONAL {{ ?e schema:startDate ?d }} OPTIONAL {{ ?e schema:endDate ?end }}",
    "{ SELECT DISTINCT ?s ?post WHERE { $values ?part tg:participant ?s ; tg:post ?post } } " + NAME.format(v="post"),
    "{ SELECT DISTINCT ?s ?bh WHERE { $values ?part tg:participant ?s ; tg:onBehalfOf ?bh } } " + NAME.format(v="bh"),
)
ACTIVITY_COLUMNS = f"""(COUNT(DISTINCT ?e) AS ?events) {FIRST} {LATEST}
  (GROUP_CONCAT(DISTINCT COALESCE(?postName, ""); separator="\\n") AS ?posts) {links("bh", "behalf")}"""
ACTIVITY_SORTS = {
    "events": ("COUNT(DISTINCT ?v)", f"{TAKES_PART} BIND(?e AS ?v)"),
    "first": ("MIN(STR(?v))", f"{TAKES_PART} ?e schema:startDate ?v"),
    "latest": ("MAX(STR(?v))", f"{TAKES_PART} ?e schema:startDate|schema:endDate ?v"),
}
YEAR = "BIND(SUBSTR(STR(?d), 1, 4) AS ?v)"


def year_facet(dated: str) -> Facet:
    """A facet by the year of the date ``?d`` that ``dated`` binds."""
    return Facet(f"{dated} {YEAR}", kind="year", condition=f"{dated} FILTER(SUBSTR(STR(?d), 1, 4) = $value)")


ACTIVITY_FACETS = {
    "city": Facet(f"{TAKES_PART} ?e schema:about ?v", prefix="city/"),
    "year": year_facet(f"{TAKES_PART} ?e schema:startDate ?d"),
}
CITY_EVENTS = "?e schema:about|schema:location ?s"
ROLE = 'IF(EXISTS { ?s a tg:PartnerCity }, "partner", IF(EXISTS { ?s tg:partnerOf ?x }, "home", "other"))'

LISTINGS = {
    "city": Listing(
        "tg:City",
        (f"{names_arm('tg:City')} BIND({ROLE} AS ?cityRole)",
         f'?s tg:country ?c . {NAME.format(v="c")}',
         "?s tg:population ?o . ?o tg:value ?pop . OPTIONAL { ?o tg:year ?popYear } "
         "FILTER NOT EXISTS { ?s tg:population/tg:year ?later FILTER(?later > ?popYear) }",
         "?a tg:party ?s ; a tg:Agreement",
         f"{CITY_EVENTS} . OPTIONAL {{ ?e schema:startDate ?d }} OPTIONAL {{ ?e schema:endDate ?end }}"),
        f"""{NAMES_COLUMNS} (SAMPLE(?cityRole) AS ?role) (SAMPLE(?c) AS ?country) (SAMPLE(?cName) AS ?countryName)
          (SAMPLE(?pop) AS ?population) (SAMPLE(?popYear) AS ?populationYear) (COUNT(DISTINCT ?a) AS ?agreements)
          (COUNT(DISTINCT ?e) AS ?events) {FIRST} {LATEST}""",
        {"name": NAME_SORT,
         "country": ("MIN(LCASE(STR(?v)))", '?s tg:country/schema:name ?v FILTER(lang(?v) IN ("ru", ""))'),
         "population": ("MAX(?v)", "?s tg:population/tg:value ?v"),
         "agreements": ("COUNT(DISTINCT ?v)", "?v tg:party ?s ; a tg:Agreement"),
         "events": ("COUNT(DISTINCT ?v)", f"{CITY_EVENTS.replace('?e', '?v')}"),
         "first": ("MIN(STR(?v))", f"{CITY_EVENTS} . ?e schema:startDate ?v"),
         "latest": ("MAX(STR(?v))", f"{CITY_EVENTS} . ?e schema:startDate|schema:endDate ?v")},
        {"role": Facet(f"BIND({ROLE} AS ?v)", "text", choices=("partner", "home", "other"),
                       condition=f"FILTER({ROLE} = $value)"),
         "country": Facet("?s tg:country ?v", prefix="country/")},
        "name",
    ),
    "person": Listing(
        "tg:Person",
        (names_arm("tg:Person"), *ACTIVITY_ARMS,
         "{ SELECT DISTINCT ?s ?other WHERE { $values ?m tg:firstPerson ?s ; tg:secondPerson ?other } }",
         "{ SELECT DISTINCT ?s ?other WHERE { $values ?m tg:secondPerson ?s ; tg:firstPerson ?other } }"),
        f"{NAMES_COLUMNS} {ACTIVITY_COLUMNS} (COUNT(DISTINCT ?other) AS ?met)",
        {"name": NAME_SORT, **ACTIVITY_SORTS,
         "met": ("COUNT(DISTINCT ?v)", "{ ?m tg:firstPerson ?s ; tg:secondPerson ?v } "
                                       "UNION { ?m tg:secondPerson ?s ; tg:firstPerson ?v }")},
        {**ACTIVITY_FACETS, "side": Facet("?part tg:participant ?s ; tg:onBehalfOf ?v")},
        "name",
    ),
    "organization": Listing(
        "tg:Organization",
        (names_arm("tg:Organization"), *ACTIVITY_ARMS,
         "{ SELECT DISTINCT ?s ?rep WHERE { $values ?rp tg:onBehalfOf ?s ; tg:participant ?rep . ?rep a tg:Person } }"),
        f"{NAMES_COLUMNS} {ACTIVITY_COLUMNS} (COUNT(DISTINCT ?rep) AS ?people)",
        {"name": NAME_SORT, **ACTIVITY_SORTS,
         "people": ("COUNT(DISTINCT ?v)", "?rp tg:onBehalfOf ?s ; tg:participant ?v . ?v a tg:Person")},
        ACTIVITY_FACETS,
        "name",
    ),
    "event": Listing(
        "tg:Event",
        (f"""?s a tg:Event . OPTIONAL {{ ?s schema:name ?n FILTER(lang(?n) IN ("ru", "")) }}
           OPTIONAL {{ ?s schema:startDate ?d }} OPTIONAL {{ ?s schema:endDate ?endDate }}
           OPTIONAL {{ ?s tg:eventType ?t . {TYPE_NAME.format(v="t")} }}
           OPTIONAL {{ ?s schema:location ?pl . {NAME.format(v="pl")} }}""",
         f'?s schema:about ?c . {NAME.format(v="c")}',
         "?s tg:participation ?part"),
        f"""(SAMPLE(?n) AS ?name) (SAMPLE(?d) AS ?date) (SAMPLE(?endDate) AS ?end) (SAMPLE(?tName) AS ?type)
          (SAMPLE(?pl) AS ?place) (SAMPLE(?plName) AS ?placeName) {links("c", "cities")}
          (COUNT(DISTINCT ?part) AS ?participants)""",
        {"date": ("MIN(STR(?v))", "?s schema:startDate ?v"), "name": NAME_SORT,
         "participants": ("COUNT(DISTINCT ?v)", "?s tg:participation ?v")},
        {"city": Facet("?s schema:about ?v", prefix="city/"),
         "year": year_facet("?s schema:startDate ?d"),
         "type": Facet("?s tg:eventType ?v", prefix=str(EVENT_TYPE))},
        "-date",
    ),
    "agreement": Listing(
        "tg:Agreement",
        (f"""?s a tg:Agreement . OPTIONAL {{ ?s schema:name ?n FILTER(lang(?n) IN ("ru", "")) }}
           OPTIONAL {{ ?s schema:dateCreated ?d }} OPTIONAL {{ ?s tg:agreementType ?t . {TYPE_NAME.format(v="t")} }}""",
         f'?s tg:party ?c . {NAME.format(v="c")}'),
        f"""(SAMPLE(?n) AS ?name) (SAMPLE(?d) AS ?date) (SAMPLE(?tName) AS ?type) {links("c", "parties")}""",
        {"date": ("MIN(STR(?v))", "?s schema:dateCreated ?v"), "name": NAME_SORT},
        {"city": Facet("?s tg:party ?v . ?v a tg:PartnerCity", prefix="city/"),
         "year": year_facet("?s schema:dateCreated ?d"),
         "type": Facet("?s tg:agreementType ?v", prefix=str(AGREEMENT_TYPE))},
        "-date",
    ),
}
CLASSES = {path: listing.cls for path, listing in LISTINGS.items()}


def class_counts(store: QueryStore) -> dict[str, int]:
    """How many resources of each listed class there are, by the list's path (``city``, ``person``...)."""
    arms = " UNION ".join(f'{{ ?s a {cls} BIND("{path}" AS ?list) }}' for path, cls in CLASSES.items())
    found = rows(store, f"SELECT ?list (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {arms} }} GROUP BY ?list")
    return {r["list"].value: int(r["n"].value) for r in found}


def list_query(listing: Listing, params: Mapping[str, str], base: str) -> ListQuery:
    """A list's request parameters read: ``q``, ``sort``, ``page`` and the facets; others are ignored.

    >>> list_query(LISTINGS["event"], {"q": " Тегеран ", "year": "2023", "page": "2", "sort": "name", "city": ""}, "")
    ListQuery(text='Тегеран', filters=(('year', '2023'),), sort='name', page=2)

    Raises:
        ParameterError: a page that is not a positive number, an unknown sort, a malformed year, choice or IRI.
    """
    page, sort, text = (params.get("page") or "1").strip(), (params.get("sort") or "").strip(), params.get("q") or ""
    if not page.isdigit() or not 1 <= int(page) <= 10**6:
        raise ParameterError("%(param)s=%(value)s: a page is a number from 1", param="page", value=repr(page))
    if sort and sort.removeprefix("-") not in listing.sorts:
        raise ParameterError("%(param)s=%(value)s: sort by one of %(choices)s (a leading - for descending)",
                             param="sort", value=repr(sort), choices=", ".join(listing.sorts))  # fmt: skip
    if len(text) > 200:
        raise ParameterError("%(param)s: a name filter is at most %(limit)s characters", param="q", limit="200")
    filters = []
    for name, facet in listing.facets.items():
        value = (params.get(name) or "").strip()
        if not value:
            continue
        given = {"param": name, "value": repr(value)}
        if facet.kind == "year" and not (value.isdigit() and len(value) == 4):
            raise ParameterError("%(param)s=%(value)s: a year is four digits, such as 2023", **given)
        if facet.kind == "text" and value not in facet.choices:
            raise ParameterError("%(param)s=%(value)s: one of %(choices)s", choices=", ".join(facet.choices), **given)
        try:
            facet_term(facet, value, base)
        except ValueError as exc:
            raise ParameterError("%(param)s=%(value)s: not a valid IRI (%(reason)s)", reason=str(exc), **given) from exc
        filters.append((name, value))
    return ListQuery(text.strip(), tuple(filters), sort, int(page))


def facet_iri(facet: Facet, value: str, base: str) -> str:
    """The IRI a facet value written in a request stands for: a full IRI, or one after the facet's prefix.

    >>> facet_iri(LISTINGS["event"].facets["city"], "tehran", "https://twingraph.example/")
    'https://twingraph.example/city/tehran'
    """
    if ":" in value:
        return value
    return (facet.prefix if ":" in facet.prefix else base + facet.prefix) + value


def facet_value(facet: Facet, iri: str, base: str) -> str:
    """How an IRI is written as this facet's value in a request: without the facet's prefix where it has it.

    >>> facet_value(LISTINGS["event"].facets["city"], "https://twingraph.example/city/tehran", "https://twingraph.example/")
    'tehran'
    """
    prefix = facet.prefix if ":" in facet.prefix else base + facet.prefix
    rest = iri.removeprefix(prefix)
    return rest if iri.startswith(prefix) and rest and ":" not in rest else iri


def facet_term(facet: Facet, value: str, base: str) -> str:
    """A facet value as an N-Triples term written by pyoxigraph.

    Raises:
        ValueError: an IRI value that is not a valid IRI.
    """
    return str(ox.NamedNode(facet_iri(facet, value, base)) if facet.kind == "iri" else ox.Literal(value))


def narrowed(listing: Listing, query: ListQuery, base: str, skip: str | None = None) -> str:
    """The subquery of the listed resources that pass the name filter and the facets (but ``skip``).

    The facets' conditions share their variables (``?e``): a person's city and year are
    those of one event, not of any two.
    """
    parts = [f"?s a {listing.cls} ."]
    if query.text:
        needle = str(ox.Literal(query.text.lower().replace("ё", "е")))
        matches = f'CONTAINS(REPLACE(LCASE(STR(?qn)), "ё", "е"), {needle})'
        parts.append(f"FILTER EXISTS {{ ?s {NAMES} ?qn FILTER({matches}) }}")
    for name, value in query.filters:
        if name != skip:
            facet = listing.facets[name]
            condition = facet.narrow(facet_term(facet, value, base))
            # a pattern in a group of its own (its variables stay its own); a FILTER on ?s as it is
            parts.append(condition if condition.startswith("FILTER") else f"{{ {condition} }}")
    return f"{{ SELECT DISTINCT ?s WHERE {{ {' '.join(parts)} }} }}"


def list_count(store: QueryStore, listing: Listing, query: ListQuery, base: str) -> int:
    """How many resources the list has with this request's filters."""
    found = rows(store, f"SELECT (COUNT(?s) AS ?n) WHERE {{ {narrowed(listing, query, base)} }}")
    return int(found[0]["n"].value) if found else 0


def list_page(store: QueryStore, listing: Listing, query: ListQuery, base: str,
              size: int = PAGE_SIZE) -> list[dict[str, Any]]:  # fmt: skip
    """One page of the list, sorted: each row the resource ``s`` and its columns."""
    sort = query.sort or listing.default_sort
    aggregate, pattern = listing.sorts[sort.removeprefix("-")]
    order = "DESC(?key)" if sort.startswith("-") else "?key"
    # the resources without a key last; ordered by variables alone, outside the grouping, as Virtuoso needs
    keys = rows(store, f"""SELECT ?s ?key WHERE {{
      {{ SELECT ?s ({aggregate} AS ?key) WHERE {{ {narrowed(listing, query, base)} OPTIONAL {{ {pattern} }} }}
         GROUP BY ?s }}
      BIND(IF(BOUND(?key), 0, 1) AS ?keyless)
    }} ORDER BY ?keyless {order} ?s LIMIT {int(size)} OFFSET {(query.page - 1) * int(size)}""")
    if not keys:
        return []
    values = term_list(r["s"].value for r in keys)
    # the arms' rows add up instead of multiplying; each has the VALUES, which Oxigraph does not always push in
    block = f"VALUES ?s {{ {values} }}"
    arms = " UNION ".join(f"{{ {arm.replace('$values', block) if '$values' in arm else block + ' ' + arm} }}"
                          for arm in listing.arms)  # fmt: skip
    found = rows(store, f"SELECT ?s {listing.columns} WHERE {{ {arms} }} GROUP BY ?s")
    by_iri = {r["s"].value: r for r in settled(found)}
    return [by_iri.get(r["s"].value, {"s": r["s"]}) for r in keys]


def list_facets(store: QueryStore, listing: Listing, query: ListQuery, base: str) -> dict[str, list[dict[str, Any]]]:
    """Each facet's values with how many resources have them, under the request's other filters."""
    found = {}
    for name, facet in listing.facets.items():
        label = (TYPE_NAME if name == "type" else NAME).format(v="v") if facet.kind == "iri" else ""
        order = "DESC(?v)" if facet.kind == "year" else "DESC(?n) ?v"
        # the names of the values kept, not of every (resource, value) pair
        found[name] = rows(store, f"""SELECT ?v ?n (MIN(?vName) AS ?label) WHERE {{
          {{ SELECT ?v (COUNT(DISTINCT ?s) AS ?n) WHERE {{
              {narrowed(listing, query, base, skip=name)} {facet.pattern}
            }} GROUP BY ?v ORDER BY {order} LIMIT {FACET_VALUES} }} {label}
        }} GROUP BY ?v ?n ORDER BY {order.replace("?v", "?label ?v") if facet.kind == "iri" else order}""")
    return found
