r"""SPARQL query text read in one linear pass, before any parser sees it: nesting depth, numbers, escapes.

This is the first of the endpoint's checks (``rdf.query_guard`` is the second).
It decides nothing about what a query means; it refuses only what could make a
parser crash or take super-linear time, and code-point escapes that would let two
parsers read one text differently:

* nesting deeper than ``MAX_DEPTH`` brackets ``{ ( [`` in any mix (outside strings,
  IRIs and comments): pyoxigraph's parser overflows its stack near 2,500 levels,
  rdflib's recursive descent needs about 100 Python frames a level;
* a number longer than ``MAX_NUMBER`` characters (rdflib converts integer literals
  with ``int()``, which refuses more than 4,300 digits and is quadratic below that);
* a query longer than ``MAX_LENGTH`` characters;
* a ``\uXXXX`` or ``\UXXXXXXXX`` escape that stands for an ASCII character. rdflib
  expands every such escape before it parses (as SPARQL 1.1, 19.2 says), pyoxigraph
  only inside strings and IRIs, so ``\u0022`` or ``\u0023`` could end a string or
  start a comment for one of them and not the other. Escapes of other characters
  (``\u00E9``) change no syntax and are left to the parsers;
* an escape the two parsers read with different lengths: rdflib takes ``\u`` and
  ``\U`` alike, with 4 or 8 digits, as many as there are (``\U000A`` is a newline
  to it and no escape to pyoxigraph; ``\u00410041`` is one character to it and
  ``A`` then ``0041`` to pyoxigraph).

The scanner is hand-written: each character is looked at a bounded number of times,
and the few regular expressions it uses are single character classes matched at a
known position, which cannot backtrack.
"""

from __future__ import annotations

import dataclasses
import re

MAX_DEPTH = 128
MAX_NUMBER = 100
MAX_LENGTH = 64 * 1024
OPENING, CLOSING = "{([", "})]"
# characters that cannot occur in an IRIREF; '<' followed by one of them is the less-than operator
NOT_IN_IRI = frozenset('<"{}|^`\\' + "".join(chr(c) for c in range(0x21)))
# a code-point escape as rdflib reads it: either letter, 4 digits, then 4 more if there are (SPARQL: \u 4, \U 8)
ESCAPE = re.compile(r"\\([uU])([0-9A-Fa-f]{4})([0-9A-Fa-f]{4})?")
NAME_RUN = re.compile(r"(?:[\w.:%\-?$]|\\[^\s])*")
NUMBER_RUN = re.compile(r"[0-9.]*(?:[eE][+-]?[0-9]*)?")
LINE_END = re.compile(r"[\n\r]")
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class Refused:
    """A refused query as an endpoint answers it: 403 for a policy refusal (``forbidden``), else 400 (unreadable).

    ``template`` is the answer's message in English, a msgid of the interface's catalogue, with ``%(reason)s``.
    """

    forbidden: bool

    @property
    def status(self) -> int:
        return 403 if self.forbidden else 400

    @property
    def template(self) -> str:
        return "the query is refused: %(reason)s" if self.forbidden else "the query cannot be read: %(reason)s"

    @property
    def values(self) -> dict[str, str]:
        return {"reason": str(self)}


SYNTAX_ERROR = "SPARQL syntax error: %(reason)s"  # what an endpoint says of a query its engine cannot parse


