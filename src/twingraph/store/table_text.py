"""A result table as text for a terminal: columns fitted to its width, long values wrapped, never cut."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

NARROWEST = 12  # characters a column keeps however narrow the terminal
GAP = "  "


def column_widths(natural: Sequence[int], width: int) -> list[int]:
    """Each column's width: its natural one while the row fits, else the widest ones narrowed first.

    >>> column_widths([5, 10], 80)
    [5, 10]
    >>> column_widths([10, 60, 60], 80)
    [10, 33, 33]
    >>> column_widths([40, 40, 40], 20)
    [12, 12, 12]
    """
    widths = list(natural)
    room = width - len(GAP) * (len(widths) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= NARROWEST:
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


def table_text(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """The table with a header line, each row over as many lines as its longest value needs, and a count.

    >>> print(table_text(["name", "iri"], [["Тегеран", "https://twingraph.example/city/tehran"]], 30), end="")
    name     iri
    Тегеран  https://twingraph.exa
             mple/city/tehran
    (1 rows)
    """
    natural = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    widths = column_widths(natural, width)
    lines = [line_of(columns, widths)]
    for row in rows:
        cells = [wrapped(value, w) for value, w in zip(row, widths, strict=True)]
        for depth in range(max(len(c) for c in cells)):
            lines.append(line_of([c[depth] if depth < len(c) else "" for c in cells], widths))
    return "\n".join([*lines, f"({len(rows)} rows)"]) + "\n"


def line_of(values: Sequence[str], widths: Sequence[int]) -> str:
    return GAP.join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()
