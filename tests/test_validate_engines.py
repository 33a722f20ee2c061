"""The shapes compiled to SPARQL (the default engine) against pySHACL, the reference.

Each broken record of test_shapes.py is checked with both engines there (same table);
here: the real graph, randomly damaged samples of it, every SHACL feature the compiler
translates, and the clear refusal of those it does not.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from twingraph.cli import main
from twingraph.problems import Severity, Site
from twingraph.rdf.namespaces import SCHEMA, TG
from twingraph.shacl import UnsupportedShapeError, compile_shapes
from twingraph.validate import Engine, Report, validate_graph

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
"""
# every feature the compiler translates, each met by conforming and by violating nodes below
FEATURES = """
ex:Thing a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:colour ; sh:in ( "red" "green" ) ] ;
    sh:property [ sh:path ex:code ; sh:maxLength 3 ; sh:pattern "^a" ; sh:flags "i" ] ;
    sh:property [ sh:path ( ex:part ex:label ) ; sh:minCount 2 ] ;
    sh:property [ sh:path [ sh:alternativePath ( ex:left ex:right ) ] ; sh:maxCount 1 ;
                  sh:nodeKind sh:BlankNodeOrIRI ] ;
    sh:property [ sh:path [ sh:zeroOrMorePath ex:parent ] ; sh:node ex:Named ] ;
    sh:property [ sh:path ex:size ; sh:datatype xsd:integer ; sh:maxExclusive 10 ; sh:minInclusive 1 ;
                  sh:severity sh:Warning ] ;
    sh:property [ sh:path ex:size ; sh:sparql [ sh:message "size {?value} is unlucky" ;
                  sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER (STR(?value) = '7') }" ] ] ;
    sh:property [ sh:path ex:alias ; sh:equals ex:name ] ;
    sh:property [ sh:path ex:born ; sh:datatype xsd:date ; sh:maxLength 10 ] ;
    sh:not [ sh:class ex:Forbidden ] ;
    sh:and ( [ sh:path ex:name ; sh:minCount 1 ] [ sh:path ex:name ; sh:maxCount 2 ] ) ;
    sh:or ( [ sh:path ex:tag ; sh:minCount 2 ] [ sh:path [ sh:inversePath ex:owns ] ; sh:minCount 1 ]
            [ sh:path ex:alias ; sh:equals ex:name ; sh:minCount 1 ] ) ;
    sh:xone ( [ sh:class ex:Sub ] [ sh:path ex:size ; sh:maxCount 0 ] ) .
ex:More a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ; sh:ignoredProperties ( rdf:type ex:owns ) ;
    sh:property [ sh:path ex:colour ; sh:hasValue "red" ] ;
    sh:property [ sh:path ex:name ; sh:uniqueLang true ; sh:disjoint ex:alias ] ;
    sh:property [ sh:path ex:born ; sh:lessThan ex:died ; sh:lessThanOrEquals ex:buried ] ;
    sh:property [ sh:path ex:tag ; sh:qualifiedValueShape [ sh:datatype xsd:integer ; sh:maxInclusive 1 ] ;
                  sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] ;
    sh:property [ sh:path ex:part ] ;
    sh:property [ sh:path ex:died ] ; sh:property [ sh:path ex:buried ] ;
    sh:property [ sh:path ex:left ] ; sh:property [ sh:path ex:right ] ; sh:property [ sh:path ex:parent ] ;
    sh:property [ sh:path ex:size ] ; sh:property [ sh:path ex:alias ] ; sh:property [ sh:path ex:code ] ;
    sh:or ( [ sh:hasValue ex:a ] [ sh:path ex:colour ; sh:hasValue "green" ; sh:uniqueLang true ]
            [ sh:path ex:name ; sh:disjoint ex:alias ; sh:lessThan ex:size ; sh:minCount 1 ]
            [ sh:path ex:tag ; sh:qualifiedValueShape [ sh:in ( 2 ) ] ; sh:qualifiedMinCount 1 ; sh:maxCount 3 ]
            [ sh:closed true ; sh:property [ sh:path ex:left ] ; sh:ignoredProperties ( rdf:type ex:name ) ] ) .
ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:languageIn ( "en" ) ] .
ex:Owned a sh:NodeShape ; sh:targetNode ex:lonely ; sh:targetObjectsOf ex:owns ;
    sh:class ex:Thing ; sh:message "owned things are things" .
ex:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ;
    sh:property [ sh:path ex:never ; sh:minCount 1 ] .
"""
DATA = """
ex:Sub rdfs:subClassOf ex:Thing .
ex:a a ex:Thing ; ex:colour "red" ; ex:code "Abc" ; ex:part [ ex:label "x" ], [ ex:label "y" ] ; ex:left ex:l ;
    ex:name "A"@en ; ex:alias "A"@en ; ex:born "2001-02-03"^^xsd:date ; ex:size 3 .
ex:b a ex:Sub ; ex:colour "blue" ; ex:code "bcde" ; ex:part [ ex:label "x" ] ; ex:left ex:l ; ex:right ex:r ;
    ex:parent ex:a ; ex:name "B"@de, "B2"@en, "B3"@en ; ex:alias "Bee" ; ex:tag 1, 2 ;
    ex:size 7, 12, "x"^^xsd:integer, 0 ; ex:born "2001-02-30"^^xsd:date .
ex:c a ex:Thing, ex:Forbidden ; ex:left "lit" ; ex:parent ex:b ; ex:code _:code ; ex:born "2001-02-03" .
ex:d a ex:Sub ; ex:name "D"@en ; ex:tag 1 ; ex:left _:x ; ex:colour "green" .
ex:o ex:owns ex:a, ex:z .
ex:lonely ex:name "L"@en .
ex:e a ex:Thing ; ex:colour "red" ; ex:name "E"@en, "E2"@EN, "Eh" ; ex:alias "Eh" ; ex:tag 0, 1, 2, 3 ;
    ex:born 2000, 2005 ; ex:died 2001 ; ex:buried 2000 ; ex:code "a" ; ex:undeclared 1 .
ex:f a ex:Thing ; ex:left ex:l ; ex:name "F"@en ; ex:colour "green" ; ex:tag 2 .
"""


