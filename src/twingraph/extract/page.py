"""A page's text -> one CityFile per city block (and one for the home city), plus what needs review."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

from razdel import sentenize
from threadpoolctl import threadpool_limits

from twingraph.errors import TwingraphError
from twingraph.extract.assemble import larger_key, to_event
from twingraph.extract.countries import short_country
from twingraph.extract.events import Draft, Larger, added, drafts_of_paragraph, occasion_names
from twingraph.extract.grammars import find_dates
from twingraph.extract.header import agreement_type, document_titles, header_facts, party_names
from twingraph.extract.models import Models
from twingraph.extract.orgs import block_organizations, link_abbreviations
from twingraph.extract.people import resolve_initials, resolve_patronymics
from twingraph.extract.phrases import nominative_phrase
from twingraph.extract.places import Places, place_name
from twingraph.extract.segment import Block, split_blocks
from twingraph.model import Agreement, AgreementType, City, CityFile, Event, EventType, Person
from twingraph.slugs import slugify


class ExtractError(TwingraphError):
    """A page from which no records could be extracted."""


@dataclasses.dataclass(frozen=True)
class Review:
    """A sentence or paragraph of a city's block that gave no records: the city, why, the text as written."""

    city: str
    reason: str
    text: str


@dataclasses.dataclass(frozen=True)
class Extraction:
    """The records of one page: (file name, CityFile) pairs, and paragraphs a reviewer must read."""

    files: tuple[tuple[str, CityFile], ...]
    review: tuple[Review, ...]


def extract_page(text: str, source: str, models: Models, name: str = "page") -> Extraction:
    """Extract the records of a partner-cities page.

    Args:
        text: the page's text (see ``text.page_text``).
        source: the page's id, the stem of its file in data/sources/.
        models: the loaded NLP models.
        name: the page's file name, for messages.

    Raises:
        ExtractError: the page holds no city block («Name (Country)» with header fields).
    """
    # the NER's matrices are small: BLAS threads cost more than they give, most on a busy machine
    with threadpool_limits(limits=1, user_api="blas"):
        return _extract(text, source, models, name)


def _extract(text: str, source: str, models: Models, name: str) -> Extraction:
    blocks = split_blocks(text)
    if not blocks:
        raise ExtractError(
            f"{name}: no city records found: expected blocks headed «City (Country)» followed by fields "
            "such as «Документ:», «Год основания:», «Население:»; is this a partner-cities page?"
        )
    home, home_country, home_quote = home_city(blocks, models)
    places = Places(tuple(dict.fromkeys([b.name for b in blocks] + ([home] if home else []))))
    state = PageState(home=home, places=places)
    partner_files = []
    for block in blocks:  # each block's ids are new on the page: the state each block leaves goes to the next
        city_file, state = block_file(block, source, state, models)
        partner_files.append(city_file)
    files = [(f"{f.city.id}.yaml", f) for f in partner_files]
    if home:
        files.insert(0, (f"{slugify(home)}.yaml", home_file(home, home_country, home_quote, source, models)))
    files = with_person_aliases(files)
    linked = link_abbreviations([list(f.organizations) for _, f in files])
    files = [(n, f.model_copy(update={"organizations": tuple(o)})) for (n, f), o in zip(files, linked, strict=True)]
    files = with_larger_events(files, state, models)
    return Extraction(tuple(files), tuple(state.review))


LargerEntry = tuple[Larger, str, str | None]  # a larger event as first named, its id and where it was held


