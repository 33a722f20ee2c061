"""Named, parameterised SPARQL queries loaded from queries/*.rq.

A query file starts with comment lines that describe it::

    # title: Who met whom
    # description: Pairs of persons at the same event, with date and place.
    # param: person  text  a person's name, or part of it (either side)
    # param: year    year  only meetings in this year

A ``text`` parameter is a name as people type it: its value is bound as its ``name_key``
(lower case, ``ё`` as ``е``, spaces collapsed), and the query keeps a resource when the key is
part of any of its names (``schema:name``, ``skos:prefLabel``, ``skos:altLabel``,
``schema:alternateName``, ``rdfs:label``, on the resource or on the Wikidata item it is
``owl:sameAs`` / ``schema:sameAs``), each compared as ``REPLACE(LCASE(STR(?name)), "ё", "е")``:
plain SPARQL 1.1, so every store finds the same resources.

Each parameter ``p`` is the variable ``?param_p`` in the query; a parameter not
given stays unbound, so the query's FILTERs test ``BOUND(?param_p)``. A query says
where its parameters bind with a one-row ``VALUES`` block of them, all ``UNDEF``::

    VALUES (?param_person ?param_year) { (UNDEF UNDEF) }

The query runs as it is, with nothing bound; ``NamedQuery.bound`` writes the given
values into that row. The block can sit inside a subquery (a page of meetings chosen
by the parameters, then joined with their details), where a block at the top of the
query would not be seen: a subquery is evaluated on its own. A query that starts
from a different place for each parameter given has a UNION branch per way in, each
with its own block and a FILTER on ``BOUND(?param_p)``; no pattern may bind a
``?param_`` variable there, or the FILTER would read the pattern's binding. A query
without such a block gets one at the top of its WHERE group.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from twingraph.errors import ParameterError, TwingraphError

PARAM_KINDS = {"text", "year", "iri"}
# a one-row VALUES block of parameters, all UNDEF: where a query's parameters bind
SLOT = re.compile(r"VALUES\s*\(((?:\s*\?param_\w+)+)\s*\)\s*\{\s*\(((?:\s*UNDEF)+)\s*\)\s*\}", re.IGNORECASE)


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
        """The query text with the given parameters bound in its VALUES blocks.

        The given values replace the ``UNDEF`` of their variables in each one-row block of
        ``?param_`` variables; a query without such a block gets one at the top of its
        outermost WHERE group. Terms are written in N-Triples syntax, so no value can change
        the query's structure. Any SPARQL 1.1 store runs the result.

        Raises:
            TwingraphError: an unknown parameter, or a value of the wrong kind.
        """
        known = {p.name: p for p in self.params}
        terms: dict[str, str] = {}
        for key, value in values.items():
            if key not in known:
                raise ParameterError("query %(query)s has no parameter %(param)s (parameters: %(names)s)",
                                     query=repr(self.name), param=repr(key), names=", ".join(known) or "-")
            terms[f"?param_{key}"] = str(to_term(known[key], value, self.name))
        if not terms:
            return self.text
        if SLOT.search(self.text):
            return SLOT.sub(lambda slot: values_block(slot.group(1).split(), terms), self.text)
        where = re.search(r"\bWHERE\s*\{", self.text, flags=re.IGNORECASE)
        if where is None:
            raise TwingraphError(f"query {self.name!r} has no WHERE clause to bind parameters in")
        block = values_block(list(terms), terms)
        return f"{self.text[: where.end()]}\n  {block}\n{self.text[where.end() :]}"


def values_block(variables: list[str], terms: dict[str, str]) -> str:
    """A one-row VALUES block of the variables, with their terms or UNDEF.

    >>> values_block(["?param_city", "?param_year"], {"?param_city": '"Казань"'})
    'VALUES (?param_city ?param_year) { ("Казань" UNDEF) }'
    """
    return f"VALUES ({' '.join(variables)}) {{ ({' '.join(terms.get(v, 'UNDEF') for v in variables)}) }}"


def to_term(param: Param, value: str, query: str) -> ox.Literal | ox.NamedNode:
    """A parameter's value as an RDF term, or a TwingraphError that names the query and the parameter.

    >>> to_term(Param("node", "iri", ""), "http://[", "network")
    Traceback (most recent call last):
    twingraph.errors.ParameterError: query 'network': parameter 'node' must be an http(s) IRI, not 'http://['
    >>> to_term(Param("person", "string", ""), "Мет" + chr(1) + "шин", "who-met-whom")
    Traceback (most recent call last):
    twingraph.errors.ParameterError: query 'who-met-whom': parameter 'person' has a control character (U+0001)
    >>> to_term(Param("person", "text", ""), chr(92) + "u003c", "timeline")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    twingraph.errors.ParameterError: query 'timeline': parameter 'person' has a backslash, ...
    """
    where = {"query": repr(query), "param": repr(param.name), "value": repr(value)}
    control = next((c for c in value if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise ParameterError("query %(query)s: parameter %(param)s has a control character (%(char)s)",
                             char=f"U+{ord(control):04X}", **where)  # fmt: skip
    if "\\" in value:  # no name, year or IRI has one, and in the query text it could start an escape
        raise ParameterError("query %(query)s: parameter %(param)s has a backslash, which no name, year or IRI holds",
                             **where)  # fmt: skip
    if param.kind == "year":
        if not re.fullmatch(r"[0-9]{4}", value):
            raise ParameterError("query %(query)s: parameter %(param)s must be a year like 2023, not %(value)s",
                                 **where)  # fmt: skip
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if param.kind == "iri":
        try:
            if re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
                return ox.NamedNode(value)
        except ValueError:  # pyoxigraph's IRI check: "http://[" has no valid host
            pass
        raise ParameterError("query %(query)s: parameter %(param)s must be an http(s) IRI, not %(value)s", **where)
    return ox.Literal(name_key(value))


def name_key(text: str) -> str:
    """A name as the queries compare it: lower case, ``ё`` as ``е``, runs of spaces as one, trimmed.

    The queries compare each name a resource has as ``REPLACE(LCASE(STR(?name)), "ё", "е")``, so
    a key found in that is a part of the name, in any case and with either letter.

    >>> name_key("  Пётр   ХАРБИН ")
    'петр харбин'
    >>> name_key("ЁЛКИН") == name_key("елкин")
    True
    """
    return " ".join(text.lower().replace("ё", "е").split())


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
    check_slots(path, text, params)
    return NamedQuery(
        name=path.stem,
        title=header.get("title", path.stem),
        description=header.get("description", ""),
        params=tuple(params),
        text=text,
    )


def check_slots(path: Path, text: str, params: list[Param]) -> None:
    """Where a query has VALUES blocks of parameters, each names declared ones and each parameter has one.

    Raises:
        TwingraphError: a parameter no block binds (its value would be left out), or a block's undeclared one.
    """
    slotted = {v.removeprefix("?param_") for slot in SLOT.finditer(text) for v in slot.group(1).split()}
    if not slotted:
        return
    declared = {p.name for p in params}
    if unbound := ", ".join(sorted(declared - slotted)):
        raise TwingraphError(f"{path}: no VALUES block binds the parameter(s) {unbound}")
    if undeclared := ", ".join(sorted(slotted - declared)):
        raise TwingraphError(f"{path}: a VALUES block names undeclared parameter(s) {undeclared}")


def load_queries(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every named query of a directory, by name."""
    return {q.name: q for q in (parse_query_file(p) for p in sorted(queries_dir.glob("*.rq")))}
