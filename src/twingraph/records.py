"""Read and check the records files; every problem names file:line: field.

Each check yields :class:`~twingraph.problems.Problem` values: the bytes of each
file (readable, UTF-8), its YAML and schema, a founding in the future, a website
that is not an IRI, its quotes against its page, its ``unparsed:`` statements
(warnings), then what the files say together: duplicate ids, unknown ``part_of``,
an organization alias that names two organizations, and a place that is not a
city of the records but is spelt almost like one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pydantic import ValidationError

from twingraph.clock import Clock, system_clock, today
from twingraph.errors import TwingraphError
from twingraph.model import CityFile, Dataset, Location, Source
from twingraph.problems import Problem, ProblemReport, ProblemsError, Severity, Site, error, warning
from twingraph.spelling import near_match, normalise_space, written_on
from twingraph.yamltext import Lines, YamlError, decode_text, read_yaml

Locate = Callable[[str, Location], Site]


class RecordsError(ProblemsError):
    """Records that cannot be built; ``problems`` holds every problem found, each a Problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        errors = sum(p.severity is Severity.ERROR for p in problems)
        super().__init__(problems, f"{errors} error(s) in the records; nothing was built.")


def field_name(loc: Iterable[str | int]) -> str:
    """A field's dotted name.

    >>> field_name(("events", 3, "place"))
    'events.3.place'
    """
    return ".".join(str(part) for part in loc) or "(file)"


def line_of(lines: Mapping[Location, int], loc: Location) -> int:
    """The line of the deepest known part of ``loc``."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


# -- YAML -----------------------------------------------------------------------------------------


def parse_yaml(text: str, name: str) -> tuple[Any, Lines]:
    """Parse YAML text safely (:mod:`twingraph.yamltext`): the data and the line of every field.

    Raises:
        RecordsError: not YAML (``yaml.syntax``), an alias or anchor, a duplicate key, too deep.
    """
    try:
        return read_yaml(text, name)
    except YamlError as exc:
        raise RecordsError(exc.problems) from exc


def read_bytes(path: Path) -> bytes:
    """The bytes of a file; one that cannot be read (a directory, no permission) is a RecordsError naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        message = ("a directory, not a file: its name ends like one; rename it or move it elsewhere" if path.is_dir()
                   else f"cannot be read: {exc.strerror}")  # fmt: skip
        raise RecordsError([error("file.unreadable", message, Site(str(path)))]) from exc


def read_text(path: Path) -> str:
    """The UTF-8 text of a file; raises RecordsError naming the file, and the line of a byte that is not UTF-8."""
    return decode(read_bytes(path), str(path))


def decode(data: bytes, name: str) -> str:
    """UTF-8 bytes as text (:func:`~twingraph.yamltext.decode_text`); raises RecordsError (``file.encoding``...)."""
    try:
        return decode_text(data, name)
    except YamlError as exc:
        raise RecordsError(exc.problems) from exc


def parse_city_file(text: str, name: str) -> CityFile:
    """Validate one records file against the schema; raises RecordsError."""
    return validate_city_file(*parse_yaml(text, name), name)


def validate_city_file(data: Any, lines: Lines, name: str) -> CityFile:
    """Validate parsed records data; errors name the line of the field (rule ``schema``)."""
    if not isinstance(data, dict):
        message = "a records file is a mapping with 'source' and 'city'"
        raise RecordsError([error("schema", message, Site(name, 1, "(file)"))])
    try:
        return CityFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(part for part in err["loc"] if not isinstance(part, str) or not part.startswith("function-"))
            problems.append(error("schema", err["msg"], Site(name, line_of(lines, loc), field_name(loc))))
        raise RecordsError(problems) from exc