@dataclasses.dataclass(frozen=True)
class PageState:
    """What the blocks of one page share while they are extracted: a value, each stage returning the next one.

    ``review``: what gave no records, for the reviewer; ``larger``: the larger events named so far, by key;
    ``ids``: the ids given so far, each unique on the page; ``occasions``: the named occasions (forums,
    festivals ...) dated to the day so far, by quoted name, for paragraphs that only say they were held there.
    """

    home: str | None
    places: Places
    review: tuple[Review, ...] = ()
    larger: tuple[tuple[str, LargerEntry], ...] = ()
    ids: frozenset[str] = frozenset()
    occasions: tuple[tuple[str, tuple[str, str | None]], ...] = ()

    def unique(self, ident: str) -> tuple[str, PageState]:
        """An id not given yet on the page (``ident``, else ``ident-2``, ...), and the state that has it.

        >>> first, state = PageState(None, Places(())).unique("kazan")
        >>> state.unique("kazan")[0], first
        ('kazan-2', 'kazan')
        """
        n, candidate = 1, ident
        while candidate in self.ids:
            n += 1
            candidate = f"{ident}-{n}"
        return candidate, dataclasses.replace(self, ids=self.ids | {candidate})

    def reviewed(self, review: Review) -> PageState:
        return dataclasses.replace(self, review=(*self.review, review))

    def with_occasions(self, draft: Draft) -> PageState:
        """The state with the occasions a draft tells of as its own happening, when dated to the day and new.

        >>> state = PageState(None, Places(())).with_occasions(Draft("2023-09-12", "2023-09-14",
        ...     ("12.09.2023–14.09.2023 в Энске проходил IX форум «Речной путь».",), ""))
        >>> state.occasions
        (('речной путь', ('2023-09-12', '2023-09-14')),)
        """
        if len(draft.start) < 10 or not draft.sentences:
            return self
        known = dict(self.occasions)
        for name in occasion_names(draft.sentences[0], held_here=True):
            known.setdefault(name, (draft.start, draft.end))
        return dataclasses.replace(self, occasions=tuple(known.items()))

    def larger_event(self, key: str) -> LargerEntry | None:
        return dict(self.larger).get(key)

    def with_larger(self, key: str, entry: LargerEntry) -> PageState:
        """The state with the larger event of ``key`` set (kept in the order first named)."""
        known = dict(self.larger)
        known[key] = entry
        return dataclasses.replace(self, larger=tuple(known.items()))


def home_city(blocks: list[Block], models: Models) -> tuple[str | None, str | None, str | None]:
    """The city every agreement is with: the party named in the most blocks' documents.

    Returns its name, its country as written after it and the document line that names it.
    """
    known = [b.name for b in blocks]
    counts: Counter[str] = Counter()
    lines: dict[str, str] = {}
    for block in blocks:
        for field in (f for f in block.fields if f.kind == "document"):
            for party in party_names(field.value, known, models):
                if party != block.name:
                    counts[party] += 1
                    lines.setdefault(party, field.line)
    if not counts:
        return None, None, None
    home = counts.most_common(1)[0][0]
    line = lines[home]
    country = re.search(r"\(([^()]*?(?:Федерация|Республика|Королевство|Государство)[^()]*)\)", line)
    return home, country.group(1) if country else None, line


def home_file(home: str, country: str | None, quote: str | None, source: str, models: Models) -> CityFile:
    city = City(
        id=slugify(home),
        name=home,
        country=short_country(country, models) if country else "не указана",
        country_as_written=country,
        role="home",
        quote=quote or home,
    )
    return CityFile(source=source, city=city)


def block_file(block: Block, source: str, state: PageState, models: Models) -> tuple[CityFile, PageState]:
    """One partner city's records from its block, and the page's state after it."""
    city_id, state = state.unique(slugify(block.name))
    about, dated = split_about(block, models)
    city = City(
        id=city_id,
        name=block.name,
        country=short_country(block.country_as_written, models),
        country_as_written=block.country_as_written,
        role="partner",
        quote=block.heading,
        about="\n\n".join(about) or None,
        **header_facts(block),  # type: ignore[arg-type]
    )
    events, state = block_events(block, city_id, [*dated, *block.paragraphs], state, models)
    agreements, events, state = block_agreements(block, city_id, state, models, events)
    organizations = block_organizations(block, state.places, models)
    return CityFile(source=source, city=city, agreements=tuple(agreements), events=tuple(events),
                    organizations=tuple(organizations)), state  # fmt: skip


# in «О городе», a dated sentence is an event only when it appoints someone or tells of a recurring or held event
ABOUT_EVENT = re.compile(r"\b(?:назначен\w*|проводим\w*|проводится|состоял\w*)\b", re.I)


