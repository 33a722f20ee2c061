"""The rename probe: a page and its gold records with every name renamed score as the original does.

Each proper name word of the gold records (cities, countries, persons, organizations, participants) is
given an invented stem: the second and third letters of its stem are swapped for others of the same
kind (consonant for consonant, vowel for vowel; the first is kept, so initials still match), so
«Энск», «Энска», «Энском», «энский» all become forms of one new word with the same endings, and the
dictionary no longer knows it. The same renaming is applied to the page and to the records (names,
quotes, notes), in a temporary directory.

Places that pymorphy3's dictionary knows as places (Geox), and their adjectives, are kept: the extractor
may know them from that library. Everything else (persons, invented cities and countries, the proper
words of organizations) is renamed. An extractor that keys on the names it was shown would lose on the
renamed page; one that keys on the page's formats and on common words scores the same, within
TOLERANCE for the paradigms pymorphy3 guesses for unknown words, and exactly the same header facts.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from twingraph.extract import Models, load_models
from twingraph.extract.run import extract_file, gold_records
from twingraph.extract.score import GroupScore, compare
from twingraph.records import parse_city_file

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "kazan": (ROOT / "data" / "sources" / "kzn-partner-cities-page4.txt", ROOT / "data" / "records"),
    "fictional": (
        ROOT / "tests" / "fixtures" / "extract" / "sources" / "fictional-partner-cities.txt",
        ROOT / "tests" / "fixtures" / "extract" / "records",
    ),
    "blind": (
        ROOT / "tests" / "fixtures" / "extract" / "blind" / "sources" / "blind-partner-cities.txt",
        ROOT / "tests" / "fixtures" / "extract" / "blind" / "records",
    ),
}
VOWELS = "АОУЭИЕЯЮ"
CONSONANTS = "БВГДЗКЛМНПРСТФХЦЧШ"
ENDING = "аеёиийоуыьэюя"
# pymorphy3 guesses an unknown word's paradigm from its letters, and an invented name is unknown where
# the original may have been in the dictionary («Басава»): a guess may change one or two keys of a group
TOLERANCE = 0.05
WORD = re.compile(r"[А-ЯЁ][а-яё]{3,}")


@pytest.fixture(scope="module")
def models() -> Models:
    return load_models()


def _shift(letter: str, step: int) -> str:
    for alphabet in (VOWELS, CONSONANTS, VOWELS.lower(), CONSONANTS.lower()):
        if letter in alphabet:
            return alphabet[(alphabet.index(letter) + step) % len(alphabet)]
    return letter


def proper_words(records: Path, source: str, models: Models) -> set[str]:
    """The capitalised words of every name in a page's gold records that are not common words."""
    names: set[str] = set()
    for city_file in gold_records(records, source):
        names |= {city_file.city.name, city_file.city.country, *(p.name for p in city_file.persons)}
        names |= {o.name for o in city_file.organizations}
        for event in city_file.events:
            names |= {p.name for p in event.participants if p.name}
    words = {w for name in names for w in WORD.findall(name)}
    geography = {w.rstrip(ENDING) for w in words if _in_geography(w, models)}
    # a known place's adjective («Энский» of «Энск») goes with the place
    return {w for w in words if not _common(w, models) and not any(w.startswith(g) for g in geography)}


def _common(word: str, models: Models) -> bool:
    best = models.morph.parse(word.lower())[0]
    names = {"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"}
    return bool(best.is_known and not names & best.tag.grammemes)


def _in_geography(word: str, models: Models) -> bool:
    """A place pymorphy3's dictionary knows as one (Geox): knowledge of a library, which the extractor may use."""
    return any("Geox" in p.tag and p.is_known for p in models.morph.parse(word))


