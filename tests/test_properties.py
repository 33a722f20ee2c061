"""Properties of the parsers, for any input (Hypothesis): dates, numbers, names and the records loader.

Each property runs a bounded, derandomised number of examples, so CI sees the same
inputs on every run. Known bugs that a property found are left out here and
reported (see each ``# not checked:`` note).
"""

from __future__ import annotations

import datetime
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from rdflib import XSD
from yargy import Parser

from twingraph.config import Settings
from twingraph.extract.grammars import date_grammar, find_dates
from twingraph.extract.header import measure, parse_number, roman
from twingraph.extract.segment import Field
from twingraph.link.match import normalise
from twingraph.model import SLUG, Precision, Source
from twingraph.model import PartialDate as Date
from twingraph.problems import Severity
from twingraph.rdf.mapping import date_literal, decimal_literal
from twingraph.records import load_sources, read_file
from twingraph.slugs import slugify
from twingraph.spelling import near_match, normalise_name, normalise_space
from twingraph.synth import MONTHS_GENITIVE, MONTHS_PREPOSITIONAL, date_phrase

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
ISO_DATE = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?")
DATES = st.dates(datetime.date(1000, 1, 1), datetime.date(9998, 12, 31))  # what the pages' grammar reads
PRECISIONS = st.sampled_from(list(Precision))
RUSSIAN = st.text(st.sampled_from("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"), min_size=1,
                  max_size=12)  # fmt: skip
# words of the date expressions, to make text that is nearly a date far more often than random text is
DATE_WORDS = ("в В с С по и - – — ( ) . , г. г гг. год года году годах 1 2 12 28 30 31 1999 2023 2100 0999 "
              "мая июня декабря января феврале марте летом конце начале 12.05.2022 01.13.2020 XI IV XIII февр. "
              "сент. дек 1-го 9-е -го / квартале I 16.10.23 2020/2021 2025/26 29.09–02.10.2019").split()  # fmt: skip
# how Russian writes a month short (GOST R 7.0.12: May, June and July are not shortened)
MONTHS_SHORT = "янв. февр. мар. апр. мая июня июля авг. сент. окт. нояб. дек.".split()
ROMAN = "I II III IV V VI VII VIII IX X XI XII".split()


# what pydantic strips from a field: Unicode's White_Space, which (unlike str.isspace) leaves out U+001C..U+001F
WHITE_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in "\x1c\x1d\x1e\x1f")


def text_of(date: datetime.date, precision: Precision) -> str:
    return date.isoformat()[: {Precision.YEAR: 4, Precision.MONTH: 7, Precision.DAY: 10}[precision]]


@pytest.fixture(scope="module")
def dates_parser() -> Parser:
    return Parser(date_grammar())


# -- dates ----------------------------------------------------------------------------------------


@PROPERTY
@given(st.text(max_size=16) | st.from_regex(r"\A\s?[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?\s?\Z"))
@example("2023-02-29").via("an impossible day")
@example("2024-02-29").via("a leap day")
@example("\u0662\u0660\u0662\u0663").via("Arabic-Indic digits")
def test_a_date_is_read_exactly_when_it_is_yyyy_mm_dd_at_some_precision(text: str) -> None:
    try:
        date = Date.parse(text)
    except ValidationError:
        assert not real_date(text.strip(WHITE_SPACE))
        return
    assert real_date(date.text) and date.text == text.strip(WHITE_SPACE)
    assert date.precision == (Precision.YEAR, Precision.MONTH, Precision.DAY)[date.text.count("-")]


