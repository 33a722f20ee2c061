"""The ontology file, and the part of it that the published data carries along."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from twingraph.rdf.mapping import Triple


def load_ontology(ontology_dir: Path) -> Graph:
    """The ontology in Turtle, ``ontology/twingraph.ttl``."""
    return Graph().parse(ontology_dir / "twingraph.ttl", format="turtle")


def concept_triples(ontology: Graph) -> Iterator[Triple]:
    """The SKOS schemes and concepts (agreement and event types) with their labels."""
    for node in {*ontology.subjects(RDF.type, SKOS.Concept), *ontology.subjects(RDF.type, SKOS.ConceptScheme)}:
        yield from ontology.triples((node, None, None))  # type: ignore[misc]
