"""The blind extraction fixtures: their gold records load, map to RDF and conform to the shapes.

Each folder in BLIND (tests/fixtures/extract/blind*/) holds an invented page, written without
knowledge of the extractor's rules, and the records a careful reviewer writes from it (see its
README). The extractor's first score on it is a blind, held-out figure, so the gold must pass
every check the real records pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest
import yaml
from rdflib import Graph

from twingraph.config import Settings
from twingraph.model import Dataset
from twingraph.rdf.mapping import records_to_graph
from twingraph.rdf.vocabulary import concept_triples, load_ontology
from twingraph.records import cross_check, load_dataset, normalise_space
from twingraph.validate import validate_graph

EXTRACT = Path(__file__).resolve().parent / "fixtures" / "extract"
SECTION = re.compile(r"^  • (\S.*?) \((.+)\)$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Blind:
    """A blind fixture: its folder, page, home city, and how many partner sections and «Документ:» lines it has."""

    folder: str
    page: str
    home: str
    partners: int
    documents: int

    @property
    def source(self) -> Path:
        return EXTRACT / self.folder / "sources" / f"{self.page}.txt"


BLIND = [
    Blind("blind", "blind-partner-cities", "Ключегорск", 5, 6),
    Blind("blind4", "second-blind-partner-cities", "Каменобродск", 5, 7),
]


@pytest.fixture(scope="module", params=BLIND, ids=[b.folder for b in BLIND])
def blind(request: pytest.FixtureRequest) -> Blind:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def gold(blind: Blind) -> Dataset:
    return load_dataset(EXTRACT / blind.folder / "records", blind.source.parent)


@pytest.fixture(scope="module")
def page(gold: Dataset) -> str:
    (source,) = gold.sources
    return source.text


def test_the_sidecar_names_the_page_and_its_sha256(blind: Blind) -> None:
    meta = yaml.safe_load(blind.source.with_suffix(".yaml").read_text(encoding="utf-8"))
    assert meta["id"] == blind.page
    assert meta["sha256"] == hashlib.sha256(blind.source.read_bytes()).hexdigest()
    assert meta["url"].startswith("https://example.org/")


def test_the_gold_loads_with_no_cross_file_problems(gold: Dataset, blind: Blind) -> None:
    assert cross_check(gold) == []
    assert {f.source for _, f in gold.files} == {blind.page}


def test_every_quote_is_on_the_page(gold: Dataset, page: str) -> None:
    flat = normalise_space(page)
    quotes = [q for _, f in gold.files for q in _quotes(f.model_dump(mode="python"))]
    assert quotes
    assert [q for q in quotes if normalise_space(q) not in flat] == []


def _quotes(data: object) -> list[str]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == "quote" and isinstance(v, str)] + [
            q for k, v in data.items() if k != "quote" for q in _quotes(v)
        ]
    if isinstance(data, (list, tuple)):
        return [q for item in data for q in _quotes(item)]
    return []


def test_every_section_of_the_page_has_a_partner_file(gold: Dataset, page: str, blind: Blind) -> None:
    sections = {name: country for name, country in SECTION.findall(page)}
    partners = {c.name: c.country_as_written for c in gold.cities if c.role == "partner"}
    assert partners == sections
    assert len(partners) == blind.partners
    assert [c.name for c in gold.cities if c.role == "home"] == [blind.home]


def test_every_document_line_is_an_agreement(gold: Dataset, page: str, blind: Blind) -> None:
    lines = [normalise_space(line) for line in page.splitlines() if line.strip().startswith("Документ:")]
    titles = [normalise_space(a.title) for a in gold.agreements]
    assert len(lines) == len(titles) == blind.documents
    for line in lines:
        assert sum(title in line for title in titles) == 1, line


def test_the_about_texts_are_verbatim(gold: Dataset, page: str) -> None:
    flat = normalise_space(page)
    partners = [c for c in gold.cities if c.role == "partner"]
    assert all(c.about and normalise_space(c.about) in flat for c in partners)


def test_the_page_has_enough_dated_paragraphs(gold: Dataset) -> None:
    assert 40 <= len({e.quote for e in gold.events}) and len(gold.events) >= 50


def test_the_gold_graph_conforms_to_the_shapes(gold: Dataset, settings: Settings, shapes: Graph) -> None:
    graph = records_to_graph(gold, settings.base_iri)
    for triple in concept_triples(load_ontology(settings.ontology_dir)):
        graph.add(triple)
    report = validate_graph(graph, shapes)
    assert report.conforms, report.text()