def real_date(text: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD in ASCII digits, naming a month and a day that exist."""
    if not ISO_DATE.fullmatch(text) or not text.isascii():
        return False
    parts = [int(part) for part in text.split("-")]
    try:
        datetime.date(max(parts[0], 1), *[*parts[1:], 1, 1][:2])
    except ValueError:
        return False
    return True


@PROPERTY
@given(DATES, PRECISIONS)
def test_a_date_keeps_its_precision_and_round_trips(day: datetime.date, precision: Precision) -> None:
    date = Date.parse(text_of(day, precision))
    assert date.precision is precision
    assert Date.parse(str(date)) == date
    literal = date_literal(date)
    assert str(literal) == date.text
    assert literal.datatype == {Precision.YEAR: XSD.gYear, Precision.MONTH: XSD.gYearMonth,
                                Precision.DAY: XSD.date}[precision]  # fmt: skip
    assert literal.ill_typed is not True
    if precision is Precision.DAY:
        assert literal.toPython() == day


@PROPERTY
@given(DATES, PRECISIONS, st.sampled_from(["", "Делегация прибыла в Казань. ", "Казань, "]), st.integers(0, 8))
@example(datetime.date(2100, 1, 1), Precision.YEAR, "", 0).via("В 2100 году, a year past 2099")
@example(datetime.date(2023, 10, 16), Precision.DAY, "", 8).via("«16.10.23», a two-digit year")
@example(datetime.date(1998, 10, 16), Precision.DAY, "", 8).via("«16.10.98», a two-digit year of the last century")
def test_a_date_written_as_the_pages_write_it_is_found_at_its_precision(
    dates_parser: Parser, day: datetime.date, precision: Precision, before: str, form: int
) -> None:
    text = text_of(day, precision)
    genitive = MONTHS_GENITIVE[day.month - 1]
    written = {
        Precision.DAY: [date_phrase(Date.parse(text)), f"{day.day} {genitive} {day.year} года",
                        f"{day.day:02d}.{day.month:02d}.{day.year}", f"с {day.day} {genitive} {day.year} г.",
                        f"{day.day}.{ROMAN[day.month - 1]}.{day.year}", f"{day.day}-го {genitive} {day.year} г.",
                        f"{day.year} г., {day.day} {genitive}",
                        f"{day.day} {MONTHS_SHORT[day.month - 1]} {day.year} г."]
                       # a two-digit year stands for 1969-2068 only
                       + [f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}"] * (1969 <= day.year <= 2068),
        Precision.MONTH: [date_phrase(Date.parse(text)), f"в {MONTHS_PREPOSITIONAL[day.month - 1]} {day.year} года",
                          f"в {MONTHS_PREPOSITIONAL[day.month - 1]} {day.year}-го"],
        Precision.YEAR: [date_phrase(Date.parse(text)), f"в {day.year} г.", f"({day.year} г.)",
                         f"летом {day.year} года", f"весной {day.year}-го", f"в I квартале {day.year} года",
                         f"во втором полугодии {day.year} г."],
    }[precision]  # fmt: skip
    sentence = before + written[form % len(written)] + " состоялась встреча."
    (found,) = find_dates(dates_parser, sentence)
    assert found.resolved(None) == (text, None), sentence


@PROPERTY
@given(DATES, st.integers(1, 60), st.booleans(), st.booleans())
@example(datetime.date(2019, 12, 28), 6, False, False).via("«28 декабря - 3 января 2020 года»")
@example(datetime.date(2019, 12, 28), 6, True, True).via("«с 28 декабря 2019 года по 3 января 2020 года»")
def test_a_range_is_found_with_both_ends_also_across_a_new_year(dates_parser: Parser, start: datetime.date,
                                                                days: int, with_from: bool,
                                                                both_years: bool) -> None:  # fmt: skip
    end = start + datetime.timedelta(days=days)
    first = f"{start.day} {MONTHS_GENITIVE[start.month - 1]}" if start.month != end.month else f"{start.day}"
    if both_years and start.month != end.month:
        first += f" {start.year} года"
    sentence = (f"с {first} по " if with_from else f"{first} - ") + f"{end.day} {MONTHS_GENITIVE[end.month - 1]} " \
               f"{end.year} года"  # fmt: skip
    (found,) = find_dates(dates_parser, sentence)
    assert found.resolved(None) == (start.isoformat(), end.isoformat()), sentence


@pytest.mark.parametrize(("text", "year", "expected"), [
    ("с 28 декабря по 3 января 2020 г.", None, ("2019-12-28", "2020-01-03")),
    ("в декабре-январе 2020 года", None, ("2019-12", "2020-01")),
    ("с 28 декабря по 3 января", 2020, ("2019-12-28", "2020-01-03")),
    ("с 30 июня по 2 июня 2020 года", None, ("2020-06-30", None)),
    ("с 28 декабря 2020 года по 3 января 2019 года", None, ("2020-12-28", None)),
    ("2018-2002 гг.", None, ("2018", None)),
])  # fmt: skip
def test_a_range_never_ends_before_it_starts(dates_parser: Parser, text: str, year: int | None,
                                             expected: tuple[str, str | None]) -> None:  # fmt: skip
    (found,) = find_dates(dates_parser, text)
    assert found.resolved(year) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("21–23.09.2022", ("2022-09-21", "2022-09-23")),
    ("с 5-го по 9-е июня 2023 г.", ("2023-06-05", "2023-06-09")),
    ("17 и 18 мая 2023 года", ("2023-05-17", "2023-05-18")),
    ("5 и 9 мая 2023 года", ("2023-05-05", None)),  # two dates, not a span: the first dates the happening
    ("В 2020/2021 учебном году", ("2020", "2021")),
    ("2019/2021", ("2019", None)),
    ("30.12.2023 – 02.01.2024", ("2023-12-30", "2024-01-02")),
    ("29.09–02.10.2019", ("2019-09-29", "2019-10-02")),
    ("В 2025/26 учебном году", ("2025", "2026")),
    ("В 2025/27 учебных годах", ("2025", None)),
    ("В декабре 2023 – январе 2024 г.", ("2023-12", "2024-01")),
    ("с ноября 2019 по март 2020 года", ("2019-11", "2020-03")),
])  # fmt: skip
def test_days_and_years_written_together_are_a_span_when_they_follow_each_other(
    dates_parser: Parser, text: str, expected: tuple[str, str | None]
) -> None:
    (found,) = find_dates(dates_parser, text + " состоялась встреча.")
    assert found.resolved(None) == expected


def test_a_day_its_month_lacks_is_no_date_and_29_february_keeps_its_month_in_other_years(
    dates_parser: Parser,
) -> None:
    assert find_dates(dates_parser, "30 февраля 2023 года и 31.04.2021 состоялись встречи.") == []
    (leap,) = find_dates(dates_parser, "29 февраля состоялась встреча.")
    assert leap.resolved(2024) == ("2024-02-29", None) and leap.resolved(2023) == ("2023-02", None)


@PROPERTY
@given(st.text(max_size=120) | st.lists(st.sampled_from(DATE_WORDS), max_size=14).map(" ".join),
       st.integers(1000, 2099))  # fmt: skip
def test_dates_found_in_any_text_are_spans_of_it_at_a_precision(dates_parser: Parser, text: str, year: int) -> None:
    found = find_dates(dates_parser, text)
    assert [m.start for m in found] == sorted(m.start for m in found)
    for mention in found:
        assert text[mention.start : mention.stop] == mention.text and mention.text
        resolved = mention.resolved(year)
        assert resolved is not None  # a mention without a year takes the paragraph's
        start, end = resolved
        if end is not None:
            Date.parse(end)
            assert start < end, (text, mention)
        elif not (mention.year2 or mention.month2 or mention.day2):
            given_as = Precision.DAY if mention.day else Precision.MONTH if mention.month else Precision.YEAR
            assert Date.parse(start).precision is given_as, (text, mention)


# -- numbers --------------------------------------------------------------------------------------


@PROPERTY
@given(st.text(max_size=24) | st.text(st.sampled_from("0123456789 ,.\u00a0-+e"), max_size=24))
def test_a_number_that_is_not_one_raises_value_error_and_nothing_else(text: str) -> None:
    try:
        value = parse_number(text)
    except ValueError:
        return
    assert isinstance(value, float)


def grouped(number: int, separator: str) -> str:
    """A whole number with its thousands grouped: ``9 465 881``."""
    return f"{number:,}".replace(",", separator)


@PROPERTY
@given(st.integers(0, 10**12), st.integers(0, 99), st.sampled_from([" ", "\u00a0", "\u2009", "\u202f", ",", "."]))
@example(1_234_567, 25, ".").via("«1.234.567» and «1.234.567,25»")
def test_numbers_round_trip_as_the_pages_write_them(whole: int, cents: int, separator: str) -> None:
    if separator != "." or whole >= 10**6:  # «1.234» alone is a decimal, see below
        assert parse_number(grouped(whole, separator)) == whole
    if separator != ",":
        assert parse_number(f"{grouped(whole, separator)},{cents:02d}") == float(f"{whole}.{cents:02d}")
    assert parse_number(f"{grouped(whole, ',')}.{cents:02d}") == float(f"{whole}.{cents:02d}")


@PROPERTY
@given(st.integers(0, 999), st.text(st.sampled_from("0123456789"), min_size=1, max_size=4))
@example(1, "5").via("«1.5»")
@example(1, "234").via("«1.234», one dot: a decimal, not a thousand")
def test_one_dot_between_digits_is_a_decimal_point(whole: int, fraction: str) -> None:
    assert parse_number(f"{whole}.{fraction}") == float(f"{whole}.{fraction}")


@pytest.mark.parametrize(("text", "expected"), [("1.234.567", 1_234_567.0), ("11.434,25", 11_434.25),
                                                ("1.234.56", None), ("1.2345.678", None)])  # fmt: skip
def test_dots_group_thousands_only_in_groups_of_three(text: str, expected: float | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            parse_number(text)
    else:
        assert parse_number(text) == expected
        found = measure(Field("population", f"{text} чел. (2020 г.)", f"Население: {text} чел. (2020 г.)"))
        assert found is not None and (found.value, found.year) == (expected, 2020)


@PROPERTY
@given(st.integers(1, 10**7), st.sampled_from(["", " тыс.", " млн", " млрд"]), st.integers(1000, 2099) | st.none(),
       st.sampled_from([" ", "\u00a0"]))  # fmt: skip
def test_a_measure_keeps_its_number_and_year(number: int, multiplier: str, year: int | None, separator: str) -> None:
    note = f" ({year} г.)" if year else ""
    value = f"{grouped(number, separator)}{multiplier} чел.{note}"
    found = measure(Field("population", value, f"Население: {value}"))
    assert found is not None
    scale = {"": 1, " тыс.": 1_000, " млн": 1_000_000, " млрд": 1_000_000_000}[multiplier]
    assert (found.value, found.year) == (round(number * scale, 2), year)


@PROPERTY
@given(st.floats(min_value=1e-6, max_value=1e15, allow_nan=False, allow_infinity=False))
def test_a_decimal_literal_round_trips_its_float(value: float) -> None:
    literal = decimal_literal(value)
    assert re.fullmatch(r"[0-9]+\.[0-9]+", str(literal)), str(literal)  # xsd:decimal, no exponent
    assert float(str(literal)) == value and literal.ill_typed is not True


def to_roman(number: int) -> str:
    numerals = [(100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, numeral in numerals:
        while number >= value:
            out, number = out + numeral, number - value
    return out


@PROPERTY
@given(st.integers(1, 399))
def test_roman_numerals_round_trip(number: int) -> None:
    assert roman(to_roman(number)) == number


# -- names ----------------------------------------------------------------------------------------


@PROPERTY
@given(st.text(max_size=40))
def test_names_normalise_idempotently(name: str) -> None:
    for normal in (normalise_space, normalise_name, normalise):
        assert normal(normal(name)) == normal(name)
    slug = slugify(name)
    assert slugify(slug) == slug and re.fullmatch(SLUG, slug)


@PROPERTY
@given(st.lists(RUSSIAN, min_size=1, max_size=4), st.lists(st.sampled_from([" ", "  ", "\t", "\n"]), min_size=5,
                                                           max_size=5))  # fmt: skip
def test_a_name_is_compared_regardless_of_case_yo_and_spacing(words: list[str], gaps: list[str]) -> None:
    name = " ".join(words)
    respelt = gaps[0] + "".join(w.upper().replace("Е", "Ё") + g for w, g in zip(words, [*gaps[1:], ""], strict=False))
    assert normalise_name(respelt) == normalise_name(name) == normalise_name(name).strip()
    assert normalise(respelt) == normalise(name)
    assert near_match(respelt, ["Казань", name]) == name or normalise_name(name) == "казань"
    if re.search("[^ъьЪЬ ]", name):  # a name of hard and soft signs alone has no letters to slug
        assert slugify(name.upper()) == slugify(name)


# -- the records loader ---------------------------------------------------------------------------

YAML_BITS = [b"city:", b"  id: x", b"- ", b"  - quote: a", b"&a ", b"*a", b"{", b"}", b"[", b"]", b"\t", b'"', b"'",
             b": ", b"#", b"\n", b"source: kzn-partner-cities-page4", b"\xff", b"\x00", b"---", b"...",
             b"!!python/object:os.system", b"? ", b"|", b">", b"%YAML 1.1", b"\xef\xbb\xbf", b"\r\n", b"\r",
             b"\xe2\x80\xa8", b"\x85", b"2023-05-25", b"events:", b"  - start: 2023"]  # fmt: skip


@pytest.fixture(scope="module")
def records_case(settings: Settings) -> Iterator[tuple[Path, dict[str, Source], bytes]]:
    """Where a records file is written, the real source pages, and a real records file's bytes."""
    sources = load_sources(settings.sources_dir)
    real = (settings.records_dir / "tehran.yaml").read_bytes()
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory) / "case.yaml", dict(sources), real


