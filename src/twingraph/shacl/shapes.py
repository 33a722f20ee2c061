"""Reading a shapes graph: names, parameters, what is supported, and paths as SPARQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from twingraph.errors import TwingraphError

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# parameters that describe a shape without constraining anything
METADATA = {SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
            SH.declare}  # fmt: skip
INSTANCE = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
# the datatypes whose lexical forms pyoxigraph checks with a cast (an ill-typed literal does not conform)
CASTABLE = {XSD[name] for name in ("boolean", "integer", "decimal", "float", "double", "date", "dateTime",
            "time", "gYear", "gYearMonth", "gMonthDay", "gDay", "gMonth", "duration", "dayTimeDuration",
            "yearMonthDuration")}  # fmt: skip
NODE_KINDS: dict[Node, str] = {SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
              SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))", SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
              SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))"}  # fmt: skip
COMPARISONS = {SH.minExclusive: ("MinExclusive", ">", "Value is not > {}"),
               SH.minInclusive: ("MinInclusive", ">=", "Value is not >= {}"),
               SH.maxExclusive: ("MaxExclusive", "<", "Value is not < {}"),
               SH.maxInclusive: ("MaxInclusive", "<=", "Value is not <= {}"),
               SH.minLength: ("MinLength", ">=", "String length not >= {}"),
               SH.maxLength: ("MaxLength", "<=", "String length not <= {}")}  # fmt: skip
LISTS = {SH["or"]: ("Or", "Node must conform to one or more shapes in sh:or"),
         SH["and"]: ("And", "Node must conform to every shape in sh:and"),
         SH.xone: ("Xone", "Node must conform to exactly one shape in sh:xone")}  # fmt: skip
# constraints between the values of a property shape's path and those of another property
PAIRS = {SH.equals: "Equals", SH.disjoint: "Disjoint", SH.lessThan: "LessThan",
         SH.lessThanOrEquals: "LessThanOrEquals"}  # fmt: skip
QUALIFIED = {SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint}
SUPPORTED = {*TARGETS, *METADATA, *COMPARISONS, *LISTS, *PAIRS, *QUALIFIED, SH["class"], SH.datatype,
             SH.nodeKind, SH.pattern, SH.flags, SH.languageIn, SH["in"], SH.hasValue, SH.node, SH["not"],
             SH.closed, SH.ignoredProperties, SH.uniqueLang, SH.path, SH.property, SH.minCount, SH.maxCount,
             SH.sparql}  # fmt: skip
# only meaningful on a property shape
PROPERTY_ONLY = {*QUALIFIED, SH.minCount, SH.maxCount, SH.equals, SH.lessThan, SH.lessThanOrEquals, SH.uniqueLang}
MAX_NESTED_COUNT = 4


class UnsupportedShapeError(TwingraphError):
    """A shape uses a SHACL feature the compiler does not translate."""


def render_path(graph: Graph, path: Node, iri: Callable[[URIRef], str]) -> str:
    """A SHACL property path of ``graph`` in SPARQL syntax, each IRI written by ``iri``.

    Raises:
        ValueError: the node is not a SHACL path.
    """
    if isinstance(path, URIRef):
        return iri(path)

    def wrapped(node: Node) -> str:
        text = render_path(graph, node, iri)
        return text if isinstance(node, URIRef) else f"({text})"

    if graph.value(path, RDF.first) is not None:
        return "/".join(wrapped(p) for p in Collection(graph, path))
    for prop, (before, after) in {SH.inversePath: ("^", ""), SH.zeroOrMorePath: ("", "*"),
                                  SH.oneOrMorePath: ("", "+"), SH.zeroOrOnePath: ("", "?")}.items():  # fmt: skip
        inner = graph.value(path, prop)
        if inner is not None:
            return before + wrapped(inner) + after
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(wrapped(p) for p in Collection(graph, alternatives))
    raise ValueError(f"{path} is not a SHACL property path")


def sparql_term(node: Node) -> str:
    """An IRI or a literal as SPARQL text.

    >>> sparql_term(Literal('say "да"', lang="ru"))
    '"say \\\\"да\\\\""@ru'
    """
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = '"' + str(node).translate({92: r"\\", 34: r"\"", 10: r"\n", 13: r"\r"}) + '"'
        if node.language:
            return f"{text}@{node.language}"
        return text if node.datatype is None else f"{text}^^<{node.datatype}>"
    raise ValueError(f"{node!r}: a blank node cannot be written in a query")


class Shapes:
    """A shapes graph read for compiling; ``fresh`` numbers the variables of nested patterns."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.fresh = itertools.count(1)

    def var(self) -> str:
        return f"?x{next(self.fresh)}"

    # -- names, parameters, errors ------------------------------------------------------------

    def qname(self, node: Node) -> str:
        """An IRI as a prefixed name; a blank node shape by its path and the named shape holding it."""
        if isinstance(node, URIRef):
            return self.g.namespace_manager.normalizeUri(node)
        path = self.g.value(node, SH.path)
        text = f"[sh:path {self.path_text(path)}]" if path is not None else "[a blank node shape]"
        holder: Node | None = node
        for _ in range(20):  # up through sh:property, sh:or lists, ... to the named shape
            holder = next(self.g.subjects(None, holder), None) if isinstance(holder, BNode) else holder
        return text if holder is None or isinstance(holder, BNode) else f"{text} of {self.qname(holder)}"

    def unsupported(self, shape: Node, feature: str) -> UnsupportedShapeError:
        return UnsupportedShapeError(
            f"shape {self.qname(shape)}: {feature} is not supported by the compiled SHACL validator; "
            "validate with pySHACL (twingraph validate --engine pyshacl) or change the shape"
        )

    def check_parameters(self, shape: Node) -> None:
        """Refuses a shape with a parameter the compiler does not translate, or where it does not apply."""
        found = {p for p in self.g.predicates(shape, None) if str(p).startswith(str(SH))}
        for prop in sorted(found - SUPPORTED, key=str):
            raise self.unsupported(shape, self.qname(prop))
        kind = "property" if SH.path in found else "node"
        for prop in sorted(found & ({SH.property, SH.closed} if kind == "property" else PROPERTY_ONLY), key=str):
            raise self.unsupported(shape, f"{self.qname(prop)} on a {kind} shape")
        if (shape, SH.qualifiedValueShapesDisjoint, Literal(True)) in self.g:
            raise self.unsupported(shape, "sh:qualifiedValueShapesDisjoint")

    def one(self, shape: Node, prop: URIRef) -> Node | None:
        values = list(self.g.objects(shape, prop))
        if len(values) > 1:
            raise self.unsupported(shape, f"more than one {self.qname(prop)}")
        return values[0] if values else None

    def count(self, shape: Node, prop: URIRef) -> int | None:
        value = self.one(shape, prop)
        if value is not None and not (isinstance(value, Literal) and isinstance(value.value, int)):
            raise self.unsupported(shape, f"{self.qname(prop)} {value} (not an integer)")
        return None if value is None else int(value.value)

    def items(self, shape: Node, node: Node) -> list[Node]:
        if node != RDF.nil and self.g.value(node, RDF.first) is None:
            raise self.unsupported(shape, f"{node} where an RDF list is expected")
        return list(Collection(self.g, node))

    def term(self, shape: Node, node: Node) -> str:
        if isinstance(node, BNode):
            raise self.unsupported(shape, "a blank node as the value of a parameter")
        return sparql_term(node)

    def active(self, node: Node) -> bool:
        return (node, SH.deactivated, Literal(True)) not in self.g

    def message(self, node: Node, default: str) -> str:
        messages = sorted(str(m) for m in self.g.objects(node, SH.message))
        return messages[0] if messages else default

    def severity(self, shape: Node) -> str:
        severity = self.g.value(shape, SH.severity)
        return "Violation" if severity is None else str(severity).rsplit("#", 1)[-1]

    # -- paths --------------------------------------------------------------------------------

    def path_text(self, path: Node) -> str:
        try:
            return render_path(self.g, path, self.g.namespace_manager.normalizeUri)
        except ValueError:
            return str(path)

    def steps(self, shape: Node) -> list[str]:
        """The shape's path as steps in SPARQL syntax: a sequence path gives one step per element."""
        path = self.one(shape, SH.path)
        assert path is not None
        elements = self.items(shape, path) if self.g.value(path, RDF.first) is not None else [path]
        try:
            return [render_path(self.g, element, sparql_term) for element in elements]
        except ValueError as exc:
            raise self.unsupported(shape, f"the path {path}") from exc

    def path(self, shape: Node) -> str:
        self.steps(shape)  # refuses a path that is not one
        return render_path(self.g, self.g.value(shape, SH.path), sparql_term)  # type: ignore[arg-type]

    def exists(self, v: str, steps: list[str], x: str, condition: str = "true") -> str:
        """``EXISTS`` a path from ``v`` to ``x`` with the condition, one nested ``EXISTS`` per step.

        pyoxigraph plans a correlated ``EXISTS`` of one triple pattern well, and one
        of several patterns badly (minutes at a million triples), hence the nesting.
        """
        nodes = [v, *(self.var() for _ in steps[1:]), x]
        text = condition
        for subject, step, obj in reversed(list(zip(nodes[:-1], steps, nodes[1:], strict=True))):
            text = f"EXISTS {{ {subject} {step} {obj} FILTER ({text}) }}"
        return text

    def at_least(self, n: int, v: str, steps: list[str], test: Callable[[str], str]) -> str:
        """True when ``n`` distinct values ``x`` at the end of the path from ``v`` pass ``test(x)``."""
        names = [self.var() for _ in range(n)]
        text = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)) or "true"
        for name in reversed(names):
            text = self.exists(v, steps, name, f"COALESCE({test(name)}, false) && {text}")
        return text
