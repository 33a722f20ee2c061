"""Scoring Wikidata candidates against an entity and deciding: link, or send to review. Pure."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from twingraph.link.entities import Entity, Kind

LINK_AT = 80  # the least score that is linked
MARGIN = 10  # how far the best must be ahead of the next one

# Classes reached by wdt:P31/wdt:P279*; one per kind.
SETTLEMENT, COUNTRY, HUMAN, ORGANIZATION = "Q486972", "Q6256", "Q5", "Q43229"
KIND_CLASS = {Kind.CITY: SETTLEMENT, Kind.COUNTRY: COUNTRY, Kind.PERSON: HUMAN, Kind.ORGANIZATION: ORGANIZATION}
CLASS_NAMES = {
    SETTLEMENT: "a human settlement",
    COUNTRY: "a country",
    HUMAN: "a human",
    ORGANIZATION: "an organization",
}

LABEL, ALIAS = "label", "alias"
NAME_POINTS = {LABEL: 50, ALIAS: 40}


@dataclasses.dataclass(frozen=True)
class NameHit:
    """A name sent to the endpoint found as a label or alias of an item."""

    text: str
    lang: str
    qid: str
    how: str  # LABEL or ALIAS


@dataclasses.dataclass(frozen=True)
class Item:
    """What the matcher knows about one Wikidata item."""

    qid: str
    classes: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()  # P17
    citizenships: frozenset[str] = frozenset()  # P27
    has_position: bool = False  # P39
    headquarters: frozenset[str] = frozenset()  # P159
    label_en: str | None = None
    coordinates: tuple[float, float] | None = None  # latitude, longitude (P625)


@dataclasses.dataclass(frozen=True)
class Scored:
    """A candidate with its score and how it got it, or why it was rejected."""

    qid: str
    score: int
    method: str
    rejected: str = ""

    def describe(self) -> str:
        return (
            f"{self.qid} rejected: {self.rejected}"
            if self.rejected
            else f"{self.qid} score {self.score} ({self.method})"
        )


@dataclasses.dataclass(frozen=True)
class Link:
    """A decided link from a dataset resource to a Wikidata item."""

    iri: str
    kind: Kind
    name: str
    qid: str
    score: int
    method: str
    label_en: str | None = None
    coordinates: tuple[float, float] | None = None
    endpoint: str = ""  # where the candidates were found
    created: str = ""  # when the link was first made, as YYYY-MM-DD
    checked: str = ""  # when a run last found the same item, as YYYY-MM-DD


@dataclasses.dataclass(frozen=True)
class Review:
    """An entity left unlinked, why, and its candidates for a person to check."""

    iri: str
    kind: Kind
    name: str
    reason: str
    candidates: tuple[Scored, ...] = ()
    note: str = ""  # the candidates as written in a review file read back


def normalise(name: str) -> str:
    """The form names are compared in: case-folded, ё as е, one kind of quote and dash, single spaces.

    >>> normalise("  Азиатский  Форум Мэров ")
    'азиатский форум мэров'
    >>> normalise("«Объединённые»  города") == normalise('"Объединенные" города')
    True
    """
    text = unicodedata.normalize("NFC", name).casefold().replace("ё", "е")
    text = re.sub(r"[«»“”„\"']", '"', text)
    text = re.sub(r"[‐‑‒–—]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def variants(name: str) -> tuple[str, ...]:
    """Shorter forms of a name that may be an item's label: without «имени …» or a bracketed note.

    >>> variants("Урбинский университет имени Карла Бо")
    ('Урбинский университет',)
    >>> variants("Китай (КНР)")
    ('Китай',)
    >>> variants("Казань")
    ()
    """
    forms = [re.sub(r"\s+(имени|им\.)\s.*$", "", name), re.sub(r"\s*\([^)]*\)\s*$", "", name)]
    return tuple(dict.fromkeys(f.strip() for f in forms if f.strip() and f.strip() != name.strip()))


def query_forms(entity: Entity) -> dict[str, str]:
    """The names to look up for an entity, each with how much a hit on it counts (label or alias level)."""
    forms: dict[str, str] = {}
    for name in entity.names:
        forms.setdefault(" ".join(name.split()), LABEL)
    for name in entity.names:
        for variant in variants(name):
            forms.setdefault(variant, ALIAS)
    return forms


def name_points(entity: Entity, hits: list[NameHit]) -> tuple[int, str]:
    """Points for the best name match of an item (label 50, alias 40), and how it matched."""
    wanted = {normalise(form): level for form, level in query_forms(entity).items()}
    best = (0, "")
    for hit in hits:
        level = wanted.get(normalise(hit.text))
        if level is None:
            continue
        how = ALIAS if ALIAS in (level, hit.how) else LABEL
        points = NAME_POINTS[how]
        if points > best[0]:
            best = (points, f"{how}@{hit.lang}")
    return best


def context_points(entity: Entity, item: Item, countries: dict[str, str]) -> tuple[int, str, str]:
    """Points for what supports the candidate besides its name: (points, method part, rejection)."""
    if entity.kind is Kind.COUNTRY:
        return 40, "country class", ""
    if entity.kind is Kind.CITY:
        return _city_context(entity, item, countries)
    around = {countries[c] for c in entity.context if c in countries}
    if entity.kind is Kind.PERSON:
        if item.citizenships & around:
            return 30, "citizenship " + ",".join(sorted(item.citizenships & around)), ""
        return (10, "position held", "") if item.has_position else (0, "", "")
    if not item.countries and not item.headquarters:
        return 0, "", "no country or headquarters"
    agrees = 20 if item.countries & around else 0
    return 20 + agrees, "country " + ",".join(sorted(item.countries)) if item.countries else "headquarters", ""


def _city_context(entity: Entity, item: Item, countries: dict[str, str]) -> tuple[int, str, str]:
    wanted = countries.get(entity.country) if entity.country else None
    if wanted is None:
        return 30, "settlement", ""
    if wanted in item.countries:
        return 50, f"settlement in {wanted}", ""
    if item.countries:
        return 0, "", f"in {','.join(sorted(item.countries))}, the page says {wanted}"
    return 30, "settlement", ""


def score(entity: Entity, item: Item, hits: list[NameHit], countries: dict[str, str]) -> Scored:
    """Score one candidate: name + class + context; a wrong class or country rejects it.

    The class of the kind is required (a settlement, a country, a human); an
    organization may also be one only by its country or headquarters.
    """
    points, how = name_points(entity, hits)
    needed = KIND_CLASS[entity.kind]
    if needed not in item.classes and entity.kind is not Kind.ORGANIZATION:
        return Scored(item.qid, 0, how, f"not {CLASS_NAMES[needed]}")
    extra, why, rejected = context_points(entity, item, countries)
    if rejected:
        return Scored(item.qid, 0, how, rejected)
    if entity.kind is Kind.ORGANIZATION and needed in item.classes:
        extra, why = extra + 10, f"organization, {why}"
    return Scored(item.qid, points + extra, f"{how}, {why}".strip(", "))


def decide(entity: Entity, scored: list[Scored], items: dict[str, Item]) -> Link | Review:
    """Link the best candidate when it is strong and clearly ahead; otherwise a review entry."""
    ranked = sorted(scored, key=lambda s: (-s.score, s.qid))
    kept = [s for s in ranked if not s.rejected]
    if not ranked:
        return Review(entity.iri, entity.kind, entity.name, "no item with this name")
    if not kept:
        return Review(entity.iri, entity.kind, entity.name, "no candidate of the right kind", tuple(ranked))
    best = kept[0]
    if best.score < LINK_AT:
        return Review(entity.iri, entity.kind, entity.name, f"weak: best score {best.score} < {LINK_AT}", tuple(ranked))
    if len(kept) > 1 and best.score - kept[1].score < MARGIN:
        return Review(entity.iri, entity.kind, entity.name, f"ambiguous: {best.qid} and {kept[1].qid}", tuple(ranked))
    item = items[best.qid]
    return Link(
        entity.iri, entity.kind, entity.name, best.qid, best.score, best.method, item.label_en, item.coordinates
    )
