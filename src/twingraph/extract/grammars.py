"""Yargy grammars of the family's date expressions, and the dates they find.

Forms: «25 мая 2023 г.», «6-8 февраля 2025 г.», «с 15 по 19 июня 2019 года»,
«30 июня - 2 июля 2024», «В марте 2021 года», «В апреле-мае 2025 года»,
«С мая по июнь 2024 года», «В 2021 году», «(2022 г.)», «2002-2018 гг.», and the
same without a year («15 января», «В августе»), which take the year of their paragraph.
Also: numeric dates with a Roman month or a two-digit year («14.XI.2023», «16.10.23»),
abbreviated months («23 февр. 2025 г.»), ordinal days («1-го июля», «с 5-го по 9-е
июня»), numeric day ranges («21–23.09.2022», «29.09–02.10.2019»), months of two years («в
декабре 2023 – январе 2024 г.»), two days or years in a row («17 и 18 мая», «2020/2021» and
«2025/26 учебный год»), the year first («2021 г., 4 июня»), «2025-го», and a
quarter or half of a year («в I квартале 2024 года», at the year's precision).
"""

from __future__ import annotations

import calendar
import dataclasses
import re

from yargy import Parser, and_, or_, rule
from yargy.interpretation import fact
from yargy.predicates import caseless, dictionary, eq, gte, in_, in_caseless, length_eq, lte, normalized

MONTHS = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6,
    "июль": 7, "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}  # fmt: skip

MONTH_ABBREVIATIONS = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip; written with their dot («февр.»): without it «мар» or «дек» could be another word
ROMAN_MONTHS = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6,
                "VII": 7, "VIII": 8, "IX": 9, "X": 10, "XI": 11, "XII": 12}  # fmt: skip
# a two-digit year, as POSIX strptime's %y reads it: 69-99 are 1969-1999, 00-68 are 2000-2068
CENTURY_PIVOT = 69

# joint: «и» or «/» between two days or years, read as one span only when they follow each other
Date = fact("Date", ["day", "day2", "month", "month2", "year", "year2", "lead", "joint"])

DASH = in_({"-", "–", "—", "−"})
DAY = and_(gte(1), lte(31))
# any four-digit year a record can hold (model.PartialDate); whether a year is too far ahead is the records' check
FIRST_YEAR, LAST_YEAR = 1000, 9999
YEAR = and_(gte(FIRST_YEAR), lte(LAST_YEAR))
MONTH = dictionary(MONTHS)
YEAR_WORD = or_(
    rule(normalized("год")),
    rule(caseless("г"), eq(".").optional()),
    rule(caseless("гг"), eq(".").optional()),
    rule(DASH, eq("го")),  # «весной 2025-го»
)
LEAD = in_({"в", "В", "во", "Во", "с", "С", "со", "Со", "("})
SEASON = in_({"зимой", "весной", "летом", "осенью", "Зимой", "Весной", "Летом", "Осенью"})
PART_OF_YEAR = in_({"начале", "конце", "середине", "течение"})
# «в I квартале», «во втором полугодии»: a part of a year, dated at the year's precision
ORDINALS = ("первый", "второй", "третий", "четвёртый")
PART_NUMBER = or_(in_({"I", "II", "III", "IV"}), and_(gte(1), lte(4)), *(normalized(word) for word in ORDINALS))
PART_NOUN = or_(normalized("квартал"), normalized("полугодие"))
MONTH_NUMBER = and_(gte(1), lte(12))
# «1-го», «9-е»: a day written as an ordinal
ORDINAL_END = rule(DASH, in_({"го", "е", "ое", "ого"}))


def _day(attr: object) -> object:
    return rule(DAY.interpretation(attr.custom(int)), ORDINAL_END.optional())  # type: ignore[attr-defined]


def _month(attr: object) -> object:
    """A month by its name («июня»), or by its abbreviation with a dot («февр.»)."""
    abbreviation = in_caseless(set(MONTH_ABBREVIATIONS))
    return or_(
        rule(MONTH.interpretation(attr.normalized().custom(MONTHS.__getitem__))),  # type: ignore[attr-defined]
        rule(abbreviation.interpretation(attr.custom(lambda word: MONTH_ABBREVIATIONS[word.lower()])), eq(".")),  # type: ignore[attr-defined]
    )


def _month_number(attr: object) -> object:
    """A month as a number («09») or a Roman numeral («XI»)."""
    return or_(
        rule(MONTH_NUMBER.interpretation(attr.custom(int))),  # type: ignore[attr-defined]
        rule(in_(set(ROMAN_MONTHS)).interpretation(attr.custom(ROMAN_MONTHS.__getitem__))),  # type: ignore[attr-defined]
    )