def read_source(txt: Path) -> Source:
    """Read a source page and its sidecar, checking the page's sha256; raises RecordsError."""
    sidecar = txt.with_suffix(".yaml")
    if not sidecar.exists():
        message = f"missing: every page in {txt.parent} needs a sidecar with url, retrieved, sha256"
        raise RecordsError([error("source.sidecar", message, Site(str(sidecar)))])
    meta, lines = parse_yaml(read_text(sidecar), str(sidecar))
    raw = read_bytes(txt)
    digest = hashlib.sha256(raw).hexdigest()
    if not isinstance(meta, dict) or meta.get("sha256") != digest:
        message = f"sha256 does not match {txt.name} ({digest}); the page changed, review it"
        raise RecordsError([error("source.sha256", message, Site(str(sidecar), line_of(lines, ("sha256",))))])
    try:
        return Source(text=decode(raw, str(txt)), **{k: str(v) for k, v in meta.items()})
    except ValidationError as exc:
        first = exc.errors()[0]
        site = Site(str(sidecar), None, field_name(first["loc"]))
        raise RecordsError([error("source.sidecar", first["msg"], site)]) from exc


def load_sources(directory: Path) -> dict[str, Source]:
    """Every ``*.txt`` page of a sources directory, by id; raises RecordsError."""
    return {src.id: src for src in (read_source(p) for p in sorted(directory.glob("*.txt")))}


def missing_quotes(city_file: CityFile, lines: Lines, page: str, name: str) -> list[Problem]:
    """Problems for every ``quote`` in the file that is not on its page."""
    flat = normalise_space(page)
    return [
        error(
            "quote.not-on-page",
            f"quote not found on page {city_file.source!r}: {value[:60]!r}",
            Site(name, line_of(lines, loc), field_name(loc)),
        )
        for loc, value in _quotes(city_file.model_dump(mode="python"))
        if normalise_space(value) not in flat
    ]


