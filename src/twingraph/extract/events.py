"""Dated paragraphs -> events: one event per dated happening, with place, type, larger event and participants."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from razdel import sentenize

from twingraph.extract.grammars import DateMention, find_dates
from twingraph.extract.lexicon import first_match
from twingraph.extract.models import Models
from twingraph.extract.people import Mention, find_mentions
from twingraph.extract.places import Places, delegations, represented, sentence_place
from twingraph.model import EventType

# the first pattern found in a sentence's own words (outside quoted names) gives its type
TYPE_RULES: tuple[tuple[str, EventType], ...] = (
    (r"назначен", EventType.APPOINTMENT),
    (r"онлайн[\s-]*(?:участие|слушател)|в онлайн формате приня", EventType.ONLINE_PARTICIPATION),
    (r"встре[тч]", EventType.MEETING),
    (r"подписа", EventType.SIGNING),
    (r"визит|посетил|поездк", EventType.VISIT),
    (r"круглого стола|круглом столе|круглый стол", EventType.ROUND_TABLE),
    (r"ассамбле|собрани", EventType.ASSEMBLY),
    (r"сесси|заседани|бюро", EventType.SESSION),
    (r"конференц", EventType.CONFERENCE),
    (r"турнир", EventType.TOURNAMENT),
    (r"выставк|экспозици", EventType.EXHIBITION),
    (r"фестивал", EventType.FESTIVAL),
    (r"поздравлени", EventType.GREETING),
    (r"преми|наград|призов", EventType.AWARD),
    (r"презентаци|доклад", EventType.PRESENTATION),
    (r"тренинг|обучени", EventType.TRAINING),
    (r"обмен", EventType.EXCHANGE),
    (r"образовательн\w+ программ", EventType.EDUCATION_PROGRAMME),
    (r"конкурс|универсиад|соревн", EventType.COMPETITION),
    (r"форум", EventType.FORUM),
    (r"делегаци|приня\w* участие", EventType.VISIT),
)
LARGER = re.compile(
    r"\b(?P<how>в рамках|на полях|для участия в|в ходе|(?:приня\w*|принимал\w*)\s+(?:онлайн\s+)?участие\s+в)"
    r"\s+(?=(?P<np>[^,.;«]*(?:«[^»]*»[^,.;«]*)*))"
)
# «в рамках X» without a date of X: X is dated to the month of the happening within it;
# «участие в X» and «на полях X»: X is the happening's own occasion and takes its date
SAME_DATE = ("на полях", "приня", "принимал")
LARGER_HEADS = re.compile(r"форум|конференц|фестивал|выставк|недел|саммит|ассамбле|заседани|экспо|week|игр", re.I)
# «выставка, приуроченная к юбилею подписания ...»: what follows is the occasion, not the happening
OCCASION = re.compile(r"\b(?:приуроченн\w*\s+к|по случаю|в честь|после)\s")
RELATIVE = re.compile(r"^\s*,?\s*(?:котор\w+)\s+(?:прош\w+|состоял\w+|проходил\w*)", re.I)


@dataclasses.dataclass(frozen=True)
class Draft:
    """An event as assembled from the sentences of one happening: a value; ``absorb`` gives the next one.

    ``key`` tells the drafts of one paragraph apart (it stays when a sentence is absorbed); ``within`` is the
    key of the dated happening this one took place in, without a date of its own.
    """

    start: str
    end: str | None
    sentences: tuple[str, ...]
    date_text: str
    inferred_year: bool = False
    inherited: bool = False
    place: str | None = None
    persons: tuple[Mention, ...] = ()
    delegations: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    larger: tuple[Larger, ...] = ()
    kind: EventType | None = None
    online: bool = False
    key: int = 0
    within: int | None = None

    @property
    def quote(self) -> str:
        return " ".join(self.sentences)


@dataclasses.dataclass(frozen=True)
class Larger:
    """A larger event a happening belongs to, as named in the sentence."""

    name: str
    start: str
    end: str | None
    sentence: str
    own_date: bool


def sentences_of(paragraph: str, dates: list[DateMention]) -> list[tuple[int, int]]:
    """Razdel's sentence spans, a sentence that only ends a date («25 мая 2023 г.») joined to the next."""
    merged: list[list[int]] = []
    for part in sentenize(paragraph):
        if (
            merged
            and re.search(r"\b(?:г|гг)\.$", paragraph[merged[-1][0] : merged[-1][1]])
            and any(d.stop >= merged[-1][1] - 1 and d.start >= merged[-1][0] for d in dates)
        ):
            merged[-1][1] = part.stop
        else:
            merged.append([part.start, part.stop])
    return [(a, b) for a, b in merged]


def paragraph_year(mentions: list[DateMention]) -> int | None:
    """The year the paragraph's dates without a year take: the first year it writes."""
    return next((m.year for m in mentions if m.year), None)