def found(report: Report) -> set[tuple[str, str, str]]:
    """What the engines must agree on: (focus node, path, constraint component) of each violation."""
    return {(v.focus, v.path, v.component) for v in report.violations}


def both(data: Graph, shapes: Graph) -> tuple[Report, Report]:
    compiled, reference = (validate_graph(data, shapes, engine) for engine in (Engine.OXIGRAPH, Engine.PYSHACL))
    assert found(compiled) == found(reference), f"compiled:\n{compiled.text()}\n\npySHACL:\n{reference.text()}"
    assert compiled.conforms == reference.conforms
    return compiled, reference


def test_the_kazan_graph_conforms_with_both_engines(graph: Graph, shapes: Graph) -> None:
    for report in both(graph, shapes):
        assert report.conforms and report.violations == ()


def test_every_compiled_feature_finds_what_pyshacl_finds() -> None:
    shapes = Graph().parse(data=PREFIXES + FEATURES, format="turtle")
    data = Graph().parse(data=PREFIXES + DATA, format="turtle")
    for report in both(data, shapes):
        components = {v.component.removesuffix("ConstraintComponent") for v in report.violations}
        assert components == {"In", "MaxLength", "Pattern", "MinCount", "MaxCount", "NodeKind", "Node", "Class",
                              "Datatype", "MaxExclusive", "MinInclusive", "SPARQL", "Equals", "Not", "And", "Or",
                              "Xone", "Closed", "HasValue", "UniqueLang", "Disjoint", "LessThan", "LessThanOrEquals",
                              "QualifiedMinCount", "QualifiedMaxCount"}  # fmt: skip
        assert "size 7 is unlucky" in {v.message for v in report.violations}
        sizes = {v.severity for v in report.violations if v.path == "ex:size" and "SPARQL" not in v.component}
        assert sizes == {"Warning"}
        assert "owned things are things" in {v.message for v in report.violations if v.focus.endswith("/z")}
        assert not any(v.path == "ex:never" for v in report.violations), "a deactivated shape was checked"


