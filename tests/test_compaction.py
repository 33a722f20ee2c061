"""Templated compaction gives pyld's own answer, on the published context and on contexts made up to trip it.

:mod:`twingraph.rdf.compaction` writes each value from pyld's answer for its kind. These
tests compare it with pyld compacting the same nodes whole: on the dataset, on random
graphs over the published context's own terms, and on random contexts where several terms
share an IRI and differ in type, language and container (pyld's term selection). A
template that pyld would not have given shows up as a difference.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from twingraph.config import Settings
from twingraph.export import load_context
from twingraph.rdf.compaction import GrowingTemplates, compacted_nodes, plain_context
from twingraph.rdf.jsonld import compacted, expanded, pyld_compacted, pyld_nodes, with_plain_dates

XSD = "http://www.w3.org/2001/XMLSchema#"
PROPERTIES = [f"https://x.example/p{n}" for n in range(3)]
CLASSES = ["https://x.example/A", "https://x.example/B"]
LANGUAGES = ["ru", "en", "de-CH"]
LANGUAGE_SET = ["@language", "@set"]
DATATYPES = [f"{XSD}{name}" for name in ("date", "gYear", "integer", "decimal", "boolean")]


def templated_or_none(nodes: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]] | None:
    return compacted_nodes(nodes, context, pyld_nodes(context), least=0)


def pyld_graph(nodes: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
    return pyld_compacted(nodes, context)["@graph"]  # type: ignore[no-any-return]


def expanded_values(iris: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Expanded value objects: strings with and without language or datatype, numbers, booleans, IRIs, blank nodes."""
    text = st.text(max_size=6)
    return st.one_of(
        st.builds(lambda value: {"@value": value}, text),
        st.builds(lambda value, language: {"@value": value, "@language": language}, text, st.sampled_from(LANGUAGES)),
        st.builds(lambda value, datatype: {"@value": value, "@type": datatype}, text, st.sampled_from(DATATYPES)),
        st.builds(lambda value: {"@value": value}, st.integers(-(10**12), 10**12)),
        st.builds(lambda value: {"@value": value}, st.floats(allow_nan=False, allow_infinity=False)),
        st.builds(lambda value: {"@value": value}, st.booleans()),
        st.builds(lambda iri: {"@id": iri}, st.sampled_from(iris)),
        st.builds(lambda n: {"@id": f"_:b{n}"}, st.integers(0, 3)),
    )


