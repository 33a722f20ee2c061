"""Noun phrases in the nominative: the head noun and the adjectives before it, dependents kept."""

from __future__ import annotations

import re

from twingraph.extract import morph
from twingraph.extract.models import Models

TOKEN = re.compile(r"[А-Яа-яЁё\-]+|\S")


def nominative_phrase(text: str, models: Models) -> str:
    """«Международного форума «ВЕСНА»» -> «Международный форум «ВЕСНА»».

    Words up to the first noun are put in the nominative (number kept); the rest stays as written.
    """
    tokens = list(TOKEN.finditer(text))
    head = next((t for t in tokens if _is_noun(t.group(), models)), None)
    if head is None:
        return text
    case = next((p.tag.case for p in morph.parses(head.group(), models) if p.tag.POS == "NOUN"), None)
    number = next((p.tag.number for p in morph.parses(head.group(), models) if p.tag.POS == "NOUN"), None)
    gender = next((p.tag.gender for p in morph.parses(head.group(), models) if p.tag.POS == "NOUN"), None)
    if case in (None, "nomn"):
        return _capitalised(text)
    out = text
    for token in reversed([t for t in tokens if t.start() <= head.start()]):
        word = token.group()
        form = _inflected(word, case, number, gender if number == "sing" else None, models)
        out = out[: token.start()] + form + out[token.end() :]
    return _capitalised(out)


def _is_noun(word: str, models: Models) -> bool:
    parses = morph.parses(word, models)
    return bool(parses) and parses[0].tag.POS == "NOUN"


def _inflected(word: str, case: str, number: str | None, gender: str | None, models: Models) -> str:
    for found in morph.parses(word, models):
        if found.tag.case == case and found.tag.POS in {"NOUN", "ADJF", "PRTF"}:
            wanted = {"nomn", number} if number else {"nomn"}
            if gender and found.tag.POS != "NOUN":
                wanted.add(gender)
            form = found.inflect(wanted) or found.inflect({"nomn"})
            if form is not None and form.word[:4] != word.lower()[:4]:
                form = next((f for f in found.lexeme if wanted <= set(f.tag.grammemes)
                             and f.word[:4] == word.lower()[:4]), None)  # fmt: skip
            if form is not None:
                text = str(form.word)
                return text[:1].upper() + text[1:] if word[:1].isupper() else text
    return word


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
