"""Header facts of a city block: founding, population, area, time zone, website, photo, agreements."""

from __future__ import annotations

import re

from twingraph.extract import morph
from twingraph.extract.lexicon import first_match
from twingraph.extract.models import Models
from twingraph.extract.segment import Block, Field
from twingraph.model import AgreementType, Credit, Founding, Measure, TimeZone, Website

ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
MULTIPLIERS = {"тыс": 1_000, "млн": 1_000_000, "млрд": 1_000_000_000}
NUMBER = r"\d[\d\s\u00a0]*(?:[.,]\d+)*"
# «1.234.567», «11.434,25»: dots between thousands, told from a decimal point by two dots or a decimal comma
DOTTED_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?|\d{1,3}(?:\.\d{3})+,\d+")
MEASURE = re.compile(rf"(?P<number>{NUMBER})\s*(?P<mult>тыс|млн|млрд)?")
YEAR_NOTE = re.compile(r"\((?:[^()]*?\D)?(?P<year>\d{4})\s*(?:г\.?|года?)?\s*\)")
OFFSET = re.compile(r"(?:GMT|UTC|МСК)?\s*(?P<sign>[+\-−–])\s*(?P<hours>\d{1,2})(?:[:.](?P<minutes>\d{2}))?", re.I)
URL = re.compile(r"https?://\S+")
# the first pattern found in a document's title gives its type; a title none matches is of type «other»
AGREEMENT_RULES: tuple[tuple[str, AgreementType], ...] = (
    (r"меморандум\w* о намерени", AgreementType.MEMORANDUM_OF_INTENT),
    (r"меморандум\w* о взаимопонимани", AgreementType.MEMORANDUM_OF_UNDERSTANDING),
    (r"протокол\w* о намерени", AgreementType.PROTOCOL_OF_INTENT),
    # a declaration states an intent but is none of the kinds above: its title says what it is
    (r"^деклараци", AgreementType.OTHER),
    # a plan, a road map, or a programme of joint measures for some years implements the cities' relations
    (
        r"план\w* (?:мероприятий|действий)|^программ\w* (?:сотрудничеств|совместн|мероприятий|действий)"
        r"|^дорожн\w* карт",
        AgreementType.ACTION_PLAN,
    ),
    (r"побратим|породн[её]нн", AgreementType.SISTER_CITY),
    # «о дружбе», «дружественных (и партнерских) отношений»: friendship, named first, is the kind
    (
        r"о дружбе|дружественн\w*\s+(?:и\s+[\w-]+\s+)?(?:отношени|связ)|дружеских (?:отношени|связ)",
        AgreementType.FRIENDSHIP,
    ),
    (r"партн[её]рских (?:отношени|связ)|партн[её]рств", AgreementType.PARTNERSHIP),
    # «о развитии торгово-экономических связей»: developing ties between the cities is cooperation
    (
        r"сотрудничеств|(?:развити|укреплени|расширени)\w*\s+(?:[\w-]+\s+){0,3}?(?:связ|отношени)",
        AgreementType.COOPERATION,
    ),
)


def roman(text: str) -> int | None:
    """The value of a Roman numeral, or None.

    >>> roman("XIV")
    14
    """
    if not text or any(ch not in ROMAN for ch in text):
        return None
    values = [ROMAN[ch] for ch in text]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def founding(field: Field) -> Founding | None:
    """«9 век н.э.», «ок. 2200 до н. э.», «300 до н.э.», «1898 г.», «XII в.».

    >>> founding(Field("founded", "ок. 2200 до н. э.", "Год основания: ок. 2200 до н. э.")).year
    -2200
    """
    value = field.value
    approximate = bool(re.search(r"\b(ок\.|около|приблизительно|прибл\.|~)", value, re.I))
    bc = bool(re.search(r"до\s*н\.?\s*э", value, re.I))
    century = re.search(r"\b(?P<n>\d{1,2}|[IVXLC]+)(?:-?[йго]+)?\s*(?:век|в\.|вв?\b)", value)
    if century:
        n = int(century["n"]) if century["n"].isdigit() else roman(century["n"])
        if n:
            return Founding(text=value, century=-n if bc else n, approximate=approximate, quote=field.line)
    year = re.search(r"\d{1,4}", value)
    if not year:
        return None
    number = int(year.group())
    return Founding(text=value, year=-number if bc else number, approximate=approximate, quote=field.line)