def _quotes(data: Any, path: Location = ()) -> Iterator[tuple[Location, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "quote" and isinstance(value, str):
                yield (*path, key), value
            else:
                yield from _quotes(value, (*path, key))
    elif isinstance(data, (list, tuple)):
        for index, item in enumerate(data):
            yield from _quotes(item, (*path, index))


def unparsed_warnings(city_file: CityFile, lines: Lines, name: str) -> list[Problem]:
    """A warning for each statement extraction kept under ``unparsed:`` for a reviewer."""
    return [
        warning(
            "unparsed",
            f"not turned into records yet ({item.reason}): {item.quote[:60]!r}",
            Site(name, line_of(lines, ("unparsed", i)), f"unparsed.{i}"),
        )
        for i, item in enumerate(city_file.unparsed)
    ]


def century_of(year: int) -> int:
    """The century a year (AD) falls in.

    >>> century_of(2000), century_of(2001)
    (20, 21)
    """
    return (year - 1) // 100 + 1


def future_founding(city_file: CityFile, lines: Lines, name: str, this_year: int) -> list[Problem]:
    """An error when the city's founding year, or century, comes after ``this_year``."""
    founded = city_file.city.founded
    if founded is None:
        return []
    if founded.year is not None and founded.year > this_year:
        loc: Location = ("city", "founded", "year")
        stated = f"year {founded.year}"
    elif founded.century is not None and founded.century > century_of(this_year):
        loc = ("city", "founded", "century")
        stated = f"century {founded.century}"
    else:
        return []
    message = f"founded in the future ({stated}; this year is {this_year}): fix the date"
    return [error("founded.future", message, Site(name, line_of(lines, loc), field_name(loc)))]


def iri_error(text: str) -> str | None:
    """Why ``text`` is not an absolute IRI (RFC 3987) as the store reads IRIs, or None when it is one.

    >>> iri_error("http://www.comune.urbino.ps.it/") is None
    True
    >>> iri_error("http://example.org/{page}")
    "Invalid IRI code point '{'"
    """
    try:
        ox.NamedNode(text)
    except ValueError as exc:
        return str(exc)
    return None


def invalid_website(city_file: CityFile, lines: Lines, name: str) -> list[Problem]:
    """An error when the city's website would not make an IRI (it is published as one, schema:url)."""
    website = city_file.city.website
    reason = iri_error(website.url) if website else None
    if website is None or reason is None:
        return []
    loc = ("city", "website", "url")
    message = f"{website.url!r} is not a valid IRI ({reason}); percent-encode the character, e.g. a space as %20"
    return [error("iri.invalid", message, Site(name, line_of(lines, loc), field_name(loc)))]


def read_file(path: Path, sources: Mapping[str, Source],
              this_year: int) -> tuple[CityFile | None, Lines, list[Problem]]:  # fmt: skip
    """One records file: its records (None when they do not parse), its lines and its problems.

    Args:
        path: the records file.
        sources: the source pages, by id.
        this_year: the current year: a founding after it is an error.
    """
    name = str(path)
    try:
        data, lines = parse_yaml(read_text(path), name)
        city_file = validate_city_file(data, lines, name)
    except RecordsError as exc:
        return None, {}, list(exc.problems)
    found = [*future_founding(city_file, lines, name, this_year), *invalid_website(city_file, lines, name)]
    source = sources.get(city_file.source)
    if source is None:
        where = Site(name, line_of(lines, ("source",)), "source")
        known = ", ".join(sorted(sources)) or "none"
        message = f"no source page {city_file.source!r}; the source pages are: {known}"
        return city_file, lines, [*found, error("source.unknown", message, where)]
    return city_file, lines, [*found, *missing_quotes(city_file, lines, source.text, name),
                              *unparsed_warnings(city_file, lines, name)]  # fmt: skip


# -- the whole set --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoadedRecords:
    """A dataset with the line of every field of its files, to say where a problem is."""

    dataset: Dataset
    directory: Path
    lines: Mapping[str, Lines]

    def site(self, name: str, loc: Location) -> Site:
        """Where field ``loc`` of the file called ``name`` is."""
        return Site(str(self.directory / name), line_of(self.lines.get(name, {}), loc), field_name(loc))


def read_records(records_dir: Path, sources_dir: Path,
                 clock: Clock = system_clock) -> tuple[LoadedRecords | None, ProblemReport]:  # fmt: skip
    """Every records file, checked alone and then together; the records are None when a file does not parse.

    Args:
        records_dir: the directory of the records files (``*.yaml``).
        sources_dir: the directory of their source pages.
        clock: what time it is, to refuse a founding in the future.

    Raises:
        TwingraphError: there are no records files.
    """
    paths = sorted(records_dir.glob("*.yaml"))
    if not paths:
        raise TwingraphError(f"{records_dir}: no records files (*.yaml); run 'twingraph extract PAGE -o {records_dir}'")
    try:
        sources = load_sources(sources_dir)
    except RecordsError as exc:
        return None, exc.problem_report
    files: list[tuple[str, CityFile]] = []
    lines: dict[str, Lines] = {}
    problems: list[Problem] = []
    this_year = today(clock).year
    for path in paths:
        city_file, file_lines, found = read_file(path, sources, this_year)
        problems.extend(found)
        if city_file is not None:
            files.append((path.name, city_file))
            lines[path.name] = file_lines
    if len(files) < len(paths) or any(p.severity is Severity.ERROR for p in problems):
        return None, ProblemReport(tuple(problems))
    loaded = LoadedRecords(Dataset(sources=tuple(sources.values()), files=tuple(files)), records_dir, lines)
    return loaded, ProblemReport((*problems, *cross_check(loaded.dataset, loaded.site)))


def load_dataset(records_dir: Path, sources_dir: Path) -> Dataset:
    """Load and cross-check every records file; all problems are reported at once.

    Raises:
        RecordsError: a file is malformed, a quote is not on its page, or the
            files contradict each other.
    """
    loaded, report = read_records(records_dir, sources_dir)
    if loaded is None or not report.ok:
        raise RecordsError(report.problems)
    return loaded.dataset


def check_file(path: Path, sources_dir: Path, clock: Clock = system_clock) -> ProblemReport:
    """The problems of one records file checked alone (one outside the records directory)."""
    try:
        sources = load_sources(sources_dir)
    except RecordsError as exc:
        return exc.problem_report
    return ProblemReport(tuple(read_file(path, sources, today(clock).year)[2]))


def _nowhere(name: str, loc: Location) -> Site:
    return Site(name, None, field_name(loc))


def cross_check(dataset: Dataset, locate: Locate = _nowhere) -> list[Problem]:
    """Contradictions between files: duplicate ids, unknown part_of or signs, alias clashes, misspelt places.

    Args:
        dataset: the records of every file.
        locate: where a field of a file is (file path and line); by default the file's name alone.
    """
    problems: list[Problem] = []
    seen: dict[str, Site] = {}
    for name, city_file in dataset.files:
        for kind, ident, loc in _identifiers(city_file):
            site = locate(name, loc)
            first = seen.setdefault(f"{kind} {ident}", site)
            if first is not site:
                problems.append(error("id.duplicate", f"{kind} id {ident!r} is already used", site, first))
    events = {e.id for e in dataset.events}
    agreements = {a.id for _, city_file in dataset.files for a in city_file.agreements}
    for name, city_file in dataset.files:
        problems.extend(
            error("event.unknown-part-of", f"no event with id {e.part_of!r}", locate(name, ("events", i, "part_of")))
            for i, e in enumerate(city_file.events)
            if e.part_of and e.part_of not in events
        )
        problems.extend(
            error("event.unknown-signs", f"no agreement with id {signed!r}", locate(name, ("events", i, "signs", j)))
            for i, e in enumerate(city_file.events)
            for j, signed in enumerate(e.signs)
            if signed not in agreements
        )
    return [*problems, *_alias_clashes(dataset, locate), *near_cities(dataset, locate)]


def _identifiers(city_file: CityFile) -> Iterator[tuple[str, str, Location]]:
    yield "city", city_file.city.id, ("city", "id")
    yield from (("agreement", a.id, ("agreements", i, "id")) for i, a in enumerate(city_file.agreements))
    yield from (("event", e.id, ("events", i, "id")) for i, e in enumerate(city_file.events))


def _aliases(dataset: Dataset) -> Iterator[tuple[str, str, str, Location]]:
    """(alias, organization, file, field) of every name an organization is declared by."""
    for name, city_file in dataset.files:
        for i, org in enumerate(city_file.organizations):
            yield org.name, org.name, name, ("organizations", i, "name")
            if org.abbreviation:
                yield org.abbreviation, org.name, name, ("organizations", i, "abbreviation")
            yield from ((a, org.name, name, ("organizations", i, "also_written", j))
                        for j, a in enumerate(org.also_written))  # fmt: skip


def _alias_clashes(dataset: Dataset, locate: Locate) -> list[Problem]:
    owner: dict[str, tuple[str, Site]] = {}
    problems = []
    for alias, org, name, loc in _aliases(dataset):
        site = locate(name, loc)
        first_org, first_site = owner.setdefault(alias, (org, site))
        if first_org != org:
            message = f"organization alias {alias!r} names both {first_org!r} and {org!r}"
            problems.append(error("alias.clash", message, site, first_site))
    return problems


# -- misspelt places ------------------------------------------------------------------------------


def near_cities(dataset: Dataset, locate: Locate) -> list[Problem]:
    """An error for each place, party, city or delegation spelt almost like a city of the records.

    The cities of the records are those the files declare (their ``city:``). Another
    name that is a near miss of one of them (:func:`near_match`) is taken for a slip
    unless the file's source page writes it as it stands: Гуанчжоу beside Ханчжоу is
    another city, Кзань beside Казань is not.
    """
    declared = tuple(dict.fromkeys(c.name for c in dataset.cities))
    pages = {s.id: s.text for s in dataset.sources}
    files = dict(dataset.files)
    problems = []
    for mention in dataset.mentions():
        if mention.kind != "city" or mention.name in declared:
            continue
        match = near_match(mention.name, declared)
        if match is not None and not written_on(mention.name, pages.get(files[mention.file].source, "")):
            message = (f"{mention.name!r} is not a city of the records nor written on the page: "
                       f"did you mean «{match}»?")  # fmt: skip
            problems.append(error("place.unknown-near-match", message, locate(mention.file, mention.loc)))
    return problems
