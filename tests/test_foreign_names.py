"""Foreign names after a post, from a licensed list no page of the project gave: how many the extractor finds.

The names are ``tests/fixtures/extract/names/foreign-names.tsv``, written by
``scripts/foreign_names.py`` from Faker's Chinese and Japanese name lists (MIT licence),
put into Cyrillic by the Palladius and Polivanov systems. Each goes into sentences
where it follows a post, in the nominative and after a post in the instrumental; the
cities are invented. The README quotes the share found (``found_share``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from twingraph.extract.models import Models, load_models
from twingraph.extract.people import find_mentions

ROOT = Path(__file__).parents[1]
NAMES = ROOT / "tests" / "fixtures" / "extract" / "names" / "foreign-names.tsv"
FIRST_RUN = NAMES.with_name("first-run.tsv")
PLACES = {"тайхэ", "синьлин", "китаура"}
# (the post as a sentence's subject, the same post after «встретился с»)
POSTS = [
    ("Мэр г.Тайхэ", "мэром г.Тайхэ"),
    ("Заместитель мэра г.Синьлин", "заместителем мэра г.Синьлин"),
    ("Вице-мэр г.Китаура", "вице-мэром г.Китаура"),
    ("Генеральный консул в г.Тайхэ", "генеральным консулом в г.Тайхэ"),
    ("Председатель городского собрания г.Синьлин", "председателем городского собрания г.Синьлин"),
]
FLOOR = 0.95  # the share found that the test holds


def foreign_names() -> list[tuple[str, str]]:
    """(language, name in Cyrillic) of the evaluation list."""
    rows = [line.split("\t") for line in NAMES.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [(language, cyrillic) for language, _, cyrillic in rows]


def declines(name: str) -> bool:
    """Whether Russian would decline the name in the instrumental (a Japanese given name in -а/-я does)."""
    return bool(re.search(r"[ая]\b", name.split()[0]))


def sentences(name: str) -> list[str]:
    out = [f"{subject} {name} посетил выставку." for subject, _ in POSTS]
    if not declines(name):
        out += [f"Мэр встретился с {instrumental} {name}." for _, instrumental in POSTS]
    return out


def found_share(models: Models) -> dict[str, tuple[int, int]]:
    """Per language: the sentences whose one person found is the name as written, and all the sentences."""
    counts: dict[str, tuple[int, int]] = {}
    for language, name in foreign_names():
        for sentence in sentences(name):
            found = [m.name for m in find_mentions(sentence, PLACES, models)]
            hits, total = counts.get(language, (0, 0))
            counts[language] = (hits + (found == [name]), total + 1)
    return counts


@pytest.fixture(scope="module")
def models() -> Models:
    return load_models()


def test_the_list_is_large_and_in_cyrillic() -> None:
    names = foreign_names()
    assert {language for language, _ in names} == {"zh", "ja"}
    assert all(sum(1 for lang, _ in names if lang == language) >= 50 for language in ("zh", "ja"))
    assert all(re.fullmatch(r"[А-ЯЁ][а-яёъ]* [А-ЯЁ][а-яёъ]*", name) for _, name in names)
    counts = {language: sum(1 for lang, _ in names if lang == language) for language in ("zh", "ja")}
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"holds {counts['zh']} Chinese and {counts['ja']} Japanese names" in readme
    assert f"Each follows {len(POSTS)} posts" in readme


def test_a_foreign_name_after_a_post_is_found_in_most_sentences(models: Models) -> None:
    counts = found_share(models)
    for language, (hits, total) in counts.items():
        assert hits / total >= FLOOR, f"{language}: {hits} of {total} sentences"
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    stated = ", ".join(f"{hits:,} of {total:,} ({language})" for language, (hits, total) in sorted(counts.items()))
    assert f"now the extractor finds the name in {stated}" in readme


def test_the_readme_states_the_first_run_on_the_list() -> None:
    rows = [line.split("\t") for line in FIRST_RUN.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    stated = ", ".join(f"{int(hits):,} of {int(total):,} ({language})" for language, hits, total in rows)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"before any change, the extractor found the name in {stated} of these sentences" in readme
