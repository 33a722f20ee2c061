"""The records files: schema, quotes, cross-file checks, and errors naming file:line: field."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from twingraph.config import Settings
from twingraph.records import RecordsError, load_dataset, normalise_space, parse_city_file

PARTNERS = {"Тегеран", "Урбино", "Ухань", "Харбин", "Хэфэй", "Хеврон", "Хайдерабад", "Хараре", "Ханчжоу", "Цицикар"}


def test_all_ten_partner_cities_are_recorded(settings: Settings) -> None:
    dataset = load_dataset(settings.records_dir, settings.sources_dir)
    partners = {c.name for c in dataset.cities if c.role == "partner"}
    assert partners == PARTNERS
    assert [c.name for c in dataset.cities if c.role == "home"] == ["Казань"]


def test_every_document_line_of_the_page_is_an_agreement(settings: Settings) -> None:
    dataset = load_dataset(settings.records_dir, settings.sources_dir)
    page = dataset.sources[0].text
    document_lines = [line for line in page.splitlines() if line.strip().startswith("Документ:")]
    titles = [a.title for a in dataset.agreements]
    assert len(document_lines) == 10
    for line in document_lines:
        assert any(normalise_space(t) in normalise_space(line) for t in titles), line
    assert len(titles) == 11  # Hangzhou's line holds two documents


def test_every_quote_is_on_the_page(settings: Settings) -> None:
    dataset = load_dataset(settings.records_dir, settings.sources_dir)
    page = normalise_space(dataset.sources[0].text)
    quotes = [e.quote for e in dataset.events] + [a.quote for a in dataset.agreements]
    assert len(quotes) > 80
    assert all(normalise_space(q) in page for q in quotes)


def test_header_facts_keep_their_stated_form(settings: Settings) -> None:
    cities = {c.name: c for c in load_dataset(settings.records_dir, settings.sources_dir).cities}
    tehran = cities["Тегеран"]
    assert tehran.timezone is not None and tehran.timezone.offset == "+03:30"
    assert tehran.founded is not None and tehran.founded.century == 9
    assert tehran.population is not None and (tehran.population.value, tehran.population.year) == (9_700_000, 2025)
    hebron = cities["Хеврон"].founded
    assert hebron is not None and (hebron.year, hebron.approximate) == (-2200, True)
    urbino = cities["Урбино"].founded
    assert urbino is not None and urbino.year == -300
    hefei = cities["Хэфэй"]
    assert hefei.area is not None and (hefei.area.value, hefei.area.year) == (11434.25, None)


def test_events_keep_their_precision_and_ranges(settings: Settings) -> None:
    events = {e.id: e for e in load_dataset(settings.records_dir, settings.sources_dir).events}
    assert len(events) >= 70
    precisions = {e.start.precision.value for e in events.values()}
    assert precisions == {"day", "month", "year"}
    ranged = [e for e in events.values() if e.end is not None]
    assert any(e.start.text == "2025-02-06" and e.end and e.end.text == "2025-02-08" for e in ranged)
    assert any(e.start.text == "2002" and e.end and e.end.text == "2018" for e in ranged)


def test_a_person_written_with_initials_is_one_person(settings: Settings) -> None:
    dataset = load_dataset(settings.records_dir, settings.sources_dir)
    aliases = {alias: p.name for p in dataset.persons for alias in p.also_written}
    assert any("Лодвигов" in alias for alias in aliases)
    orgs = {o.abbreviation: o.name for o in dataset.organizations if o.abbreviation}
    assert orgs["АФМ"] == "Азиатский Форум Мэров"


GOOD = """\
source: page
city:
  id: testville
  name: Тествиль
  country: Тестия
  quote: "Тествиль"
events:
  - id: testville-2020-meeting
    title: Встреча
    type: meeting
    start: "2020-05"
    place: Тествиль
    quote: "Тествиль"
