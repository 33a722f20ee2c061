"""Noun phrases in the nominative: the head noun and the adjectives before it, dependents kept."""

from __future__ import annotations

import re

from twingraph.extract.models import Models

TOKEN = re.compile(r"[А-Яа-яЁё\-]+|\S")


def _parses(word: str, models: Models) -> list:  # type: ignore[type-arg]
    cache = models.cache.setdefault("parse", {})
    if word not in cache:
        cache[word] = models.morph.parse(word)
    return cache[word]  # type: ignore[no-any-return]


def nominative_phrase(text: str, models: Models) -> str:
    """«Международного форума «РОСТКИ»» -> «Международный форум «РОСТКИ»».

    Words up to the first noun are put in the nominative (number kept); the rest stays as written.
    """
    tokens = list(TOKEN.finditer(text))
    head = next((t for t in tokens if _is_noun(t.group(), models)), None)
    if head is None:
        return text
    case = next((p.tag.case for p in _parses(head.group(), models) if p.tag.POS == "NOUN"), None)
    number = next((p.tag.number for p in _parses(head.group(), models) if p.tag.POS == "NOUN"), None)
    gender = next((p.tag.gender for p in _parses(head.group(), models) if p.tag.POS == "NOUN"), None)
    if case in (None, "nomn"):
        return _capitalised(text)
    out = text
    for token in reversed([t for t in tokens if t.start() <= head.start()]):
        word = token.group()
        form = _inflected(word, case, number, gender if number == "sing" else None, models)
        out = out[: token.start()] + form + out[token.end() :]
    return _capitalised(out)


def _is_noun(word: str, models: Models) -> bool:
    parses = _parses(word, models)
    return bool(parses) and parses[0].tag.POS == "NOUN"


def _inflected(word: str, case: str, number: str | None, gender: str | None, models: Models) -> str:
    for parse in _parses(word, models):
        if parse.tag.case == case and parse.tag.POS in {"NOUN", "ADJF", "PRTF"}:
            wanted = {"nomn", number} if number else {"nomn"}
            if gender and parse.tag.POS != "NOUN":
                wanted.add(gender)
            form = parse.inflect(wanted) or parse.inflect({"nomn"})
            if form is not None and form.word[:4] != word.lower()[:4]:
                form = next((f for f in parse.lexeme if wanted <= set(f.tag.grammemes)
                             and f.word[:4] == word.lower()[:4]), None)  # fmt: skip
            if form is not None:
                found = str(form.word)
                return found[:1].upper() + found[1:] if word[:1].isupper() else found
    return word


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
