"""SHACL validation: the only module that runs a SHACL engine; returns a Report.

Two engines give the same report: ``oxigraph`` (the default) runs the shapes compiled
to SPARQL (:mod:`twingraph.shacl`) on an in-memory pyoxigraph store, ``pyshacl``
is the reference implementation, kept to cross-check the compiled one.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from twingraph.clock import Clock, system_clock
from twingraph.errors import TwingraphError
from twingraph.problems import Problem, ProblemReport, Severity, Site
from twingraph.progress import Progress, counted, ignore
from twingraph.shacl import Check, UnsupportedShapeError, compile_shapes, render_path, sparql_term

NOW_CALL = re.compile(r"\bNOW\s*\(\s*\)", re.IGNORECASE)  # SPARQL's NOW(), in the shapes' own queries
SEVERITIES = {"Violation": Severity.ERROR, "Warning": Severity.WARNING, "Info": Severity.INFO}


class Engine(enum.Enum):
    """Which implementation validates."""

    OXIGRAPH = "oxigraph"
    PYSHACL = "pyshacl"


@dataclasses.dataclass(frozen=True)
class Violation:
    """One result of the SHACL report."""

    focus: str
    path: str
    message: str
    severity: str
    value: str = ""
    component: str = ""

    def describe(self, origin: Mapping[str, str]) -> str:
        where = f" [{origin[self.focus]}]" if self.focus in origin else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {self.focus}{where}\n  path: {self.path or '-'}\n  {self.message}{value}"

    def problem(self, origin: Mapping[str, Site]) -> Problem:
        """The result as a Problem: rule ``shacl.<Component>``, located at the record the focus node comes from.

        Args:
            origin: the record (file, line) behind a node; a node not in it takes the
                record of the nearest node its IRI extends (``event/x/participant/y`` -> ``event/x``).
        """
        site = record_of(self.focus, origin)
        value = f" (value: {self.value})" if self.value else ""
        return Problem(
            rule=f"shacl.{self.component.removesuffix('ConstraintComponent') or 'unknown'}",
            message=self.message + value,
            severity=SEVERITIES.get(self.severity, Severity.ERROR),
            file=site.file,
            line=site.line,
            path=self.path or None,
            focus=self.focus,
        )


def record_of(focus: str, origin: Mapping[str, Site]) -> Site:
    """The site of ``focus`` or of the nearest resource whose IRI it extends by ``/...``.

    >>> record_of("https://x/event/a/participant/b", {"https://x/event/a": Site("a.yaml", 4)}).line
    4
    """
    node = focus
    while node not in origin and "/" in node:
        node = node.rsplit("/", 1)[0]
    return origin.get(node, Site())


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

    def problems(self, origin: Mapping[str, Site] | None = None) -> ProblemReport:
        """Every result as a Problem with focus node, path, rule and severity; see :meth:`Violation.problem`."""
        return ProblemReport(tuple(v.problem(origin or {}) for v in self.violations))


def load_shapes(shapes_dir: Path, clock: Clock = system_clock) -> Graph:
    """All shape files of a directory as one graph, their SPARQL's ``NOW()`` the clock's moment.

    The shapes say ``NOW()``, so any SHACL engine can run them as they are; here each
    ``sh:select`` is given the clock's moment instead, so that a run at a fixed or a
    later date (``SOURCE_DATE_EPOCH``, a test) judges "in the future" by that date.
    """
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return at_moment(shapes, clock())


def at_moment(shapes: Graph, moment: datetime.datetime) -> Graph:
    """The shapes with each ``NOW()`` of a ``sh:select`` replaced by ``moment`` as an xsd:dateTime literal.

    >>> shapes = Graph().parse(data='[] <http://www.w3.org/ns/shacl#select> "SELECT $this { FILTER(now() > 1) }" .',
    ...                        format="turtle")
    >>> moment = datetime.datetime(2027, 12, 5, tzinfo=datetime.UTC)
    >>> str(next(at_moment(shapes, moment).objects(None, SH.select)))
    'SELECT $this { FILTER("2027-12-05T00:00:00+00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> > 1) }'
    """
    literal = f'"{moment.astimezone(datetime.UTC).isoformat()}"^^<{XSD.dateTime}>'
    for node, text in list(shapes.subject_objects(SH.select)):
        timed = NOW_CALL.sub(literal, str(text))
        if timed != str(text):
            shapes.set((node, SH.select, Literal(timed)))
    return shapes


def validate_graph(data: Graph, shapes: Graph, engine: Engine = Engine.OXIGRAPH, progress: Progress = ignore) -> Report:
    """Validate a graph against shapes (SHACL Core and SHACL-SPARQL, no inference).

    Args:
        data: the data graph; ``sh:class`` and ``sh:targetClass`` see only its own ``rdfs:subClassOf``.
        shapes: the shapes graph, e.g. from :func:`load_shapes`.
        engine: ``Engine.OXIGRAPH``, the shapes compiled to SPARQL; ``Engine.PYSHACL``, the reference.
        progress: (oxigraph engine) counts the compiled checks as they are evaluated.

    Raises:
        UnsupportedShapeError: (oxigraph engine) a shape uses a feature the compiler does not translate.
        TwingraphError: (oxigraph engine) the graph holds a term N-Triples cannot carry, e.g. an IRI with spaces.
    """
    if engine is Engine.PYSHACL:
        return _report(_pyshacl(data, shapes))
    return _report(_compiled(data_store(data), shapes, progress))


def validate_store(store: ox.Store, shapes: Graph, progress: Progress = ignore) -> Report:
    """Validate the graph a pyoxigraph store holds with the compiled engine (:func:`validate_graph`).

    A build loads the N-Triples it writes for its dumps (:func:`ntriples_store`), validates
    them and counts them in the same store, instead of serializing the graph once more.

    Raises:
        UnsupportedShapeError: a shape uses a feature the compiler does not translate.
    """
    return _report(_compiled(store, shapes, progress))


def _report(found: Iterable[Violation]) -> Report:
    violations = tuple(sorted(found, key=lambda v: (v.focus, v.path, v.component, v.message, v.value)))
    return Report(conforms=not any(v.severity == "Violation" for v in violations), violations=violations)


# -- pySHACL, the reference ---------------------------------------------------------------------


def _text(graph: Graph, node: Node, prop: URIRef) -> str:
    value = graph.value(node, prop)
    return "" if value is None else str(value)


def _pyshacl(data: Graph, shapes: Graph) -> Iterator[Violation]:
    from pyshacl import validate

    _, results, _ = validate(
        data, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True, meta_shacl=False
    )
    assert isinstance(results, Graph)
    # the report's own results, not those nested under them as sh:detail (e.g. of a sh:node)
    for r in results.objects(results.value(None, RDF.type, SH.ValidationReport), SH.result):
        path = results.value(r, SH.resultPath)
        yield Violation(
            focus=_text(results, r, SH.focusNode),
            path="" if path is None else render_path(results, path, shapes.namespace_manager.normalizeUri),
            message=_text(results, r, SH.resultMessage),
            severity=_text(results, r, SH.resultSeverity).rsplit("#", 1)[-1],
            value=_text(results, r, SH.value),
            component=_text(results, r, SH.sourceConstraintComponent).rsplit("#", 1)[-1],
        )


# -- the shapes compiled to SPARQL, on pyoxigraph -----------------------------------------------


def data_store(data: Graph) -> ox.Store:
    """An in-memory pyoxigraph store holding the graph; blank nodes keep their labels."""
    try:
        ntriples = data.serialize(format="nt", encoding="utf-8")
    except Exception as exc:  # rdflib raises a bare Exception for an IRI it cannot write
        raise TwingraphError(f"the graph cannot be validated: {exc}") from exc
    return ntriples_store(ntriples)


def ntriples_store(ntriples: bytes) -> ox.Store:
    """An in-memory pyoxigraph store holding the N-Triples' graph; blank nodes keep their labels."""
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return store


