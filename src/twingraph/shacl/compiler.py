"""Each constraint of each shape with targets as one SELECT of its violations: ``?this``, ``?value``, ``?path``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from twingraph.shacl.conditions import closed_predicates, conditions, conforms
from twingraph.shacl.shapes import INSTANCE, PAIRS, TARGETS, Shapes

SPARQL_PARAMETERS = {SH.select, SH.message, SH.prefixes, SH.deactivated}
# strings, IRIs and comments, skipped while looking for the brace that opens a query's WHERE clause
QUERY_TOKEN = re.compile(r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|<[^<>\s{}]*>|#[^\n]*|\{""",
                         re.DOTALL)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Check:
    """One constraint of one shape: a query returning its violations, and what to report for each."""

    shape: str
    component: str
    path: str
    query: str
    message: str
    severity: str


def compile_shapes(graph: Graph) -> tuple[Check, ...]:
    """Every constraint of every shape with targets, as queries, in the order of the shapes' IRIs.

    Raises:
        UnsupportedShapeError: a shape uses a feature that is not compiled; names the shape and the feature.
    """
    shapes = Shapes(graph)
    with_targets = {s for t in (*TARGETS, SH.target) for s in graph.subjects(t, None)}
    with_targets |= {s for s in graph.subjects(RDF.type, SH.NodeShape) if (s, RDF.type, RDFS.Class) in graph}
    return tuple(check for shape in sorted(with_targets, key=str) for check in shape_checks(shapes, shape))


def where_brace(query: str) -> int:
    """Where the WHERE clause of a query opens: its first ``{`` outside strings, IRIs and comments.

    >>> where_brace('SELECT $this WHERE { $this <urn:a{> "{" }')
    19
    """
    for match in QUERY_TOKEN.finditer(query):
        if match.group() == "{":
            return match.start()
    raise ValueError("the query has no WHERE clause")


def targets(shapes: Shapes, shape: Node) -> str:
    """A subquery binding ``?this`` to each focus node of the shape, once."""
    g = shapes.g
    if (shape, SH.target, None) in g:
        raise shapes.unsupported(shape, "sh:target (SPARQL-based targets)")
    classes = [*g.objects(shape, SH.targetClass), *([shape] if (shape, RDF.type, RDFS.Class) in g else [])]
    found = [f"?this {INSTANCE} {shapes.term(shape, c)}" for c in classes]
    found += [f"VALUES ?this {{ {shapes.term(shape, n)} }}" for n in g.objects(shape, SH.targetNode)]
    found += [f"?this {shapes.term(shape, p)} []" for p in g.objects(shape, SH.targetSubjectsOf)]
    found += [f"[] {shapes.term(shape, p)} ?this" for p in g.objects(shape, SH.targetObjectsOf)]
    return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(f'{{ {p} }}' for p in found)} }} }}"


def shape_checks(shapes: Shapes, shape: Node) -> Iterator[Check]:
    if not shapes.active(shape):
        return
    shapes.check_parameters(shape)
    focus = targets(shapes, shape)
    if (shape, SH.path, None) in shapes.g:
        yield from property_checks(shapes, shape, focus)
        return
    yield from value_checks(shapes, shape, focus, None)
    for property_shape in shapes.g.objects(shape, SH.property):
        if (property_shape, SH.path, None) not in shapes.g:
            raise shapes.unsupported(property_shape, "sh:property without sh:path")
        if shapes.active(property_shape):
            shapes.check_parameters(property_shape)
            yield from property_checks(shapes, property_shape, focus)
    yield from sparql_checks(shapes, shape, focus, None)


def check(shapes: Shapes, shape: Node, component: str, query: str, default: str) -> Check:
    path = shapes.g.value(shape, SH.path)
    return Check(shape=shapes.qname(shape), component=f"{component}ConstraintComponent",
                 path="" if path is None else shapes.path_text(path), query=query,
                 message=shapes.message(shape, default), severity=shapes.severity(shape))  # fmt: skip


def property_checks(shapes: Shapes, shape: Node, focus: str) -> Iterator[Check]:
    path = shapes.path(shape)
    yield from count_checks(shapes, shape, focus, path)
    for value in shapes.g.objects(shape, SH.hasValue):
        query = f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {path} {shapes.term(shape, value)} }} }}"
        yield check(shapes, shape, "HasValue", query, f"Missing value {value}")
    if (shape, SH.uniqueLang, Literal(True)) in shapes.g:
        query = (f"SELECT ?this WHERE {{ {focus} ?this {path} ?v FILTER (lang(?v) != '') }} "
                 "GROUP BY ?this (LCASE(lang(?v)) AS ?lang) HAVING (COUNT(DISTINCT ?v) > 1)")  # fmt: skip
        yield check(shapes, shape, "UniqueLang", query, "More than one value shares a language")
    for prop, component in PAIRS.items():
        for other in shapes.g.objects(shape, prop):
            reached = shapes.exists("?this", shapes.steps(shape), "?value")
            where = pair_where(prop, shapes.term(shape, other), path, reached)
            query = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {where} }}"
            yield check(shapes, shape, component, query, f"Value fails {shapes.qname(prop)} {shapes.qname(other)}")
    yield from value_checks(shapes, shape, focus, path)
    yield from sparql_checks(shapes, shape, focus, path)


def count_checks(shapes: Shapes, shape: Node, focus: str, path: str) -> Iterator[Check]:
    """sh:minCount and sh:maxCount, and the counts of the values that conform to a sh:qualifiedValueShape."""
    yield from counted(shapes, shape, focus, f"?this {path} ?v", ("", SH.minCount, SH.maxCount))
    for qualified in shapes.g.objects(shape, SH.qualifiedValueShape):
        values = f"?this {path} ?v FILTER ({conforms(shapes, qualified, '?v', (shape,))[0]})"
        yield from counted(shapes, shape, focus, values, ("Qualified", SH.qualifiedMinCount, SH.qualifiedMaxCount))