def own_dates(found: list[DateMention], start: int, dated_before: bool) -> list[DateMention]:
    """The dates that date happenings of the sentence beginning at ``start``.

    A year alone, late in a sentence of a paragraph already dated more closely, refers back to an
    earlier happening («после подписания ... в 2022 году») and dates nothing here.
    """
    kept = []
    for mention in found:
        year_only = mention.month is None and mention.year2 is None
        if year_only and dated_before and mention.start - start > 3:
            continue
        kept.append(mention)
    return kept


def event_type(text: str) -> EventType:
    """The type of a happening from the words of its sentence outside quoted names."""
    plain = re.sub(r"«[^»]*»", " ", text.lower())
    plain = OCCASION.split(plain)[0]
    own = LARGER.split(plain)[0] if LARGER.search(plain) else plain
    return first_match(TYPE_RULES, own) or first_match(TYPE_RULES, plain) or EventType.MEETING


def larger_events(sentence: str, start: str, end: str | None, models: Models) -> list[Larger]:
    """Larger events a sentence places its happening in: «в рамках форума ...», «на полях заседания ...»."""
    found = []
    for match in LARGER.finditer(sentence):
        name = match["np"].strip()
        name = re.split(r"\s+(?:в|во)\s+(?:г\.|городе|г\s)|\s+котор\w+|\s+с\s+(?=[а-я])|\s+(?:в рамках|на полях)\s",
                        name)[0].strip(" ,.")  # fmt: skip
        if not LARGER_HEADS.search(name):
            continue
        after = sentence[match.start("np") + len(name) :]
        dates = find_dates(models.dates, after[:80]) if RELATIVE.match(after) else []
        own = dates[0].resolved(int(start[:4])) if dates else None
        if own:
            found.append(Larger(name, own[0], own[1], sentence, True))
            continue
        year = re.search(r"(?:[-–\s]|^)((?:19|20)\d{2})\b", name)
        if match["how"].startswith(SAME_DATE):
            # «участие в X» makes X a larger event only when the sentence goes on about X («который прошел»)
            if match["how"] == "на полях" or RELATIVE.match(after):
                found.append(Larger(name, start, end, sentence, False))
        elif year:
            found.append(Larger(name, year.group(1), None, sentence, False))
        else:
            found.append(Larger(name, start[:7], None, sentence, False))
    return found


# an occasion named by its head noun and its quoted name: «IX Международный форум ... «Каменный брод»»
NAMED_OCCASION = re.compile(
    r"\b(?:форум|фестивал|конференци|выставк|саммит|ассамбле|конгресс|ярмарк|биеннале|слет|сл[её]т)\w*"
    r"(?:\s+[\w-]+){0,5}?\s+«(?P<name>[^»]+)»",
    re.I,
)
# what, just before an occasion's name, makes the sentence's happening one held at or within it
AT_OCCASION = re.compile(r"(?:\b(?:в рамках|на полях|в ходе|во время|в дни|на|в|во|участи\w+ в)\s+"
                         r"(?:[IVXLC]+\s+|[\w-]+\s+){0,2})$", re.I)  # fmt: skip
Occasions = Mapping[str, tuple[str, str | None]]  # an occasion's quoted name (lower case) -> its dates


def occasion_names(text: str, held_here: bool | None = None) -> list[str]:
    """The quoted names of the occasions a text names (lower case); with ``held_here``, only those the
    sentence tells of as its own happening (True) or as where it happened (False).

    >>> occasion_names("12.09.2023 в Энске проходил IX форум «Речной путь».", held_here=True)
    ['речной путь']
    >>> occasion_names("В дни IX форума «Речной путь» мэры встретились.", held_here=True)
    []
    """
    found = []
    for match in NAMED_OCCASION.finditer(text):
        at = bool(AT_OCCASION.search(text[: match.start()]))
        if held_here is None or held_here != at:
            found.append(match["name"].strip().lower())
    return found


def dated_by_occasion(paragraph: str, occasions: Occasions) -> tuple[str, str | None] | None:
    """The dates of the first occasion known on the page that the paragraph says it happened at."""
    return next((occasions[n] for n in occasion_names(paragraph, held_here=False) if n in occasions), None)