def _year(attr: object) -> object:
    return YEAR.interpretation(attr.custom(int))  # type: ignore[attr-defined]


def _short_year(attr: object) -> object:
    """A two-digit year of a numeric date («16.10.23»)."""
    return and_(gte(0), lte(99), length_eq(2)).interpretation(attr.custom(two_digit_year))  # type: ignore[attr-defined]


def two_digit_year(text: str) -> int:
    """The year a two-digit year stands for (the pivot of POSIX ``%y``).

    >>> two_digit_year("23"), two_digit_year("98")
    (2023, 1998)
    """
    value = int(text)
    return value + (1900 if value >= CENTURY_PIVOT else 2000)


def date_grammar() -> object:
    """The rule that finds one date or range of the family."""
    year_tail = rule(_year(Date.year), YEAR_WORD.optional())
    opt_year = year_tail.optional()
    num_year = or_(rule(_year(Date.year)), rule(_short_year(Date.year)))
    num_date = rule(_day(Date.day), eq("."), _month_number(Date.month), eq("."), num_year)
    num_date2 = rule(_day(Date.day2), eq("."), _month_number(Date.month2), eq("."), _year(Date.year2))
    alternatives = [
        # 28.12.2023 – 03.01.2024; 12.05.2022; 14.XI.2023; 16.10.23
        rule(in_({"с", "С"}).optional(), num_date, or_(DASH, eq("по")), num_date2),
        num_date,
        # 21–23.09.2022
        rule(_day(Date.day), DASH, _day(Date.day2), eq("."), _month_number(Date.month), eq("."), num_year),
        # 29.09–02.10.2019: the year written once, at the end
        rule(_day(Date.day), eq("."), _month_number(Date.month), DASH, _day(Date.day2), eq("."),
             _month_number(Date.month2), eq("."), num_year),
        # 2021 г., 4 июня
        rule(_year(Date.year), YEAR_WORD, eq(","), _day(Date.day), _month(Date.month)),
        # с 28 декабря 2023 года по 3 января 2024 года
        rule(in_({"с", "С"}).optional(), _day(Date.day), _month(Date.month), _year(Date.year), YEAR_WORD.optional(),
             or_(DASH, eq("по")), _day(Date.day2), _month(Date.month2), _year(Date.year2), YEAR_WORD.optional()),
        # 30 июня - 2 июля 2024 года; с 30 июня по 2 июля 2024
        rule(in_({"с", "С"}).optional(), _day(Date.day), _month(Date.month), or_(DASH, eq("по")),
             _day(Date.day2), _month(Date.month2), opt_year),
        # 6-8 февраля 2025 г.; с 15 по 19 июня 2019 года
        rule(_day(Date.day), DASH, _day(Date.day2), _month(Date.month), opt_year),
        rule(in_({"с", "С"}), _day(Date.day), eq("по"), _day(Date.day2), _month(Date.month), opt_year),
        # 17 и 18 мая 2023 года
        rule(_day(Date.day), eq("и").interpretation(Date.joint), _day(Date.day2), _month(Date.month), opt_year),
        # 25 мая 2023 г.; 15 января
        rule(_day(Date.day), _month(Date.month), opt_year),
        # в декабре 2023 – январе 2024 г.; с ноября 2019 по март 2020 года
        rule(LEAD.optional(), _month(Date.month), _year(Date.year), YEAR_WORD.optional(), or_(DASH, eq("по")),
             _month(Date.month2), _year(Date.year2), YEAR_WORD.optional()),
        # в апреле-мае 2025 года; с мая по июнь 2024 года
        rule(LEAD.optional(), _month(Date.month), or_(DASH, eq("по")), _month(Date.month2), opt_year),
        # в марте 2021 года; с июня 2024; в августе
        rule(LEAD.interpretation(Date.lead), _month(Date.month), opt_year),
        rule(_month(Date.month), year_tail),
        # 2002-2018 гг.
        rule(_year(Date.year), DASH, _year(Date.year2), YEAR_WORD),
        # 2020/2021 учебный год; 2025/26 учебный год
        rule(LEAD.optional(), _year(Date.year), eq("/").interpretation(Date.joint),
             or_(rule(_year(Date.year2)), rule(_short_year(Date.year2)))),
        # в 2021 году; (2022 г.); летом 2020 года; в конце 2024 года; «в 2015 и 2017 годах» (twice)
        rule(LEAD.interpretation(Date.lead), _year(Date.year), YEAR_WORD.optional()),
        rule(or_(rule(SEASON), rule(LEAD, PART_OF_YEAR), rule(LEAD, PART_NUMBER, PART_NOUN)).interpretation(Date.lead),
             _year(Date.year), YEAR_WORD),
        rule(eq("и").interpretation(Date.lead), _year(Date.year), YEAR_WORD),
    ]  # fmt: skip
    return or_(*alternatives).interpretation(Date)


