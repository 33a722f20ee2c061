"""Candidate items from a SPARQL 1.1 endpoint: names with VALUES, then classes and facts. Standard SPARQL only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence

from twingraph.link.client import Row, SparqlClient
from twingraph.link.match import ALIAS, KIND_CLASS, LABEL, Item, NameHit
from twingraph.progress import Progress, counted

WD = "http://www.wikidata.org/entity/"
PROLOGUE = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
LANGS = ("ru", "en")
BATCH = 40
FACTS = {"P17": "countries", "P27": "citizenships", "P39": "positions", "P159": "headquarters", "P625": "coordinates"}
POINT = re.compile(r"Point\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)", re.IGNORECASE)


def batches(values: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    """Consecutive slices of at most ``size`` values.

    >>> [list(b) for b in batches("abcde", 2)]
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    for start in range(0, len(values), size):
        yield values[start : start + size]


def literal(text: str, lang: str) -> str:
    """A SPARQL literal with a language tag, escaped by JSON's rules (a subset of SPARQL's).

    >>> literal('Объединённые "города"', "ru")
    '"Объединённые \\\\"города\\\\""@ru'
    """
    return json.dumps(text, ensure_ascii=False) + "@" + lang


def qid_of(iri: str) -> str | None:
    """The Q-identifier of a Wikidata entity IRI, None for anything else.

    >>> qid_of("http://www.wikidata.org/entity/Q900"), qid_of("http://example.org/Q1")
    ('Q900', None)
    """
    if iri.startswith(WD) and re.fullmatch(r"Q\d+", iri[len(WD) :]):
        return iri[len(WD) :]
    return None


def names_query(names: Iterable[str]) -> str:
    values = " ".join(literal(n, lang) for n in names for lang in LANGS)
    return (
        PROLOGUE
        + f"""SELECT ?name ?item ?how WHERE {{
  VALUES ?name {{ {values} }}
  {{ ?item rdfs:label ?name . BIND("{LABEL}" AS ?how) }}
  UNION
  {{ ?item skos:altLabel ?name . BIND("{ALIAS}" AS ?how) }}
}}"""
    )


def classes_query(qids: Iterable[str]) -> str:
    items = " ".join(f"wd:{q}" for q in qids)
    classes = " ".join(f"wd:{c}" for c in sorted(set(KIND_CLASS.values())))
    return (
        PROLOGUE
        + f"""SELECT DISTINCT ?item ?class WHERE {{
  VALUES ?item {{ {items} }}
  VALUES ?class {{ {classes} }}
  ?item wdt:P31/wdt:P279* ?class .
}}"""
    )


def facts_query(qids: Iterable[str]) -> str:
    items = " ".join(f"wd:{q}" for q in qids)
    props = " ".join(f"wdt:{p}" for p in FACTS)
    return (
        PROLOGUE
        + f"""SELECT ?item ?p ?o WHERE {{
  VALUES ?item {{ {items} }}
  {{ VALUES ?p {{ {props} }} ?item ?p ?o . }}
  UNION
  {{ ?item rdfs:label ?o . FILTER(LANG(?o) = "en") BIND(rdfs:label AS ?p) }}
}}"""
    )


def name_hits(rows: list[Row]) -> Iterator[NameHit]:
    for row in rows:
        qid = qid_of(row.get("item", {}).get("value", ""))
        name = row.get("name", {})
        if qid and "value" in name:
            yield NameHit(name["value"], name.get("xml:lang", ""), qid, row.get("how", {}).get("value", ALIAS))


def point(wkt: str) -> tuple[float, float] | None:
    """Latitude and longitude of a WKT point (written longitude first).

    >>> point("Point(49.106 55.796)")
    (55.796, 49.106)
    """
    found = POINT.search(wkt)
    return (float(found.group(2)), float(found.group(1))) if found else None


def items_from(qids: Sequence[str], class_rows: list[Row], fact_rows: list[Row]) -> dict[str, Item]:
    """The matcher's view of each item from the answers of the class and fact queries."""
    classes: dict[str, set[str]] = {q: set() for q in qids}
    for row in class_rows:
        item, cls = qid_of(row["item"]["value"]), qid_of(row["class"]["value"])
        if item in classes and cls:
            classes[item].add(cls)
    facts: dict[str, dict[str, list[str]]] = {q: {} for q in qids}
    for row in fact_rows:
        item, prop = qid_of(row["item"]["value"]), row["p"]["value"].rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if item in facts:
            facts[item].setdefault(prop, []).append(row["o"]["value"])
    return {q: _item(q, classes[q], facts[q]) for q in qids}


def _item(qid: str, classes: set[str], facts: dict[str, list[str]]) -> Item:
    def qids(prop: str) -> frozenset[str]:
        return frozenset(q for q in (qid_of(v) for v in facts.get(prop, [])) if q)

    points = [p for p in (point(v) for v in facts.get("P625", [])) if p]
    labels = sorted(facts.get("label", []))
    return Item(qid, frozenset(classes), qids("P17"), qids("P27"), bool(facts.get("P39")), qids("P159"),
                labels[0] if labels else None, min(points) if points else None)  # fmt: skip




def find_candidates(
    client: SparqlClient, names: Sequence[str], progress: Progress
) -> tuple[list[NameHit], dict[str, Item]]:
    """Look the names up, then the classes and facts of every item found.

    Returns:
        The name hits and the items they point at, by QID.
    """
    hits: list[NameHit] = []
    unique = sorted(set(names))
    for batch in counted(list(batches(unique)), "looking up names (batches)", progress):
        hits.extend(name_hits(client.select(names_query(batch))))
    qids = sorted({h.qid for h in hits})
    class_rows: list[Row] = []
    fact_rows: list[Row] = []
    for batch in counted(list(batches(qids)), "classes and facts of candidates (batches)", progress):
        class_rows.extend(client.select(classes_query(batch)))
        fact_rows.extend(client.select(facts_query(batch)))
    return hits, items_from(qids, class_rows, fact_rows)