def _compiled(store: ox.Store, shapes: Graph, progress: Progress) -> Iterator[Violation]:
    checks = compile_shapes(shapes)
    _check_patterns(store, shapes)
    # pyoxigraph lets go of the GIL while it evaluates, so the queries share the cores
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        answers = counted(pool.map(lambda check: _rows(store, check), checks), "SHACL checks", progress, len(checks))
        for check, rows in zip(checks, answers, strict=True):
            yield from (_violation(check, row, shapes.namespace_manager.normalizeUri) for row in rows)


def _check_patterns(store: ox.Store, shapes: Graph) -> None:
    """Refuses a sh:pattern that pyoxigraph's regular expressions cannot evaluate (every value would fail it)."""
    for shape, pattern in shapes.subject_objects(SH.pattern):
        flags = shapes.value(shape, SH.flags)
        arguments = sparql_term(Literal(str(pattern))) + ("" if flags is None else f", {sparql_term(flags)}")
        solutions = store.query(f"SELECT (REGEX('', {arguments}) AS ?ok) {{}}")
        assert isinstance(solutions, ox.QuerySolutions)
        if next(iter(solutions))["ok"] is None:
            raise UnsupportedShapeError(
                f"sh:pattern '{pattern}' (flags: {flags or '-'}) is not a regular expression pyoxigraph can "
                "evaluate; validate with pySHACL (twingraph validate --engine pyshacl) or rewrite it"
            )


def _rows(store: ox.Store, check: Check) -> list[ox.QuerySolution]:
    try:
        solutions = store.query(check.query)
    except SyntaxError as exc:  # a sh:select that is not SPARQL
        raise TwingraphError(f"shape {check.shape}: its {check.component} query does not parse: {exc}") from exc
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)


def _violation(check: Check, row: ox.QuerySolution, name: Callable[[URIRef], str]) -> Violation:
    """A row as a violation; a ``?path`` it binds (sh:closed, SHACL-SPARQL) overrides the shape's."""
    path = row["path"]
    return Violation(
        focus=_term(row["this"]),
        path=name(URIRef(path.value)) if isinstance(path, ox.NamedNode) else check.path,
        message=_message(check.message, row) if "{" in check.message else check.message,
        severity=check.severity,
        value=_term(row["value"]),
        component=check.component,
    )


def _term(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    return ""


def _message(template: str, row: ox.QuerySolution) -> str:
    """A SHACL-SPARQL message with ``{?var}`` and ``{$var}`` replaced by the row's values."""
    return re.sub(r"\{[?$](\w+)\}", lambda m: _term(row[m.group(1)]), template)
