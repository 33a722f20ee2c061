"""The namespaces of the published graph; twingraph's own terms come from ontology/."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD, ClosedNamespace

from twingraph.config import ONTOLOGY_IRI

SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
WD = Namespace("http://www.wikidata.org/entity/")
AGREEMENT_TYPE = Namespace("https://twingraph.example/ns/agreement-type/")
EVENT_TYPE = Namespace("https://twingraph.example/ns/event-type/")

# The terms defined in ontology/twingraph.ttl; tests/test_rdf.py keeps the two equal.
TG_TERMS = (
    "City", "PartnerCity", "Country", "Agreement", "AgreementType", "Person", "Post", "Organization", "Event",
    "EventType", "Participation", "Observation", "PopulationObservation", "AreaObservation",
    "Founding", "SourcePage", "Quote", "AgreementTypes", "EventTypes",
    "country", "partnerOf", "founding", "population", "area", "agreementType", "party", "signs",
    "eventType", "participation", "participant", "post", "onBehalfOf", "quote", "forProperty",
    "year", "century", "approximate", "statedAs", "value", "utcOffset", "photoCredit", "venue",
    "online", "asDelegation", "note", "retrieved", "sha256",
    "WikidataLink", "linkedResource", "wikidataItem", "matchMethod", "matchScore", "lastChecked",
    "Meeting", "event", "firstPerson", "secondPerson", "date", "sortKey",
)  # fmt: skip
TG = ClosedNamespace(ONTOLOGY_IRI, list(TG_TERMS))

PREFIXES: dict[str, str] = {
    "tg": ONTOLOGY_IRI,
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "oa": str(OA),
    "org": str(ORG),
    "time": str(TIME),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "wd": str(WD),
    "agreement-type": str(AGREEMENT_TYPE),
    "event-type": str(EVENT_TYPE),
}


def prefixed_graph() -> Graph:
    """A fresh, empty graph with the project's prefixes bound (and no others beyond rdflib's core)."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    return graph
