"""Page bytes -> plain text: detect the encoding, refuse binary data, turn HTML into text."""

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


def _walk(node: LexborNode, out: list[str]) -> None:
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            out.append(child.text(deep=False) or "")
            continue
        block = child.tag in BLOCK_TAGS
        if block:
            out.append("\n\n")
        _walk(child, out)
        if block:
            out.append("\n\n")


def page_text(data: bytes, name: str) -> str:
    """The text of a page given as bytes of text or HTML."""
    text = decode_page(data, name)
    return html_to_text(text) if looks_like_html(text) else text.replace("\r\n", "\n")