@st.composite
def mutated(draw: st.DrawFn, real: bytes) -> bytes:
    """A real records file with a few slices replaced by random or YAML-significant bytes."""
    data = bytearray(real)
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        stop = draw(st.integers(start, min(len(data), start + 40)))
        data[start:stop] = draw(st.binary(max_size=8) | st.sampled_from(YAML_BITS))
    return bytes(data)


def line_count(data: bytes) -> int:
    """The most lines the bytes could be counted as: YAML breaks lines at CR, LF, NEL, LS and PS too."""
    text = data.decode("utf-8", errors="replace")
    return max(data.count(b"\n"), len(re.findall("\r\n|\r|\n|\x85|\u2028|\u2029", text))) + 1


@PROPERTY
@given(st.data())
def test_the_records_loader_reports_any_bytes_as_problems_with_file_and_line(
    records_case: tuple[Path, dict[str, Source], bytes], data: st.DataObject
) -> None:
    path, sources, real = records_case
    raw = data.draw(st.binary(max_size=300) | st.lists(st.sampled_from(YAML_BITS), max_size=40).map(b"".join)
                    | mutated(real) | st.just(b"start: 2023-02-31\n"), label="bytes")  # fmt: skip
    path.write_bytes(raw)
    city_file, _, problems = read_file(path, sources, 2025)
    for problem in problems:
        assert problem.file == str(path), problem
        assert problem.line is not None and 1 <= problem.line <= line_count(raw), problem
        assert problem.rule and problem.message
    assert city_file is not None or any(p.severity is Severity.ERROR for p in problems)
