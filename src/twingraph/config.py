"""Settings: where the data lives, the base IRI and the limits, frozen."""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

DEFAULT_BASE_IRI = "https://twingraph.example/"
ONTOLOGY_IRI = "https://twingraph.example/ns#"

# What a build writes to dist/: the dump the store loads, the downloads, the
# dataset description and what the build was made with.
DUMP = "twingraph.nt"
DUMPS = {"turtle": "twingraph.ttl", "jsonld": "twingraph.jsonld", "ntriples": "twingraph.nt.gz"}
VOID = "void.ttl"
BUILD_INFO = "build.json"


def find_root(start: Path) -> Path:
    """Return the project directory holding the data, else the bundled copy.

    A clone has ``data/records`` beside ``ontology/``; an installed wheel carries
    the same tree under ``twingraph/resources``; an editable install finds the
    checkout it was installed from.
    """
    bundled = Path(str(resources.files("twingraph") / "resources"))
    checkout = Path(__file__).resolve().parents[2]
    for candidate in (start, *start.parents, bundled, checkout):
        if (candidate / "data" / "records").is_dir() and (candidate / "ontology").is_dir():
            return candidate
    return bundled


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, fixed before the run starts."""

    root: Path
    base_iri: str = DEFAULT_BASE_IRI
    dist: Path | None = None
    links: Path | None = None
    data: Path | None = None
    query_timeout: float = 10.0
    row_limit: int = 10_000

    @property
    def data_dir(self) -> Path:
        """The directory holding records/ and sources/ (another one for synthetic data)."""
        return self.data if self.data is not None else self.root / "data"

    @property
    def records_dir(self) -> Path:
        return self.data_dir / "records"

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.dist if self.dist is not None else Path.cwd() / "dist"

    @property
    def links_file(self) -> Path:
        return self.links if self.links is not None else self.data_dir / "links.ttl"


def default_settings(**overrides: object) -> Settings:
    """Settings for the project found from the working directory."""
    return dataclasses.replace(Settings(root=find_root(Path.cwd())), **overrides)  # type: ignore[arg-type]
