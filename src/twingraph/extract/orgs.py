"""Organizations of a block: quoted names in lists, lists of organizations, natasha's ORG spans.

Spans are joined when only a space parts them, run on over the city they belong to («Управления
образования г.Энска»), take an abbreviation in brackets as theirs and are put in the nominative.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from razdel import sentenize

from twingraph.extract import morph
from twingraph.extract.lexicon import is_territory_noun
from twingraph.extract.models import Models
from twingraph.extract.people import entity_spans
from twingraph.extract.phrases import nominative_phrase
from twingraph.extract.places import Places
from twingraph.extract.segment import Block
from twingraph.model import Organization

# heads of names that are places, buildings or events rather than organizations
NOT_ORGANIZATIONS = re.compile(
    r"\b(?:собор|мечеть|дворец|музей|ратуш|бюро|неделя|экспо|выставоч|парк|озер|площад)", re.I
)
CITY_TAIL = re.compile(r"^\s*(?:(?:г\.|города|город)\s*)?[А-ЯЁ][а-яё\-]+")
ABBREVIATION = re.compile(r"^\s*\((?P<abbr>[A-ZА-ЯЁ]{2,10})\)")


class Found(NamedTuple):
    """An organization a paragraph names: its name in the nominative, its abbreviation, where the mention starts."""

    name: str
    abbreviation: str | None
    at: int


def block_organizations(block: Block, places: Places, models: Models) -> list[Organization]:
    """Organizations a block names, once each, in the nominative, with the sentence that names them."""
    found: dict[str, Organization] = {}
    for name, quote in _listed(block):
        found.setdefault(name.lower(), Organization(name=name, quote=quote))
    photo = next((f for f in block.fields if f.kind == "photo"), None)
    if photo and not re.search(r"\.\w{2,4}\b|https?:", photo.value) and len(photo.value.split()) >= 2:
        found.setdefault(photo.value.lower(), Organization(name=photo.value, quote=photo.line))
    for paragraph in [*block.about, *block.paragraphs]:
        found_here = [*pattern_organizations(paragraph, places, models), *ner_organizations(paragraph, places, models)]
        for name, abbreviation, at in found_here:
            key = name.lower()
            if any(key in other for other in found):
                continue  # a quoted part of a name already found («Всемирная организация «...»»)
            if key not in found and not any(key == (o.abbreviation or "").lower() for o in found.values()):
                found[key] = Organization(name=name, abbreviation=abbreviation, quote=sentence_at(paragraph, at))
    return list(found.values())


def sentence_at(paragraph: str, at: int) -> str:
    """The sentence of a paragraph (razdel's) in which the character at ``at`` stands.

    >>> sentence_at("Визит прошел. Делегацию принял Университет Энска. Встреча была теплой.", 31)
    'Делегацию принял Университет Энска.'
    """
    return next((s.text for s in sentenize(paragraph) if s.start <= at < s.stop), paragraph)


def pattern_organizations(text: str, places: Places, models: Models) -> list[Found]:
    """«Общество дружбы «...»», «ансамбля народного танца «...»», «Энского ... завода (ЭМЗ)»."""
    out: list[Found] = []
    for match in QUOTED.finditer(text):
        before = list(BEFORE.finditer(text[max(0, match.start() - 60) : match.start()]))[-4:]
        offset = max(0, match.start() - 60)
        heads = [w for w in before if morph.lemma(w.group(), models) in ORG_HEADS | NAME_ONLY_HEADS]
        if not heads or not re.fullmatch(r"[\sа-яё\-]*", text[offset + heads[-1].end() : match.start()]):
            continue
        head = heads[-1]
        if morph.lemma(head.group(), models) in NAME_ONLY_HEADS:
            out.append(Found(match["name"].strip(), None, match.start()))
            continue
        start = offset + head.start()
        adjective = re.search(r"([А-ЯЁа-яё]+(?:ая|ое|ий|ый|ой|ого|ую))\s+$", text[:start])
        if adjective and morph.pos(adjective.group(1), models) == "ADJF":
            start = adjective.start(1)
        phrase = nominative_phrase(text[start : match.start()].strip(), models)
        name = f"{phrase} «{match['name'].strip()}»"
        if not NOT_ORGANIZATIONS.search(name):
            out.append(Found(name, None, start))
    out.extend(governing_bodies(text, places, models))
    out.extend(numbered_institutions(text, places, models))
    out.extend(
        Found(m["abbr"], None, m.start("abbr"))
        for m in ABBREVIATION_IN_CONTEXT.finditer(text)
        if not morph.is_geo(m["abbr"].lower(), models)
    )
    for match in WITH_ABBREVIATION.finditer(text):
        words = match["phrase"].split()
        if any(morph.lemma(w, models) in ORG_HEADS for w in words):
            out.append(Found(nominative_phrase(match["phrase"], models), match["abbr"], match.start()))
    return out


GOVERNING = frozenset({"правительство", "мэрия", "администрация", "консульство", "посольство", "исполком"})
GOVERNING_STEM = re.compile(r"\b(?:правительств|мэри|администраци|консульств|посольств|исполком)[а-яё]*", re.I)


def governing_bodies(text: str, places: Places, models: Models) -> list[Found]:
    """«Правительством Энской области», «администрация Энска», «консульства Энии в Энске».

    A governing body's noun (with the adjectives before it) and the genitive words after it, when
    they name the place it governs (a capitalised word); the NER does not always tag these.
    """
    persons = [a for a, _, kind, _ in entity_spans(text, models) if kind == "PER"]
    out: list[Found] = []
    for word in GOVERNING_STEM.finditer(text):
        parses = morph.parses(word.group().lower(), models)
        if not parses or parses[0].normal_form not in GOVERNING or parses[0].tag.number != "sing":
            continue
        start = word.start()
        before = re.search(r"((?:[А-ЯЁа-яё]+(?:ого|его|ой|ей|ым|им|ая|ое|ую|ом)\s+){1,2})$", text[:start])
        if before and all(morph.pos(w, models) == "ADJF" for w in before.group(1).split()):
            start = before.start(1)
        limit = min([p for p in persons if p >= word.end()], default=len(text))
        end = _genitive_tail(text, word.end(), limit, models)
        where = LOCATED.match(text[end:limit])
        if where and (where["adj"] or morph.is_geo(where["w"], models)):
            end += where.end()
        tail = text[word.end() : end]
        from twingraph.extract.lexicon import is_role_head

        if any(is_role_head(w, models) for w in tail.split()):
            continue  # «правительство премьер-министра ...»: a person's office, not a body's name
        if re.search(r"[А-ЯЁ]", tail) or any(_is_city(w, places) for w in tail.split()):
            out.append(Found(nominative_phrase(text[start:end].strip(), models), None, start))
    return out


# «школу №16 им.Иванова», «школы № 9 с углубленным изучением английского языка»
NUMBERED = re.compile(
    r"(?P<head>[А-Яа-яЁё]+)\s*№\s?\d+(?:\s*(?:им\.|имени)\s*(?:[А-ЯЁ]\.\s?){0,2}[А-ЯЁ][а-яё\-]+)?"
    r"(?:\s+с\s+углубленным\s+изучением(?:\s+[а-яё]+){1,2}(?=[\s,.;]))?"
)
# «представителей АБВ», «секретарь АБВ», «презентации о АБВ»: an abbreviation where a body is named
ABBREVIATION_IN_CONTEXT = re.compile(
    r"\b(?:(?:представител|сотрудник|студент|преподавател|ректор|директор|секретар|делегаци|член)\w*"
    r"|презентаци\w*\s+о)\s+(?P<abbr>[А-ЯЁ]{2,6})\b(?![.-])"
)


def numbered_institutions(text: str, places: Places, models: Models) -> list[Found]:
    """Schools and the like written in lower case with their number: «энской средней школы № 9».

    The adjectives before the head are kept, but not one made of a city's name («энской»).
    """
    out: list[Found] = []
    for match in NUMBERED.finditer(text):
        if morph.lemma(match["head"], models) not in ORG_HEADS:
            continue
        offset, start = max(0, match.start() - 80), match.start()
        for word in reversed(list(re.finditer(r"[А-Яа-яЁё\-]+", text[offset:start]))):
            if text[offset + word.end() : start].strip() or morph.pos(word.group(), models) != "ADJF":
                break
            if word.group()[:1].islower() and _is_city(word.group(), places):
                break  # «энской школы № 9»: the city's adjective, not the name's; «Энская гимназия» keeps it
            start = offset + word.start()
        start, end = _with_part(text, start), match.end()
        tail = CITY_TAIL.match(text[end:])
        if tail and re.fullmatch(r"\s+[А-ЯЁ][а-яё\-]+", tail.group()) and _is_city(tail.group().strip(), places):
            end += tail.end()  # «школа №4 Энска»
        head = nominative_phrase(text[start : match.end("head")], models)
        out.append(Found(head[:1].upper() + head[1:] + text[match.end("head") : end], None, start))
    return out


def _with_part(text: str, start: int) -> int:
    """Where a name begins when a part of the body comes before it («образовательной группы» + name)."""
    part = PART_BEFORE.search(text[max(0, start - 40) : start])
    return max(0, start - 40) + part.start() if part else start


def _initials(name: str) -> str:
    """The capital initials of a name's words, short function words left out.

    >>> _initials("Северный союз по делам городов")
    'ССДГ'
    """
    words = re.findall(r"[А-Яа-яЁёA-Za-z]+", name)
    return "".join(w[0].upper() for w in words if w.lower() not in FUNCTION_WORDS)


FUNCTION_WORDS = frozenset({"и", "по", "при", "в", "во", "на", "с", "со", "для", "of", "and", "the", "им", "имени"})


def link_abbreviations(organizations: list[list[Organization]]) -> list[list[Organization]]:
    """Join an abbreviation found alone («АБВ») to the full name of the page whose initials it spells.

    The full name takes the abbreviation; the bare abbreviation, or one another name already has, is
    dropped. ``organizations`` holds
    the organizations of each file of the page.
    """
    full: dict[str, Organization] = {}
    for org in (o for orgs in organizations for o in orgs):
        if len(org.name.split()) >= 2:
            full.setdefault(_initials(org.name), org)
    declared = {o.abbreviation for orgs in organizations for o in orgs if o.abbreviation}
    linked = {o.name: full[o.name] for orgs in organizations for o in orgs if o.name.isupper() and o.name in full}
    organizations = [[o for o in orgs if o.name not in declared] for orgs in organizations]
    named = {f.name: abbr for abbr, f in linked.items()}
    out = []
    for orgs in organizations:
        kept = []
        for org in orgs:
            if org.name in linked:
                continue
            if org.name in named and not org.abbreviation:
                org = org.model_copy(update={"abbreviation": named.pop(org.name)})
            kept.append(org)
        out.append(kept)
    return out


def ner_organizations(text: str, places: Places, models: Models) -> list[Found]:
    """ORG spans of a paragraph, joined, extended over their city, in the nominative."""
    entities = entity_spans(text, models)
    spans = [(a, b) for a, b, kind, _ in entities if kind == "ORG"]
    persons = [a for a, _, kind, _ in entities if kind == "PER"]
    joined: list[list[int]] = []
    for a, b in spans:
        if joined and re.fullmatch(r"\s*", text[joined[-1][1] : a]):
            joined[-1][1] = b
        else:
            joined.append([a, b])
    out = []
    for a, b in joined:
        stray = re.search(r"[А-ЯЁ][а-яё\-]+\s([а-яё\-]+)$", text[a:b])
        head_case = morph.case(text[a:b].split()[0], models)
        if stray and morph.case(stray.group(1), models) not in {"gent", head_case, None}:
            b = a + stray.start(1) - 1  # natasha ran on past the proper noun that ends the name
        if EVENT_CONTEXT.search(text[max(0, a - 30) : a]):
            continue  # a larger event named as the frame of a happening, not an organization
        if PRODUCT_CONTEXT.search(text[max(0, a - 30) : a]):
            continue  # «выпускающий автомобили X»: a product's make, not a company
        a = _with_part(text, a)
        limit = min([p for p in persons if p >= b], default=len(text))
        b = _genitive_tail(text, b, limit, models)
        where = LOCATED.match(text[b:limit])
        if where and (where["adj"] or morph.is_geo(where["w"], models) or _is_city(where["w"], places)):
            b += where.end()
        under = UNDER.match(text[b:limit])
        b += under.end() if under else 0
        tail = CITY_TAIL.match(text[b:])
        if tail and _is_city(tail.group().split()[-1].split(".")[-1], places):
            b += tail.end()
        name = text[a:b].strip(' «»"')
        inner = re.search(r"\(([A-ZА-ЯЁ]{2,10})\)\s*$", name)
        abbreviation = ABBREVIATION.match(text[b:])
        abbr = inner.group(1) if inner else abbreviation["abbr"] if abbreviation else None
        name = _without_role(re.sub(r"\s*\([^()]*\)\s*$", "", name), models)
        while name.split() and morph.pos(name.split()[0], models) in {"ADVB", "CONJ", "PRCL", "PREP", "NPRO", "PRED"}:
            name = " ".join(name.split()[1:])  # «Сегодня Энск ...» at a sentence's start
        quoted = re.search(r"(?:компани\w+|организаци\w+)\s+[«\"]([^»\"]+)", name)
        name = quoted.group(1) if quoted else name
        if not _is_organization(name, places, models):
            continue
        out.append(Found(nominative_phrase(name, models), abbr, a))
    return out


LOCATED = re.compile(r"\s+(?:в|во)\s+(?:г\.\s*)?(?P<adj>[А-ЯЁ][а-яё]+(?:ой|ей|ом|ем)\s+)?(?P<w>[А-ЯЁ][А-Яа-яЁё\-]+)")
# words that head an organization's name when a quoted name or an abbreviation follows
ORG_HEADS = frozenset(
    """общество ансамбль технопарк компания фонд ассоциация союз завод фабрика комбинат клуб театр университет
    институт школа гимназия колледж академия организация корпорация банк холдинг объединение движение партия
    агентство палата комитет управление департамент министерство хор оркестр лицей издательство""".split()
)
QUOTED = re.compile(r"«(?P<name>[^«»]{2,80})»")
BEFORE = re.compile(r"[А-Яа-яЁё\-]+")
WITH_ABBREVIATION = re.compile(r"(?P<phrase>[А-ЯЁ][а-яё\-]+(?:\s+[а-яё\-]+){1,5})\s+\((?P<abbr>[A-ZА-ЯЁ]{2,6})\)")
NAME_ONLY_HEADS = frozenset({"организация", "компания", "корпорация", "холдинг", "ао", "ооо", "пао", "оао", "зао"})
UNDER = re.compile(r"\s+при\s+(?:[А-Яа-яЁё\-]+\s+){0,3}[А-Яа-яЁё\-]+(?=[,.;]|$)")
EVENT_CONTEXT = re.compile(r"(?:в рамках|участие в|участии в|на полях|работе)(?:\s+[а-яё\-]+)*\s*$", re.I)
# «образовательной группы Школы №1»: a part of a body named by the body
PART_BEFORE = re.compile(
    r"\b(?:[а-яё]+(?:ой|ого|ей|его)\s+)?(?:групп[ыа]|филиал[а]?|отделени[яе]|факультет[а]?|кафедр[ыа])\s+$"
)
PRODUCT_CONTEXT = re.compile(r"\b(?:автомобил\w*|марк[иуа]|модел\w*|бренд\w*|товар\w*|продукци\w*)\s+$", re.I)
TAIL_WORD = re.compile(r"\s+([А-Яа-яЁё\-]+\+?|№\s?\d+|[A-ZА-ЯЁ]{2,}\+?)")


def _genitive_tail(text: str, end: int, limit: int, models: Models) -> int:
    """Extend a name over the genitive words that follow it: «Агентства ... развития» + «Республики Энии».

    The name stops before ``limit``, where a person's name begins.
    """
    start = end
    while end < limit:
        city = re.match(r"\s*(?:г\.\s*|города\s+)[А-ЯЁ][а-яё\-]+", text[end:])
        if city:
            end += city.end()
            continue
        match = TAIL_WORD.match(text, end)
        if not match or match.end() > limit:
            return end
        word = match.group(1)
        if word == "и":
            after = TAIL_WORD.match(text, match.end())
            nouns = after and _is_genitive(after.group(1), models) and morph.pos(after.group(1), models) == "NOUN"
            if not nouns or end == start:
                return end
        elif word == "г" or not _continues_name(word, text, end, models):
            return end
        elif (word[:1].isupper() and (nxt := re.match(r"\s+[А-ЯЁ][а-яё]", text[match.end() :]))
              and match.end() + nxt.end() - 2 < limit and not morph.is_common(word, models)):  # fmt: skip
            return end  # two capitalised words that are no common nouns: a person's name begins
        end = match.end()
    return end


def _continues_name(word: str, text: str, end: int, models: Models) -> bool:
    """A word that can go on a name: a number sign, an abbreviation, a genitive, a place's name."""
    if word.startswith("№") or word.isupper() or _is_genitive(word, models):
        return True
    return word[:1].isupper() and (morph.is_geo(word, models) or _after_form_noun(text, end, models))


def _is_genitive(word: str, models: Models) -> bool:
    parses = morph.parses(word.lower(), models)
    if not parses:
        return False
    if not parses[0].is_known and word[:1].islower():
        return bool(parses[0].tag.POS == "ADJF" and parses[0].tag.case == "gent")
    return any(p.tag.case == "gent" and p.tag.POS in {"NOUN", "ADJF"} and p.score >= 0.15 for p in parses)


def _after_form_noun(text: str, end: int, models: Models) -> bool:
    """True after «провинции», «Республики», «области»: the next capitalised word is the region's name."""
    before = re.search(r"([А-Яа-яЁё]+)\s*$", text[:end])
    return before is not None and is_territory_noun(before[1], models)


def _without_role(name: str, models: Models) -> str:
    from twingraph.extract.lexicon import is_role_head

    words = name.split()
    while len(words) > 2 and is_role_head(words[0], models):
        words = words[1:]
    return " ".join(words)


def _is_city(word: str, places: Places) -> bool:
    lowered = word.lower()
    return any(morph.is_city_form(lowered, p, extra=None) for p in places.lowered)


def _is_organization(name: str, places: Places, models: Models) -> bool:
    """A name that is an organization's, qualified enough to tell which one.

    «Управление коммерции» or «Народное правительство» alone name a body of some city, not one
    organization; a name needs a proper noun, a number, an abbreviation or a quoted part.
    """
    words = name.split()
    if not words:  # nothing was left of the tagged span once its function words were dropped
        return False
    first = words[0]
    proper_first = (
        "-" in first or _is_city(first, places) or not all(p.is_known for p in morph.parses(first.lower(), models)[:1])
    )
    if not proper_first and not any(re.search(r"[А-ЯЁA-Z\d]", w) for w in words[1:]):
        return re.fullmatch(r"[A-Z][A-Za-z]+", name) is not None
    if words[0].isupper() and len(words[0]) <= 3 and len(words) <= 2:
        return False
    if len(words) < 2 and not re.fullmatch(r"[A-Z][A-Za-z]+", name):
        return False
    if name.isupper() or NOT_ORGANIZATIONS.search(name) or ("«" in name and "»" not in name):
        return False
    return not re.search(r"\d{4}", name)


def _listed(block: Block) -> list[tuple[str, str]]:
    """Names alone on a line in quotes («Нефтехим»), and the items of a list introduced as organizations."""
    out = []
    intro = ""
    for paragraph in [*block.about, *block.paragraphs]:
        bullet = paragraph.lstrip().startswith(("•", "·"))
        text = paragraph.lstrip("•·- \t").rstrip(";.").strip()
        alone = re.fullmatch(r"«([^«»]{2,80})»", text)
        if alone:
            out.append((alone.group(1), paragraph.strip()))
        elif bullet and re.search(r"организаци", intro, re.I):
            out.append((text, paragraph.lstrip("•·- \t").strip()))
        if not bullet:
            intro = paragraph
    return out