def test_warnings_alone_conform() -> None:
    shapes = Graph().parse(data=PREFIXES + "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ; "
                           "sh:severity sh:Warning ] .", format="turtle")  # fmt: skip
    for report in both(Graph().parse(data=PREFIXES + "ex:a ex:q 1 .", format="turtle"), shapes):
        assert report.conforms and [v.severity for v in report.violations] == ["Warning"]


# -- random damage to the real graph ------------------------------------------------------------


def sample(graph: Graph, rng: random.Random) -> Graph:
    """Three random resources of the graph and everything they lead to, not crossing between partnerships."""
    hubs = {TG.partnerOf, SCHEMA.superEvent, SCHEMA.subEvent, TG.party}
    typed = sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)})
    out, todo, seen = Graph(), rng.sample(typed, 3), set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for s, p, o in graph.triples((node, None, None)):
            if p not in hubs:
                out.add((s, p, o))
                todo += [] if isinstance(o, Literal) or p == RDF.type else [o]
    return out


def damage(graph: Graph, rng: random.Random) -> None:
    """Another object for a triple: untyped, ill-typed, another language, another resource, a blank node."""
    triples = sorted(graph)
    s, p, o = rng.choice(triples)
    other = rng.choice(triples)[0]
    choices: list[Node] = [Literal(str(o)), Literal(str(o), lang="en"), other, BNode(), URIRef(TG + "nothing")]
    if isinstance(o, Literal) and o.datatype is not None:
        choices.append(Literal("not " + str(o), datatype=o.datatype))
    graph.remove((s, p, o))
    graph.add((s, p, rng.choice(choices)))


@pytest.mark.parametrize("seed", range(30))
def test_random_damage_is_found_alike_by_both_engines(graph: Graph, shapes: Graph, seed: int) -> None:
    rng = random.Random(seed)
    broken = sample(graph, rng)
    for triple in rng.sample(sorted(broken), rng.randint(1, 4)):
        broken.remove(triple)
    for _ in range(rng.randint(1, 3)):
        damage(broken, rng)
    s, p, _ = rng.choice(sorted(broken))
    broken.add((s, p, rng.choice([Literal("1", datatype=XSD.integer), *broken.objects(None, p)])))
    both(broken, shapes)


# -- what the compiler refuses -----------------------------------------------------------------


@pytest.mark.parametrize(("shape", "feature"), [
    ("ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ; "
     "sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] .", "sh:qualifiedValueShapesDisjoint"),
    ("ex:S sh:target [ a sh:SPARQLTarget ; sh:select 'SELECT ?this WHERE { ?this ?p ?o }' ] .", "sh:target"),
    ("ex:S sh:targetClass ex:C ; sh:node ex:S .", "refers to itself"),
    ("ex:S sh:targetClass ex:C ; sh:or ( [ sh:sparql [ sh:select 'SELECT $this WHERE { }' ] ] ) .", "sh:sparql in"),
    ("ex:S sh:targetClass ex:C ; sh:sparql [ sh:select 'SELECT ?value WHERE { ?value ?p ?o }' ] .", "project $this"),
    ("ex:S sh:targetClass ex:C ; sh:minCount 1 .", "sh:minCount on a node shape"),
    ("ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:closed true ] .", "sh:closed on a property shape"),
    ("ex:S sh:targetClass ex:C ; sh:not [ sh:path ex:p ; sh:minCount 5 ] .", "sh:minCount above 4"),
    ("ex:S sh:targetClass ex:C ; sh:rule [ a sh:TripleRule ] .", "sh:rule"),
    ("ex:S sh:targetClass ex:C ; sh:property [ sh:path [ sh:inversePath [ sh:oneOrMorePath ex:p ] ] ; "
     "sh:js [ sh:jsFunctionName 'f' ] ] .", "sh:js"),
])  # fmt: skip
def test_an_unsupported_feature_is_refused_naming_the_shape(shape: str, feature: str) -> None:
    shapes = Graph().parse(data=PREFIXES + shape, format="turtle")
    with pytest.raises(UnsupportedShapeError, match=re.escape(feature)) as raised:
        compile_shapes(shapes)
    assert re.search(r"^shape (\[.*\] of )?ex:S: ", str(raised.value)), raised.value
    assert "--engine pyshacl" in str(raised.value)


