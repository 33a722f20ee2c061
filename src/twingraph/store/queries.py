"""Named, parameterised SPARQL queries loaded from queries/*.rq.

A query file starts with comment lines that describe it::

    # title: Who met whom
    # description: Pairs of persons at the same event, with date and place.
    # param: person  text  a person's name, or part of it (either side)
    # param: year    year  only meetings in this year

Each parameter ``p`` is the variable ``?param_p`` in the query; a parameter not
given stays unbound, so the query's FILTERs test ``BOUND(?param_p)``.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pyoxigraph as ox

from twingraph.errors import TwingraphError

PARAM_KINDS = {"text", "year", "iri"}


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    kind: str
    help: str


@dataclasses.dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue: name, title, description, parameters and text."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str

    def bound(self, values: dict[str, str]) -> str:
        """The query text with the given parameters bound by a VALUES block.

        The block opens the outermost WHERE group, so the query's FILTERs see the
        values; terms are written in N-Triples syntax, so no value can change the
        query's structure. Any SPARQL 1.1 store runs the result.

        Raises:
            TwingraphError: an unknown parameter, or a value of the wrong kind.
        """
        known = {p.name: p for p in self.params}
        terms = []
        for key, value in values.items():
            if key not in known:
                names = ", ".join(known) or "none"
                raise TwingraphError(f"query {self.name!r} has no parameter {key!r} (parameters: {names})")
            terms.append((f"?param_{key}", str(to_term(known[key], value, self.name))))
        if not terms:
            return self.text
        block = f"VALUES ({' '.join(v for v, _ in terms)}) {{ ({' '.join(t for _, t in terms)}) }}"
        where = re.search(r"\bWHERE\s*\{", self.text, flags=re.IGNORECASE)
        if where is None:
            raise TwingraphError(f"query {self.name!r} has no WHERE clause to bind parameters in")
        return f"{self.text[: where.end()]}\n  {block}\n{self.text[where.end() :]}"


def to_term(param: Param, value: str, query: str) -> ox.Literal | ox.NamedNode:
    if param.kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise TwingraphError(f"query {query!r}: parameter {param.name!r} must be a year like 2023, not {value!r}")
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if param.kind == "iri":
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
            raise TwingraphError(f"query {query!r}: parameter {param.name!r} must be an http(s) IRI")
        return ox.NamedNode(value)
    return ox.Literal(value)


def parse_query_file(path: Path) -> NamedQuery:
    """Read one .rq file and its header."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    params = []
    for line in text.splitlines():
        match = re.match(r"#\s*(\w+):\s*(.*)", line)
        if not line.startswith("#"):
            break
        if match and match.group(1) == "param":
            name, kind, help_text = ([*match.group(2).split(None, 2), "", ""])[:3]
            if kind not in PARAM_KINDS:
                raise TwingraphError(f"{path}: param {name!r}: kind must be one of {sorted(PARAM_KINDS)}")
            params.append(Param(name=name, kind=kind, help=help_text))
        elif match:
            header[match.group(1)] = match.group(2).strip()
    return NamedQuery(
        name=path.stem,
        title=header.get("title", path.stem),
        description=header.get("description", ""),
        params=tuple(params),
        text=text,
    )


def load_queries(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every named query of a directory, by name."""
    return {q.name: q for q in (parse_query_file(p) for p in sorted(queries_dir.glob("*.rq")))}
