"""Links as RDF (owl:sameAs, schema:sameAs, provenance; Wikidata's English label, coordinates) and the review file."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from twingraph.config import DEFAULT_BASE_IRI
from twingraph.errors import TwingraphError
from twingraph.fileio import write_files
from twingraph.link.entities import Kind
from twingraph.link.match import Link, Review, Scored
from twingraph.problems import Problem, Severity
from twingraph.rdf.namespaces import SCHEMA, TG, WD, prefixed_graph

REVIEW_COLUMNS = ["kind", "iri", "name", "reason", "candidates"]


def link_node(link: Link) -> URIRef:
    """The resource that records how one link was made, beside the linked resource."""
    return URIRef(f"{link.iri}/wikidata-link")


def link_triples(link: Link) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """The link both ways it is read (OWL and schema.org) and how it was made."""
    subject, item, node = URIRef(link.iri), WD[link.qid], link_node(link)
    triples: list[tuple[URIRef, URIRef, URIRef | Literal]] = [
        (subject, OWL.sameAs, item),
        (subject, SCHEMA.sameAs, item),
        (node, RDF.type, TG.WikidataLink),
        (node, TG.linkedResource, subject),
        (node, TG.wikidataItem, item),
        (node, TG.matchMethod, Literal(link.method)),
        (node, TG.matchScore, Literal(link.score)),
        (node, RDFS.label, Literal(f"{link.name} = {link.qid}")),
    ]
    if link.created:
        triples.append((node, DCTERMS.created, Literal(link.created, datatype=XSD.date)))
    if link.checked:
        triples.append((node, TG.lastChecked, Literal(link.checked, datatype=XSD.date)))
    if link.endpoint:
        triples.append((node, PROV.used, URIRef(link.endpoint)))
    return triples


def enrichment_triples(link: Link) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """What Wikidata says that the page does not: stated about the item, not about the page's resource."""
    item = WD[link.qid]
    triples: list[tuple[URIRef, URIRef, URIRef | Literal]] = []
    if link.label_en:
        triples.append((item, RDFS.label, Literal(link.label_en, lang="en")))
    if link.coordinates:
        lat, lon = link.coordinates
        triples.append((item, SCHEMA.latitude, Literal(Decimal(repr(lat)), datatype=XSD.decimal)))
        triples.append((item, SCHEMA.longitude, Literal(Decimal(repr(lon)), datatype=XSD.decimal)))
    if triples and link.endpoint:
        triples.append((item, PROV.wasDerivedFrom, URIRef(link.endpoint)))
    return triples


def links_graph(links: tuple[Link, ...] | list[Link]) -> Graph:
    """The links file's graph: a fresh graph, the same for the same links."""
    graph = prefixed_graph()
    for link in links:
        for triple in (*link_triples(link), *enrichment_triples(link)):
            graph.add(triple)
    return graph


def _kind_of(graph: Graph, subject: URIRef) -> Kind:
    return next((k for k in Kind if (subject, RDF.type, k.tg_class) in graph), Kind.ORGANIZATION)


def _number(graph: Graph, subject: URIRef, prop: URIRef) -> float | None:
    value = graph.value(subject, prop)
    return float(value.toPython()) if isinstance(value, Literal) else None


def _link_from(graph: Graph, node: URIRef, typed: Graph) -> Link | None:
    subject, item = graph.value(node, TG.linkedResource), graph.value(node, TG.wikidataItem)
    if not isinstance(subject, URIRef) or not isinstance(item, URIRef):
        return None
    lat, lon = _number(graph, item, SCHEMA.latitude), _number(graph, item, SCHEMA.longitude)
    label = next((str(o) for o in graph.objects(item, RDFS.label) if getattr(o, "language", None) == "en"), None)
    name = str(graph.value(node, RDFS.label) or "").rsplit(" = ", 1)[0]
    return Link(
        str(subject), _kind_of(typed, subject), name, str(item)[len(str(WD)) :],
        int(_number(graph, node, TG.matchScore) or 0), str(graph.value(node, TG.matchMethod) or ""), label,
        (lat, lon) if lat is not None and lon is not None else None,
        str(graph.value(node, PROV.used) or ""), str(graph.value(node, DCTERMS.created) or ""),
        str(graph.value(node, TG.lastChecked) or graph.value(node, DCTERMS.created) or ""),
    )  # fmt: skip


def read_links(graph: Graph, typed: Graph | None = None) -> list[Link]:
    """The links recorded in a links graph; ``typed`` (the dataset) tells each resource's kind."""
    nodes = [n for n in graph.subjects(RDF.type, TG.WikidataLink) if isinstance(n, URIRef)]
    found = [_link_from(graph, n, typed if typed is not None else graph) for n in nodes]
    return sorted((x for x in found if x is not None), key=lambda x: x.iri)