def drafts_of_paragraph(paragraph: str, places: Places, context_year: int | None, models: Models,
                        occasions: Occasions | None = None) -> list[Draft]:  # fmt: skip
    """One draft per dated happening of a paragraph; undated sentences join the happening before them.

    Sentences before the paragraph's first date belong to the first dated happening. A paragraph that
    says it happened at an occasion the page has dated (``occasions``) takes its year from it, and, with
    no date of its own or only its month, its dates.
    """
    unquoted = re.sub(r"«[^»]*»", lambda m: " " * len(m.group()), paragraph)
    all_dates = find_dates(models.dates, unquoted)
    spans = sentences_of(paragraph, all_dates)
    mentions = find_mentions(paragraph, places.lowered, models, tuple(a for a, _ in spans))
    occasion = dated_by_occasion(paragraph, occasions or {})
    year = paragraph_year(all_dates) or (int(occasion[0][:4]) if occasion else context_year)
    drafts: list[Draft] = []
    waiting: list[Sentence] = []
    if not all_dates:
        return _dated_by_larger(paragraph, spans, mentions, places, models, occasion)
    for a, b in spans:
        sentence = Sentence(paragraph[a:b], [m for m in mentions if a <= m.start < b])
        dated = own_dates([d for d in all_dates if a <= d.start < b], a, bool(drafts))
        resolved = [(m, r) for m in dated if (r := m.resolved(year)) is not None]
        if not resolved:
            within = next((d for d in reversed(drafts) if d.within is None), None)
            subs = sub_drafts(within, sentence, places, models, len(drafts)) if within else []
            if subs:
                drafts.extend(subs)
            elif drafts:
                drafts[-1] = absorb(drafts[-1], sentence, places, models)
            else:
                waiting.append(sentence)
            continue
        for n, (mention, (start, end)) in enumerate(resolved):
            if n and (start, end) == (drafts[-1].start, drafts[-1].end):
                continue
            draft = Draft(start, end, (), mention.text, inferred_year=mention.year is None, key=len(drafts))
            if occasion and end is None and len(start) < len(occasion[0]) and occasion[0].startswith(start):
                draft = dataclasses.replace(draft, start=occasion[0], end=occasion[1], inherited=True)
            for earlier in waiting:
                draft = absorb(draft, earlier, places, models)
            waiting = []
            draft = absorb(draft, sentence, places, models, first=True)
            drafts.append(draft)
            drafts.extend(sub_drafts(draft, sentence, places, models, len(drafts), relative_only=True))
    return _without_year_openers(drafts)


def _without_year_openers(drafts: list[Draft]) -> list[Draft]:
    """Drop a year that only opens a paragraph («В 2024 году сотрудничество продолжилось. 14 мая ...»).

    A year-precision happening with nobody in it, followed by closer dates of the same year, is the
    paragraph's setting rather than a happening of its own.
    """
    kept = []
    for n, draft in enumerate(drafts):
        later = drafts[n + 1] if n + 1 < len(drafts) else None
        opener = len(draft.start) == 4 and draft.end is None and not (draft.persons or draft.delegations)
        if opener and later is not None and later.start[:4] == draft.start and len(later.start) > 4:
            continue
        kept.append(draft)
    return kept


@dataclasses.dataclass(frozen=True)
class Sentence:
    """A sentence of a paragraph and the persons named in it."""

    text: str
    persons: list[Mention]


def absorb(draft: Draft, sentence: Sentence, places: Places, models: Models, first: bool = False) -> Draft:
    """The draft with what a sentence of its happening adds: the sentence, a place (the first sentence's
    wins), a type, online, the persons, delegations, cities and larger events it names."""
    text = sentence.text
    place = draft.place
    if place is None or first:
        place = sentence_place(text, places, models) or place
    persons = list(draft.persons)
    for mention in sentence.persons:
        if all(m.name != mention.name for m in persons):
            persons.append(mention)
    online = bool(re.search(r"онлайн|видео-?конференц|видеосвяз|телемост|видеообращ", text, re.I))
    return dataclasses.replace(
        draft,
        sentences=draft.sentences if text in draft.sentences else (*draft.sentences, text),
        place=place,
        kind=draft.kind if draft.kind is not None else event_type(text),
        online=draft.online or online,
        persons=tuple(persons),
        delegations=added(draft.delegations, delegations(text, places, models)),
        cities=added(draft.cities, represented(text, places, models)),
        larger=(*draft.larger, *larger_events(text, draft.start, draft.end, models)),
    )


def added(known: tuple[str, ...], found: list[str]) -> tuple[str, ...]:
    """The names known, then those found that are not yet (each once).

    >>> added(("Энск",), ["Ниси", "Энск", "Ниси"])
    ('Энск', 'Ниси')
    """
    out = list(known)
    out.extend(name for name in found if name not in out)
    return tuple(out)


