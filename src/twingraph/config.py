"""Settings: where the data lives, the base IRI and the limits, frozen."""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

from twingraph.clock import Clock, clock_from_environment

DEFAULT_BASE_IRI = "https://twingraph.example/"
ONTOLOGY_IRI = "https://twingraph.example/ns#"

# What a build writes to dist/: the dump the store loads, the downloads, the
# dataset description and what the build was made with.
DUMP = "twingraph.nt"
DUMPS = {"turtle": "twingraph.ttl", "jsonld": "twingraph.jsonld", "ntriples": "twingraph.nt.gz"}
VOID = "void.ttl"
BUILD_INFO = "build.json"


def bundled_root() -> Path:
    """Where an installed wheel carries the data, ontology, shapes and queries: read-only.

    ``fileio`` refuses to write there (``fileio.ensure_writable``).
    """
    return Path(str(resources.files("twingraph") / "resources"))


def is_inside(path: Path, directory: Path) -> bool:
    """Whether ``path`` is ``directory`` or under it, symbolic links resolved; neither need exist.

    >>> is_inside(Path("/srv/site/a.ttl"), Path("/srv/site")), is_inside(Path("/srv/sitemap"), Path("/srv/site"))
    (True, False)
    """
    return path.resolve().is_relative_to(directory.resolve())


def find_root(start: Path) -> Path:
    """Return the project directory holding the data, else the bundled copy.

    A clone has ``data/records`` beside ``ontology/``; an installed wheel carries
    the same tree under ``twingraph/resources``; an editable install finds the
    checkout it was installed from.
    """
    bundled = bundled_root()
    checkout = Path(__file__).resolve().parents[2]
    for candidate in (start, *start.parents, bundled, checkout):
        if (candidate / "data" / "records").is_dir() and (candidate / "ontology").is_dir():
            return candidate
    return bundled


def working_dist() -> Path:
    """The default build directory: ``dist`` in the working directory when the settings are made."""
    return Path.cwd() / "dist"


QUEUE_WAIT = 2.0  # seconds a query waits for a slot
QUEUE_LIMIT = 64  # queries that may wait at once


@dataclasses.dataclass(frozen=True)
class Limits:
    """The serve options ``--workers``, ``--per-client``, ``--queue-wait``, ``--queue-limit``, ``--query-memory``.

    One client may have ``client_share()`` queries running and ``client_queue()`` more waiting.

    >>> Limits(workers=4).client_share(), Limits(workers=1).client_share(), Limits(per_client=3).client_share()
    (2, 1, 3)
    """

    workers: int = 4
    per_client: int | None = None  # None: half the workers, at least one
    queue_wait: float = QUEUE_WAIT
    queue_limit: int = QUEUE_LIMIT
    query_memory: int = 1024  # MiB one worker may allocate beyond its data, for the query it runs

    def client_share(self) -> int:
        """How many queries one client may run at once."""
        return self.per_client if self.per_client else max(1, self.workers // 2)

    def client_queue(self) -> int:
        """How many more queries one client may have waiting: a quarter of the queue, and at least its share.

        >>> Limits().client_queue(), Limits(queue_limit=4).client_queue(), Limits(per_client=20).client_queue()
        (16, 2, 20)
        """
        return max(self.client_share(), self.queue_limit // 4)


DEFAULT_LIMITS = Limits()


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, fixed before the run starts.

    Paths are made absolute when the settings are made, so a later change of the
    working directory changes none of them; ``dist`` defaults to ``./dist`` of that moment.
    ``clock`` is every stage's "now" (a founding or an event in the future is refused):
    the system clock, or the moment ``SOURCE_DATE_EPOCH`` names when the settings are made.
    """

    root: Path
    base_iri: str = DEFAULT_BASE_IRI
    dist: Path = dataclasses.field(default_factory=working_dist)
    links: Path | None = None
    data: Path | None = None
    query_timeout: float = 10.0
    row_limit: int = 10_000
    clock: Clock = dataclasses.field(default_factory=clock_from_environment, compare=False)

    def __post_init__(self) -> None:
        # frozen: the absolute paths are set once, here, through object.__setattr__
        if self.dist is None:  # an untyped caller's None means the default
            object.__setattr__(self, "dist", working_dist())
        for name in ("root", "dist", "links", "data"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value).absolute())

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
        return self.dist

    @property
    def links_file(self) -> Path:
        return self.links if self.links is not None else self.data_dir / "links.ttl"

    @property
    def gaps_file(self) -> Path:
        """Where ``giveback`` writes the P190 gap report by default."""
        return self.data_dir / "p190-gaps.tsv"

    @property
    def quickstatements_file(self) -> Path:
        """Where ``giveback`` writes the QuickStatements by default."""
        return self.data_dir / "p190-quickstatements.txt"


def default_settings(**overrides: object) -> Settings:
    """Settings for the project found from the working directory; an override of None keeps the default."""
    given = {name: value for name, value in overrides.items() if value is not None}
    return dataclasses.replace(Settings(root=find_root(Path.cwd())), **given)  # type: ignore[arg-type]