def renaming(words: set[str]) -> dict[str, str]:
    """Each word's stem (the word without a final vowel, «ь» or «й») mapped to an invented stem."""
    stems = {w.rstrip(ENDING) if len(w.rstrip(ENDING)) >= 3 else w for w in words}
    mapping = {s: s[0] + _shift(s[1], 5) + _shift(s[2], 7) + s[3:] for s in stems}
    assert len(set(mapping.values())) == len(mapping), "two names were given one invented stem"
    assert not set(mapping.values()) & set(mapping), "an invented stem is another name's stem"
    return mapping


def rename(text: str, mapping: dict[str, str]) -> str:
    """The text with every form of every stem (and its lower-case adjectives, «харбинский») renamed."""
    stems = "|".join(sorted(mapping, key=len, reverse=True))
    text = re.sub(rf"(?<![А-Яа-яЁё])({stems})(?=[а-яё]{{0,3}}(?![а-яё])|[йь]?ск[а-яё]+)", lambda m: mapping[m[1]], text)
    lowered = {stem.lower(): new.lower() for stem, new in mapping.items()}
    adjectives = "|".join(sorted(lowered, key=len, reverse=True))
    return re.sub(rf"(?<![А-Яа-яЁё])({adjectives})(?=[йь]?ск[а-яё]+)", lambda m: lowered[m[1]], text)


def scores(page: Path, records: Path, models: Models) -> dict[str, GroupScore]:
    read, extraction = extract_file(page, models)
    gold = gold_records(records, read.id)
    return {s.group: s for s in compare(gold, [f for _, f in extraction.files], read.text, models.morph)}


def renamed_copy(page: Path, records: Path, mapping: dict[str, str], into: Path) -> tuple[Path, Path]:
    (into / "sources").mkdir()
    (into / "records").mkdir()
    copy = into / "sources" / page.name
    copy.write_text(rename(page.read_text(encoding="utf-8"), mapping), encoding="utf-8")
    if page.with_suffix(".yaml").exists():
        shutil.copy(page.with_suffix(".yaml"), copy.with_suffix(".yaml"))
    for path in records.glob("*.yaml"):
        text = rename(path.read_text(encoding="utf-8"), mapping)
        parse_city_file(text, path.name)  # the renamed records are still records
        (into / "records" / path.name).write_text(text, encoding="utf-8")
    return copy, into / "records"


@pytest.mark.parametrize("page_name", sorted(PAGES))
def test_renamed_page_scores_as_the_original(page_name: str, models: Models, tmp_path: Path) -> None:
    page, records = PAGES[page_name]
    read, _ = extract_file(page, models)
    words = proper_words(records, read.id, models)
    mapping = renaming(words)
    page_copy, records_copy = renamed_copy(page, records, mapping, tmp_path)
    renamed_text = page_copy.read_text(encoding="utf-8")
    assert not [w for w in words if re.search(rf"(?<![А-Яа-яЁё]){w}(?![а-яё])", renamed_text)], "a name was left"

    before, after = scores(page, records, models), scores(page_copy, records_copy, models)
    assert set(before) == set(after)
    moved = {g: round(after[g].f1 - before[g].f1, 3) for g in before if g != "header"}
    assert all(abs(d) <= TOLERANCE for d in moved.values()), moved
    assert (after["header"].missing, after["header"].extra) == tuple(
        tuple(rename(k, mapping) for k in keys) for keys in (before["header"].missing, before["header"].extra)
    )


def test_the_probe_renames_what_the_extractor_could_key_on(models: Models) -> None:
    page, records = PAGES["kazan"]
    read, _ = extract_file(page, models)
    mapping = renaming(proper_words(records, read.id, models))
    stem = next(s for s in sorted(mapping) if len(s) >= 5)
    new = mapping[stem]
    assert new != stem and new[0] == stem[0]
    renamed = rename(f"у г.{stem}а, в {stem}ском совете; {stem} и {stem.lower()}ский", mapping)
    assert renamed == f"у г.{new}а, в {new}ском совете; {new} и {new.lower()}ский"
