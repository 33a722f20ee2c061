"""Spelling: names compared as people mistype them (case, ё, spaces, one or two edits). Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace to one space.

    >>> normalise_space(" a\\n  b ")
    'a b'
    """
    return re.sub(r"\s+", " ", text).strip()


def normalise_name(name: str) -> str:
    """A name as compared for spelling: case folded, ё as е, one space between words.

    >>> normalise_name("  Пётр   Великий ")
    'петр великий'
    """
    return normalise_space(name).casefold().replace("ё", "е")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``a`` to ``b``, or ``limit + 1`` beyond it.

    >>> edit_distance("кзань", "казань", 2), edit_distance("казнаь", "казань", 2), edit_distance("уфа", "ухань", 2)
    (1, 1, 3)
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    two_back: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, two_back[j - 2] + 1)
            row.append(cost)
        if min(row) > limit:
            return limit + 1
        two_back, previous = previous, row
    return min(previous[-1], limit + 1)


def allowed_edits(name: str) -> int:
    """How far a spelling may be from a city's name to be taken for a slip: one edit up to six letters, two beyond.

    Short names are close to many real ones (Рязань is two edits from Казань), so they get one.

    >>> allowed_edits("казань"), allowed_edits("хайдерабад")
    (1, 2)
    """
    return 1 if len(name) <= 6 else 2


def near_match(name: str, cities: Iterable[str]) -> str | None:
    """The city whose name ``name`` is a near miss of (same letters up to case, or one or two edits), if any.

    >>> near_match("Кзань", ["Тегеран", "Казань"]), near_match("Рязань", ["Казань"])
    ('Казань', None)
    """
    spelt = normalise_name(name)
    found = [(edit_distance(spelt, normalise_name(c), allowed_edits(normalise_name(c))), c) for c in cities]
    close = sorted((d, c) for d, c in found if d <= allowed_edits(normalise_name(c)))
    return close[0][1] if close else None


def written_on(name: str, page: str) -> bool:
    """Whether the page writes ``name`` as a whole word (or words).

    >>> written_on("Казан", "Центр семьи «Казан»"), written_on("Казан", "в Казани")
    (True, False)
    """
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", page) is not None
