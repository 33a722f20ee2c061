"""Page bytes -> plain text: detect the encoding, refuse binary data and over-deep HTML, turn HTML into text."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser, LexborNode

from twingraph.errors import TwingraphError

BLOCK_TAGS = frozenset(
    "p div li ul ol br h1 h2 h3 h4 h5 h6 tr table section article header footer blockquote dd dt".split()
)
HTML_HINT = re.compile(r"<\s*(?:!doctype\s+html|html|body|div|p)\b", re.IGNORECASE)
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Deeper markup is refused before it is parsed: real pages nest a few dozen elements, while the
# parser's time grows with the square of the depth (200,000 open <div> take minutes).
DEPTH_LIMIT = 512
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


def decode_page(data: bytes, name: str) -> str:
    """Decode the bytes of a page: UTF-8 first, else the detected Cyrillic code page.

    >>> decode_page("Энск".encode("cp1251"), "p.txt")
    'Энск'

    Raises:
        PageError: the file is empty, binary, or in no encoding that gives Russian text.
    """
    if not data.strip():
        raise PageError(f"{name}: the file is empty; give the text or HTML of a partner-cities page")
    if b"\x00" in data[:4096]:
        raise PageError(f"{name}: binary data (NUL bytes), not a text or HTML page")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _detected(data, name)
    if _control_share(text) > 0.02:
        raise PageError(f"{name}: binary data (control characters), not a text or HTML page")
    return text


def _detected(data: bytes, name: str) -> str:
    try:
        return data.decode("cp1251") if _looks_cp1251(data) else _guess(data, name)
    except UnicodeDecodeError as exc:
        raise PageError(f"{name}: not UTF-8 and no known encoding fits; save the page as UTF-8") from exc


def _looks_cp1251(data: bytes) -> bool:
    # cp1251 Cyrillic letters sit in 0xC0-0xFF; a Russian page is mostly those among the high bytes
    high = [b for b in data if b >= 0x80]
    share = sum(b >= 0xC0 for b in high) / len(high) if high else 0.0
    return share > 0.9 and CYRILLIC.search(data.decode("cp1251")) is not None


def _guess(data: bytes, name: str) -> str:
    best = from_bytes(data).best()
    if best is None:
        raise PageError(f"{name}: not UTF-8 and no known encoding fits; save the page as UTF-8")
    return str(best)


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