def test_a_pattern_pyoxigraph_cannot_evaluate_is_refused() -> None:
    shapes = Graph().parse(data=PREFIXES + "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; "
                           "sh:pattern '(?=a)b' ] .", format="turtle")  # fmt: skip
    with pytest.raises(UnsupportedShapeError, match=re.escape("sh:pattern '(?=a)b'")):
        validate_graph(Graph().parse(data=PREFIXES + "ex:a ex:p 'ab' .", format="turtle"), shapes)
    assert not validate_graph(Graph().parse(data=PREFIXES + "ex:a ex:p 'ab' .", format="turtle"), shapes,
                              Engine.PYSHACL).conforms  # fmt: skip


@pytest.mark.parametrize("engine", list(Engine), ids=lambda e: e.value)
def test_validate_command_names_the_record_file_with_either_engine(runner: CliRunner, project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   engine: Engine) -> None:  # fmt: skip
    monkeypatch.chdir(project)
    path = project / "data" / "records" / "urbino.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("year: 2001", "year: 9999", 1), encoding="utf-8")
    result = runner.invoke(main, ["validate", "--engine", engine.value, "--format", "json"])
    assert result.exit_code == 1, result.output
    (problem,) = json.loads(result.stdout)["problems"]
    line = path.read_text(encoding="utf-8").splitlines().index("  - id: urbino-cooperation-2001") + 1
    assert problem["focus"] == "https://twingraph.example/agreement/urbino-cooperation-2001"
    assert (problem["file"], problem["line"]) == (str(path), line)
    assert (problem["rule"], problem["severity"]) == ("shacl.SPARQL", "error")
    assert problem["message"] == "the agreement is dated in the future (value: 9999)"


def test_both_engines_give_problems_with_focus_path_rule_and_severity() -> None:
    shapes = Graph().parse(data=PREFIXES + FEATURES, format="turtle")
    data = Graph().parse(data=PREFIXES + DATA, format="turtle")
    origin = {"http://example.org/b": Site("b.yaml", 7)}
    compiled, reference = (report.problems(origin) for report in both(data, shapes))
    assert len(compiled) == len(reference) > 20
    for report in (compiled, reference):
        assert all(p.focus and p.rule.startswith("shacl.") for p in report)
        keys = {(p.focus, p.path, p.rule, p.severity) for p in report}
        assert ("http://example.org/b", "ex:colour", "shacl.In", Severity.ERROR) in keys
        assert ("http://example.org/b", "ex:size", "shacl.MaxExclusive", Severity.WARNING) in keys
        assert {(p.file, p.line) for p in report if p.focus == "http://example.org/b"} == {("b.yaml", 7)}
        assert {p.file for p in report if p.focus != "http://example.org/b"} == {None}
        counts = report.counts()
        assert counts[Severity.WARNING] > 0 and counts[Severity.ERROR] > 0 and not report.ok
    assert {(p.focus, p.path, p.rule, p.severity) for p in compiled} == {
        (p.focus, p.path, p.rule, p.severity) for p in reference
    }
