"""Drafts -> Event records: title, participants, notes; larger events and their identity."""

from __future__ import annotations

import re

from twingraph.extract.events import Draft, Larger
from twingraph.extract.models import Models
from twingraph.extract.people import Mention
from twingraph.extract.phrases import nominative_phrase
from twingraph.extract.places import Places, place_name
from twingraph.model import Event, EventType, PartialDate, Participant

TITLE_WORDS = 14


def title_of(sentence: str, date_text: str) -> str:
    """A short label: the sentence without its date, cut at a clause boundary.

    >>> title_of("25 мая 2023 г. Мэр встретился с послом в г.Энске.", "25 мая 2023 г.")
    'Мэр встретился с послом в г.Энске'
    """
    text = sentence.replace(date_text, " ", 1) if date_text else sentence
    text = re.sub(r"\s+", " ", text).strip(" ,.;:–-")
    text = (
        re.sub(r"^(?:В|в|С|с)\s+(?=[А-ЯЁа-яё])", "", text)
        if text[:2] in {"В ", "в "} and not text[2:3].isupper()
        else text
    )
    clause = re.split(r"(?<=[^.]{30})[,;:]\s+(?![^«]*»)|\.\s", text)[0]
    words = clause.split()
    short = " ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else "")
    return short[:1].upper() + short[1:] if short else "Событие"


def on_behalf_of(mention: Mention, places: Places, models: Models) -> str | None:
    """The city a person's post names («Мэр г.Энска» -> Энск)."""
    if not mention.role:
        return None
    for match in re.finditer(r"(?:г\.\s*|города\s+|г\s+)?([А-ЯЁ][А-Яа-яЁё\-]+)", mention.role):
        name = place_name(match.group(1), places, models)
        if name and name.lower() in places.lowered:
            return name
    return None


def participants(draft: Draft, places: Places, models: Models) -> list[Participant]:
    out: list[Participant] = []
    for mention in draft.persons:
        out.append(
            Participant(person=mention.name, role=mention.role, on_behalf_of=on_behalf_of(mention, places, models))
        )
    out.extend(Participant(delegation=d) for d in draft.delegations)
    out.extend(Participant(city=c) for c in draft.cities if c not in draft.delegations)
    return out


def notes(draft: Draft, section: str) -> str | None:
    found = []
    if draft.within is not None:
        found.append("no date of its own: the dates are those of the larger event it was part of")
    elif draft.inferred_year:
        found.append("year taken from the surrounding paragraph")
    if draft.within is None and len(draft.sentences) > 1 and draft.date_text not in draft.sentences[0]:
        found.append("date taken from the paragraph")
    if not draft.persons and not draft.delegations and not draft.cities and not draft.place:
        found.append(f"review: no participant or place found; the section's city ({section}) is listed")
    found.extend(dict.fromkeys(m.review for m in draft.persons if m.review))
    return "; ".join(found) or None


def to_event(draft: Draft, section: str, ident: str, part_of: str | None, places: Places, models: Models) -> Event:
    """The Event record of a draft; a draft with no participant or place lists the section's city."""
    people = participants(draft, places, models)
    if not people and not draft.place:
        people = [Participant(city=section)]
    return Event(
        id=ident,
        title=title_of(draft.sentences[0], draft.date_text),
        type=draft.kind or EventType.MEETING,
        start=PartialDate.parse(draft.start),
        end=PartialDate.parse(draft.end) if draft.end else None,
        place=draft.place,
        online=draft.online,
        part_of=part_of,
        participants=tuple(people),
        note=notes(draft, section),
        quote=draft.quote,
    )


def larger_key(larger: Larger, models: Models) -> str:
    """What identifies a larger event across the page: its quoted name (else its words) and its year.

    >>> larger_key(Larger("II Международного форума «ВЕСНА: Энск»", "2024-11", None, "", False), None)
    'весна-2024'
    """
    quoted = re.search(r"«([^»:–—-]+)", larger.name)
    if quoted:
        base = quoted.group(1).strip().lower()
    else:
        base = re.sub(r"\b[IVXLC]+\b|\(\d{4}.*?\)|[-–]\s*\d{4}|\d{4}", " ", larger.name).strip().lower()
        base = " ".join(w[:5] for w in re.findall(r"[а-яёa-z+]+", base) if len(w) > 2)
    return f"{base}-{larger.start[:4]}"


def larger_event(larger: Larger, ident: str, place: str | None, section: str, models: Models) -> Event:
    """The Event of a larger event named with «в рамках» (dated by itself, its name's year or the month)."""
    name = nominative_phrase(re.sub(r"\s*\([^)]*\)?\s*$", "", larger.name), models)
    if not re.search(r"\d{4}", name):
        name = f"{name} – {larger.start[:4]}"  # the same forum is held every year: the year tells them apart
    coarser = not larger.own_date and len(larger.start) < 10
    note = "the page dates a happening within it, not the event itself" if coarser else None
    if not place:
        note = (note + "; " if note else "") + f"review: no place given; the section's city ({section}) is listed"
    return Event(
        id=ident,
        title=name,
        type=_kind(name),
        start=PartialDate.parse(larger.start),
        end=PartialDate.parse(larger.end) if larger.end else None,
        place=place,
        participants=() if place else (Participant(city=section),),
        note=note,
        quote=larger.sentence,
    )


def _kind(name: str) -> EventType:
    from twingraph.extract.events import event_type

    kind = event_type(name)
    if kind == EventType.MEETING and re.search(r"форум|week|недел", name, re.I):
        return EventType.FORUM
    return kind