# a sentence without a date that tells of a distinct happening (a meeting, a signing, a visit to a
# place, a presentation, a round table ...) within the dated one: the words that name it
SUB_RULES: tuple[tuple[str, EventType], ...] = (
    (r"\bвстре[тч]", EventType.MEETING),
    (r"\bподписа(?:л|н|ни)", EventType.SIGNING),
    (r"\bпосети(?:л|в)\w*|\bпосещени|\bознакомительн\w+\s+(?:тур|экскурси)|\bэкскурси", EventType.VISIT),
    (r"\bкругл\w+\s+стол", EventType.ROUND_TABLE),
    (r"\bзаседани|\bсесси", EventType.SESSION),
    (r"\bконференци", EventType.CONFERENCE),
    (r"\bвыставк|\bэкспо\b|\bэкспозици", EventType.EXHIBITION),
    (r"\bтурнир", EventType.TOURNAMENT),
    (r"\bпрезентаци|\bвыступлени", EventType.PRESENTATION),
)
# «на встрече», «во встрече»: the happening already told when it is of the same type; «в ходе круглого
# стола», «после подписания», «встреча прошла ...»: a happening already told, whatever its type
BACK_REFERENCE = re.compile(r"(?:^|\b(?:на|во)\s+(?:[а-яё]+\s+)?)$")
FRAME = re.compile(r"\b(?:в ходе|в течение|по итогам|после|перед|помимо|в рамках)\s+(?:[а-яё]+\s+)?$")
TOLD = re.compile(r"^\w+\s+(?:прош\w+|состоял\w+|проходил\w*)")
# «..., в ходе которого был подписан ...», «..., на которой стороны подписали ...»
RELATIVE_CLAUSE = re.compile(r",\s*(?:в ходе|во время|на|в рамках)\s+котор\w+|,\s*где\b")
NOT_HELD = re.compile(r"\b(?:планиру|намер|будет|будут|договорил\w*\s+о\s+проведени)", re.I)


def sub_types(text: str, within: EventType | None) -> list[EventType]:
    """The happenings a sentence tells of besides ``within`` (its larger happening), in order.

    >>> [t.value for t in sub_types("Программа включала тур по вузу и встречу с ректором.", EventType.VISIT)]
    ['meeting']
    >>> sub_types("На встрече присутствовали послы.", EventType.MEETING)
    []
    """
    plain = re.sub(r"«[^»]*»", lambda m: " " * len(m.group()), text.lower())
    if NOT_HELD.search(plain):
        return []
    found: list[tuple[int, EventType]] = []
    for pattern, kind in SUB_RULES:
        for match in re.finditer(pattern, plain):
            before = plain[: match.start()]
            told = FRAME.search(before) or (not before.strip() and TOLD.match(plain))
            if told or (kind == within and BACK_REFERENCE.search(before)):
                continue
            if kind not in (k for _, k in found):
                found.append((match.start(), kind))
    found.sort(key=lambda f: f[0])
    # «посетили павильон ЭКСПО», «посещение экспозиции»: visiting an exhibition is the exhibition
    kinds = [k for n, (at, k) in enumerate(found) if not (k == EventType.VISIT and n + 1 < len(found)
             and found[n + 1][1] == EventType.EXHIBITION and found[n + 1][0] - at < 60)]  # fmt: skip
    if len(kinds) > 1 and EventType.PRESENTATION in kinds:
        kinds.remove(EventType.PRESENTATION)  # «выступил с докладом на заседании»: the session is the happening
    return kinds


def sub_drafts(within: Draft, sentence: Sentence, places: Places, models: Models, first_key: int,
               relative_only: bool = False) -> list[Draft]:  # fmt: skip
    """Drafts of the happenings an undated sentence tells of within a dated one, dated as it is, keyed from
    ``first_key`` on.

    With ``relative_only``, only the happenings of a relative clause of the dated sentence itself
    («визит ..., в ходе которого был подписан меморандум»).
    """
    text = sentence.text
    if relative_only:
        clause = RELATIVE_CLAUSE.search(text)
        if not clause:
            return []
        text = text[clause.start() :]
    out: list[Draft] = []
    for kind in sub_types(text, within.kind):
        if relative_only and kind == within.kind:
            continue
        draft = Draft(within.start, within.end, (), within.date_text, within.inferred_year, within.inherited,
                      place=within.place, kind=kind, key=first_key + len(out), within=within.key)  # fmt: skip
        out.append(absorb(draft, sentence, places, models, first=True))
    return out


NAMED_YEAR = re.compile(r"\bв рамках\s[^.]*?(?:[-–]\s*|\s)((?:19|20)\d{2})\b")


def _dated_by_larger(paragraph: str, spans: list[tuple[int, int]], mentions: list[Mention], places: Places,
                     models: Models, occasion: tuple[str, str | None] | None = None) -> list[Draft]:  # fmt: skip
    """A paragraph without a date of its own, held at an occasion the page has dated, or «в рамках» an event
    whose name carries the year."""
    match = NAMED_YEAR.search(paragraph)
    if occasion:
        draft = Draft(occasion[0], occasion[1], (), "", inherited=True)
    elif match:
        draft = Draft(match.group(1), None, (), "", inherited=True)
    else:
        return []
    for a, b in spans:
        draft = absorb(draft, Sentence(paragraph[a:b], [m for m in mentions if a <= m.start < b]), places, models)
    return [draft]
