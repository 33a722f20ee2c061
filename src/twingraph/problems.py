"""One typed problem report for every stage: records, cross-file checks, SHACL, extraction.

A :class:`Problem` says where (file, line, field or path, focus node), which rule,
how bad (:class:`Severity`) and what, as linkml's ``ValidationReport`` does. A
:class:`ProblemReport` holds the problems of a run, counts them by severity and
selects those that concern a file by the files each problem names, never by
matching text.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from twingraph.errors import TwingraphError


class Severity(enum.StrEnum):
    """How bad a problem is: an error stops the build, a warning and an info do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclasses.dataclass(frozen=True)
class Site:
    """A place in a records file: the file, its line and the field (``events.3.place``)."""

    file: str | None = None
    line: int | None = None
    path: str | None = None

    def text(self) -> str:
        """``file:line: path``, leaving out what is unknown.

        >>> Site("a.yaml", 3, "city.name").text()
        'a.yaml:3: city.name'
        >>> Site("a.yaml").text()
        'a.yaml'
        """
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        return ": ".join(part for part in (where, self.path) if part)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem found by one stage.

    Attributes:
        rule: a short stable id: ``yaml.syntax``, ``schema``, ``quote.not-on-page``,
            ``id.duplicate``, ``alias.clash``, ``place.unknown-near-match``,
            ``iri.collision``, ``shacl.<Component>``, ``unparsed``, ...
        message: what is wrong and, where it can, what to do.
        severity: error, warning or info.
        file: the file the problem is in, when it is in one.
        line: its line in that file (1-based).
        path: the records field (``events.3.place``) or the SHACL result path.
        focus: the node of the graph, for SHACL results.
        also: the other places a cross-file problem involves; it concerns each of their files.
    """

    rule: str
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    line: int | None = None
    path: str | None = None
    focus: str | None = None
    also: tuple[Site, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        """Every file the problem names, its own first."""
        named = [self.file, *(site.file for site in self.also)]
        return tuple(dict.fromkeys(f for f in named if f is not None))

    def concerns(self, path: Path) -> bool:
        """Whether the problem names ``path`` (compared as resolved paths, not as text)."""
        wanted = path.resolve()
        return any(Path(name).resolve() == wanted for name in self.files)

    def text(self) -> str:
        """``file:line: field: message [rule]``; a focus node comes before the field.

        >>> Problem("schema", "bad date", file="a.yaml", line=3, path="events.0.start").text()
        'a.yaml:3: events.0.start: bad date [schema]'
        >>> Problem("unparsed", "kept for review", Severity.WARNING, "a.yaml", 9).text()
        'a.yaml:9: warning: kept for review [unparsed]'
        """
        where = Site(self.file, self.line).text()
        severity = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        head = [part for part in (where, self.focus, self.path) if part]
        also = f" (see also {'; '.join(site.text() for site in self.also)})" if self.also else ""
        return ": ".join([*head, f"{severity}{self.message}{also} [{self.rule}]"])

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON-ready data; every field is present, unknown ones are null."""
        data = dataclasses.asdict(self)
        data["severity"] = self.severity.value
        return data


def error(rule: str, message: str, site: Site | None = None, *also: Site) -> Problem:
    """An error at a site, maybe involving others: ``error("schema", "bad", Site("a.yaml", 3, "city.id"))``."""
    where = site or Site()
    return Problem(rule, message, Severity.ERROR, where.file, where.line, where.path, also=also)


def warning(rule: str, message: str, site: Site | None = None, *also: Site) -> Problem:
    """A warning at a site, maybe involving others; see :func:`error`."""
    return dataclasses.replace(error(rule, message, site, *also), severity=Severity.WARNING)


@dataclasses.dataclass(frozen=True)
class ProblemReport:
    """The problems of one run, in the order found."""

    problems: tuple[Problem, ...] = ()

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __add__(self, other: ProblemReport) -> ProblemReport:
        return ProblemReport((*self.problems, *other.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        """No errors (warnings and infos allowed): the build would go on."""
        return not self.errors

    def counts(self) -> dict[Severity, int]:
        """How many problems of each severity, every severity present.

        >>> ProblemReport((Problem("r", "m"),)).counts()[Severity.ERROR]
        1
        """
        return {s: sum(p.severity is s for p in self.problems) for s in Severity}

    def concerning(self, paths: Iterable[Path]) -> ProblemReport:
        """The problems that name one of ``paths``; a cross-file problem concerns each file it names."""
        wanted = list(paths)
        return ProblemReport(tuple(p for p in self.problems if any(p.concerns(path) for path in wanted)))

    def summary(self) -> str:
        """``2 errors, 1 warning, 0 infos`` (plural by count)."""
        return ", ".join(f"{n} {s.value}{'' if n == 1 else 's'}" for s, n in self.counts().items())

    def text(self) -> str:
        """One line per problem, then the counts; ``OK`` when there is none."""
        if not self.problems:
            return "OK"
        return "\n".join([*(p.text() for p in self.problems), self.summary()])

    def to_json(self) -> str:
        """``{"ok": ..., "counts": {...}, "problems": [...]}``, UTF-8 text, not escaped."""
        data = {
            "ok": self.ok,
            "counts": {s.value: n for s, n in self.counts().items()},
            "problems": [p.to_dict() for p in self.problems],
        }
        return json.dumps(data, ensure_ascii=False, indent=2)


class ProblemsError(TwingraphError):
    """A stage found errors; ``problem_report`` holds every problem, ``str()`` lists them for a reader."""

    def __init__(self, problems: Sequence[Problem], closing: str) -> None:
        self.problem_report = ProblemReport(tuple(problems))
        super().__init__("\n".join([*(p.text() for p in self.problem_report), closing]))

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.problem_report.problems
