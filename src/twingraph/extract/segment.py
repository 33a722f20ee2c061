"""Split a page's text into city blocks: heading, header fields, «О городе», dated paragraphs."""

from __future__ import annotations

import dataclasses
import re

# «Энск (Республика Энская)», maybe after a list bullet
HEADING = re.compile(r"^[\s•·*\-–]*(?P<name>[А-ЯЁ][А-Яа-яЁё\- ]{1,60}?)\s*\((?P<country>[^()]{3,80})\)\s*$")
FIELD = re.compile(r"^(?P<label>[А-ЯЁ][А-Яа-яЁё ]{2,40}?)\s*:\s*(?P<value>.*)$")
FIELD_LABELS = {
    "фото": "photo",
    "документ": "document",
    "документы": "document",
    "год основания": "founded",
    "основан": "founded",
    "население": "population",
    "численность населения": "population",
    "площадь": "area",
    "площадь города": "area",
    "часовой пояс": "timezone",
    "сайт": "website",
    "официальный сайт": "website",
    "веб-сайт": "website",
}
ABOUT = re.compile(r"^о городе\s*:?\s*$", re.IGNORECASE)
CONTACTS = re.compile(r"^(совместные мероприятия|мероприятия|контакты|сотрудничество)[^:]{0,40}:\s*$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Field:
    """One header line: its kind, its value and the line as written."""

    kind: str
    value: str
    line: str


@dataclasses.dataclass(frozen=True)
class Block:
    """One city's part of the page."""

    name: str
    country_as_written: str
    heading: str
    fields: tuple[Field, ...]
    about: tuple[str, ...]
    paragraphs: tuple[str, ...]


def page_lines(text: str) -> list[str]:
    """The page's lines, stripped, with non-breaking spaces as spaces."""
    return [line.replace("\u00a0", " ").strip() for line in text.splitlines()]


def field_of(line: str) -> Field | None:
    """The header field a line states, if it is one.

    >>> field_of("Часовой пояс: GMT +3:30")
    Field(kind='timezone', value='GMT +3:30', line='Часовой пояс: GMT +3:30')
    """
    match = FIELD.match(line)
    if not match:
        return None
    kind = FIELD_LABELS.get(match["label"].strip().lower())
    return Field(kind, match["value"].strip(), line) if kind else None


def heading_rows(lines: list[str]) -> list[int]:
    """Indexes of the lines that open a city block: «Name (Country)» followed by header fields."""
    candidates = [i for i, line in enumerate(lines) if HEADING.match(line)]
    rows = []
    for n, i in enumerate(candidates):
        stop = candidates[n + 1] if n + 1 < len(candidates) else len(lines)
        window = lines[i + 1 : min(stop, i + 40)]
        if sum(field_of(line) is not None for line in window) >= 2 or any(ABOUT.match(x) for x in window):
            rows.append(i)
    return rows


def split_blocks(text: str) -> list[Block]:
    """The city blocks of a page, in page order; an empty list for a page of another kind."""
    lines = page_lines(text)
    rows = heading_rows(lines)
    return [block_of(lines[row : rows[n + 1] if n + 1 < len(rows) else len(lines)]) for n, row in enumerate(rows)]


def block_of(lines: list[str]) -> Block:
    """Parse one block's lines: heading, header fields until «О городе», then text paragraphs."""
    match = HEADING.match(lines[0])
    assert match is not None
    fields: list[Field] = []
    about: list[str] = []
    paragraphs: list[str] = []
    section = "header"
    for line in lines[1:]:
        if not line:
            continue
        if ABOUT.match(line):
            section = "about"
        elif CONTACTS.match(line):
            section = "events"
        elif section == "header":
            field = field_of(line)
            if field:
                fields.append(field)
        elif section == "about":
            about.append(line)
        else:
            paragraphs.append(line)
    return Block(match["name"].strip(), match["country"].strip(), lines[0].strip(" •·*-–"), tuple(fields),
                 tuple(about), tuple(paragraphs))  # fmt: skip
