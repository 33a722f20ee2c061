"""Page bytes -> plain text: detect the encoding, refuse binary data and over-deep HTML, turn HTML into text."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser, LexborNode

from twingraph.errors import TwingraphError

BLOCK_TAGS = frozenset(
    "p div li ul ol br h1 h2 h3 h4 h5 h6 tr table section article header footer blockquote dd dt".split()
)
HTML_HINT = re.compile(r"<\s*(?:!doctype\s+html|html|body|div|p)\b", re.IGNORECASE)
# The code pages a Russian page comes in, in the order that settles a tie: UTF-8, Windows,
# KOI8-R (Unix, old Russian mail and web servers), ISO and DOS
CODE_PAGES = ("utf-8", "cp1251", "koi8-r", "iso-8859-5", "cp866")
# the fifteen most frequent Russian letters (Russian National Corpus), about 80% of the letters of a text
FREQUENT_LETTERS = "оеаинтсрвлкмдпу"
# a reading at least this Russian may override a declaration (see choose_reading)
RUSSIAN_SCORE = 0.5
# <meta charset=...> or <meta http-equiv="Content-Type" content="text/html; charset=...">, within the head
CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
HEAD_BYTES = 16 * 1024
# Deeper markup is refused before it is parsed: real pages nest a few dozen elements, while the
# parser's time grows with the square of the depth (200,000 open <div> take minutes).
DEPTH_LIMIT = 512
# A page file larger than this is refused before it is read (`extract --max-size`): the Kazan page is
# 65 KB of text, while a 20 MB page took 463 s and 769 MB to extract, into 3,201 files.
MIB = 1024 * 1024
PAGE_LIMIT = 5 * MIB
# void elements, and elements whose end tag the parser implies: left open, they do not nest
FLAT_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr "
    "p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption rb rt rtc rp html head body".split()
)
# elements whose content is text, not markup, up to their end tag
RAW_TAGS = frozenset("script style textarea title xmp noscript template iframe noembed noframes".split())
TAG_OR_COMMENT = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9-]*)")


class PageError(TwingraphError):
    """A page that cannot be read as text."""


def check_size(size: int, name: str, limit: int = PAGE_LIMIT) -> None:
    """Refuse a page of ``size`` bytes when it is larger than ``limit``.

    >>> check_size(6 * MIB, "big.html")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    twingraph.extract.text.PageError: big.html: 6,291,456 bytes, larger than the limit of 5 MiB (5,242,880 ...

    Raises:
        PageError: the page is too large, naming the page and the limit.
    """
    if size > limit:
        raise PageError(f"{name}: {size:,} bytes, larger than the limit of {limit / MIB:g} MiB ({limit:,} bytes) "
                        "for a page; give one page, or raise the limit (extract --max-size)")  # fmt: skip


def decode_page(data: bytes, name: str) -> str:
    """Decode the bytes of a page: by its byte-order mark, else its declared charset or UTF-8, else as Russian.

    See :func:`choose_reading` for a declaration the bytes contradict.

    >>> decode_page("Энск".encode("cp1251"), "p.txt")
    'Энск'
    >>> decode_page("<meta charset=koi8-r><p>Энск</p>".encode("koi8-r"), "p.html")
    '<meta charset=koi8-r><p>Энск</p>'

    Raises:
        PageError: the file is empty or binary.
    """
    if not data.strip():
        raise PageError(f"{name}: the file is empty; give the text or HTML of a partner-cities page")
    if b"\x00" in data[:4096]:
        raise PageError(f"{name}: binary data (NUL bytes), not a text or HTML page")
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[len(codecs.BOM_UTF8) :], "utf-8")
    else:
        declared = declared_charset(data)
        found = readings(data, declared)
        text = choose_reading(found, next((c for c in (declared, "utf-8") if c in found), None))
    if text is None or _control_share(text) > 0.02:
        raise PageError(f"{name}: binary data (control characters), not a text or HTML page")
    return text


def declared_charset(data: bytes) -> str | None:
    """The code page a page's ``<meta charset>`` or ``http-equiv`` Content-Type declares, when Python knows it.

    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    'cp1251'
    >>> declared_charset(b"<meta charset='KOI8-R'>"), declared_charset(b"<meta charset=x-unknown>")
    ('koi8-r', None)
    """
    found = CHARSET.search(data[:HEAD_BYTES])
    return codec_name(found.group(1).decode("ascii")) if found else None


def codec_name(label: str) -> str | None:
    """Python's name of the codec an encoding label names (``windows-1251`` -> ``cp1251``), None if unknown."""
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def readings(data: bytes, declared: str | None) -> dict[str, str]:
    """The text of the bytes in each code page that decodes them without error: the declared one, then CODE_PAGES."""
    names = dict.fromkeys(n for n in (declared, *map(codec_name, CODE_PAGES)) if n)
    return {n: text for n in names if (text := _strict(data, n)) is not None}


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def russian_score(text: str) -> float:
    """The share of the text's non-ASCII characters that are frequent Russian letters in lowercase.

    Russian text read in its own code page scores about 0.77 (the Kazan page in any of
    CODE_PAGES); read in another, at most 0.35: its lowercase letters come out as
    capitals, rare letters or symbols. Text without non-ASCII characters scores 0.

    >>> round(russian_score("Энск - город на реке"), 2), russian_score("Ensk")
    (0.87, 0.0)
    >>> russian_score("Энск - город на реке".encode("koi8-r").decode("cp1251"))  # ьОУЛ - ЗПТПД ОБ ТЕЛЕ
    0.0
    """
    foreign = len(text) - len(text.encode("ascii", "ignore"))
    return sum(text.count(letter) for letter in FREQUENT_LETTERS) / foreign if foreign else 0.0


def choose_reading(found: Mapping[str, str], presumed: str | None) -> str | None:
    """The reading to keep, of those ``found`` by code page: the presumed one unless another is clearly Russian.

    The presumed reading is the declared code page's, else UTF-8's. A declaration can be
    wrong (a server recoded the page to KOI8-R and left its ``charset=windows-1251``, or it
    was saved in another code page): another reading replaces the presumed one when it
    looks Russian (RUSSIAN_SCORE) and scores more than twice as high. Russian read in its
    own code page scores about 0.77 and in another at most 0.35, so a right declaration is
    never overridden. With nothing presumed, the highest score wins, ties going to the
    earlier of CODE_PAGES. None when no code page decodes the bytes.

    >>> page = "Энск - город на реке".encode("koi8-r")
    >>> choose_reading({"cp1251": page.decode("cp1251"), "koi8-r": page.decode("koi8-r")}, "cp1251")
    'Энск - город на реке'
    """
    if not found:
        return None
    scores = {codec: russian_score(text) for codec, text in found.items()}
    best = max(scores, key=scores.__getitem__)
    if presumed is None:
        return found[best]
    clearly = scores[best] >= RUSSIAN_SCORE and scores[best] > 2 * scores[presumed]
    return found[best] if clearly else found[presumed]


def _control_share(text: str) -> float:
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(len(sample), 1)


def looks_like_html(text: str) -> bool:
    """True when the text is markup rather than the page's visible text.

    >>> looks_like_html("<html><body><p>Энск</p></body></html>")
    True
    """
    return bool(HTML_HINT.search(text[:5000])) and text.count("<") > 5


def markup_depth(html: str) -> int:
    """How deep the start tags left open nest, in one linear pass over the text, before any parsing.

    Comments and the content of script, style and the like are skipped; void elements and
    those whose end the parser implies (``p``, ``li``, ``td``...) do not count.

    >>> markup_depth("<div><p>a<p>b<br><b>c</b><!-- <div><div> --><span>d</div>")
    2
    >>> markup_depth("<b>x" * 1000)
    1000
    """
    depth = deepest = pos = 0
    while (match := TAG_OR_COMMENT.search(html, pos)) is not None:
        closing, tag = match.group(1), (match.group(2) or "").lower()
        pos = match.end()
        if not tag:  # a comment runs to its end, or to the end of the page
            pos = _after(html, "-->", pos)
        elif tag in RAW_TAGS and not closing:
            pos = _after_end_tag(html, tag, pos)
        elif tag not in FLAT_TAGS:
            depth = max(depth - 1, 0) if closing else depth + 1
            deepest = max(deepest, depth)
    return deepest


def _after(html: str, marker: str, pos: int) -> int:
    found = html.find(marker, pos)
    return len(html) if found < 0 else found + len(marker)


def _after_end_tag(html: str, tag: str, pos: int) -> int:
    pattern = re.compile(rf"</{tag}\b", re.IGNORECASE)
    found = pattern.search(html, pos)
    return len(html) if found is None else found.end()


def check_depth(html: str, name: str) -> None:
    """Refuse HTML nested deeper than DEPTH_LIMIT elements.

    Raises:
        PageError: the markup nests too deep, naming the page and the limit.
    """
    depth = markup_depth(html)
    if depth > DEPTH_LIMIT:
        raise PageError(
            f"{name}: HTML nested {depth:,} elements deep, more than the limit of {DEPTH_LIMIT} (unclosed tags?); "
            "close the tags, or give the page's text as a .txt file"
        )


def html_to_text(html: str) -> str:
    """The visible text of an HTML page, one block element per line."""
    tree = LexborHTMLParser(html)
    tree.strip_tags(["script", "style", "noscript", "template", "head"])
    root = tree.body or tree.root
    if root is None:
        return ""
    lines: list[str] = []
    _walk(root, lines)
    text = "".join(lines)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n\s*\n\s*(?:\n\s*)+", "\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


def _walk(root: LexborNode, out: list[str]) -> None:
    """Append the text under ``root``, blank lines around block elements; a loop, so no depth can overflow."""
    children = [root.iter(include_text=True)]
    blocks = [False]
    while children:
        child = next(children[-1], None)
        if child is None:
            children.pop()
            if blocks.pop():
                out.append("\n\n")
        elif child.tag == "-text":
            out.append(child.text(deep=False) or "")
        else:
            block = child.tag in BLOCK_TAGS
            if block:
                out.append("\n\n")
            children.append(child.iter(include_text=True))
            blocks.append(block)


def page_text(data: bytes, name: str) -> str:
    """The text of a page given as bytes of text or HTML.

    Raises:
        PageError: the file is empty, binary or undecodable, or its HTML nests deeper than DEPTH_LIMIT.
    """
    text = decode_page(data, name)
    if not looks_like_html(text):
        return text.replace("\r\n", "\n")
    check_depth(text, name)
    return html_to_text(text)
