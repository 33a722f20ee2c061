"""SPARQL query text read as tokens: keywords, IRIs and the query form, without parsing or running it.

Both the endpoint's safety check (``serve.sparql``) and the remote store adapter
(``store.remote``) read queries this way, before anything is evaluated.
"""

from __future__ import annotations

import codecs
import re

TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<var>[?$]\w+)"
    r"|(?P<pname>[\w.-]*:[\w.:%\\-]*)"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<other>\S)",
    re.DOTALL,
)
ESCAPE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def keywords(text: str) -> list[str]:
    """The bare words of a query, upper-cased, outside strings, IRIs and comments.

    >>> keywords('SELECT * { ?service <urn:service> "service" } # service')
    ['SELECT']
    """
    return [m.group("word").upper() for m in TOKEN.finditer(text) if m.lastgroup == "word"]


def iris(text: str) -> list[str]:
    """The IRIs written in full in a query (``<...>``), without the brackets.

    >>> iris('PREFIX b: <bif:> SELECT * { ?s <urn:p> "<urn:not>" }')
    ['bif:', 'urn:p']
    """
    return [m.group("iri")[1:-1] for m in TOKEN.finditer(text) if m.lastgroup == "iri"]


def decode_escapes(text: str) -> str:
    r"""The query with SPARQL's ``\u``/``\U`` code point escapes replaced.

    >>> decode_escapes(r"\u0053ERVICE")
    'SERVICE'
    """
    return ESCAPE.sub(lambda m: codecs.decode(m.group(0), "unicode_escape"), text)


def query_form(text: str) -> str | None:
    """The query's form: SELECT, ASK, CONSTRUCT or DESCRIBE; None for anything else (an update, a pragma).

    >>> query_form("PREFIX s: <https://schema.org/> construct { ?a s:name ?n } WHERE { ?a s:name ?n }")
    'CONSTRUCT'
    >>> query_form('DEFINE get:soft "replace" SELECT * {}') is None
    True
    """
    words = [w for w in keywords(decode_escapes(text)) if w not in ("BASE", "PREFIX")]
    return words[0] if words and words[0] in FORMS else None