def counted(shapes: Shapes, shape: Node, focus: str, values: str, kind: tuple[str, URIRef, URIRef]) -> Iterator[Check]:
    name, low, high = kind[0], shapes.count(shape, kind[1]), shapes.count(shape, kind[2])
    if low == 1:
        query = f"SELECT ?this WHERE {{ {focus} MINUS {{ {values} }} }}"
        yield check(shapes, shape, f"{name}MinCount", query, "Less than 1 values")
    elif low:
        grouped = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {low})"
        query = f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {values} }} }} {grouped}"
        yield check(shapes, shape, f"{name}MinCount", query, f"Less than {low} values")
    if high is not None:
        query = f"SELECT ?this WHERE {{ {focus} {values} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {high})"
        yield check(shapes, shape, f"{name}MaxCount", query, f"More than {high} values")


def pair_where(prop: Node, q: str, path: str, reached: str) -> str:
    """The values of the path (``?value``) that break a constraint between them and the values of ``q``."""
    if prop == SH.equals:
        return (f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this {q} ?value }} }} UNION "
                f"{{ ?this {q} ?value FILTER (!{reached}) }}")  # fmt: skip
    if prop == SH.disjoint:
        return f"?this {path} ?value FILTER EXISTS {{ ?this {q} ?value }}"
    operator = "<" if prop == SH.lessThan else "<="
    return f"?this {path} ?value . ?this {q} ?w FILTER (!COALESCE(?value {operator} ?w, false))"


def value_checks(shapes: Shapes, shape: Node, focus: str, path: str | None) -> Iterator[Check]:
    """A query per constraint on single value nodes, selecting the value nodes that do not meet it."""
    v = "?this" if path is None else "?value"
    values = focus if path is None else f"{focus} ?this {path} ?value ."
    select = "?this (?this AS ?value)" if path is None else "?this ?value"
    for condition in conditions(shapes, shape, v):
        if condition.component == "Closed":  # reported per property, below
            continue
        if condition.members is not None:
            where = f"{{ {values} }} MINUS {{ {condition.members} }}"
        else:
            where = f"{values} FILTER (!COALESCE({condition.expression}, false))"
        yield check(shapes, shape, condition.component, f"SELECT DISTINCT {select} WHERE {{ {where} }}",
                    condition.default)  # fmt: skip
    allowed = closed_predicates(shapes, shape) if path is None else None
    if allowed is not None:
        where = f"{focus} ?this ?path ?value FILTER (?path NOT IN ({allowed}))"
        query = f"SELECT DISTINCT ?this ?path ?value WHERE {{ {where} }}"
        yield check(shapes, shape, "Closed", query, "Node is closed; it cannot have the property")


def sparql_checks(shapes: Shapes, shape: Node, focus: str, path: str | None) -> Iterator[Check]:
    """The shape's SHACL-SPARQL constraints, ``$this`` bound to each focus node and ``$PATH`` to its path."""
    for constraint in shapes.g.objects(shape, SH.sparql):
        if not shapes.active(constraint):
            continue
        extra = {p for p in shapes.g.predicates(constraint, None) if p != RDF.type} - SPARQL_PARAMETERS
        select = shapes.one(constraint, SH.select)
        if extra or not isinstance(select, Literal):
            others = ", ".join(shapes.qname(p) for p in sorted(extra, key=str))
            raise shapes.unsupported(shape, f"a sh:sparql constraint without one sh:select, or with {others}")
        query = prefixes(shapes, shape, constraint) + prebound(shapes, shape, str(select), focus, path)
        found = check(shapes, shape, "SPARQL", query, f"SPARQL constraint of {shapes.qname(shape)} found a violation")
        yield dataclasses.replace(found, message=shapes.message(constraint, found.message))


def prefixes(shapes: Shapes, shape: Node, constraint: Node) -> str:
    lines = set()
    for holder in shapes.g.objects(constraint, SH.prefixes):
        for declaration in shapes.g.objects(holder, SH.declare):
            prefix, namespace = shapes.g.value(declaration, SH.prefix), shapes.g.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise shapes.unsupported(shape, "a sh:declare without sh:prefix and sh:namespace")
            lines.add(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(lines))


def prebound(shapes: Shapes, shape: Node, select: str, focus: str, path: str | None) -> str:
    """The query with ``$this`` bound to each focus node: the targets joined first in its WHERE clause.

    ``$this`` and ``?this`` are one variable in SPARQL, and a group is evaluated left to
    right, so every pattern of the query, ``OPTIONAL`` and ``EXISTS`` included, sees it bound.
    """
    for variable in ("$currentShape", "$shapesGraph"):
        if variable in select:
            raise shapes.unsupported(shape, f"{variable} in a SPARQL constraint")
    if "$PATH" in select and path is None:
        raise shapes.unsupported(shape, "$PATH in a SPARQL constraint of a node shape")
    select = select.replace("$PATH", path or "")
    try:
        brace = where_brace(select)
    except ValueError as exc:
        raise shapes.unsupported(shape, "a sh:select without a WHERE clause") from exc
    head = select[:brace]
    if not re.search(r"\bSELECT\b", head, re.IGNORECASE) or not re.search(r"[?$]this\b|\*", head):
        raise shapes.unsupported(shape, "a sh:select that does not project $this")
    if re.search(r"\bEXISTS\b", head, re.IGNORECASE):
        raise shapes.unsupported(shape, "EXISTS in the projection of a sh:select")
    return f"{head}{{ {focus} {select[brace + 1 :]}"
