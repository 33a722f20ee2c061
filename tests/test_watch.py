"""`serve --watch` after a failure that is not a TwingraphError: one line each, backing off, and back on a fix."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from twingraph.config import Settings
from twingraph.pipeline import Reloader, build, input_time
from twingraph.progress import Progress
from twingraph.serve.app import Backoff, watch
from twingraph.store import EmbeddedStore


class StopWatchingError(Exception):
    """Ends a watch loop from inside the fake sleep."""


class FakeSite:
    """Records the stores swapped in instead of serving them."""

    def __init__(self) -> None:
        self.swapped: list[EmbeddedStore] = []

    def swap(self, store: EmbeddedStore) -> None:
        self.swapped.append(store)


class Clock:
    """Fake time: sleeping advances it at once, then runs ``tick`` (which may raise StopWatchingError)."""

    def __init__(self, tick: Callable[[float], None]) -> None:
        self.now, self.tick = 0.0, tick

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.tick(self.now)


def waits(lines: list[str]) -> list[float]:
    return [float(m.group(1)) for line in lines if (m := re.search(r"next try in ([\d.]+) s", line))]


def test_a_failing_reload_is_reported_once_per_try_and_backs_off_to_a_minute() -> None:
    lines: list[str] = []
    tries: list[float] = []

    def refresh() -> EmbeddedStore | None:
        tries.append(clock.now)
        raise RecursionError("maximum recursion depth exceeded")

    def tick(now: float) -> None:
        if now >= 600:
            raise StopWatchingError

    clock = Clock(tick)
    site = FakeSite()
    with pytest.raises(StopWatchingError):
        asyncio.run(watch(site, refresh, Backoff(2.0, 60.0), sleep=clock.sleep, report=lines.append))  # type: ignore[arg-type]
    # every 2 s for ever would be 300 tries (and 300 tracebacks) in these ten minutes
    assert tries == [2, 6, 14, 30, 62, 122, 182, 242, 302, 362, 422, 482, 542]
    assert waits(lines) == [4, 8, 16, 32, *[60] * 9]
    assert all("\n" not in line and "RecursionError" in line and "still serving" in line for line in lines)
    assert site.swapped == []


def test_a_success_resets_the_backoff() -> None:
    lines: list[str] = []
    outcomes = iter([RecursionError("deep"), RecursionError("deep"), None, RecursionError("deep")])

    def refresh() -> EmbeddedStore | None:
        outcome = next(outcomes, None)
        if isinstance(outcome, Exception):
            raise outcome
        return None

    def tick(now: float) -> None:
        if now >= 40:
            raise StopWatchingError

    clock = Clock(tick)
    with pytest.raises(StopWatchingError):
        asyncio.run(watch(FakeSite(), refresh, Backoff(2.0, 60.0), sleep=clock.sleep, report=lines.append))  # type: ignore[arg-type]
    assert waits(lines) == [4, 8, 4], "after the good try the next failure starts again from the first wait"


@pytest.mark.slow
def test_a_build_that_crashes_backs_off_keeps_the_last_build_and_reloads_when_fixed(
    project_settings: Settings,
) -> None:
    """A real crash of the real reloader: its dist/ cannot be made, because a file stands where its parent should."""
    blocker = project_settings.root / "blocker"
    blocker.write_text("not a directory\n", encoding="utf-8")
    blocked = dataclasses.replace(project_settings, dist=blocker / "dist")
    lines: list[str] = []
    progress: list[str] = []
    site = FakeSite()
    fixed: list[float] = []

    def tick(now: float) -> None:
        if site.swapped:
            raise StopWatchingError
        if now >= 300 and not fixed:
            assert site.swapped == [], "nothing is swapped in while the build fails"
            blocker.unlink()  # the fix; touching the records makes the watch try again at once
            os.utime(project_settings.records_dir)
            fixed.append(now)

    clock = Clock(tick)
    reload = Reloader(blocked, messages_into(progress))
    with pytest.raises(StopWatchingError):
        asyncio.run(watch(site, reload, Backoff(2.0, 60.0), lambda: input_time(blocked),  # type: ignore[arg-type]
                          sleep=clock.sleep, report=lines.append))  # fmt: skip

    assert 5 <= len(lines) <= 10, lines  # every 2 s would be 150 tries in these five minutes
    assert waits(lines)[:5] == [4, 8, 16, 32, 60]
    for line in lines:
        assert "\n" not in line and "Traceback" not in line
        assert "NotADirectoryError" in line or "FileExistsError" in line, line
    assert len(site.swapped) == 1, "the fixed build is swapped in"
    assert clock.now - fixed[0] <= 2.0, "a change of the inputs is tried at once, not after the backed-off wait"
    assert any("now serving the new build" in message for message in progress)


@pytest.mark.slow
def test_an_undecodable_records_file_is_a_problem_reported_once_and_reloaded_when_fixed(
    project_settings: Settings,
) -> None:
    build(project_settings)
    bad = project_settings.records_dir / "zz-binary.yaml"
    bad.write_bytes(b"\xff\xfe\x00\x81binary\x00\x9c" * 64)
    lines: list[str] = []
    progress: list[str] = []
    site = FakeSite()

    def tick(now: float) -> None:
        if site.swapped:
            raise StopWatchingError
        if now >= 60 and bad.exists():
            bad.unlink()

    clock = Clock(tick)
    reload = Reloader(project_settings, messages_into(progress))
    with pytest.raises(StopWatchingError):
        asyncio.run(watch(site, reload, Backoff(2.0, 60.0), lambda: input_time(project_settings),  # type: ignore[arg-type]
                          sleep=clock.sleep, report=lines.append))  # fmt: skip
    assert lines == [], "a records problem is not a crash: no backing off"
    told = [m for m in progress if "zz-binary.yaml" in m]
    assert len(told) == 1 and "still serving the last good build" in told[0], progress
    assert len(site.swapped) == 1 and any("now serving the new build" in m for m in progress)


def messages_into(found: list[str]) -> Progress:
    """A progress that keeps the messages (not the counts of long steps)."""
    return lambda report: found.append(report) if isinstance(report, str) else None


def test_the_failure_line_names_the_file_being_read(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_bytes(b"\xff\xfe")
    lines: list[str] = []

    def refresh() -> EmbeddedStore | None:
        path.read_text(encoding="utf-8")
        return None

    def tick(now: float) -> None:
        if lines:
            raise StopWatchingError

    clock = Clock(tick)
    with pytest.raises(StopWatchingError):
        asyncio.run(watch(FakeSite(), refresh, Backoff(), sleep=clock.sleep, report=lines.append))  # type: ignore[arg-type]
    assert str(path) in lines[0] and "UnicodeDecodeError" in lines[0] and "next try in 4 s" in lines[0]
