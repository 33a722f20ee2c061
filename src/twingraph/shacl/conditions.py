"""The SPARQL condition each constraint puts on a value node, and conformance to a whole shape.

The data graph is the dataset alone, as pySHACL sees it with ``inference="none"``:
``sh:class`` follows the ``rdfs:subClassOf`` triples of the data graph only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.term import Node

from twingraph.shacl.shapes import (
    CASTABLE,
    COMPARISONS,
    INSTANCE,
    LISTS,
    MAX_NESTED_COUNT,
    NODE_KINDS,
    PAIRS,
    Shapes,
)


@dataclasses.dataclass(frozen=True)
class Condition:
    """What one constraint asks of a value node: a SPARQL expression, true when the value conforms.

    ``members`` is a group pattern binding the value's variable to every conforming node, when
    the constraint has one (``sh:class`` and ``sh:or``/``sh:and``/``sh:node`` of such):
    ``MINUS`` with it is much faster on pyoxigraph than a correlated ``EXISTS`` per value.
    """

    component: str
    expression: str
    default: str
    members: str | None = None


def conditions(shapes: Shapes, shape: Node, v: str, stack: tuple[Node, ...] = ()) -> Iterator[Condition]:
    """What each constraint of the shape on a single value node asks of the node ``v``."""
    g = shapes.g

    def term(node: Node) -> str:
        return shapes.term(shape, node)

    for cls in g.objects(shape, SH["class"]):
        instances = f"{v} {INSTANCE} {term(cls)}"
        yield Condition("Class", f"EXISTS {{ {instances} }}", f"Value does not have class {shapes.qname(cls)}",
                        instances)  # fmt: skip
    for datatype in g.objects(shape, SH.datatype):
        yield Condition("Datatype", datatype_test(v, datatype),
                        f"Value is not Literal with datatype {shapes.qname(datatype)}")  # fmt: skip
    for kind in g.objects(shape, SH.nodeKind):
        if kind not in NODE_KINDS:
            raise shapes.unsupported(shape, f"sh:nodeKind {kind}")
        yield Condition("NodeKind", NODE_KINDS[kind].format(v=v), f"Value is not of Node Kind {shapes.qname(kind)}")
    for prop, (component, operator, default) in COMPARISONS.items():
        for bound in g.objects(shape, prop):
            if "Length" in component:
                test = f"(!isBlank({v}) && STRLEN(STR({v})) {operator} {term(bound)})"
            else:
                test = f"{v} {operator} {term(bound)}"
            yield Condition(component, test, default.format(bound))
    for pattern in g.objects(shape, SH.pattern):
        flags = g.value(shape, SH.flags)
        arguments = term(Literal(str(pattern))) + ("" if flags is None else f", {term(Literal(str(flags)))}")
        yield Condition("Pattern", f"(!isBlank({v}) && REGEX(STR({v}), {arguments}))",
                        f"Value does not match pattern '{pattern}'")  # fmt: skip
    for languages in g.objects(shape, SH.languageIn):
        tags = [f"langMatches(lang({v}), {term(Literal(str(t)))})" for t in shapes.items(shape, languages)]
        yield Condition("LanguageIn", f"(isLiteral({v}) && ({' || '.join(tags) or 'false'}))",
                        "String language is not in sh:languageIn")  # fmt: skip
    for members in g.objects(shape, SH["in"]):
        same = [f"sameTerm({v}, {term(m)})" for m in shapes.items(shape, members)]
        yield Condition("In", f"({' || '.join(same) or 'false'})", "Value is not in sh:in")
    if (shape, SH.path, None) not in g:
        yield from node_conditions(shapes, shape, v)
    yield from logical(shapes, shape, v, stack)


def node_conditions(shapes: Shapes, shape: Node, v: str) -> Iterator[Condition]:
    """Constraints on the values of a path that, in a node shape, apply to the focus node itself."""
    for value in shapes.g.objects(shape, SH.hasValue):
        yield Condition("HasValue", f"sameTerm({v}, {shapes.term(shape, value)})", f"Node is not {value}")
    for other in shapes.g.objects(shape, SH.disjoint):
        yield Condition("Disjoint", f"NOT EXISTS {{ {v} {shapes.term(shape, other)} {v} }}",
                        f"Node is a value of its own {shapes.qname(other)}")  # fmt: skip
    allowed = closed_predicates(shapes, shape)
    if allowed is not None:
        p, o = shapes.var(), shapes.var()
        yield Condition("Closed", f"NOT EXISTS {{ {v} {p} {o} FILTER ({p} NOT IN ({allowed})) }}",
                        "Node is closed; it cannot have the property")  # fmt: skip


def closed_predicates(shapes: Shapes, shape: Node) -> str | None:
    """For a closed shape, the predicates it allows (its properties' and sh:ignoredProperties), else None."""
    if (shape, SH.closed, Literal(True)) not in shapes.g:
        return None
    paths = [shapes.g.value(p, SH.path) for p in shapes.g.objects(shape, SH.property)]
    ignored = [i for lst in shapes.g.objects(shape, SH.ignoredProperties) for i in shapes.items(shape, lst)]
    return ", ".join(sorted({shapes.term(shape, p) for p in [*paths, *ignored] if isinstance(p, URIRef)}))


def logical(shapes: Shapes, shape: Node, v: str, stack: tuple[Node, ...]) -> Iterator[Condition]:
    for node in shapes.g.objects(shape, SH.node):
        expression, members = conforms(shapes, node, v, stack)
        yield Condition("Node", expression, f"Value does not conform to shape {shapes.qname(node)}", members)
    for node in shapes.g.objects(shape, SH["not"]):
        yield Condition("Not", f"!{conforms(shapes, node, v, stack)[0]}",
                        f"Node must not conform to shape {shapes.qname(node)}")  # fmt: skip
    for prop, (component, default) in LISTS.items():
        for shape_list in shapes.g.objects(shape, prop):
            parts = [conforms(shapes, m, v, stack) for m in shapes.items(shape, shape_list)]
            tests = [expression for expression, _ in parts]
            sets = [f"{{ {m} }}" for _, m in parts if m is not None]
            every = len(sets) == len(parts) > 0
            if component == "Xone":
                ones = " + ".join(f"IF({t}, 1, 0)" for t in tests)
                yield Condition(component, f"({ones or '0'}) = 1", default)
            elif component == "Or":
                yield Condition(component, f"({' || '.join(tests) or 'false'})", default,
                                " UNION ".join(sets) if every else None)  # fmt: skip
            else:
                yield Condition(component, f"({' && '.join(tests) or 'true'})", default,
                                " ".join(sets) if every else None)  # fmt: skip


def conforms(shapes: Shapes, shape: Node, v: str, stack: tuple[Node, ...]) -> tuple[str, str | None]:
    """A condition true when ``v`` conforms to the shape (of sh:node, sh:or, ...), and its members if any."""
    if shape in stack:
        raise shapes.unsupported(shape, "a shape that refers to itself")
    if not shapes.active(shape):
        return "true", None
    shapes.check_parameters(shape)
    if (shape, SH.sparql, None) in shapes.g:
        raise shapes.unsupported(shape, "sh:sparql in a shape used by sh:node, sh:or, sh:and, sh:xone or sh:not")
    stack = (*stack, shape)
    members: str | None = None
    if (shape, SH.path, None) in shapes.g:
        parts = property_conforms(shapes, shape, v, stack)
    else:
        found = list(conditions(shapes, shape, v, stack))
        parts = [c.expression for c in found]
        parts += [conforms(shapes, p, v, stack)[0] for p in shapes.g.objects(shape, SH.property)]
        if len(parts) == len(found) and all(c.members for c in found):
            members = " ".join(f"{{ {c.members} }}" for c in found)
    return f"({' && '.join(f'COALESCE({p}, false)' for p in parts) or 'true'})", members


def property_conforms(shapes: Shapes, shape: Node, v: str, stack: tuple[Node, ...]) -> list[str]:
    """The conditions of a property shape on the node ``v`` whose path values it constrains."""
    g, steps, x = shapes.g, shapes.steps(shape), shapes.var()
    parts = [f"!{shapes.exists(v, steps, x, f'!COALESCE({c.expression}, false)')}"
             for c in conditions(shapes, shape, x, stack)]  # fmt: skip
    for prop, extra in ((SH.minCount, 0), (SH.maxCount, 1)):
        parts += count_conforms(shapes, shape, (prop, extra), v, None, stack)
    for qualified in g.objects(shape, SH.qualifiedValueShape):
        for prop, extra in ((SH.qualifiedMinCount, 0), (SH.qualifiedMaxCount, 1)):
            parts += count_conforms(shapes, shape, (prop, extra), v, qualified, stack)
    parts += [shapes.exists(v, steps, shapes.term(shape, value)) for value in g.objects(shape, SH.hasValue)]
    if (shape, SH.uniqueLang, Literal(True)) in g:
        a, b = shapes.var(), shapes.var()
        same = f"!sameTerm({a}, {b}) && lang({a}) != '' && LCASE(lang({a})) = LCASE(lang({b}))"
        parts.append(f"!{shapes.exists(v, steps, a, shapes.exists(v, steps, b, same))}")
    for prop in PAIRS:
        for other in g.objects(shape, prop):
            parts += pair_conforms(shapes, prop, shapes.term(shape, other), v, steps)
    return parts


def count_conforms(shapes: Shapes, shape: Node, count_of: tuple[URIRef, int], v: str, qualified: Node | None,
                   stack: tuple[Node, ...]) -> list[str]:  # fmt: skip
    """A minimum (extra 0) or maximum (extra 1) count of the values, those conforming to ``qualified`` if given."""
    prop, extra = count_of
    count = shapes.count(shape, prop)
    if count is None or count + extra == 0:
        return []
    if count + extra > MAX_NESTED_COUNT:
        raise shapes.unsupported(shape, f"{shapes.qname(prop)} above {MAX_NESTED_COUNT - extra} in a nested shape")

    def test(y: str) -> str:
        return "true" if qualified is None else conforms(shapes, qualified, y, stack)[0]

    found = shapes.at_least(count + extra, v, shapes.steps(shape), test)
    return [f"!{found}" if extra else found]


def pair_conforms(shapes: Shapes, prop: URIRef, q: str, v: str, steps: list[str]) -> list[str]:
    x, w = shapes.var(), shapes.var()
    if prop == SH.equals:
        return [f"!{shapes.exists(v, steps, x, f'NOT EXISTS {{ {v} {q} {x} }}')}",
                f"NOT EXISTS {{ {v} {q} {x} FILTER (!{shapes.exists(v, steps, x)}) }}"]  # fmt: skip
    if prop == SH.disjoint:
        return [f"!{shapes.exists(v, steps, x, f'EXISTS {{ {v} {q} {x} }}')}"]
    operator = "<" if prop == SH.lessThan else "<="
    return [f"!{shapes.exists(v, steps, x, f'EXISTS {{ {v} {q} {w} FILTER (!COALESCE({x} {operator} {w}, false)) }}')}"]


def datatype_test(v: str, datatype: Node) -> str:
    """True when ``v`` is a well-formed literal of the datatype.

    >>> from rdflib.namespace import RDF, XSD
    >>> datatype_test("?v", RDF.langString)
    '(isLiteral(?v) && datatype(?v) = <http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>)'
    >>> datatype_test("?v", XSD.gYear)  # doctest: +ELLIPSIS
    '(... && isLiteral(<http://www.w3.org/2001/XMLSchema#gYear>(STR(?v))))'
    """
    if datatype == RDFS.Literal:
        return f"isLiteral({v})"
    test = f"isLiteral({v}) && datatype({v}) = <{datatype}>"
    if datatype in CASTABLE:
        test += f" && isLiteral(<{datatype}>(STR({v})))"
    return f"({test})"
