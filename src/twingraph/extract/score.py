"""Precision, recall and F1 of an extraction against curated records, per group of facts.

Each group is compared as a *set* of keys (a key found twice counts once):

==============  ===========================================================================
group           key
==============  ===========================================================================
header          (city, field, value) for country, country_as_written, founded, population,
                area (value and year), timezone, website, photo_credit, about (spaces folded)
agreements      (city, type, year)
events          (section, start, end): section is the city block of the page holding the
                event's quote, so the file an event is written to does not matter
persons         the nominative name, folded (lower case, ё as е, spaces); a name written with
                initials counts as the full name its file's ``persons`` gives for it
participations  (person, start, end) of every event listing the person
roles           (person, set of the lemmas of the post's words)
organizations   the name, folded and without quote marks; a name or abbreviation listed
                among an organization's aliases on either side counts as its name
event records   (section, start, end, type) of each event record, matched one to one: two records
                with the same key count twice, so a meeting or signing held within a visit and
                dated by it counts only when it is a record of its own
==============  ===========================================================================

The groups up to organizations are sets; «event records» is the stricter count of records the
«events» group's set of dates hides.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from pymorphy3 import MorphAnalyzer

from twingraph.extract.segment import page_lines, split_blocks
from twingraph.model import CityFile

GROUPS = ("header", "agreements", "events", "persons", "participations", "roles", "organizations", "event records")
Key = tuple[object, ...]


@dataclasses.dataclass(frozen=True)
class GroupScore:
    """Counts and rates of one group."""

    group: str
    true_positives: int
    false_positives: int
    false_negatives: int
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def fold(text: str) -> str:
    """A name folded for comparison.

    >>> fold(" Северный  Союз «Городов» ")
    'северный союз городов'
    """
    text = text.lower().replace("ё", "е")
    text = re.sub(r"[«»\"“”„']", "", text)
    text = re.sub(r"\bг\.\s*", "", text)  # «г.Энска», «г. Энска» and «Энска» name one body
    return re.sub(r"\s+", " ", text).strip(" .,;")


def compare(gold: Iterable[CityFile], found: Iterable[CityFile], page: str, morph: MorphAnalyzer) -> list[GroupScore]:
    """Score ``found`` against ``gold``, both extracted from the page ``page``."""
    gold, found = list(gold), list(found)
    sections = section_spans(page)
    gold_orgs, found_orgs = org_aliases(gold), org_aliases(found)
    keys = {
        "header": (header_keys(gold), header_keys(found)),
        "agreements": (agreement_keys(gold), agreement_keys(found)),
        "events": (event_keys(gold, sections), event_keys(found, sections)),
        "persons": (person_keys(gold), person_keys(found)),
        "participations": (participation_keys(gold), participation_keys(found)),
        "roles": (role_keys(gold, morph), role_keys(found, morph)),
        "organizations": org_keys(gold, found, gold_orgs, found_orgs),
    }
    scores = [score(group, *keys[group]) for group in GROUPS if group in keys]
    return [*scores, score_counted("event records", event_records(gold, sections), event_records(found, sections))]


def score(group: str, gold: set[Key], found: set[Key]) -> GroupScore:
    return GroupScore(group, len(gold & found), len(found - gold), len(gold - found),
                      tuple(sorted(map(str, gold - found))), tuple(sorted(map(str, found - gold))))  # fmt: skip


def score_counted(group: str, gold: Counter[Key], found: Counter[Key]) -> GroupScore:
    """Score multisets: each found item matches at most one gold item with the same key."""
    missing, extra = gold - found, found - gold
    listed = (tuple(sorted(map(str, missing.elements()))), tuple(sorted(map(str, extra.elements()))))
    return GroupScore(group, (gold & found).total(), extra.total(), missing.total(), *listed)


def section_spans(page: str) -> list[tuple[str, str]]:
    """(city name, folded text) of each block of the page."""
    return [(b.name, fold(" ".join([b.heading, *b.about, *b.paragraphs]))) for b in split_blocks(page)]


def section_of(quote: str, sections: list[tuple[str, str]], default: str) -> str:
    folded = fold(quote)
    return next((name for name, text in sections if folded in text), default)


def header_keys(files: list[CityFile]) -> set[Key]:
    keys: set[Key] = set()
    for f in files:
        c = f.city
        facts: dict[str, object] = {"country": c.country, "country_as_written": c.country_as_written}
        if c.founded:
            facts["founded"] = (c.founded.year, c.founded.century, c.founded.approximate)
        for name in ("population", "area"):
            m = getattr(c, name)
            if m:
                facts[name] = (round(m.value, 2), m.year)
        facts["timezone"] = c.timezone.offset if c.timezone else None
        facts["website"] = c.website.url.rstrip("/") if c.website else None
        facts["photo_credit"] = c.photo_credit.text if c.photo_credit else None
        facts["about"] = re.sub(r"\s+", " ", c.about).strip() if c.about else None
        keys.update((c.name, field, value) for field, value in facts.items() if value is not None)
    return keys


def agreement_keys(files: list[CityFile]) -> set[Key]:
    return {(f.city.name, a.type.value, a.year) for f in files for a in f.agreements}


def event_keys(files: list[CityFile], sections: list[tuple[str, str]]) -> set[Key]:
    return {
        (section_of(e.quote, sections, f.city.name), str(e.start), str(e.end) if e.end else None)
        for f in files
        for e in f.events
    }


def event_records(files: list[CityFile], sections: list[tuple[str, str]]) -> Counter[Key]:
    """(section, start, end, type) of every event record, counted."""
    return Counter(
        (section_of(e.quote, sections, f.city.name), str(e.start), str(e.end) if e.end else None, e.type.value)
        for f in files
        for e in f.events
    )


def _person_names(files: list[CityFile]) -> dict[str, str]:
    return {alias: p.name for f in files for p in f.persons for alias in (p.name, *p.also_written)}


def _participations(files: list[CityFile]) -> Iterator[tuple[str, str, str | None, str | None]]:
    names = _person_names(files)
    for f in files:
        for e in f.events:
            for p in e.participants:
                if p.person:
                    yield fold(names.get(p.person, p.person)), str(e.start), str(e.end) if e.end else None, p.role


def person_keys(files: list[CityFile]) -> set[Key]:
    names = _person_names(files)
    keys = {(fold(name),) for name in names.values()}
    return keys | {(person,) for person, *_ in _participations(files)}


def participation_keys(files: list[CityFile]) -> set[Key]:
    return {(person, start, end) for person, start, end, _ in _participations(files)}


def role_keys(files: list[CityFile], morph: MorphAnalyzer) -> set[Key]:
    return {(person, role_lemmas(role, morph)) for person, _, _, role in _participations(files) if role}


def role_lemmas(role: str, morph: MorphAnalyzer) -> frozenset[str]:
    """The lemmas of a post's words: case and capitals do not matter.

    >>> sorted(role_lemmas("Заместителем министра", MorphAnalyzer()))
    ['заместитель', 'министр']
    """
    words = re.findall(r"[А-Яа-яЁёA-Za-z][А-Яа-яЁёA-Za-z\-]+", role)
    return frozenset(morph.parse(w.lower())[0].normal_form.replace("ё", "е") for w in words)


def org_aliases(files: list[CityFile]) -> dict[str, str]:
    """Folded alias -> folded canonical name of every declared organization."""
    out: dict[str, str] = {}
    for f in files:
        for org in f.organizations:
            for alias in (org.name, org.abbreviation, *org.also_written):
                if alias:
                    out.setdefault(fold(alias), fold(org.name))
    return out


def org_keys(gold: list[CityFile], found: list[CityFile], gold_aliases: dict[str, str],
             found_aliases: dict[str, str]) -> tuple[set[Key], set[Key]]:  # fmt: skip
    """Organization keys of both sides, each found name mapped onto a gold name when an alias links them."""

    def names(files: list[CityFile], aliases: dict[str, str]) -> set[str]:
        declared = {fold(o.name) for f in files for o in f.organizations}
        used = {fold(p.organization) for f in files for e in f.events for p in e.participants if p.organization}
        return declared | {aliases.get(u, u) for u in used}

    gold_names = names(gold, gold_aliases)
    mapped = set()
    for name in names(found, found_aliases):
        own = [a for a, canonical in found_aliases.items() if canonical == name] or [name]
        mapped.add(next((gold_aliases[a] for a in [name, *own] if a in gold_aliases), name))
    return {(n,) for n in gold_names}, {(n,) for n in mapped}


def table(scores: list[GroupScore]) -> str:
    """A Markdown table of the scores."""
    rows = ["| group | precision | recall | F1 | found / gold |", "|---|---:|---:|---:|---:|"]
    for s in scores:
        rows.append(f"| {s.group} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | "
                    f"{s.true_positives + s.false_positives} / {s.true_positives + s.false_negatives} |")  # fmt: skip
    return "\n".join(rows)


__all__ = ["GROUPS", "GroupScore", "compare", "fold", "page_lines", "role_lemmas", "table"]
