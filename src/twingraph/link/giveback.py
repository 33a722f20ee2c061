"""Give back to Wikidata: the page's partner cities against "twinned administrative body" (P190), both ways.

Only linked cities take part: an unlinked or ambiguous partner is reported and
never gets a QuickStatements line.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from twingraph.errors import TwingraphError
from twingraph.fileio import write_atomic
from twingraph.link.candidates import PROLOGUE, batches, qid_of
from twingraph.link.client import SparqlClient
from twingraph.link.output import read_links
from twingraph.rdf.namespaces import TG

GAP_COLUMNS = ["city", "name", "qid", "home_lists_partner", "partner_lists_home", "source", "retrieved"]


@dataclasses.dataclass(frozen=True)
class Partner:
    """A partner city of the page, its item if linked, and what P190 says each way."""

    iri: str
    name: str
    qid: str | None
    source: str
    retrieved: str
    home_lists: bool = False  # the home city's item has P190 -> this partner
    partner_lists: bool = False  # this partner's item has P190 -> the home city


@dataclasses.dataclass(frozen=True)
class Gaps:
    """The P190 comparison for one home city."""

    home_iri: str
    home_name: str
    home_qid: str
    partners: tuple[Partner, ...]
    wikidata_only: tuple[str, ...]  # P190 of the home city not among the page's partners
    endpoint: str


def home_city(graph: Graph) -> URIRef:
    """The city the page is about: partner of others, not itself a partner city."""
    for city in sorted({c for c in graph.subjects(TG.partnerOf, None) if isinstance(c, URIRef)}):
        if (city, RDF.type, TG.PartnerCity) not in graph:
            return city
    raise TwingraphError("the graph has no home city (a tg:City with tg:partnerOf that is not a tg:PartnerCity)")


def page_partners(graph: Graph, home: URIRef, links: dict[str, str]) -> list[Partner]:
    """The partner cities of the home city with the page each is stated on and its retrieval date."""
    partners = []
    for city in sorted({c for c in graph.objects(home, TG.partnerOf) if isinstance(c, URIRef)}):
        source = next(
            (s for s in graph.objects(city, PROV.wasDerivedFrom) if (s, RDF.type, TG.SourcePage) in graph), None
        )
        retrieved = graph.value(source, TG.retrieved) if source is not None else None
        partners.append(Partner(str(city), str(graph.value(city, RDFS.label) or city), links.get(str(city)),
                                str(source or ""), str(retrieved or "")))  # fmt: skip
    return partners


def p190_query(qids: list[str]) -> str:
    items = " ".join(f"wd:{q}" for q in qids)
    return PROLOGUE + f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {items} }} ?a wdt:P190 ?b . }}"


def twinned(client: SparqlClient, qids: list[str]) -> set[tuple[str, str]]:
    """The P190 statements of the given items, as (item, twin) pairs."""
    pairs = set()
    for batch in batches(sorted(set(qids))):
        for row in client.select(p190_query(list(batch))):
            a, b = qid_of(row.get("a", {}).get("value", "")), qid_of(row.get("b", {}).get("value", ""))
            if a and b:
                pairs.add((a, b))
    return pairs


def find_gaps(client: SparqlClient, graph: Graph, links: dict[str, str]) -> Gaps:
    """Compare the page's partners with P190 of the home city and of each linked partner.

    Raises:
        TwingraphError: the home city is not linked, so nothing can be compared.
        LinkError: the endpoint failed.
    """
    home = home_city(graph)
    home_qid = links.get(str(home))
    if home_qid is None:
        raise TwingraphError(f"{home} has no Wikidata link; run `twingraph link` first and check the review file")
    partners = page_partners(graph, home, links)
    linked = [p.qid for p in partners if p.qid]
    pairs = twinned(client, [home_qid, *linked])
    checked = tuple(
        dataclasses.replace(p, home_lists=(home_qid, p.qid) in pairs, partner_lists=(p.qid, home_qid) in pairs)
        if p.qid
        else p
        for p in partners
    )
    extra = tuple(sorted({b for a, b in pairs if a == home_qid} - set(linked), key=lambda q: int(q[1:])))
    name = str(graph.value(home, RDFS.label) or home)
    return Gaps(str(home), name, home_qid, checked, extra, client.options.endpoint)


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def gaps_tsv(gaps: Gaps) -> bytes:
    """The gap report: one row per partner of the page; Wikidata-only twins at the end."""
    out = io.StringIO()
    out.write(f"# P190 of {gaps.home_name} ({gaps.home_qid}) and of its partners on the page, from {gaps.endpoint}\n")
    out.write(
        "# yes/no: whether the statement is on Wikidata; unlinked: the partner has no link, so it is not checked\n"
    )
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(GAP_COLUMNS)
    for p in gaps.partners:
        home, back = (yes_no(p.home_lists), yes_no(p.partner_lists)) if p.qid else ("unlinked", "unlinked")
        writer.writerow([p.iri, p.name, p.qid or "", home, back, p.source, p.retrieved])
    for qid in gaps.wikidata_only:
        writer.writerow(["", "(on Wikidata, not on the page)", qid, "yes", "", "", ""])
    return out.getvalue().encode("utf-8")


def statement(subject: str, twin: str, partner: Partner) -> str:
    """One QuickStatements v1 line: P190 with the source page (S854) and its retrieval date (S813)."""
    reference = f'S854\t"{partner.source}"'
    if partner.retrieved:
        reference += f"\tS813\t+{partner.retrieved}T00:00:00Z/11"
    return f"{subject}\tP190\t{twin}\t{reference}"


def quickstatements(gaps: Gaps) -> str:
    """QuickStatements v1 (tab-separated) adding the missing P190 statements, both ways, linked partners only."""
    lines = []
    for p in gaps.partners:
        if p.qid is None or not p.source:
            continue
        if not p.home_lists:
            lines.append(statement(gaps.home_qid, p.qid, p))
        if not p.partner_lists:
            lines.append(statement(p.qid, gaps.home_qid, p))
    return "".join(line + "\n" for line in lines)


def summary(gaps: Gaps) -> str:
    """One line for a person: how many partners, and how many P190 statements are missing each way.

    >>> print(summary(Gaps("urn:k", "Казань", "Q900", (), (), "urn:e")))
    Казань (Q900): 0 partners on the page; P190 missing on Q900: 0, missing back: 0, on Wikidata only: 0
    """
    missing_home = sum(1 for p in gaps.partners if p.qid and not p.home_lists)
    missing_back = sum(1 for p in gaps.partners if p.qid and not p.partner_lists)
    return (
        f"{gaps.home_name} ({gaps.home_qid}): {len(gaps.partners)} partners on the page; "
        f"P190 missing on {gaps.home_qid}: {missing_home}, missing back: {missing_back}, "
        f"on Wikidata only: {len(gaps.wikidata_only)}"
    )


def give_back(client: SparqlClient, graph: Graph, links_file: Path, gaps_path: Path, qs_path: Path) -> tuple[Gaps, int]:
    """Compare the page's partners with P190 through ``client``; write the gap report and the QuickStatements.

    Returns the gaps and the number of statements written. Each file is replaced only once written whole.

    Raises:
        TwingraphError: there is no links file yet (run ``twingraph link``), or the page names no home city.
        LinkError: the endpoint failed.
    """
    if not links_file.exists():
        raise TwingraphError(f"{links_file} does not exist; run `twingraph link` first")
    links = {link.iri: link.qid for link in read_links(Graph().parse(links_file, format="turtle"), graph)}
    gaps = find_gaps(client, graph, links)
    write_atomic(gaps_path, gaps_tsv(gaps))
    lines = quickstatements(gaps)
    write_atomic(qs_path, lines.encode("utf-8"))
    return gaps, len(lines.splitlines())
