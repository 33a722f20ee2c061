"""Read and check the records files; every error names file:line: field."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from twingraph.errors import TwingraphError
from twingraph.model import CityFile, Dataset, Source

Location = tuple[str | int, ...]


class RecordsError(TwingraphError):
    """Records that cannot be built; ``problems`` holds one line per fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join([*problems, f"{len(problems)} problem(s) in the records; nothing was built."]))


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace to one space.

    >>> normalise_space(" a\\n  b ")
    'a b'
    """
    return re.sub(r"\s+", " ", text).strip()


def _node_lines(node: yaml.Node, path: Location = ()) -> Iterator[tuple[Location, int]]:
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield (*path, key.value), key.start_mark.line + 1
            yield from _node_lines(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _node_lines(item, (*path, index))


# libyaml's loader when PyYAML has it: the same nodes and marks for valid YAML, about eight
# times faster; its errors point elsewhere, so a file that fails is read again by PyYAML's own
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str, loader_class: Any) -> tuple[Any, yaml.Node | None]:
    """The data of a YAML text and its root node; raises yaml.YAMLError."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def parse_yaml(text: str, name: str) -> tuple[Any, dict[Location, int]]:
    """Parse YAML text, returning the data and the line of every path in it."""
    try:
        data, node = compose(text, FAST_LOADER)
    except yaml.YAMLError:
        try:
            data, node = compose(text, yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 0
            raise RecordsError([f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    lines = dict(_node_lines(node)) if node is not None else {}
    return data, lines


def line_of(lines: dict[Location, int], loc: Location) -> int:
    """The line of the deepest known part of ``loc``."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _field(loc: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def parse_city_file(text: str, name: str) -> CityFile:
    """Validate one records file against the schema."""
    return validate_city_file(*parse_yaml(text, name), name)


def validate_city_file(data: Any, lines: dict[Location, int], name: str) -> CityFile:
    """Validate parsed records data; errors name the line of the field."""
    if not isinstance(data, dict):
        raise RecordsError([f"{name}:1: (file): a records file is a mapping with 'source' and 'city'"])
    try:
        return CityFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(part for part in err["loc"] if not isinstance(part, str) or not part.startswith("function-"))
            problems.append(f"{name}:{line_of(lines, loc)}: {_field(loc)}: {err['msg']}")
        raise RecordsError(problems) from exc


def read_source(txt: Path) -> Source:
    """Read a source page and its sidecar, checking the page's sha256."""
    sidecar = txt.with_suffix(".yaml")
    if not sidecar.exists():
        raise TwingraphError(
            f"{sidecar}: missing: every page in data/sources needs a sidecar with url, retrieved, sha256"
        )
    meta, _ = parse_yaml(sidecar.read_text(encoding="utf-8"), str(sidecar))
    raw = txt.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if meta.get("sha256") != digest:
        raise TwingraphError(f"{sidecar}: sha256 does not match {txt.name} ({digest}); the page changed, review it")
    try:
        return Source(text=raw.decode("utf-8"), **{k: str(v) for k, v in meta.items()})
    except ValidationError as exc:
        raise TwingraphError(f"{sidecar}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc


def missing_quotes(city_file: CityFile, lines: dict[Location, int], page: str, name: str) -> list[str]:
    """Problems for every ``quote`` in the file that is not on its page."""
    flat = normalise_space(page)
    dumped = city_file.model_dump(mode="python")
    return [
        f"{name}:{line_of(lines, loc)}: {_field(loc)}: quote not found on page {city_file.source!r}: {value[:60]!r}"
        for loc, value in _quotes(dumped)
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


def load_file(path: Path, sources: dict[str, Source]) -> CityFile:
    """Parse one file and check its quotes against its source page."""
    text = path.read_text(encoding="utf-8")
    data, lines = parse_yaml(text, str(path))
    city_file = validate_city_file(data, lines, str(path))
    source = sources.get(city_file.source)
    if source is None:
        raise RecordsError(
            [f"{path}:{line_of(lines, ('source',))}: source: no page {city_file.source!r} in data/sources"]
        )
    problems = missing_quotes(city_file, lines, source.text, str(path))
    if problems:
        raise RecordsError(problems)
    return city_file


def load_sources(directory: Path) -> dict[str, Source]:
    """Every ``*.txt`` page of a sources directory, by id."""
    return {src.id: src for src in (read_source(p) for p in sorted(directory.glob("*.txt")))}


def load_dataset(records_dir: Path, sources_dir: Path) -> Dataset:
    """Load and cross-check every records file; all problems are reported at once.

    Raises:
        RecordsError: a file is malformed, a quote is not on its page, or the
            files contradict each other.
    """
    sources = load_sources(sources_dir)
    paths = sorted(records_dir.glob("*.yaml"))
    if not paths:
        raise TwingraphError(f"{records_dir}: no records files (*.yaml); run 'twingraph extract PAGE -o {records_dir}'")
    files, problems = [], []
    for path in paths:
        try:
            files.append((path.name, load_file(path, sources)))
        except RecordsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RecordsError(problems)
    dataset = Dataset(sources=tuple(sources.values()), files=tuple(files))
    problems = cross_check(dataset)
    if problems:
        raise RecordsError(problems)
    return dataset


def cross_check(dataset: Dataset) -> list[str]:
    """Contradictions between files: duplicate ids, unknown references."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for name, city_file in dataset.files:
        for kind, ident in _identifiers(city_file):
            key = f"{kind} {ident}"
            if key in seen:
                problems.append(f"{name}: {kind} id {ident!r} is already used in {seen[key]}")
            seen.setdefault(key, name)
    events = {e.id for e in dataset.events}
    for name, city_file in dataset.files:
        problems.extend(
            f"{name}: events.{e.id}.part_of: no event with id {e.part_of!r}"
            for e in city_file.events
            if e.part_of and e.part_of not in events
        )
    problems.extend(_alias_clashes(dataset))
    return problems


def _identifiers(city_file: CityFile) -> Iterator[tuple[str, str]]:
    yield "city", city_file.city.id
    yield from (("agreement", a.id) for a in city_file.agreements)
    yield from (("event", e.id) for e in city_file.events)


def _alias_clashes(dataset: Dataset) -> list[str]:
    owner: dict[str, str] = {}
    problems = []
    for org in dataset.organizations:
        for alias in (org.name, org.abbreviation, *org.also_written):
            if alias and owner.setdefault(alias, org.name) != org.name:
                problems.append(f"organization alias {alias!r} names both {owner[alias]!r} and {org.name!r}")
    return problems


def check_files(records_dir: Path, sources_dir: Path, paths: list[Path]) -> list[str]:
    """Problems of the named records files (all files when none are named), checked with the whole set."""
    try:
        sources = load_sources(sources_dir)
        for path in paths:
            load_file(path, sources)
        load_dataset(records_dir, sources_dir)
    except RecordsError as exc:
        return [p for p in exc.problems if not paths or any(path.name in p for path in paths)]
    except TwingraphError as exc:
        return [str(exc)]
    return []
