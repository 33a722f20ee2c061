"""A result table as text for a terminal: fitted to its width, each value cut with "…", wrapped, or whole."""

from __future__ import annotations

import enum
import re
import textwrap
from collections.abc import Sequence

NARROWEST = 12  # characters a wrapped column keeps however narrow the terminal
NARROWEST_CUT = 6  # and a column of cut values: ten of them still fit 80 columns
GAP = "  "
ELLIPSIS = "…"
LINE_BREAKS = re.compile(r"\r\n|[\r\n\t\v\f]")


class Layout(enum.Enum):
    """How a value longer than its column is shown."""

    CUT = "cut"  # on one line, cut to the column with "…" at the end
    WRAP = "wrap"  # over as many lines as it needs, nothing cut
    WIDE = "wide"  # whole on one line, the columns as wide as their longest value


def column_widths(natural: Sequence[int], width: int, narrowest: int = NARROWEST) -> list[int]:
    """Each column's width: its natural one while the row fits, else the widest ones narrowed first,
    none below ``narrowest`` (or its natural width).

    >>> column_widths([5, 10], 80)
    [5, 10]
    >>> column_widths([10, 60, 60], 80)
    [10, 33, 33]
    >>> column_widths([40, 40, 40], 20)
    [12, 12, 12]
    >>> column_widths([40, 40, 4], 20, narrowest=6)
    [6, 6, 4]
    """
    widths = list(natural)
    room = width - len(GAP) * (len(widths) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= narrowest:
            break
        widths[widest] -= 1
    return widths


def wrapped(value: str, width: int) -> list[str]:
    """A value as lines of at most width characters, broken at spaces where it can, else anywhere.

    >>> wrapped("https://twingraph.example/event/tehran-2019-05-01", 20)
    ['https://twingraph.ex', 'ample/event/tehran-2', '019-05-01']
    >>> wrapped("", 5)
    ['']
    """
    return textwrap.wrap(value, width, break_long_words=True, break_on_hyphens=False) or [""]


def one_line(value: str) -> str:
    """A value with its line breaks and tabs as spaces, so that it keeps to its row.

    >>> one_line("Казань\\nТатарстан")
    'Казань Татарстан'
    """
    return LINE_BREAKS.sub(" ", value)


def cut(value: str, width: int) -> str:
    """A value in at most width characters; one that is longer ends in "…" in place of the rest.

    >>> cut("https://twingraph.example/event/tehran-2019-05-01", 20)
    'https://twingraph.e…'
    >>> cut("Тегеран", 20)
    'Тегеран'
    """
    return value if len(value) <= width else value[: max(width - 1, 0)] + ELLIPSIS


def table_text(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int,
               layout: Layout = Layout.WRAP, cut_hint: str = "") -> str:  # fmt: skip
    """The table with a header line, its rows laid out in width characters as ``layout`` says, and a count.

    The count says how many values were cut, if any (then followed by ``cut_hint``).

    >>> print(table_text(["name", "iri"], [["Тегеран", "https://twingraph.example/city/tehran"]], 30), end="")
    name     iri
    Тегеран  https://twingraph.exa
             mple/city/tehran
    (1 rows)
    >>> print(table_text(["name", "iri"], [["Тегеран", "https://twingraph.example/city/tehran"]], 30,
    ...                  Layout.CUT), end="")
    name     iri
    Тегеран  https://twingraph.ex…
    (1 rows; 1 value cut to fit 30 columns, ending in …)
    """
    if layout is not Layout.WRAP:
        columns, rows = [one_line(c) for c in columns], [[one_line(v) for v in row] for row in rows]
    natural = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    narrowest = NARROWEST if layout is Layout.WRAP else NARROWEST_CUT
    widths = natural if layout is Layout.WIDE else column_widths(natural, width, narrowest)
    if layout is Layout.WRAP:
        lines = [line_of(columns, widths), *(line for row in rows for line in wrapped_lines(row, widths))]
        return "\n".join([*lines, f"({len(rows)} rows)"]) + "\n"
    shown = [[cut(value, w) for value, w in zip(row, widths, strict=True)] for row in [columns, *rows]]
    lines = [line_of(row, widths) for row in shown]
    cuts = sum(a != b for row, was in zip(shown, [columns, *rows], strict=True) for a, b in zip(row, was, strict=True))
    note = f"; {cuts} value{'s' if cuts > 1 else ''} cut to fit {width} columns, ending in {ELLIPSIS}{cut_hint}"
    return "\n".join([*lines, f"({len(rows)} rows{note if cuts else ''})"]) + "\n"


def wrapped_lines(row: Sequence[str], widths: Sequence[int]) -> list[str]:
    """One row's lines, each value wrapped within its column."""
    cells = [wrapped(value, w) for value, w in zip(row, widths, strict=True)]
    return [line_of([c[depth] if depth < len(c) else "" for c in cells], widths)
            for depth in range(max(len(c) for c in cells))]  # fmt: skip


def line_of(values: Sequence[str], widths: Sequence[int]) -> str:
    return GAP.join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()
