"""The interface's words on a page, told from the data's: what tests/test_languages.py and the views' check count.

A page's chrome is every visible text whose nearest element with a ``lang`` attribute is the root
``<html>``; the data (names, sentences, result values) sits in elements that carry their own ``lang``
(``lang=""`` where the data does not say its language).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Latin words a Russian page may show: names of formats, standards and services that Russian text
# writes in Latin letters too (and the site's own name, and a key's); nothing else of the chrome is English.
LOANWORDS = {"twingraph", "sparql", "json", "ld", "csv", "tsv", "turtle", "n", "triples", "rdf", "iri", "xml",
             "html", "utc", "cc", "by", "wikidata", "sha", "openapi", "https", "http", "schema", "org",
             "url", "ctrl", "utf"}  # fmt: skip
# text that is code or a machine name, in any language: not the interface's words
CODE_TAGS = {"code", "pre", "textarea", "script", "style", "kbd", "samp", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Chrome(HTMLParser):
    """The interface's texts of a page: visible text nodes (and placeholders, aria-labels) whose nearest
    ``lang`` ancestor is ``<html>``, outside code and outside ``translate="no"`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, whether chrome stops here: lang, code or translate=no)
        self.texts: list[str] = []
        self.html_lang: str | None = None

    @property
    def in_chrome(self) -> bool:
        return not any(stops for _, stops in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_lang = found.get("lang")
            return
        stops = "lang" in found or tag in CODE_TAGS or found.get("translate") == "no"
        if self.in_chrome and not stops:
            self.texts += [v for k, v in attrs if k in ("placeholder", "aria-label") and v]
        if tag not in VOID:
            self.stack.append((tag, stops))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.in_chrome and data.strip():
            self.texts.append(data.strip())


def chrome_of(html: str) -> Chrome:
    parsed = Chrome()
    parsed.feed(html)
    return parsed


def words(text: str) -> list[str]:
    """The words of a text, without IRIs, prefixed names, language tags and numbers."""
    text = re.sub(r"\S*://\S*|\b\w+:\w\S*|@[a-z-]+|\?\w+", " ", text)
    return re.findall(r"[^\W\d_]+", text)


def english_words(texts: list[str]) -> list[str]:
    return sorted({w for t in texts for w in words(t) if re.fullmatch(r"[A-Za-z]+", w) and w.lower() not in LOANWORDS})


def cyrillic_texts(texts: list[str]) -> list[str]:
    return sorted({t for t in texts if CYRILLIC.search(t)})
