"""A page file -> extraction, records files, graph or scores: what the CLI's extract and score commands call."""

from __future__ import annotations

import dataclasses
import datetime
import re
from pathlib import Path

from twingraph.extract.models import Models
from twingraph.extract.output import extraction_dataset, page_source, write_records
from twingraph.extract.page import ExtractError, Extraction, extract_page
from twingraph.extract.score import GroupScore, compare
from twingraph.extract.text import PAGE_LIMIT, check_size, page_text
from twingraph.model import CityFile, Dataset, Source
from twingraph.records import parse_city_file, read_text
from twingraph.yamltext import read_yaml


@dataclasses.dataclass(frozen=True)
class Page:
    """A page read from a file: its id (the file's stem), its text, its Source record and the file's bytes."""

    id: str
    text: str
    source: Source
    data: bytes = dataclasses.field(repr=False)


def read_limited(path: Path, limit: int = PAGE_LIMIT) -> bytes:
    """The bytes of a page file, refused before they are read when there are more than ``limit``.

    Raises:
        PageError: the file is larger than the limit, naming the file and the limit.
    """
    check_size(path.stat().st_size, str(path), limit)
    with path.open("rb") as stream:
        data = stream.read(limit + 1)  # a pipe or a growing file has no size to check beforehand
    check_size(len(data), str(path), limit)
    return data


def read_page(path: Path, source_id: str | None = None, limit: int = PAGE_LIMIT) -> Page:
    """Read a page file (text or HTML, any common Cyrillic encoding) with its sidecar if it has one.

    Raises:
        PageError: the file is larger than ``limit`` bytes, empty, binary or undecodable.
    """
    ident = source_id or re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "page"
    data = read_limited(path, limit)
    text = page_text(data, str(path))
    meta = _sidecar(path)
    retrieved = str(meta.get("retrieved") or datetime.date.fromtimestamp(path.stat().st_mtime).isoformat())
    source = page_source(ident, text, str(meta.get("url") or path.resolve().as_uri()), retrieved,
                         str(meta.get("title") or path.stem))  # fmt: skip
    return Page(ident, text, source, data)


def _sidecar(path: Path) -> dict[str, object]:
    """The page's sidecar (``page.yaml`` beside ``page.html``: url, title, retrieved), read as records are.

    Raises:
        YamlError: the sidecar is not YAML, or has an alias, a duplicate key or deep nesting.
        RecordsError: the sidecar is not UTF-8.
    """
    sidecar = path.with_suffix(".yaml")
    if not sidecar.exists() or path.suffix == ".yaml":
        return {}
    data, _ = read_yaml(read_text(sidecar), str(sidecar))
    return data if isinstance(data, dict) else {}


def extract_file(path: Path, models: Models, source_id: str | None = None,
                 limit: int = PAGE_LIMIT) -> tuple[Page, Extraction]:  # fmt: skip
    """Read and extract a page.

    Raises:
        PageError: the page is larger than ``limit`` bytes, empty, binary or undecodable.
        ExtractError: the page yields no event and no agreement.
    """
    page = read_page(path, source_id, limit)
    extraction = extract_page(page.text, page.id, models, str(path))
    if not any(f.events or f.agreements for _, f in extraction.files):
        raise ExtractError(f"{path}: city blocks found but no agreement or event could be extracted; nothing written")
    return page, extraction


def write_extraction(path: Path, output: Path, models: Models, overwrite: bool = False,
                     source_id: str | None = None, limit: int = PAGE_LIMIT) -> list[Path]:  # fmt: skip
    """Extract a page and write its records files into the directory ``output``.

    A page larger than ``limit`` bytes is refused (PageError) before it is read; nothing is written.
    """
    page, extraction = extract_file(path, models, source_id, limit)
    # the quotes are checked against the page's text: a page given as HTML or in another
    # encoding gets its text written beside the records, to go into data/sources/
    converted = page.text != page.data.decode("utf-8", "replace")
    return write_records(extraction, output, overwrite, {f"{page.id}.txt": page.text} if converted else None)


def extract_dataset(path: Path, models: Models, source_id: str | None = None, limit: int = PAGE_LIMIT) -> Dataset:
    """Extract a page into a dataset of its own: its Source record and its records files.

    Raises:
        PageError: the page is larger than ``limit`` bytes, empty, binary or undecodable.
        ExtractError: the page yields no event and no agreement.
    """
    page, extraction = extract_file(path, models, source_id, limit)
    return extraction_dataset(extraction, page.source)


def gold_records(directory: Path, source_id: str) -> list[CityFile]:
    """The curated records of one page: the files in ``directory`` whose source is the page.

    Raises:
        RecordsError: a file cannot be read, is not UTF-8 or does not parse.
        ExtractError: no file's source is the page.
    """
    files = [parse_city_file(read_text(p), str(p)) for p in sorted(directory.glob("*.yaml"))]
    chosen = [f for f in files if f.source == source_id]
    if not chosen:
        raise ExtractError(f"{directory}: no records file has source {source_id!r}; pass --source to name the page")
    return chosen


def score_file(path: Path, records: Path, models: Models, source_id: str | None = None) -> list[GroupScore]:
    """Extract a page and score the extraction against its curated records."""
    page, extraction = extract_file(path, models, source_id)
    gold = gold_records(records, page.id)
    return compare(gold, [f for _, f in extraction.files], page.text, models.morph)
