"""The interface's languages: Russian (the default) and English, from one gettext message catalogue.

The messages are written in English in the code, the templates and the named queries' headers (the
msgids); ``locale/ru/LC_MESSAGES/messages.po`` holds their Russian. The catalogue is read as it is
(a fresh clone has no compiled ``.mo``) and compiled in memory. The data keeps its own languages:
only the interface is translated. Nothing here reads a request: the server passes the ``?lang=``
value and the ``Accept-Language`` header to ``choose_language``.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("ru", "en")
DEFAULT = "ru"
SOURCE = "en"  # the language of the msgids: no catalogue needed


def catalogue_path(lang: str) -> Path:
    """Where a language's catalogue is (``.po``, read at start-up)."""
    return Path(__file__).parent / "locale" / lang / "LC_MESSAGES" / "messages.po"


def translations(lang: str) -> gettext.NullTranslations:
    """The translations of the interface into ``lang``: the English msgids as they are for English.

    >>> translations("ru").gettext("Country"), translations("en").gettext("Country")
    ('Страна', 'Country')
    """
    if lang == SOURCE:
        return gettext.NullTranslations()
    with catalogue_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled)


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """The language ranges of an ``Accept-Language`` header with their q, best first (ties: header order).

    >>> parse_accept_language("de;q=0.9, en-GB, ru;q=x")
    [('en-gb', 1.0), ('de', 0.9), ('ru', 0.0)]
    """
    ranges = []
    for part in (header or "").split(","):
        tag, *params = part.strip().split(";")
        q = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        if tag.strip():
            ranges.append((tag.strip().lower(), q))
    return sorted(ranges, key=lambda r: -r[1])


def choose_language(asked: str | None, accept_language: str | None, default: str = DEFAULT) -> str:
    """The interface's language: ``?lang=`` when it names one of ours, else the best of the header, else
    ``default`` (Russian for pages; the server gives English, the msgids', to answers meant for programs).

    >>> choose_language(None, "en-GB,en;q=0.9"), choose_language(None, "fr"), choose_language("en", "ru")
    ('en', 'ru', 'en')
    >>> choose_language(None, "*"), choose_language(None, "en;q=0"), choose_language(None, None, default="en")
    ('ru', 'ru', 'en')
    """
    if asked in LANGUAGES:
        return asked
    for tag, q in parse_accept_language(accept_language):
        primary = tag.split("-", 1)[0]
        if q > 0 and primary in LANGUAGES:
            return primary
    return default


def other_language(lang: str) -> str:
    """The language a page offers to switch to.

    >>> other_language("ru"), other_language("en")
    ('en', 'ru')
    """
    return next(other for other in LANGUAGES if other != lang)


def switch_href(path: str, query: str, lang: str) -> str:
    """The link to a page in another language: its path and query string, with ``lang`` set.

    >>> switch_href("/person/", "sort=name&lang=ru", "en"), switch_href("/", "", "ru")
    ('/person/?sort=name&lang=en', '/?lang=ru')
    """
    kept = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if key != "lang"]
    return f"{path}?{urlencode([*kept, ('lang', lang)])}"
