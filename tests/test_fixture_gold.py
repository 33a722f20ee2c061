"""The held-out extraction fixture: its gold records load, map to RDF and conform to the shapes.

tests/fixtures/extract/ holds an invented page in the style of the Kazan page and the
records a careful reviewer writes from it (see its README). An extractor is scored
against these records, so they must pass every check the real records pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph

from twingraph.config import Settings
from twingraph.model import Dataset
from twingraph.rdf.mapping import records_to_graph
from twingraph.rdf.vocabulary import concept_triples, load_ontology
from twingraph.records import cross_check, load_dataset, normalise_space
from twingraph.validate import validate_graph

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "extract"
RECORDS = FIXTURE / "records"
SOURCES = FIXTURE / "sources"
SECTION = re.compile(r"^  • (\S.*?) \((.+)\)$", re.MULTILINE)


@pytest.fixture(scope="module")
def gold() -> Dataset:
    return load_dataset(RECORDS, SOURCES)


@pytest.fixture(scope="module")
def page(gold: Dataset) -> str:
    (source,) = gold.sources
    return source.text


def test_the_gold_loads_with_no_cross_file_problems(gold: Dataset) -> None:
    assert cross_check(gold) == []
    assert {f.source for _, f in gold.files} == {"fictional-partner-cities"}


def test_every_section_of_the_page_has_a_partner_file(gold: Dataset, page: str) -> None:
    sections = {name: country for name, country in SECTION.findall(page)}
    partners = {c.name: c.country_as_written for c in gold.cities if c.role == "partner"}
    assert partners == sections
    assert len(partners) == 6
    assert [c.name for c in gold.cities if c.role == "home"] == ["Заречинск"]


def test_every_document_line_is_an_agreement(gold: Dataset, page: str) -> None:
    lines = [normalise_space(line) for line in page.splitlines() if line.strip().startswith("Документ:")]
    titles = [normalise_space(a.title) for a in gold.agreements]
    assert len(lines) == len(titles) == 7
    for line in lines:
        assert sum(title in line for title in titles) == 1, line


def test_the_about_texts_are_verbatim(gold: Dataset, page: str) -> None:
    flat = normalise_space(page)
    partners = [c for c in gold.cities if c.role == "partner"]
    assert all(c.about and normalise_space(c.about) in flat for c in partners)


def test_a_person_written_with_initials_is_also_named_in_full(gold: Dataset, page: str) -> None:
    aliased = [p for p in gold.persons if p.also_written]
    assert len(aliased) == 4
    for person in aliased:
        assert person.name in page, person.name
        assert all(re.search(r"\b[А-ЯЁ]\.[А-ЯЁ]\.", alias) for alias in person.also_written), person.also_written


def test_the_gold_graph_conforms_to_the_shapes(gold: Dataset, settings: Settings, shapes: Graph) -> None:
    graph = records_to_graph(gold, settings.base_iri)
    for triple in concept_triples(load_ontology(settings.ontology_dir)):
        graph.add(triple)
    report = validate_graph(graph, shapes)
    assert report.conforms, report.text()
