"""One linking run: the entities of a graph -> candidates -> decisions (links and review entries)."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

from rdflib import Graph

from twingraph.link.candidates import find_candidates
from twingraph.link.client import SparqlClient
from twingraph.link.entities import Entity, Kind, read_entities
from twingraph.link.match import Item, Link, NameHit, Review, decide, normalise, query_forms, score
from twingraph.link.output import previous, save
from twingraph.progress import Progress


@dataclasses.dataclass(frozen=True)
class LinkRun:
    """What a run decided, where it asked and when."""

    links: tuple[Link, ...]
    reviews: tuple[Review, ...]
    endpoint: str
    date: datetime.date


def decide_all(
    entities: list[Entity], hits: list[NameHit], items: dict[str, Item], countries: dict[str, str]
) -> list[Link | Review]:
    """A decision for each entity from the candidates its names found."""
    by_name: dict[str, list[NameHit]] = {}
    for hit in hits:
        by_name.setdefault(normalise(hit.text), []).append(hit)
    decisions: list[Link | Review] = []
    for entity in entities:
        found = [h for form in query_forms(entity) for h in by_name.get(normalise(form), [])]
        per_item: dict[str, list[NameHit]] = {}
        for hit in found:
            per_item.setdefault(hit.qid, []).append(hit)
        scored = [score(entity, items[q], per_item[q], countries) for q in sorted(per_item)]
        decisions.append(decide(entity, scored, items))
    return decisions


def run_kind(
    client: SparqlClient, entities: list[Entity], countries: dict[str, str], progress: Progress
) -> list[Link | Review]:
    """Find and decide the candidates of entities of one kind."""
    names = [form for entity in entities for form in query_forms(entity)]
    hits, items = find_candidates(client, names, progress)
    return decide_all(entities, hits, items, countries)


def link_entities(client: SparqlClient, entities: list[Entity], kinds: tuple[Kind, ...], date: datetime.date,
                  progress: Progress = lambda _: None) -> LinkRun:  # fmt: skip
    """Link the entities of the given kinds; countries are always matched first, as context for the others.

    Raises:
        LinkError: the endpoint failed; nothing of this run is returned.
    """
    order = [Kind.COUNTRY, *(k for k in Kind if k is not Kind.COUNTRY)]
    countries: dict[str, str] = {}
    decisions: list[Link | Review] = []
    for kind in order:
        if kind not in kinds and kind is not Kind.COUNTRY:
            continue
        chosen = [e for e in entities if e.kind is kind]
        progress(f"linking {len(chosen)} {kind.value}")
        decided = run_kind(client, chosen, countries, progress)
        if kind is Kind.COUNTRY:
            countries = {d.iri: d.qid for d in decided if isinstance(d, Link)}
        if kind in kinds:
            decisions.extend(decided)
    endpoint, day = client.options.endpoint, date.isoformat()
    links = tuple(
        dataclasses.replace(d, endpoint=endpoint, created=day, checked=day) for d in decisions if isinstance(d, Link)
    )
    reviews = tuple(d for d in decisions if isinstance(d, Review))
    return LinkRun(links, reviews, client.options.endpoint, date)


def carry_creation(link: Link, earlier: dict[str, Link]) -> Link:
    """A relinked resource keeps one record: the first creation date while the item stays the same.

    >>> from twingraph.link.entities import Kind
    >>> old = Link("urn:x", Kind.CITY, "X", "Q1", 100, "label", created="2026-11-27", checked="2026-11-27")
    >>> new = Link("urn:x", Kind.CITY, "X", "Q1", 100, "label", created="2027-12-04", checked="2027-12-04")
    >>> carried = carry_creation(new, {"urn:x": old})
    >>> carried.created, carried.checked
    ('2026-11-27', '2027-12-04')
    >>> carry_creation(dataclasses.replace(new, qid="Q2"), {"urn:x": old}).created
    '2027-12-04'
    """
    before = earlier.get(link.iri)
    if before is None or before.qid != link.qid or not before.created:
        return link
    return dataclasses.replace(link, created=before.created)


def merge_runs(old_links: list[Link], old_reviews: list[Review], run: LinkRun, kinds: tuple[Kind, ...]) -> LinkRun:
    """The new run's decisions for its kinds, and the earlier ones for the kinds it did not redo.

    A link the run makes again replaces the earlier record of the same resource; it keeps
    that record's creation date when it names the same item, and gets the run's date as
    the date it was last checked.
    """
    earlier = {link.iri: link for link in old_links}
    relinked = tuple(carry_creation(link, earlier) for link in run.links)
    kept_links = tuple(link for link in old_links if link.kind not in kinds)
    kept_reviews = tuple(r for r in old_reviews if r.kind not in kinds)
    links = tuple(sorted((*kept_links, *relinked), key=lambda x: x.iri))
    reviews = tuple(sorted((*kept_reviews, *run.reviews), key=lambda x: x.iri))
    return dataclasses.replace(run, links=links, reviews=reviews)


def relink(client: SparqlClient, graph: Graph, target: Path, kinds: tuple[Kind, ...], date: datetime.date,
           progress: Progress = lambda _: None) -> tuple[LinkRun, LinkRun, Path]:  # fmt: skip
    """One `twingraph link`: link the graph's entities, merge with the links file's earlier run, save both files.

    Args:
        target: the links file; its review file goes beside it.
        kinds: the kinds to link again; the earlier decisions for the others are kept.

    Returns:
        This run alone, the merged result that was written, and the review file's path.

    Raises:
        LinkError: the endpoint failed; nothing was written.
        TwingraphError: the earlier links file is unreadable.
    """
    old_links, old_reviews = previous(target, graph)
    run = link_entities(client, read_entities(graph), kinds, date, progress)
    merged = merge_runs(old_links, old_reviews, run, kinds)
    review = save(merged.links, merged.reviews, target, client.options.endpoint, date.isoformat())
    return run, merged, review