class QueryTextError(Refused, ValueError):
    """A query the scanner refuses; ``forbidden`` tells a policy refusal (403) from an unreadable text (400)."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        self.forbidden = forbidden
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class Scan:
    """What one pass over a query found: its deepest nesting, its first keyword, whether it writes SERVICE.

    ``says_service`` is a hint for the message of a query no parser reads; whether
    a query calls SERVICE is decided on its parse (``rdf.query_guard``).
    """

    depth: int
    leading_word: str | None
    says_service: bool = False


def ascii_escape(text: str) -> str | None:
    r"""The first code-point escape in the text that stands for an ASCII character, or that the parsers read apart.

    >>> ascii_escape(r'SELECT * { ?s ?p "caf\u00E9" "\U0001F600" }') is None
    True
    >>> [ascii_escape(q) for q in (r"\u0053ERVICE", r"\U00000053", r"# \U000A", r"\u00E90041")]
    ['\\u0053', '\\U00000053', '\\U000A', '\\u00E90041']
    """
    for match in ESCAPE.finditer(text):
        letter, first, more = match.groups()
        read_apart = (letter == "u") is (more is not None)  # \u with 8 digits, \U with fewer than 8
        if read_apart or int(first + (more or ""), 16) < 0x80:
            return match.group(0)
    return None


def string_end(text: str, start: int) -> int:
    """The index just past the string literal opening at ``start`` (or the text's end if it never closes)."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        i, closing = start + 3, quote * 3
        while i < len(text):
            if text[i] == "\\":
                i += 2
            elif text.startswith(closing, i):
                return i + 3
            else:
                i += 1
        return len(text)
    i = start + 1
    while i < len(text) and text[i] not in "\n\r":
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    return i


def iri_end(text: str, start: int) -> int | None:
    """The index just past the IRI opening with ``<`` at ``start``, None when that ``<`` is an operator.

    >>> iri_end("<urn:x> .", 0), iri_end("?a < ?b", 3)
    (7, None)
    """
    i = start + 1
    while i < len(text) and text[i] != ">" and text[i] not in NOT_IN_IRI:
        i += 1
    return i + 1 if i < len(text) and text[i] == ">" else None


def comment_end(text: str, start: int) -> int:
    found = LINE_END.search(text, start)
    return found.start() if found else len(text)


def skipped(text: str, i: int) -> int:
    """The index past a comment, string or IRI starting at ``i``; ``i`` itself when none starts there."""
    c = text[i]
    if c == "#":
        return comment_end(text, i)
    if c in "\"'":
        return string_end(text, i)
    if c == "<":
        return iri_end(text, i) or i
    return i


def number_end(text: str, i: int) -> int:
    """The index past the number starting at ``i``.

    Raises:
        QueryTextError: a number longer than ``MAX_NUMBER`` characters.
    """
    end = max(NUMBER_RUN.match(text, i).end(), i + 1)  # type: ignore[union-attr]  # it matches "" at least
    if end - i > MAX_NUMBER:
        raise QueryTextError(f"a number of {end - i} characters at character {i}; this endpoint reads "
                             f"numbers of at most {MAX_NUMBER}")  # fmt: skip
    return end


def check_text(text: str) -> None:
    """Refuse a text too long, or with an escape ``ascii_escape`` finds, before it is scanned."""
    if len(text) > MAX_LENGTH:
        raise QueryTextError(f"the query is {len(text)} characters long; this endpoint reads at most {MAX_LENGTH}")
    escape = ascii_escape(text)
    if escape is not None:
        raise QueryTextError(f"the escape {escape} stands for an ASCII character, or reads differently to two "
                             "SPARQL parsers (\\u takes 4 hex digits, \\U 8); write the character as itself (such "
                             "escapes could spell or hide SERVICE, FROM or an update)", forbidden=True)  # fmt: skip


def scan(text: str) -> Scan:
    r"""Measure a query's nesting and refuse what no parser should be given (see the module docstring).

    >>> scan('PREFIX e: <urn:e#> SELECT * { ?s e:p "}}" FILTER(?s < 3) } # {{{')
    Scan(depth=2, leading_word='SELECT', says_service=False)
    >>> scan(r"SELECT * { ?s ?p e:a\# { ?s ?p ?o } }").depth
    2

    Raises:
        QueryTextError: too long, too deep, a number too long, or an ASCII code-point escape.
    """
    check_text(text)
    depth = deepest = i = 0
    leading: str | None = None
    service = False
    while i < len(text):
        c = text[i]
        if (after := skipped(text, i)) > i:
            i = after
        elif c in OPENING:
            depth, i = depth + 1, i + 1
            if depth > MAX_DEPTH:
                raise QueryTextError(f"the query nests brackets {{ ( [ more than {MAX_DEPTH} deep (at character {i})")
            deepest = max(deepest, depth)
        elif c in CLOSING:
            depth, i = max(depth - 1, 0), i + 1
        elif c.isdigit() or (c == "." and text[i + 1 : i + 2].isdigit()):
            i = number_end(text, i)
        elif c.isalpha() or c in "_:?$\\" or ord(c) >= 0x80:
            end = max(NAME_RUN.match(text, i).end(), i + 1)  # type: ignore[union-attr]
            word, i = text[i:end], end
            if word.isalpha() and word.isascii():
                leading = leading or (None if word.upper() in ("BASE", "PREFIX") else word.upper())
                service = service or word.upper() == "SERVICE"
        else:
            i += 1
    return Scan(deepest, leading, service)
