"""An extraction -> records files for review (its graph is the build's to make: ``pipeline.write_graph``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from twingraph.extract.page import ExtractError, Extraction
from twingraph.extract.records_out import city_file_yaml
from twingraph.fileio import write_files
from twingraph.model import CityFile, Dataset, Source, Unparsed


def with_review(city_file: CityFile, extraction: Extraction) -> CityFile:
    """The city's file with the statements that gave no records listed under ``unparsed``."""
    kept = [Unparsed(reason=r.reason, quote=r.text) for r in extraction.review if r.city == city_file.city.name]
    return city_file.model_copy(update={"unparsed": (*city_file.unparsed, *kept)}) if kept else city_file


def records_texts(extraction: Extraction) -> dict[str, str]:
    """File name -> YAML text; what gave no records is in each file's ``unparsed`` list."""
    return {name: city_file_yaml(with_review(city_file, extraction)) for name, city_file in extraction.files}


def write_records(
    extraction: Extraction, directory: Path, overwrite: bool = False, extra: dict[str, str] | None = None
) -> list[Path]:
    """Write the records files (and ``extra`` files, name -> text) into ``directory``, all or none.

    Every file is written to a staging directory first and moved in only when all are written.

    Raises:
        ExtractError: a file exists and ``overwrite`` is false; nothing is written.
    """
    texts = {**records_texts(extraction), **(extra or {})}
    clashes = [directory / n for n in texts if (directory / n).exists()]
    if clashes and not overwrite:
        raise ExtractError(
            f"{clashes[0]}: exists; nothing was written. Choose an empty directory or pass --force to replace "
            f"{len(clashes)} file(s)"
        )
    return write_files(directory, {name: text.encode("utf-8") for name, text in texts.items()})


def page_source(source_id: str, text: str, url: str, retrieved: str, title: str) -> Source:
    """The Source record of an extracted page (its text's sha256, as in a sidecar)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Source(id=source_id, url=url, retrieved=retrieved, sha256=digest, title=title, text=text)


def extraction_dataset(extraction: Extraction, source: Source) -> Dataset:
    """The page and its records as a dataset of their own, for the build's mapping to turn into a graph."""
    return Dataset(sources=(source,), files=extraction.files)