def split_about(block: Block, models: Models) -> tuple[list[str], list[str]]:
    """«О городе» paragraphs, and the event paragraphs among them.

    A paragraph that opens with a date is an event written without its heading; a dated sentence
    that appoints someone or tells of an event held is an event too (it stays in the text as well).
    """
    about, dated = [], []
    for paragraph in block.about:
        found = find_dates(models.dates, paragraph)
        if found and found[0].start == 0:
            dated.append(paragraph)
            continue
        about.append(paragraph)
        if found:
            dated.extend(s.text for s in sentenize(paragraph)
                         if ABOUT_EVENT.search(s.text) and find_dates(models.dates, s.text))  # fmt: skip
    return about, dated


UNKNOWN_TYPE = "review: the type of this document is not one the rules know; its title is as written"


def block_agreements(block: Block, city_id: str, state: PageState, models: Models,
                     events: list[Event]) -> tuple[list[Agreement], list[Event], PageState]:  # fmt: skip
    """The «Документ:» lines of a block: every document is an agreement.

    A document of no known type is of type «other», its title as written and a note for the reviewer.
    A document without a year takes that of its signing in ``events``; that event's note says so.
    Returns the agreements, the events (with those notes) and the page's state after them.
    """
    out = []
    for field in (f for f in block.fields if f.kind == "document"):
        for title, year in document_titles(field.value):
            kind = agreement_type(title)
            note = UNKNOWN_TYPE if kind == AgreementType.OTHER else None
            parties = party_names(title, list(state.places.cities), models) or []
            if not parties:
                parties = [p for p in (state.home, block.name) if p]
            if year is None:
                year, events = year_of_signing(title, parties, events)
            ident, state = state.unique(f"{city_id}-{kind.value}" + (f"-{year}" if year else ""))
            out.append(Agreement(id=ident, title=title, type=kind, year=year, parties=tuple(parties),
                                 note=note, quote=field.line))  # fmt: skip
    return out, events, state


def year_of_signing(title: str, parties: list[str], events: list[Event]) -> tuple[int | None, list[Event]]:
    """The year of a document's signing among ``events``, and the events with a note on that signing."""
    signing = signing_of(title, parties, events)
    if signing is None:
        return None, events
    year = int(str(signing.start)[:4])
    note = f"the year of the document «{title}» ({year}) is inferred from this signing"
    noted = signing.model_copy(update={"note": "; ".join(n for n in (signing.note, note) if n)})
    return year, [noted if e is signing else e for e in events]


def signing_of(title: str, parties: list[str], events: list[Event]) -> Event | None:
    """The first signing of the block that names the document's kind («подписан протокол») or all its parties."""
    kind = title.split()[0].lower()[:-1] if title.split() else ""
    for event in events:
        text = event.quote.lower()
        if event.type != EventType.SIGNING:
            continue
        words = set(re.findall(r"[а-яё\-]+", text))
        named = all(any(w.startswith(p.lower()[: max(2, len(p) - 1)]) for w in words) for p in parties)
        if (len(kind) > 3 and re.search(rf"подписа\w*\s+(?:\w+\s+){{0,2}}{kind}", text)) or (
            len(parties) > 1 and named
        ):
            return event
    return None


def block_events(block: Block, city_id: str, paragraphs: list[str], state: PageState,
                 models: Models) -> tuple[list[Event], PageState]:  # fmt: skip
    """Events of a block's paragraphs, and the page's state after them; bullet lists take the place and
    participants of the line above them."""
    events: list[Event] = []
    intro: str | None = None
    year: int | None = None
    for paragraph in paragraphs:
        bullet = paragraph.lstrip().startswith(("•", "·", "- "))
        text = paragraph.lstrip("•·- \t").rstrip(";").strip() if bullet else paragraph
        if not bullet:
            intro = text if text.endswith(":") else None
        if bullet and intro and re.search(r"организаци", intro, re.I):
            continue
        if not bullet and text.endswith(":"):
            continue
        drafts = drafts_of_paragraph(text, state.places, year, models, dict(state.occasions))
        if not drafts:
            reason = "a year but no dated happening recognised" if re.search(r"\d{4}", text) else "no date"
            state = state.reviewed(Review(block.name, reason, text))
            continue
        year = int(drafts[-1].start[:4])
        idents: dict[int, str] = {}  # a draft's key -> its event's id
        for draft in drafts:
            within = idents.get(draft.within) if draft.within is not None else None
            shown = inherit_intro(draft, intro, state.places, models) if bullet and intro else draft
            event, state = draft_event(shown, block, city_id, state, models, within)
            state = state.with_occasions(draft)
            events.append(event)
            idents[draft.key] = event.id
    return events, state


