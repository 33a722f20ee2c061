"""The date-sensitive parts of a build, run at other dates: green on any day, and "now" from one clock.

A build a year and ten years from today (the system clock moved by time-machine, so a
stray read of the real time anywhere would show) gives the same bytes as today's. A
clock set before the data's dates makes the records check and both SHACL engines refuse
them as "in the future", which shows that they read the settings' clock and not the
machine's (the shapes say ``NOW()``; ``validate.load_shapes`` gives it the clock's moment).
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
import time_machine

from twingraph.clock import fixed_clock
from twingraph.config import Settings, default_settings
from twingraph.pipeline import Built, build, build_problems
from twingraph.validate import Engine

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ("twingraph.nt", "twingraph.ttl", "twingraph.jsonld", "void.ttl", "build.json")


@pytest.mark.slow
@pytest.mark.parametrize("days_ahead", [366, 3653])
def test_a_build_at_a_later_date_gives_the_same_bytes(built: Built, settings: Settings, tmp_path: Path,
                                                      days_ahead: int) -> None:  # fmt: skip
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days_ahead)
    with time_machine.travel(later, tick=False):
        ahead = default_settings(root=ROOT, dist=tmp_path / "dist")
        assert ahead.clock().date() == later.date()
        build(ahead)
    for name in OUTPUTS:
        assert (tmp_path / "dist" / name).read_bytes() == (settings.dist_dir / name).read_bytes(), name


@pytest.mark.parametrize("engine", list(Engine))
def test_a_clock_before_the_data_makes_its_dates_the_future(tmp_path: Path, engine: Engine) -> None:
    early = datetime.datetime(2010, 1, 1, tzinfo=datetime.UTC)
    settings = dataclasses.replace(default_settings(root=ROOT, dist=tmp_path / "dist"), clock=fixed_clock(early))
    report = build_problems(settings, engine)
    assert not report.ok
    messages = {problem.message for problem in report.problems}
    # the records check refuses foundings after the clock's year before SHACL runs; with none, SHACL's shapes speak
    assert any("future" in message for message in messages), messages


def test_the_shapes_judge_the_future_by_the_clock(tmp_path: Path) -> None:
    """SHACL alone: the Kazan records (no founding after 2010) with events up to 2025 checked at 2024-06-30."""
    settings = dataclasses.replace(default_settings(root=ROOT, dist=tmp_path / "dist"),
                                   clock=fixed_clock(datetime.datetime(2024, 6, 30, tzinfo=datetime.UTC)))  # fmt: skip
    for engine in Engine:
        problems = build_problems(settings, engine).problems
        future = [p for p in problems if p.message.startswith("the event is dated in the future (value: ")]
        assert future, [p.message for p in problems]
        for problem in future:
            value = problem.message.rpartition("value: ")[2].rstrip(")")
            assert value > "2024-06-30"[: len(value)], problem  # later than the clock, at its own precision
            assert problem.focus is not None and "/event/" in str(problem.focus), problem