def describe_candidates(candidates: tuple[Scored, ...]) -> str:
    return "; ".join(c.describe() for c in candidates)


def review_tsv(reviews: tuple[Review, ...] | list[Review], header: str = "") -> bytes:
    """The review file: one row per unlinked entity with its candidates, for a person to check."""
    out = io.StringIO()
    if header:
        out.write("".join(f"# {line}\n" for line in header.splitlines()))
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    for r in reviews:
        writer.writerow([r.kind.value, r.iri, r.name, r.reason, describe_candidates(r.candidates) or r.note])
    return out.getvalue().encode("utf-8")


def read_review(text: str) -> list[Review]:
    """The rows of a review file, their candidates kept as the text they were written as."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [
        Review(row["iri"], Kind(row["kind"]), row["name"], row["reason"], note=row.get("candidates") or "")
        for row in csv.DictReader(lines, delimiter="\t")
    ]


def review_problems(review: Path) -> list[Problem]:
    """The review queue as problems of the one report: a warning per unlinked entity, at its row of the file."""
    if not review.exists():
        return []
    problems = []
    for number, line in enumerate(review.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#") or line.startswith(REVIEW_COLUMNS[0] + "\t"):
            continue
        entry = read_review("\t".join(REVIEW_COLUMNS) + "\n" + line)[0]
        candidates = f"; candidates: {entry.note}" if entry.note else ""
        message = f"{entry.name!r} is not linked to Wikidata: {entry.reason}{candidates}; decide by hand"
        problems.append(Problem("link.review", message, Severity.WARNING, str(review), number, focus=entry.iri))
    return problems


def review_path_for(links_path: Path) -> Path:
    """Where the review file of a links file goes: beside it, ``links.ttl`` -> ``links-review.tsv``."""
    return links_path.with_name(f"{links_path.stem}-review.tsv")


def previous(links_path: Path, typed: Graph) -> tuple[list[Link], list[Review]]:
    """The links and review entries of an earlier run, to keep what this run does not redo.

    Raises:
        TwingraphError: the links file is not Turtle; the message names it.
    """
    links: list[Link] = []
    if links_path.exists():
        try:
            links = read_links(Graph().parse(links_path, format="turtle"), typed)
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise TwingraphError(f"{links_path}: not readable Turtle ({exc}); fix or remove it and link again") from exc
    review = review_path_for(links_path)
    reviews = read_review(review.read_text(encoding="utf-8")) if review.exists() else []
    return links, reviews


def save(links: tuple[Link, ...], reviews: tuple[Review, ...], links_path: Path, endpoint: str, date: str) -> Path:
    """Write the links file and its review file, both complete before either replaces the old one; the review's path."""
    note = (
        f"Links to Wikidata made by `twingraph link` against {endpoint} on {date}.\n"
        "Facts about wd: items (English labels, coordinates) come from that endpoint, not from the page."
    )
    turtle = links_graph(links).serialize(format="turtle", encoding="utf-8")
    review = review_path_for(links_path)
    assert review.parent == links_path.parent, "the review file sits beside the links file"
    write_files(links_path.parent, {
        links_path.name: "".join(f"# {line}\n" for line in note.splitlines()).encode("utf-8") + turtle,
        review.name: review_tsv(reviews, f"Not linked: check these by hand ({endpoint}, {date})."),
    })  # fmt: skip
    return review


def links_for_base(links_path: Path, base_iri: str) -> Graph:
    """A links file as a graph whose dataset IRIs are under ``base_iri``.

    Links are written under the canonical base (DEFAULT_BASE_IRI); a build with
    another base moves them there too, so they keep pointing at its resources.

    Raises:
        TwingraphError: the file is not readable Turtle; the message names it.
    """
    try:
        graph = Graph().parse(links_path, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
        raise TwingraphError(f"{links_path}: not readable Turtle ({exc}); fix it or link again") from exc
    if base_iri == DEFAULT_BASE_IRI:
        return graph
    moved = Graph()
    for triple in graph:
        moved.add(tuple(_moved(term, base_iri) for term in triple))  # type: ignore[arg-type]
    return moved


def _moved(term: object, base_iri: str) -> object:
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(DEFAULT_BASE_IRI) and not text.startswith(DEFAULT_BASE_IRI + "ns"):
        return URIRef(base_iri + text[len(DEFAULT_BASE_IRI) :])
    return term
