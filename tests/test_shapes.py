"""Each SHACL shape: a conforming example from the real data and a violating one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from twingraph.problems import Severity, Site
from twingraph.rdf.namespaces import OA, SCHEMA, TG
from twingraph.validate import Engine, Report, validate_graph

BASE = "https://twingraph.example/"
EVENT = URIRef(BASE + "event/tehran-2023-05-25-meeting")
TEHRAN = URIRef(BASE + "city/tehran")
MEETING = URIRef(f"{EVENT}/meeting/ilsur-metshin--khamidreza-golamzade")
SIGNING = URIRef(BASE + "event/tehran-2025-04-11-signing")  # it signs agreement/tehran-friendship-2025
Mutation = Callable[[Graph], None]


HUBS = {TG.partnerOf, SCHEMA.superEvent, SCHEMA.subEvent}


def closure(graph: Graph, focus: URIRef) -> Graph:
    """The triples of ``focus`` and of everything it points to, not crossing to other partnerships."""
    out, todo, seen = Graph(), [focus], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            if triple[1] in HUBS:
                continue
            out.add(triple)
            if not isinstance(triple[2], Literal):
                todo.append(triple[2])
    return out


def first(graph: Graph, prop: URIRef, subject: URIRef) -> URIRef:
    value = graph.value(subject, prop)
    assert isinstance(value, URIRef)
    return value


def replace(prop: URIRef, value: object, subject: URIRef = EVENT) -> Mutation:
    def mutate(g: Graph) -> None:
        g.set((subject, prop, value))  # type: ignore[arg-type]

    return mutate


def remove(prop: URIRef, subject: URIRef = EVENT) -> Mutation:
    def mutate(g: Graph) -> None:
        g.remove((subject, prop, None))

    return mutate


def on_participation(mutate: Callable[[Graph, URIRef], None]) -> Mutation:
    return lambda g: mutate(g, first(g, TG.participation, EVENT))


def on_object(prop: URIRef, inner: Callable[[URIRef], Mutation], subject: URIRef = EVENT) -> Mutation:
    return lambda g: inner(first(g, prop, subject))(g)


VIOLATIONS: dict[str, tuple[URIRef, Mutation, str]] = {
    "event-without-start": (EVENT, remove(SCHEMA.startDate), "start date"),
    "event-date-untyped": (EVENT, replace(SCHEMA.startDate, Literal("2023-05-25")), "start date"),
    "event-in-the-future": (EVENT, replace(SCHEMA.startDate, Literal("9999-01-01", datatype=XSD.date)), "future"),
    "event-ends-before-start": (EVENT, replace(SCHEMA.endDate, Literal("2023-04", datatype=XSD.gYearMonth)), "ends before"),
    "event-without-quote": (EVENT, remove(TG.quote), "source sentence"),
    "event-nobody-nowhere": (EVENT, lambda g: (remove(TG.participation)(g), remove(SCHEMA.location)(g)), "must conform to one or more"),
    "event-without-name": (EVENT, remove(SCHEMA.name), "Russian name"),
    "participation-without-participant": (EVENT, on_participation(lambda g, p: g.remove((p, TG.participant, None))), "one participant"),
    "person-two-names": (EVENT, on_participation(
        lambda g, p: g.add((first(g, TG.participant, p), SCHEMA.name, Literal("Другое имя", lang="ru")))), "canonical name"),
    "person-without-event": (EVENT, lambda g: g.add((URIRef(BASE + "person/nobody"), RDF.type, TG.Person)), "must take part in an event"),
    "post-without-name": (EVENT, on_participation(lambda g, p: g.remove((first(g, TG.post, p), SCHEMA.name, None))), "Russian name"),
    "city-offset-out-of-range": (TEHRAN, replace(TG.utcOffset, Literal("+15:00"), TEHRAN), "UTC offset"),
    "city-without-country": (TEHRAN, remove(TG.country, TEHRAN), "country"),
    "country-without-name": (TEHRAN, on_object(TG.country, lambda c: remove(SCHEMA.name, c), TEHRAN), "Russian name"),
    # "0", not 0: rdflib keeps the Python int as the value, and pySHACL then finds it no xsd:decimal
    "population-not-positive": (TEHRAN, on_object(TG.population, lambda o: replace(TG.value, Literal("0", datatype=XSD.decimal), o), TEHRAN), "positive"),
    "founding-year-and-century": (TEHRAN, on_object(TG.founding, lambda o: replace(TG.year, Literal(850), o), TEHRAN), "exactly one shape"),
    "quote-without-text": (EVENT, on_object(TG.quote, lambda q: lambda g: g.remove((first(g, OA.hasSelector, q), OA.exact, None))), "exact text"),
    "source-bad-digest": (EVENT, on_object(URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), lambda s: replace(TG.sha256, Literal("abc"), s)), "does not match pattern"),
    "agreement-in-the-future": (URIRef(BASE + "agreement/tehran-friendship-2025"),
        replace(SCHEMA.dateCreated, Literal("9999", datatype=XSD.gYear), URIRef(BASE + "agreement/tehran-friendship-2025")), "future"),
    "agreement-without-party": (URIRef(BASE + "agreement/tehran-friendship-2025"),
        remove(TG.party, URIRef(BASE + "agreement/tehran-friendship-2025")), "party"),
    "organization-without-name": (URIRef(BASE + "organization/aziatskij-forum-merov"),
        remove(SCHEMA.name, URIRef(BASE + "organization/aziatskij-forum-merov")), "Russian name"),
    "meeting-without-event": (MEETING, remove(TG.event, MEETING), "derived from one event"),
    "signing-in-another-year": (SIGNING, replace(SCHEMA.startDate, Literal("2024-04-11", datatype=XSD.date), SIGNING),
        "another year"),
    "signing-of-a-city": (SIGNING, replace(TG.signs, TEHRAN, SIGNING), "signs agreements"),
    "meeting-with-oneself": (MEETING, lambda g: g.set((MEETING, TG.secondPerson, first(g, TG.firstPerson, MEETING))),
        "not the first one"),
}  # fmt: skip


def found(report: Report) -> set[tuple[str, str, str]]:
    """What the engines must agree on: (focus node, path, constraint component) of each violation."""
    return {(v.focus, v.path, v.component) for v in report.violations}


@pytest.mark.parametrize("engine", list(Engine), ids=lambda e: e.value)
@pytest.mark.parametrize("focus", [EVENT, TEHRAN, URIRef(BASE + "agreement/tehran-friendship-2025"),
                                   URIRef(BASE + "organization/aziatskij-forum-merov"), MEETING, SIGNING],
                         ids=str)  # fmt: skip
def test_real_examples_conform(graph: Graph, shapes: Graph, focus: URIRef, engine: Engine) -> None:
    sample = closure(graph, focus)
    assert len(sample) > 10
    report = validate_graph(sample, shapes, engine)
    assert report.conforms, report.text()


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_violating_examples_are_reported_alike_by_both_engines(graph: Graph, shapes: Graph, name: str) -> None:
    focus, mutate, message = VIOLATIONS[name]
    sample = closure(graph, focus)
    mutate(sample)
    compiled, reference = (validate_graph(sample, shapes, engine) for engine in (Engine.OXIGRAPH, Engine.PYSHACL))
    for report in (compiled, reference):
        assert not report.conforms
        assert any(message in v.message for v in report.violations), report.text()
    assert found(compiled) == found(reference), f"compiled:\n{compiled.text()}\npySHACL:\n{reference.text()}"


@pytest.mark.parametrize("engine", list(Engine), ids=lambda e: e.value)
def test_a_violation_inside_an_event_is_located_at_the_event_record(graph: Graph, shapes: Graph,
                                                                    engine: Engine) -> None:  # fmt: skip
    _, mutate, _ = VIOLATIONS["participation-without-participant"]
    sample = closure(graph, EVENT)
    mutate(sample)
    problems = validate_graph(sample, shapes, engine).problems({str(EVENT): Site("tehran.yaml", 40, "events.0")})
    inside = [p for p in problems if p.focus and p.focus.startswith(f"{EVENT}/participant/")]
    assert inside and {(p.file, p.line, p.severity) for p in inside} == {("tehran.yaml", 40, Severity.ERROR)}
    assert all(p.rule.startswith("shacl.") and p.text().startswith(f"tehran.yaml:40: {p.focus}: ") for p in inside)


def test_the_published_dataset_validates_clean(built: object) -> None:
    from twingraph.pipeline import Built

    assert isinstance(built, Built)
    assert built.report.conforms and built.report.violations == ()