"""


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        (GOOD.replace('start: "2020-05"', 'start: "2020-13"'), ":11: events.0.start"),
        (GOOD.replace("type: meeting", "type: party"), ":10: events.0.type"),
        (GOOD.replace("  id: testville\n", "  id: Test Ville\n"), ":3: city.id"),
        (GOOD.replace("    place: Тествиль\n", "    colour: red\n"), ":12: events.0.colour"),
        (GOOD.replace("    place: Тествиль\n", ""), ":8: events.0"),
        (GOOD.replace("country: Тестия", "country: [Тестия"), ":6: not valid YAML"),
    ],
    ids=["bad-date", "bad-type", "bad-slug", "unknown-field", "no-participant-or-place", "bad-yaml"],
)
def test_a_malformed_file_names_file_line_and_field(broken: str, where: str) -> None:
    with pytest.raises(RecordsError) as caught:
        parse_city_file(broken, "data/records/testville.yaml")
    assert f"data/records/testville.yaml{where}" in str(caught.value)


@pytest.mark.parametrize(
    ("broken", "rule", "line", "says"),
    [
        (GOOD.replace("  country: Тестия\n", "  country: Тестия\n  name: Тест\n"), "yaml.duplicate-key", 6,
         "duplicate key 'name' (first given on line 4)"),
        (GOOD.replace("    type: meeting\n", "    type: meeting\n    type: visit\n"), "yaml.duplicate-key", 11,
         "duplicate key 'type' (first given on line 10)"),
        (GOOD.replace("  country: Тестия", "  country: &c Тестия"), "yaml.alias", 5, "anchors and aliases"),
        (GOOD.replace("source: page", "source: &s page").replace("    place: Тествиль", "    place: *s"),
         "yaml.alias", 1, "anchors and aliases"),
        (GOOD + "deep: " + "[" * 100 + "]" * 100 + "\n", "yaml.too-deep", 14, "nested more than 64 levels"),
    ],
    ids=["duplicate-key", "duplicate-key-in-a-list", "anchor", "alias", "too-deep"],
)  # fmt: skip
def test_yaml_that_would_hide_or_multiply_values_is_refused(broken: str, rule: str, line: int, says: str) -> None:
    with pytest.raises(RecordsError) as caught:
        parse_city_file(broken, "t.yaml")
    (problem,) = caught.value.problems
    assert (problem.rule, problem.file, problem.line) == (rule, "t.yaml", line)
    assert says in problem.message


def test_an_alias_bomb_is_refused_in_well_under_a_second() -> None:
    rows = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    rows += [f"{b}: &{b} [" + ", ".join([f"*{a}"] * 9) + "]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    bomb = "\n".join(rows) + "\n"
    assert len(bomb.encode()) < 500  # expanded, 9**9 strings: gigabytes
    started = time.perf_counter()
    with pytest.raises(RecordsError, match=r"t\.yaml:1: YAML anchors and aliases"):
        parse_city_file(bomb, "t.yaml")
    assert time.perf_counter() - started < 0.1


def test_the_good_example_parses() -> None:
    assert parse_city_file(GOOD, "x.yaml").events[0].start.precision.value == "month"


def write_city(project: Path, name: str, text: str) -> None:
    (project / "data" / "records" / name).write_text(text, encoding="utf-8")


def test_a_quote_not_on_the_page_is_refused(project_settings: Settings) -> None:
    path = project_settings.records_dir / "urbino.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Год основания: 300 до н.э.", "Год основания: 301 до н.э.")
    )
    with pytest.raises(RecordsError, match=r"urbino\.yaml:\d+: city\.founded\.quote: quote not found"):
        load_dataset(project_settings.records_dir, project_settings.sources_dir)


def test_cross_file_contradictions_are_refused(project_settings: Settings) -> None:
    path = project_settings.records_dir / "hebron.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("part_of:", "part_of: no-such-event #"), encoding="utf-8")
    (project_settings.records_dir / "hebron-copy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RecordsError) as caught:
        load_dataset(project_settings.records_dir, project_settings.sources_dir)
    message = str(caught.value)
    assert "city id 'hebron' is already used" in message
    assert "nothing was built" in message


def test_a_changed_page_is_detected(project_settings: Settings) -> None:
    page = project_settings.sources_dir / "kzn-partner-cities-page4.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="sha256 does not match"):
        load_dataset(project_settings.records_dir, project_settings.sources_dir)