@dataclasses.dataclass(frozen=True)
class DateMention:
    """A date or range as written, with what it leaves to the paragraph (a missing year).

    Dates are ISO strings at the precision given: YYYY, YYYY-MM or YYYY-MM-DD.
    """

    start: int
    stop: int
    text: str
    year: int | None
    month: int | None
    day: int | None
    year2: int | None
    month2: int | None
    day2: int | None

    def resolved(self, year: int | None) -> tuple[str, str | None] | None:
        """ISO start and end (None for a single date), with ``year`` for a date that gives none.

        A year written once belongs to the end: a start in a later month than its end falls in the
        year before («28 декабря – 3 января 2020 года»). An end still before its start is dropped.
        """
        y = self.year or year
        if y is None:
            return None
        if not (self.year2 or self.month2 or self.day2):
            return _iso(y, self.month, self.day), None
        start_year = y - 1 if self._crosses_new_year() else y
        start = _iso(start_year, self.month, self.day)
        end_day = self.day2 if self.day2 else None if self.month2 else self.day
        end = _iso(self.year2 or y, self.month2 or self.month, end_day)
        return (start, end) if end > start else (start, None)

    def _crosses_new_year(self) -> bool:
        """Whether the start, with no year of its own, has a later month than the end."""
        if self.year2 is not None or self.month is None or self.month2 is None:
            return False
        return self.month > self.month2


def _iso(year: int, month: int | None, day: int | None) -> str:
    """An ISO date at the precision given; a day the month lacks that year (29 February) is left out."""
    if month is None:
        return f"{year:04d}"
    kept = day if day and _may_exist(year, month, day) else None
    return f"{year:04d}-{month:02d}" + (f"-{kept:02d}" if kept else "")


ANCHOR = re.compile(
    r"(?<!\d)[1-9]\d{3}(?!\d)|январ|феврал|март|апрел|\bма[йяе]\b|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|\b(?:янв|февр?|мар|апр|авг|сент?|окт|нояб?|дек)\.|(?<!\d)\d{1,2}\.\d{1,2}\.\d{2}(?!\d)",
    re.I,
)
WINDOW = 40


def find_dates(parser: Parser, text: str) -> list[DateMention]:
    """Every date expression of ``text``, left to right, the longest at each place.

    The grammar runs only on windows around digits and month names, which keeps long paragraphs fast.
    """
    found = []
    for lo, hi in _windows(text):
        for match in parser.findall(text[lo:hi]):
            value = match.fact
            if value.year is None and value.month is None:
                continue
            if not (_may_exist(value.year, value.month, value.day) and _may_exist(value.year2 or value.year,
                                                                                  value.month2 or value.month,
                                                                                  value.day2)):  # fmt: skip
                continue  # «30 февраля», «31.04.2023»: no such day
            start, stop = match.span
            start, stop = start + lo, stop + lo
            if value.year2 and value.month is None and re.search(r"\bна\s*$", text[max(0, start - 4) : start]):
                continue  # «план на 2023–2025 годы»: a period a document covers, not a date
            day2, year2 = value.day2, value.year2
            if value.joint and not _in_a_row(value):  # «5 и 9 мая»: two dates, not a span; the first dates it
                day2 = year2 = None
            found.append(DateMention(start, stop, text[start:stop], value.year, value.month, value.day,
                                     year2, value.month2, day2))  # fmt: skip
    return sorted(found, key=lambda m: m.start)


def _may_exist(year: int | None, month: int | None, day: int | None) -> bool:
    """Whether the month has the day (in some year, when none is given: 29 February may).

    >>> _may_exist(2023, 2, 29), _may_exist(None, 2, 29), _may_exist(2024, 4, 31), _may_exist(2024, None, 31)
    (False, True, False, True)
    """
    if month is None or day is None:
        return True
    return day <= calendar.monthrange(year or 2000, month)[1]


def _in_a_row(value: object) -> bool:
    """Whether two days or years joined by «и» or «/» follow each other (17 и 18 мая; 2020/2021)."""
    day, day2, year, year2 = (getattr(value, name) for name in ("day", "day2", "year", "year2"))
    return (day is not None and day2 == day + 1) or (day is None and year is not None and year2 == year + 1)


def _windows(text: str) -> list[tuple[int, int]]:
    spans: list[list[int]] = []
    for match in ANCHOR.finditer(text):
        lo, hi = max(0, match.start() - WINDOW), min(len(text), match.end() + WINDOW)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [(_word_start(text, lo), _word_end(text, hi)) for lo, hi in spans]


def _word_start(text: str, at: int) -> int:
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _word_end(text: str, at: int) -> int:
    while at < len(text) and not text[at].isspace():
        at += 1
    return at