def parse_number(text: str) -> float:
    """A number as the family writes it.

    >>> [parse_number(x) for x in ("9,7", "9 465 881", "11,434.25", "2,900", "4.07", "53,1")]
    [9.7, 9465881.0, 11434.25, 2900.0, 4.07, 53.1]
    >>> [parse_number(x) for x in ("1.234.567", "11.434,25", "1.234")]
    [1234567.0, 11434.25, 1.234]
    """
    text = re.sub(r"[\s\u00a0]", "", text)
    if DOTTED_THOUSANDS.fullmatch(text):
        return float(text.replace(".", "").replace(",", "."))
    if "," in text and "." in text:
        return float(text.replace(",", ""))
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def measure(field: Field) -> Measure | None:
    """Population or area with its year: «9,7 млн.чел. (2025 г.)», «53,1 тыс. км²»."""
    match = MEASURE.search(field.value)
    if not match:
        return None
    value = parse_number(match["number"].strip()) * MULTIPLIERS.get(match["mult"] or "", 1)
    if value <= 0:
        return None
    year = YEAR_NOTE.search(field.value[match.end() :])
    return Measure(value=round(value, 2), year=int(year["year"]) if year else None, quote=field.line)


def timezone(field: Field) -> TimeZone | None:
    """«GMT +3:30», «UTC + 8», «GMT-5» as ±HH:MM."""
    match = OFFSET.search(field.value)
    if not match:
        return None
    sign = "+" if match["sign"] == "+" else "-"
    return TimeZone(offset=f"{sign}{int(match['hours']):02d}:{match['minutes'] or '00'}", quote=field.line)


def website(field: Field) -> Website | None:
    match = URL.search(field.value)
    return Website(url=match.group().rstrip(".,;"), quote=field.line) if match else None


def credit(field: Field) -> Credit | None:
    return Credit(text=field.value, quote=field.line) if field.value else None


def header_facts(block: Block) -> dict[str, object]:
    """The City fields a block's header states."""
    parsers = {"founded": founding, "population": measure, "area": measure, "timezone": timezone,
               "website": website, "photo": credit}  # fmt: skip
    names = {"photo": "photo_credit"}
    facts: dict[str, object] = {}
    for field in block.fields:
        parse = parsers.get(field.kind)
        key = names.get(field.kind, field.kind)
        if parse and key not in facts:
            value = parse(field)
            if value is not None:
                facts[key] = value
    return facts


def agreement_type(title: str) -> AgreementType:
    """The agreement type its title names; «other» when it names none of them.

    >>> agreement_type("Договор об установлении побратимских связей").value
    'sister-city'
    >>> agreement_type("Соглашение о развитии научных связей").value, agreement_type("Хартия городов").value
    ('cooperation', 'other')
    """
    return first_match(AGREEMENT_RULES, title.lower()) or AgreementType.OTHER


def document_titles(value: str) -> list[tuple[str, int | None]]:
    """Titles and years of the documents one «Документ:» line lists.

    >>> document_titles("Меморандум (2002 г.), Соглашение между городами (2003 г.)")
    [('Меморандум', 2002), ('Соглашение между городами', 2003)]
    """
    found: list[tuple[str, int | None]] = []
    rest = value.strip().rstrip(".")
    for match in list(re.finditer(r"\(\s*(\d{4})\s*(?:г\.?|года?)?\s*\)", rest)):
        title = rest[: match.start()].strip(" ,;.")
        rest_before = title
        found.append((rest_before, int(match.group(1))))
        rest = rest[match.end() :]
    # what follows the last year is one more document without a year
    if found:
        return _untangle(value.strip().rstrip("."), found)
    return [(rest.strip(" ,;."), None)] if rest.strip(" ,;.") else []


def _untangle(value: str, found: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    rest = value
    for _, year in found:
        match = re.search(rf"\(\s*{year}\s*(?:г\.?|года?)?\s*\)", rest)
        if match is None:
            break
        out.append((rest[: match.start()].strip(" ,;."), year))
        rest = rest[match.end() :]
    if rest.strip(" ,;."):
        out.append((rest.strip(" ,;."), None))
    return out


def party_names(title: str, known: list[str], models: Models) -> list[str]:
    """The cities a title names after «между», in the nominative, in the title's order."""
    _, sep, tail = title.partition("между")
    if not sep:
        return []
    tail = re.sub(r"\([^()]*\)", " ", tail)
    names: list[str] = []
    for word in re.findall(r"[А-ЯЁ][а-яё\-]+", tail):
        name = nominative_place(word, known, models)
        if name and name not in names:
            names.append(name)
    return names


def nominative_place(word: str, known: list[str], models: Models) -> str | None:
    """A place name's nominative: a known city when one of its forms matches, else pymorphy's lemma."""
    lowered = word.lower()
    lemmas = {p.normal_form for p in morph.parses(lowered, models)}
    for name in known:
        if name.lower() == lowered or name.lower() in lemmas:
            return name
    geo = [p for p in morph.parses(word, models) if "Geox" in p.tag]
    if geo:
        return str(geo[0].normal_form).capitalize()
    if any(p.tag.POS == "NOUN" and "Name" not in p.tag and "Geox" not in p.tag and p.score > 0.5
           for p in morph.parses(lowered, models)):  # fmt: skip
        return None
    return str(morph.parses(word, models)[0].normal_form).capitalize()