def expanded_nodes(properties: list[str], iris: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Flat expanded graphs: nodes with types and properties, each property with one to three values."""
    node = st.fixed_dictionaries(
        {"@id": st.sampled_from([*iris, "_:b0", "_:b1", "https://x.example/r"])},
        optional={"@type": st.lists(st.sampled_from(iris), min_size=1, max_size=2, unique=True)},
    )
    props = st.dictionaries(st.sampled_from(properties), st.lists(expanded_values(iris), min_size=1, max_size=3))
    nodes = st.builds(lambda head, rest: {**head, **rest}, node, props)
    return st.lists(nodes, max_size=4, unique_by=lambda n: n["@id"])


def term_definitions(iri: str) -> st.SearchStrategy[Any]:
    """One term for a property, in the forms JSON-LD allows and pyld's term selection tells apart."""
    container = st.sampled_from([None, "@set", "@language", LANGUAGE_SET])

    def definition(kind: str, value: Any, set_container: Any) -> Any:
        if kind == "plain":
            return iri
        if kind == "language_container":
            return {"@id": iri, "@container": set_container or "@language"}
        chosen = {"@id": iri, kind: value}
        if set_container == "@set":
            chosen["@container"] = "@set"
        return chosen

    return st.one_of(
        st.builds(definition, st.just("plain"), st.none(), st.none()),
        st.builds(definition, st.just("@type"), st.sampled_from(["@id", "@vocab", *DATATYPES]), container),
        st.builds(definition, st.just("@language"), st.sampled_from([*LANGUAGES, None]), container),
        st.builds(definition, st.just("language_container"), st.none(), st.sampled_from(["@language", LANGUAGE_SET])),
    )


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    """Contexts whose terms share IRIs, with or without a default language, and classes named by terms."""
    context: dict[str, Any] = {}
    if draw(st.booleans()):
        context["@language"] = draw(st.sampled_from(LANGUAGES))
    for index in range(draw(st.integers(1, 6))):
        context[f"t{index}"] = draw(term_definitions(draw(st.sampled_from(PROPERTIES))))
    if draw(st.booleans()):
        context["A"] = CLASSES[0]
    return context


def nodes_over_the_published_terms(context: dict[str, Any]) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Flat expanded graphs using the context's own properties and classes, and IRIs it does not name."""
    named = sorted({value for value in context.values() if isinstance(value, str) and value.startswith("http")})
    properties = sorted({d["@id"] for d in context.values() if isinstance(d, dict) and "@id" in d})
    return expanded_nodes([*properties[:12], "https://x.example/unknown"], [*named[:6], *CLASSES])


@pytest.fixture(scope="module")
def context(settings: Settings) -> dict[str, Any]:
    return load_context(settings.ontology_dir)


def test_the_dump_is_pylds_compaction(graph: Graph, context: dict[str, Any]) -> None:
    """The dataset's dump is what pyld gives compacting the graph whole, and the templates were used."""
    nodes = expanded(graph)
    templated = compacted_nodes(nodes, context, lambda probes: pyld_graph(probes, context))
    assert templated is not None  # the dataset is large enough for the templates to be worth their probes
    assert templated == pyld_graph(nodes, context)
    assert compacted(graph, context) == with_plain_dates(pyld_compacted(nodes, context), context)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_graphs_over_the_published_terms_compact_as_pyld_does(
    context: dict[str, Any], data: st.DataObject
) -> None:
    """Random nodes using the published context's own properties and classes, and IRIs it does not name."""
    nodes = data.draw(nodes_over_the_published_terms(context))
    templated = templated_or_none(nodes, context)
    assert templated is not None
    assert templated == pyld_graph(nodes, context)


@settings(max_examples=150, deadline=None)
@given(context=contexts(), nodes=expanded_nodes(PROPERTIES, CLASSES))
def test_random_contexts_compact_as_pyld_does_or_are_left_to_it(
    context: dict[str, Any], nodes: list[dict[str, Any]]
) -> None:
    """Several terms per IRI, typed, with a language or a language map: the templates give pyld's answer or none."""
    templated = templated_or_none(nodes, context)
    assert templated is None or templated == pyld_graph(nodes, context)


def test_a_small_graph_is_left_to_pyld_and_compacts_the_same(graph: Graph, context: dict[str, Any]) -> None:
    """A resource's description holds too few values per kind to repay the probes: pyld compacts it whole."""
    subject = next(iter(graph.subjects()))
    description = Graph()
    for triple in graph.triples((subject, None, None)):
        description.add(triple)
    nodes = expanded(description)
    assert compacted_nodes(nodes, context, lambda probes: pyld_graph(probes, context)) is None
    assert templated_or_none(nodes, context) == pyld_graph(nodes, context)
    assert compacted(description, context) == with_plain_dates(pyld_compacted(nodes, context), context)


@pytest.mark.parametrize(
    "extra",
    [{"@vocab": "https://x.example/"}, {"x": "https://x.example/"}, {"@base": "https://x.example/"}, {"id": "@id"}],
)
def test_a_context_that_compacts_iris_by_their_text_is_left_to_pyld(extra: dict[str, Any]) -> None:
    """With ``@vocab``, ``@base``, a prefix or a keyword alias an IRI's text decides its form: no templates."""
    plain = {"t0": {"@id": PROPERTIES[0], "@type": "@id"}}
    context = {**plain, **extra}
    nodes = [
        {
            "@id": "https://x.example/r",
            "@type": ["https://x.example/Z"],
            PROPERTIES[0]: [{"@id": "https://x.example/s"}],
        }
    ]
    assert plain_context(plain) and templated_or_none(nodes, plain) == pyld_graph(nodes, plain)
    assert not plain_context(context)
    assert templated_or_none(nodes, context) is None
    assert pyld_graph(nodes, context) != pyld_graph(nodes, plain)  # the text of an IRI changed how it is written


def grown(nodes: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any] | None] | None:
    """The nodes compacted one at a time by templates grown as they come; None when the context is not plain."""
    growing = GrowingTemplates.start(context, lambda probes: pyld_graph(probes, context))
    return None if growing is None else [growing.node(node) for node in nodes]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_templates_grown_node_by_node_compact_random_graphs_as_pyld_does(
    context: dict[str, Any], data: st.DataObject
) -> None:
    """The JSON-LD dump's way: each node probed only for what no node before it had, and the answer is pyld's."""
    nodes = data.draw(nodes_over_the_published_terms(context))
    assert grown(nodes, context) == pyld_graph(nodes, context)


@settings(max_examples=150, deadline=None)
@given(context=contexts(), nodes=expanded_nodes(PROPERTIES, CLASSES))
def test_templates_grown_node_by_node_give_pyld_s_answer_or_stop(
    context: dict[str, Any], nodes: list[dict[str, Any]]
) -> None:
    """Over random contexts: every node as pyld writes it, or None from the first node templates cannot serve."""
    found = grown(nodes, context)
    if found is None or None in found:
        return
    assert found == pyld_graph(nodes, context)


def test_a_named_iri_as_a_node_s_id_is_probed_before_it_is_written(context: dict[str, Any]) -> None:
    """A subject the context names (a concept of the vocabulary) is checked to compact to itself, like any other."""
    named = next(value for value in context.values() if isinstance(value, str) and value.startswith("http"))
    calls: list[list[dict[str, Any]]] = []
    growing = GrowingTemplates.start(context, lambda probes: calls.append(probes) or pyld_graph(probes, context))
    assert growing is not None
    node = {"@id": named, "@type": [named]}
    assert growing.node(node) == pyld_graph([node], context)[0]
    assert any({"@id": named} in probes for probes in calls)
    calls.clear()
    assert growing.node(dict(node)) == pyld_graph([node], context)[0] and not calls  # known: no second probe
