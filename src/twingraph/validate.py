"""SHACL validation: the only module that imports the SHACL engine; returns a Report."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node


@dataclasses.dataclass(frozen=True)
class Violation:
    """One result of the SHACL report."""

    focus: str
    path: str
    message: str
    severity: str
    value: str = ""

    def describe(self, origin: Mapping[str, str]) -> str:
        where = f" [{origin[self.focus]}]" if self.focus in origin else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {self.focus}{where}\n  path: {self.path or '-'}\n  {self.message}{value}"


@dataclasses.dataclass(frozen=True)
class Report:
    """What SHACL found: conforms, and every violation with focus node, path and message."""

    conforms: bool
    violations: tuple[Violation, ...]

    def text(self, origin: Mapping[str, str] | None = None) -> str:
        if self.conforms:
            return "The graph conforms to the shapes: no violations."
        lines = [v.describe(origin or {}) for v in self.violations]
        return "\n".join([*lines, f"{len(self.violations)} violation(s)."])


def load_shapes(shapes_dir: Path) -> Graph:
    """All shape files of a directory as one graph."""
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return shapes


def _text(graph: Graph, node: Node, prop: URIRef) -> str:
    value = graph.value(node, prop)
    return "" if value is None else str(value)


def _path(graph: Graph, node: Node) -> str:
    path = graph.value(node, SH.resultPath)
    if isinstance(path, URIRef):
        return graph.namespace_manager.normalizeUri(path)
    return "(complex path)" if path is not None else ""


def validate_graph(data: Graph, shapes: Graph) -> Report:
    """Validate a graph against shapes with pySHACL (SHACL-SPARQL enabled)."""
    from pyshacl import validate

    conforms, results, _ = validate(
        data, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True, meta_shacl=False
    )
    violations = sorted(
        (
            Violation(
                focus=_text(results, r, SH.focusNode),
                path=_path(results, r),
                message=_text(results, r, SH.resultMessage),
                severity=_text(results, r, SH.resultSeverity).rsplit("#", 1)[-1],
                value=_text(results, r, SH.value),
            )
            for r in results.subjects(RDF.type, SH.ValidationResult)
        ),
        key=lambda v: (v.focus, v.path, v.message),
    )
    return Report(conforms=bool(conforms), violations=tuple(violations))