def inherit_intro(draft: Draft, intro: str, places: Places, models: Models) -> Draft:
    """The draft of a bullet with the place and the represented cities of the line that introduces its list."""
    from twingraph.extract.places import represented, sentence_place

    subject = re.match(r"\s*(?:Представител\w+|Делегаци\w+)\s+(?:г\.\s*|города\s+)?(?P<w>[А-ЯЁ][\w-]+)", intro)
    found = represented(intro, places, models)
    if subject:
        name = place_name(subject["w"], places, models)
        found = [name] if name else found
    return dataclasses.replace(draft, place=draft.place or sentence_place(intro, places, models),
                               cities=added(draft.cities, found))


def draft_event(draft: Draft, block: Block, city_id: str, state: PageState, models: Models,
                within: str | None = None) -> tuple[Event, PageState]:  # fmt: skip
    """The Event of a draft, and the page's state after it: part of ``within`` (the id of the dated happening
    it was held in) or of the larger event its sentence names."""
    part_of = within
    for larger in draft.larger if within is None else ():
        part_of, state = register_larger(larger, draft, state, models)
        break
    kind = draft.kind.value if draft.kind else "meeting"
    ident, state = state.unique(f"{city_id}-{draft.start}-{kind}")
    return to_event(draft, block.name, ident, part_of, state.places, models), state


def register_larger(larger: Larger, draft: Draft, state: PageState, models: Models) -> tuple[str, PageState]:
    """The id of the larger event, and the state that has it registered (the first time it is named, or
    again with its own date when it is first named without one)."""
    key = larger_key(larger, models)
    found = state.larger_event(key)
    if found is None:
        ident, state = state.unique(slugify(key))
        return ident, state.with_larger(key, (larger, ident, draft.place or None))
    known, ident, place = found
    if larger.own_date and not known.own_date:
        return ident, state.with_larger(key, (larger, ident, place or draft.place))
    return ident, state


def with_larger_events(
    files: list[tuple[str, CityFile]], state: PageState, models: Models
) -> list[tuple[str, CityFile]]:
    """Add the larger events: to the home city's file when held there, else to the file that names them first."""
    from twingraph.extract.assemble import larger_event

    by_file: dict[int, list[Event]] = {}
    for _, (larger, ident, place) in state.larger:
        index = 0 if state.home and place == state.home else _file_quoting(files, larger.sentence)
        event = larger_event(larger, ident, place, files[index][1].city.name, models)
        by_file.setdefault(index, []).append(event)
    out = []
    for index, (name, city_file) in enumerate(files):
        extra = tuple(by_file.get(index, ()))
        out.append((name, city_file.model_copy(update={"events": extra + city_file.events}) if extra else city_file))
    return out


def _file_quoting(files: list[tuple[str, CityFile]], sentence: str) -> int:
    for index, (_, city_file) in enumerate(files):
        if any(sentence in e.quote for e in city_file.events):
            return index
    return len(files) - 1


def with_person_aliases(files: list[tuple[str, CityFile]]) -> list[tuple[str, CityFile]]:
    """Replace names written with initials, or with a patronymic, by the name found elsewhere on the page
    («Сергей Лаптев»), keeping the alias."""
    names = [p.person for _, f in files for e in f.events for p in e.participants if p.person]
    aliases = resolve_initials(names) | resolve_patronymics(names)
    if not aliases:
        return files
    declared: set[str] = set()
    out = []
    for name, city_file in files:
        events = []
        persons = []
        for event in city_file.events:
            parts = []
            for p in event.participants:
                if p.person in aliases:
                    if p.person not in declared:
                        declared.add(p.person)
                        persons.append(Person(name=aliases[p.person], also_written=(p.person,), quote=event.quote))
                    p = p.model_copy(update={"person": aliases[p.person]})
                parts.append(p)
            events.append(event.model_copy(update={"participants": tuple(parts)}))
        out.append((name, city_file.model_copy(update={"events": tuple(events), "persons": tuple(persons)})))
    return out


__all__ = ["ExtractError", "Extraction", "extract_page", "nominative_phrase"]
