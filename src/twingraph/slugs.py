"""ASCII slugs of Russian and Latin names: the ids of records and the last segment of their IRIs."""

from __future__ import annotations

import hashlib
import re

# GOST 7.79-2000 system B, simplified for URLs: one ASCII spelling per letter.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e yo zh z i j k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)


def slugify(text: str) -> str:
    """Lower-case ASCII slug of a Russian or Latin name.

    >>> slugify("Ильсур Метшин")
    'ilsur-metshin'
    >>> slugify("Мэр г.Казани")
    'mer-g-kazani'
    """
    spelled = "".join(_CYRILLIC.get(ch, ch) for ch in text.lower()).replace("_", "")
    slug = re.sub(r"[^a-z0-9]+", "-", spelled).strip("-")
    return slug or "x" + hashlib.sha1(text.encode()).hexdigest()[:8]
