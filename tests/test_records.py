"""The records files: schema, quotes, cross-file checks, and errors naming file:line: field."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from twingraph.cli import main
from twingraph.clock import fixed_clock
from twingraph.config import Settings
from twingraph.records import RecordsError, load_dataset, normalise_space, parse_city_file, read_records

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
    assert len(events) == 128
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


def test_an_alias_bomb_is_refused_at_its_first_anchor() -> None:
    rows = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    rows += [f"{b}: &{b} [" + ", ".join([f"*{a}"] * 9) + "]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    bomb = "\n".join(rows) + "\n"
    assert len(bomb.encode()) < 500  # expanded, 9**9 strings: gigabytes
    with pytest.raises(RecordsError, match=r"t\.yaml:1: YAML anchors and aliases"):  # line 1: before any alias
        parse_city_file(bomb, "t.yaml")


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


def test_a_signing_names_only_agreements_that_exist(project_settings: Settings) -> None:
    """``signs:`` names agreement ids; one that no file has is an error at its line, and nothing is built."""
    path = project_settings.records_dir / "wuhan.yaml"
    text = path.read_text(encoding="utf-8")
    assert "signs: [wuhan-memorandum-of-intent-2025]" in text
    path.write_text(text.replace("signs: [wuhan-memorandum-of-intent-2025]", "signs: [wuhan-memorandum-2099]"),
                    encoding="utf-8")  # fmt: skip
    line = line_with(path, "signs: [wuhan-memorandum-2099]")
    with pytest.raises(RecordsError, match=rf"wuhan\.yaml:{line}: .*no agreement with id 'wuhan-memorandum-2099'"):
        load_dataset(project_settings.records_dir, project_settings.sources_dir)


def test_only_a_signing_signs(project_settings: Settings) -> None:
    path = project_settings.records_dir / "wuhan.yaml"
    text = path.read_text(encoding="utf-8")
    signing = text.index("signs: [wuhan-memorandum-of-intent-2025]")
    start = text.rindex("type: signing", 0, signing)
    path.write_text(text[:start] + "type: meeting" + text[start + len("type: signing"):], encoding="utf-8")
    with pytest.raises(RecordsError, match=r"wuhan\.yaml:\d+: .*only a signing signs agreements"):
        load_dataset(project_settings.records_dir, project_settings.sources_dir)


def test_a_changed_page_is_detected(project_settings: Settings) -> None:
    page = project_settings.sources_dir / "kzn-partner-cities-page4.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="sha256 does not match"):
        load_dataset(project_settings.records_dir, project_settings.sources_dir)


# -- bad input through the real command (issue 13): file:line, exit 1, no traceback, nothing built ----------------


def line_with(path: Path, text: str) -> int:
    """The line of ``path`` (1-based) holding ``text``."""
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def cp1251_file(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "urbino.yaml"
    line = line_with(path, "Урбино")  # the first line with a letter outside ASCII
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1251", errors="replace"))  # no ² in cp1251
    offset = path.read_bytes().index("Урбино".encode("cp1251"))
    return path, line, "file.encoding", f"not UTF-8: byte 0xd3 at byte {offset:,}"


def png_file(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "x.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256)))
    return path, 1, "file.binary", "binary data, not a YAML text"


def deep_file(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "x.yaml"
    path.write_text("source: page\ncity:\n  deep: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    return path, 3, "yaml.too-deep", "nested more than 64 levels deep"


def directory(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "something.yaml"
    path.mkdir()
    return path, None, "file.unreadable", "a directory, not a file"


def nul_byte(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "urbino.yaml"
    line = line_with(path, "role: partner")
    path.write_text(path.read_text(encoding="utf-8").replace("role: partner", "role: part\x00ner"), encoding="utf-8")
    return path, line, "yaml.syntax", "character U+0000 (a NUL byte) is not allowed"


def duplicate_ids(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "urbino2.yaml"  # read after urbino.yaml: the second use is the duplicate
    path.write_text((records / "urbino.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return path, line_with(path, "id: urbino"), "id.duplicate", "city id 'urbino' is already used"


def founded_in_9999(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "urbino.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("year: -300", "year: 9999"), encoding="utf-8")
    return path, line_with(path, "year: 9999"), "founded.future", "founded in the future (year 9999"


def website_not_an_iri(records: Path) -> tuple[Path, int | None, str, str]:
    path = records / "urbino.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('url: "http://www.comune.urbino.ps.it/"', 'url: "http://www.comune.urbino.ps.it/{x}"'),
                    encoding="utf-8")  # fmt: skip
    return path, line_with(path, "{x}"), "iri.invalid", "'http://www.comune.urbino.ps.it/{x}' is not a valid IRI"


Spoil = Callable[[Path], tuple[Path, int | None, str, str]]
BAD_INPUT: list[Spoil] = [cp1251_file, png_file, deep_file, directory, nul_byte, duplicate_ids, founded_in_9999,
                          website_not_an_iri]  # fmt: skip


@pytest.mark.parametrize("spoil", BAD_INPUT, ids=lambda f: f.__name__)
def test_bad_records_files_are_problems_naming_file_and_line(runner: CliRunner, project: Path,
                                                             spoil: Spoil) -> None:  # fmt: skip
    path, line, rule, says = spoil(project / "data" / "records")
    data = ["--data", str(project / "data"), "--dist", str(project / "dist")]
    checked = runner.invoke(main, [*data, "check", "--format", "json"])
    assert checked.exit_code == 1 and isinstance(checked.exception, SystemExit), checked.output
    problems = [p for p in json.loads(checked.stdout)["problems"] if p["rule"] == rule]
    assert [(p["file"], p["line"]) for p in problems][:1] == [(str(path), line)], checked.stdout
    assert says in problems[0]["message"]
    built = runner.invoke(main, [*data, "build"])
    assert built.exit_code == 1 and isinstance(built.exception, SystemExit), built.output
    assert "Traceback" not in built.output and f"{path}{'' if line is None else f':{line}'}: " in built.output
    assert "nothing was built" in built.output
    assert not (project / "dist").exists()


def test_a_duplicate_id_names_both_files_and_lines(runner: CliRunner, project: Path) -> None:
    records = project / "data" / "records"
    copy, line, _, _ = duplicate_ids(records)
    checked = runner.invoke(main, ["--data", str(project / "data"), "check", "--format", "json", str(copy)])
    city = next(p for p in json.loads(checked.stdout)["problems"] if "city id" in p["message"])
    first = records / "urbino.yaml"
    assert (city["file"], city["line"]) == (str(copy), line)
    assert city["also"] == [{"file": str(first), "line": line_with(first, "id: urbino"), "path": "city.id"}]


@pytest.mark.parametrize(("year", "refused"), [(2030, False), (2031, True)])
def test_a_founding_year_after_the_clocks_year_is_refused(project_settings: Settings, year: int,
                                                          refused: bool) -> None:  # fmt: skip
    path = project_settings.records_dir / "urbino.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("year: -300", f"year: {year}"), encoding="utf-8")
    clock = fixed_clock(datetime.datetime(2030, 12, 31, 23, 0, tzinfo=datetime.UTC))
    _, report = read_records(project_settings.records_dir, project_settings.sources_dir, clock)
    future = [(p.file, p.line, p.path) for p in report if p.rule == "founded.future"]
    assert future == ([(str(path), line_with(path, f"year: {year}"), "city.founded.year")] if refused else [])


@pytest.mark.parametrize("value", ["2023-02-31", "2023-04-31", "2023-02-29"])
def test_a_date_that_does_not_exist_is_a_problem_at_its_line(value: str) -> None:
    from twingraph.yamltext import YamlError, read_yaml

    with pytest.raises(YamlError) as refused:
        read_yaml(f"city: x\nevents:\n  - start: {value}\n", "x.yaml")
    (problem,) = refused.value.problems
    assert (problem.rule, problem.file, problem.line) == ("yaml.value", "x.yaml", 3) and value in problem.message
